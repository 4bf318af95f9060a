/* cg_expr.c - lowering of expressions.
 *
 * Integer-like values (ints, bools, pointers) are i64 SSA values (cg_expr)
 * that always hold the exact value of their type: an int8 is sign-extended,
 * a uint16 zero-extended, so operators can work in 64 bits and convert the
 * result back to the C type sema chose (cg_conv). Everything else (strings,
 * tuples, records, buffers, arrays) is written into memory the caller
 * provides (cg_expr_into), so a string read by a helper lands directly where
 * it is used: in a map key, a ring buffer event or a variable. */
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include "codegen/cg.h"
#include "codegen/cg_int.h"
#include "sema/builtin.h"

static bool in_memory(const struct type *t)
{
	switch (t->kind) {
	case TY_STR: case TY_BUF: case TY_TUPLE: case TY_RECORD: case TY_ARRAY:
		return true;
	default:
		/* any other value wider than an i64 (usym: address and pid) */
		return t->size > 8;
	}
}

static LLVMValueRef bool64(struct cg *cg, LLVMValueRef i1)
{
	return LLVMBuildZExt(cg->b, i1, cg->i64, "");
}

/* Stores len literal bytes at dst with 8-byte immediates (no .rodata). */
static void store_bytes(struct cg *cg, LLVMValueRef dst, const char *s, int len, int size)
{
	for (int off = 0; off < size; off += 8) {
		uint64_t v = 0;
		int chunk = size - off < 8 ? size - off : 8;
		for (int i = 0; i < chunk; i++)
			if (off + i < len)
				v |= (uint64_t)(unsigned char)s[off + i] << (8 * i);
		LLVMTypeRef t = chunk == 8 ? cg->i64 : LLVMIntTypeInContext(cg->ctx, (unsigned)chunk * 8);
		LLVMValueRef at = cg_gep(cg, dst, off);
		LLVMValueRef st = LLVMBuildStore(cg->b, LLVMConstInt(t, v, 0), at);
		unsigned a = cg_align_of(cg, at);
		while (a > (unsigned)chunk)
			a >>= 1;
		LLVMSetAlignment(st, a);
	}
}

LLVMValueRef cg_loop_begin(struct cg *cg, struct cg_count_loop *l, LLVMValueRef n)
{
	l->islot = cg_alloca_stack(cg, 8, "i");
	cg_store_i64(cg, l->islot, cg_i64(cg, 0));
	l->head = cg_block(cg, "loop_head");
	l->body = cg_block(cg, "loop_body");
	l->done = cg_block(cg, "loop_done");
	LLVMBuildBr(cg->b, l->head);
	LLVMPositionBuilderAtEnd(cg->b, l->head);
	LLVMValueRef i = cg_load_int(cg, l->islot, 8, false);
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntULT, i, n, ""), l->body, l->done);
	LLVMPositionBuilderAtEnd(cg->b, l->body);
	return i;
}

void cg_loop_end(struct cg *cg, struct cg_count_loop *l)
{
	LLVMValueRef i = cg_load_int(cg, l->islot, 8, false);
	cg_store_i64(cg, l->islot, LLVMBuildAdd(cg->b, i, cg_i64(cg, 1), ""));
	LLVMBuildBr(cg->b, l->head);
	LLVMPositionBuilderAtEnd(cg->b, l->done);
}

/* ---- maps -------------------------------------------------------------- */

LLVMValueRef cg_map_key(struct cg *cg, struct node *map, int extra, int *key_size)
{
	struct map_info *mi = map->sem;
	int ks = mi->key ? mi->key->size : 8;
	*key_size = ks + extra;
	LLVMValueRef key = cg_alloca(cg, ks + extra, "key");
	cg_memset0(cg, key, ks + extra);
	if (!mi->key)
		return key;
	if (map->list.n == 1 && map->list.v[0]->type->kind == TY_TUPLE) {
		/* @m[(a, b)]: the tuple is the key */
		cg_expr_into_slot(cg, map->list.v[0], mi->key, key);
		return key;
	}
	for (int i = 0; i < map->list.n; i++) {
		struct type_field *f = &mi->key->fields[i];
		cg_expr_into_slot(cg, map->list.v[i], f->type, cg_gep(cg, key, f->offset));
	}
	return key;
}

/* Reads a map value into dst (zero when the key is absent). */
static void map_read_into(struct cg *cg, struct node *n, LLVMValueRef dst, int size)
{
	struct map_info *mi = n->sem;
	int ks;
	LLVMValueRef key = cg_map_key(cg, n, 0, &ks);
	LLVMValueRef p = cg_map_lookup(cg, mi->rt->fd, key);
	LLVMBasicBlockRef hit = cg_block(cg, "map_hit"), miss = cg_block(cg, "map_miss"),
			  done = cg_block(cg, "map_done");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, p, LLVMConstNull(cg->ptr), ""), miss, hit);
	LLVMPositionBuilderAtEnd(cg->b, hit);
	cg_memcpy(cg, dst, p, size);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, miss);
	cg_memset0(cg, dst, size);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

/* count/sum: the sum of every CPU's slot; min/max: the best of the CPUs
 * that have a value; avg: total / count over all CPUs (value layouts:
 * event_abi.h). */
LLVMValueRef cg_agg_read(struct cg *cg, struct map_info *mi, LLVMValueRef key)
{
	enum type_kind k = mi->val->kind;
	bool sg = mi->val->is_signed;
	LLVMValueRef acc = cg_alloca_stack(cg, 8, "agg_acc"), cnt = cg_alloca_stack(cg, 8, "agg_cnt");
	cg_store_i64(cg, acc, cg_i64(cg, 0));
	cg_store_i64(cg, cnt, cg_i64(cg, 0));
	struct cg_count_loop l;
	LLVMValueRef cpu = cg_loop_begin(cg, &l, cg_i64(cg, cg->rt->ncpus > 0 ? cg->rt->ncpus : 1));
	LLVMValueRef p = cg_map_lookup_percpu(cg, mi->rt->fd, key, LLVMBuildTrunc(cg->b, cpu, cg->i32, ""));
	LLVMBasicBlockRef have = cg_block(cg, "agg_cpu"), next = cg_block(cg, "agg_next");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, p, LLVMConstNull(cg->ptr), ""), next, have);
	LLVMPositionBuilderAtEnd(cg->b, have);
	LLVMValueRef v = cg_load_int(cg, p, 8, true);
	LLVMValueRef a = cg_load_int(cg, acc, 8, true), c = cg_load_int(cg, cnt, 8, false);
	if (k == TY_MIN || k == TY_MAX) {
		LLVMValueRef set = cg_load_int(cg, cg_gep(cg, p, 8), 8, false);
		LLVMIntPredicate pr = k == TY_MIN ? (sg ? LLVMIntSLT : LLVMIntULT) : (sg ? LLVMIntSGT : LLVMIntUGT);
		LLVMValueRef better = LLVMBuildOr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, c, cg_i64(cg, 0), ""),
						  LLVMBuildICmp(cg->b, pr, v, a, ""), "");
		LLVMValueRef take = LLVMBuildAnd(cg->b, better, LLVMBuildICmp(cg->b, LLVMIntNE, set, cg_i64(cg, 0), ""), "");
		cg_store_i64(cg, acc, LLVMBuildSelect(cg->b, take, v, a, ""));
		cg_store_i64(cg, cnt, LLVMBuildSelect(cg->b, take, cg_i64(cg, 1), c, ""));
	} else {
		cg_store_i64(cg, acc, LLVMBuildAdd(cg->b, a, v, ""));
		if (k == TY_AVG)
			cg_store_i64(cg, cnt, LLVMBuildAdd(cg->b, c, cg_load_int(cg, cg_gep(cg, p, 8), 8, false), ""));
	}
	LLVMBuildBr(cg->b, next);
	LLVMPositionBuilderAtEnd(cg->b, next);
	cg_loop_end(cg, &l);
	LLVMValueRef total = cg_load_int(cg, acc, 8, true);
	if (k != TY_AVG)
		return total;
	/* total / count, rounding toward zero; 0 without values */
	LLVMValueRef n = cg_load_int(cg, cnt, 8, false);
	LLVMValueRef z = LLVMBuildICmp(cg->b, LLVMIntEQ, n, cg_i64(cg, 0), "");
	LLVMValueRef nn = LLVMBuildSelect(cg->b, z, cg_i64(cg, 1), n, "");
	LLVMValueRef q;
	if (sg) {
		LLVMValueRef neg = LLVMBuildICmp(cg->b, LLVMIntSLT, total, cg_i64(cg, 0), "");
		LLVMValueRef mag = LLVMBuildSelect(cg->b, neg, LLVMBuildNeg(cg->b, total, ""), total, "");
		q = LLVMBuildUDiv(cg->b, mag, nn, "");
		q = LLVMBuildSelect(cg->b, neg, LLVMBuildNeg(cg->b, q, ""), q, "");
	} else {
		q = LLVMBuildUDiv(cg->b, total, nn, "");
	}
	return LLVMBuildSelect(cg->b, z, cg_i64(cg, 0), q, "avg");
}

static LLVMValueRef map_read_int(struct cg *cg, struct node *n)
{
	struct map_info *mi = n->sem;
	if (type_is_agg(mi->val)) {
		int ks;
		return cg_agg_read(cg, mi, cg_map_key(cg, n, 0, &ks));
	}
	LLVMValueRef tmp = cg_alloca(cg, 8, "mapval");
	map_read_into(cg, n, tmp, 8);
	return cg_load_int(cg, tmp, 8, true);
}

static void map_write_int(struct cg *cg, struct node *n, LLVMValueRef v)
{
	struct map_info *mi = n->sem;
	int ks;
	LLVMValueRef key = cg_map_key(cg, n, 0, &ks);
	LLVMValueRef val = cg_alloca(cg, 8, "val");
	cg_store_i64(cg, val, v);
	cg_map_update(cg, mi->rt->fd, key, val, BPF_ANY);
}

/* ---- variables ----------------------------------------------------------- */

LLVMValueRef cg_var_slot(struct cg *cg, struct var_info *v)
{
	if (!v->cg) {
		bool mem = v->type && in_memory(v->type);
		int size = mem ? v->type->size : 8;
		/* integers stay on the stack: the verifier follows their values
		 * there (a while loop's counter), not in map memory */
		v->cg = mem ? cg_alloca(cg, size, v->name + 1) : cg_alloca_stack(cg, 8, v->name + 1);
		/* zero it in the prologue: a variable read on a path that did not
		 * assign it reads zero, and the verifier sees initialised stack */
		LLVMBuilderRef pb = cg_prologue_builder(cg);
		LLVMBuildMemSet(pb, v->cg, LLVMConstInt(cg->i8, 0, 0), cg_i64(cg, size), 1);
		LLVMDisposeBuilder(pb);
	}
	return v->cg;
}

/* ---- operators ------------------------------------------------------------ */

/* Byte i of a and b: equal so far and not yet past the terminating NUL. */
static LLVMValueRef str_eq(struct cg *cg, struct node *a, struct node *b)
{
	int sa = a->type->size, sb = b->type->size, n = sa < sb ? sa : sb;
	LLVMValueRef pa = cg_alloca(cg, sa, "cmpa"), pb = cg_alloca(cg, sb, "cmpb");
	cg_expr_into(cg, a, pa);
	cg_expr_into(cg, b, pb);
	if (n <= 16) {
		LLVMValueRef done = LLVMConstInt(cg->i1, 0, 0), diff = LLVMConstInt(cg->i1, 0, 0);
		for (int i = 0; i < n; i++) {
			LLVMValueRef x = LLVMBuildLoad2(cg->b, cg->i8, cg_gep(cg, pa, i), "");
			LLVMValueRef y = LLVMBuildLoad2(cg->b, cg->i8, cg_gep(cg, pb, i), "");
			LLVMValueRef ne = LLVMBuildICmp(cg->b, LLVMIntNE, x, y, "");
			diff = LLVMBuildOr(cg->b, diff, LLVMBuildAnd(cg->b, ne, LLVMBuildNot(cg->b, done, ""), ""), "");
			done = LLVMBuildOr(cg->b, done, LLVMBuildICmp(cg->b, LLVMIntEQ, x, LLVMConstInt(cg->i8, 0, 0), ""), "");
		}
		return LLVMBuildNot(cg->b, diff, "streq");
	}
	/* long strings: a loop that stops at the first difference or NUL */
	LLVMValueRef res = cg_alloca_stack(cg, 8, "streq");
	cg_store_i64(cg, res, cg_i64(cg, 1));
	struct cg_count_loop l;
	LLVMValueRef i = cg_loop_begin(cg, &l, cg_i64(cg, n));
	LLVMValueRef x = LLVMBuildLoad2(cg->b, cg->i8, LLVMBuildGEP2(cg->b, cg->i8, pa, &i, 1, ""), "");
	LLVMValueRef y = LLVMBuildLoad2(cg->b, cg->i8, LLVMBuildGEP2(cg->b, cg->i8, pb, &i, 1, ""), "");
	LLVMBasicBlockRef differ = cg_block(cg, "str_differ"), same = cg_block(cg, "str_same"),
			  more = cg_block(cg, "str_more");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, x, y, ""), differ, same);
	LLVMPositionBuilderAtEnd(cg->b, differ);
	cg_store_i64(cg, res, cg_i64(cg, 0));
	LLVMBuildBr(cg->b, l.done);
	LLVMPositionBuilderAtEnd(cg->b, same);
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, x, LLVMConstInt(cg->i8, 0, 0), ""), l.done, more);
	LLVMPositionBuilderAtEnd(cg->b, more);
	cg_loop_end(cg, &l);
	return LLVMBuildICmp(cg->b, LLVMIntNE, cg_load_int(cg, res, 8, false), cg_i64(cg, 0), "");
}

/* == on tuples, buffers and integer arrays: both sides in one layout, then
 * every byte (tuples and arrays are zero-filled where they have padding). */
static LLVMValueRef mem_eq(struct cg *cg, struct node *n)
{
	struct type *t = n->sem ? n->sem : n->a->type;
	int size = t->size;
	LLVMValueRef pa = cg_alloca(cg, size, "cmpa"), pb = cg_alloca(cg, size, "cmpb");
	cg_memset0(cg, pa, size);
	cg_memset0(cg, pb, size);
	cg_expr_into_slot(cg, n->a, t, pa);
	cg_expr_into_slot(cg, n->b, t, pb);
	LLVMValueRef diff = cg_i64(cg, 0);
	int off = 0;
	for (; off + 8 <= size; off += 8)
		diff = LLVMBuildOr(cg->b, diff, LLVMBuildXor(cg->b, cg_load_int(cg, cg_gep(cg, pa, off), 8, false),
							     cg_load_int(cg, cg_gep(cg, pb, off), 8, false), ""), "");
	for (; off < size; off++)
		diff = LLVMBuildOr(cg->b, diff, LLVMBuildXor(cg->b, cg_load_int(cg, cg_gep(cg, pa, off), 1, false),
							     cg_load_int(cg, cg_gep(cg, pb, off), 1, false), ""), "");
	return LLVMBuildICmp(cg->b, LLVMIntEQ, diff, cg_i64(cg, 0), "memeq");
}

/* Signed division and remainder on BPF cpu v3, which only divides unsigned:
 * divide magnitudes, then fix the sign as C does (truncation toward zero). */
static LLVMValueRef sdivrem(struct cg *cg, LLVMValueRef l, LLVMValueRef r, bool rem)
{
	LLVMBuilderRef b = cg->b;
	LLVMValueRef zero = cg_i64(cg, 0);
	LLVMValueRef ln = LLVMBuildICmp(b, LLVMIntSLT, l, zero, ""), rn = LLVMBuildICmp(b, LLVMIntSLT, r, zero, "");
	LLVMValueRef la = LLVMBuildSelect(b, ln, LLVMBuildNeg(b, l, ""), l, "");
	LLVMValueRef ra = LLVMBuildSelect(b, rn, LLVMBuildNeg(b, r, ""), r, "");
	LLVMValueRef q = rem ? LLVMBuildURem(b, la, ra, "") : LLVMBuildUDiv(b, la, ra, "");
	LLVMValueRef neg = rem ? ln : LLVMBuildXor(b, ln, rn, "");
	return LLVMBuildSelect(b, neg, LLVMBuildNeg(b, q, ""), q, "");
}

static LLVMValueRef arith(struct cg *cg, enum op op, LLVMValueRef l, LLVMValueRef r, bool is_signed)
{
	LLVMBuilderRef b = cg->b;
	switch (op) {
	case OP_ADD: return LLVMBuildAdd(b, l, r, "");
	case OP_SUB: return LLVMBuildSub(b, l, r, "");
	case OP_MUL: return LLVMBuildMul(b, l, r, "");
	case OP_DIV: case OP_MOD: {
		/* x / 0 is 0 in BPF (and x % 0 is x); make both well defined for LLVM */
		LLVMValueRef z = LLVMBuildICmp(b, LLVMIntEQ, r, cg_i64(cg, 0), "");
		LLVMValueRef rr = LLVMBuildSelect(b, z, cg_i64(cg, 1), r, "");
		LLVMValueRef v = is_signed ? sdivrem(cg, l, rr, op == OP_MOD)
			       : op == OP_DIV ? LLVMBuildUDiv(b, l, rr, "") : LLVMBuildURem(b, l, rr, "");
		return LLVMBuildSelect(b, z, op == OP_DIV ? cg_i64(cg, 0) : l, v, "");
	}
	case OP_BAND: return LLVMBuildAnd(b, l, r, "");
	case OP_BOR: return LLVMBuildOr(b, l, r, "");
	case OP_BXOR: return LLVMBuildXor(b, l, r, "");
	case OP_SHL: return LLVMBuildShl(b, l, LLVMBuildAnd(b, r, cg_i64(cg, 63), ""), "");
	case OP_SHR: return is_signed ? LLVMBuildAShr(b, l, LLVMBuildAnd(b, r, cg_i64(cg, 63), ""), "")
				     : LLVMBuildLShr(b, l, LLVMBuildAnd(b, r, cg_i64(cg, 63), ""), "");
	case OP_EQ: return bool64(cg, LLVMBuildICmp(b, LLVMIntEQ, l, r, ""));
	case OP_NE: return bool64(cg, LLVMBuildICmp(b, LLVMIntNE, l, r, ""));
	case OP_LT: return bool64(cg, LLVMBuildICmp(b, is_signed ? LLVMIntSLT : LLVMIntULT, l, r, ""));
	case OP_LE: return bool64(cg, LLVMBuildICmp(b, is_signed ? LLVMIntSLE : LLVMIntULE, l, r, ""));
	case OP_GT: return bool64(cg, LLVMBuildICmp(b, is_signed ? LLVMIntSGT : LLVMIntUGT, l, r, ""));
	case OP_GE: return bool64(cg, LLVMBuildICmp(b, is_signed ? LLVMIntSGE : LLVMIntUGE, l, r, ""));
	default: return cg_i64(cg, 0);
	}
}

/* l op r for integer operands: both convert to their common C type, the
 * operation runs in 64 bits, the result converts back to its type. */
static LLVMValueRef int_binop(struct cg *cg, struct node *n, enum op op, struct node *a, LLVMValueRef l,
			      struct node *b, LLVMValueRef r)
{
	struct type *ct;
	if (op == OP_SHL || op == OP_SHR) {
		ct = sema_int_promote(a->type);
		l = cg_conv(cg, l, a->type, ct);
	} else {
		ct = sema_int_common(a->type, b->type);
		l = cg_conv(cg, l, a->type, ct);
		r = cg_conv(cg, r, b->type, ct);
	}
	LLVMValueRef v = arith(cg, op, l, r, ct->is_signed);
	return n && n->type ? cg_conv(cg, v, ct, n->type) : v;
}

static LLVMValueRef logical(struct cg *cg, struct node *n)
{
	LLVMValueRef lb = cg_truth(cg, n->a);
	LLVMBasicBlockRef from = LLVMGetInsertBlock(cg->b);
	LLVMBasicBlockRef rhs = cg_block(cg, "logic_rhs"), done = cg_block(cg, "logic_done");
	if (n->op == OP_LAND)
		LLVMBuildCondBr(cg->b, lb, rhs, done);
	else
		LLVMBuildCondBr(cg->b, lb, done, rhs);
	LLVMPositionBuilderAtEnd(cg->b, rhs);
	LLVMValueRef rb = cg_truth(cg, n->b);
	LLVMBasicBlockRef rend = LLVMGetInsertBlock(cg->b);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	return bool64(cg, cg_phi2(cg, cg->i1, LLVMConstInt(cg->i1, n->op == OP_LOR, 0), from, rb, rend));
}

static int pointee_size(const struct type *p)
{
	return p->elem && p->elem->size > 0 ? p->elem->size : 1;
}

static LLVMValueRef binop(struct cg *cg, struct node *n)
{
	struct type *lt = n->a->type, *rt = n->b->type;
	if (n->op == OP_LAND || n->op == OP_LOR)
		return logical(cg, n);
	if (lt->kind == rt->kind && (lt->kind == TY_STR) && (n->op == OP_EQ || n->op == OP_NE)) {
		LLVMValueRef eq = str_eq(cg, n->a, n->b);
		return bool64(cg, n->op == OP_EQ ? eq : LLVMBuildNot(cg->b, eq, ""));
	}
	if (lt->kind == rt->kind && (lt->kind == TY_TUPLE || lt->kind == TY_BUF || lt->kind == TY_ARRAY)) {
		LLVMValueRef eq = mem_eq(cg, n);
		return bool64(cg, n->op == OP_EQ ? eq : LLVMBuildNot(cg->b, eq, ""));
	}
	if (lt->kind == TY_PTR || rt->kind == TY_PTR) {
		LLVMValueRef l = cg_expr(cg, n->a), r = cg_expr(cg, n->b);
		if (lt->kind == TY_PTR && rt->kind == TY_PTR && n->op == OP_SUB)
			return arith(cg, OP_DIV, LLVMBuildSub(cg->b, l, r, ""), cg_i64(cg, pointee_size(lt)), true);
		if (n->op == OP_ADD || n->op == OP_SUB) {
			bool lp = lt->kind == TY_PTR;
			LLVMValueRef off = LLVMBuildMul(cg->b, lp ? r : l, cg_i64(cg, pointee_size(lp ? lt : rt)), "");
			return arith(cg, n->op, lp ? l : r, off, false);
		}
		return arith(cg, n->op, l, r, false);
	}
	LLVMValueRef l = cg_expr(cg, n->a);
	LLVMValueRef r = cg_expr(cg, n->b);
	return int_binop(cg, n, n->op, n->a, l, n->b, r);
}

/* ---- lvalues: read-modify-write for ++, --, op= ---------------------------- */

LLVMValueRef cg_lvalue_read(struct cg *cg, struct node *lv)
{
	if (lv->kind == N_VAR)
		return cg_load_int(cg, cg_var_slot(cg, lv->sem), 8, true);
	return map_read_int(cg, lv);
}

void cg_lvalue_write(struct cg *cg, struct node *lv, LLVMValueRef v)
{
	if (lv->kind == N_VAR)
		cg_store_i64(cg, cg_var_slot(cg, lv->sem), v);
	else
		map_write_int(cg, lv, v);
}

/* The type an lvalue holds (a variable's final type, a map's value type). */
static struct type *lvalue_type(struct node *lv)
{
	if (lv->kind == N_VAR)
		return ((struct var_info *)lv->sem)->type;
	return ((struct map_info *)lv->sem)->val;
}

/* lv op= r: the C semantics of lv = (type of lv)(lv op r). */
LLVMValueRef cg_compound(struct cg *cg, struct node *lv, enum op op, struct node *rhs)
{
	struct type *t = lvalue_type(lv);
	LLVMValueRef old = cg_lvalue_read(cg, lv);
	LLVMValueRef r = cg_expr(cg, rhs);
	LLVMValueRef v;
	if (t->kind == TY_PTR) {
		LLVMValueRef off = LLVMBuildMul(cg->b, r, cg_i64(cg, pointee_size(t)), "");
		v = op == OP_ADD ? LLVMBuildAdd(cg->b, old, off, "") : LLVMBuildSub(cg->b, old, off, "");
	} else {
		struct node tmp = { .kind = N_VAR, .type = t };
		v = cg_conv(cg, int_binop(cg, NULL, op, &tmp, old, rhs, r), NULL, t);
	}
	cg_lvalue_write(cg, lv, v);
	return v;
}

static LLVMValueRef incdec(struct cg *cg, struct node *n)
{
	struct type *t = lvalue_type(n->a);
	LLVMValueRef old = cg_lvalue_read(cg, n->a);
	bool inc = n->op == OP_PREINC || n->op == OP_POSTINC;
	LLVMValueRef step = cg_i64(cg, t->kind == TY_PTR ? pointee_size(t) : 1);
	LLVMValueRef nv = inc ? LLVMBuildAdd(cg->b, old, step, "") : LLVMBuildSub(cg->b, old, step, "");
	nv = cg_conv(cg, nv, t, t);
	cg_lvalue_write(cg, n->a, nv);
	return n->op == OP_PREINC || n->op == OP_PREDEC ? nv : old;
}

/* ---- fields ------------------------------------------------------------ */

static bool is_args(struct node *n)
{
	return n->kind == N_IDENT && !strcmp(n->str, "args");
}

/* An integer member at p (kernel or ctx memory already copied), with its
 * bitfield extraction. */
static LLVMValueRef member_int(struct cg *cg, LLVMValueRef p, struct type_field *f, int sz)
{
	if (!f->bit_size)
		return cg_load_int(cg, p, sz, f->type->is_signed);
	LLVMValueRef raw = cg_load_int(cg, p, sz, false);
	raw = LLVMBuildLShr(cg->b, raw, cg_i64(cg, f->bit_offset), "");
	int shift = 64 - f->bit_size;
	raw = LLVMBuildShl(cg->b, raw, cg_i64(cg, shift), "");
	return f->type->is_signed ? LLVMBuildAShr(cg->b, raw, cg_i64(cg, shift), "")
				  : LLVMBuildLShr(cg->b, raw, cg_i64(cg, shift), "");
}

static int int_width(const struct type *t)
{
	int sz = t->kind == TY_PTR ? 8 : t->size;
	return sz == 1 || sz == 2 || sz == 4 || sz == 8 ? sz : 8;
}

static LLVMValueRef ctx_field_int(struct cg *cg, struct type_field *f)
{
	int sz = int_width(f->type);
	if (f->bit_size)
		sz = (f->bit_offset + f->bit_size + 7) / 8 <= 4 ? ((f->bit_offset + f->bit_size + 7) / 8 <= 2 ? 2 : 4) : 8;
	return member_int(cg, cg_gep(cg, cg->ctxarg, f->offset), f, sz);
}

static void ctx_field_into(struct cg *cg, struct type_field *f, LLVMValueRef dst)
{
	int size = f->type->size;
	if (f->data_loc) {
		LLVMValueRef loc = cg_load_int(cg, cg_gep(cg, cg->ctxarg, f->offset), 4, false);
		LLVMValueRef off = LLVMBuildAnd(cg->b, loc, cg_i64(cg, 0xffff), "");
		LLVMValueRef src = LLVMBuildGEP2(cg->b, cg->i8, cg->ctxarg, &off, 1, "");
		cg_memset0(cg, dst, size);
		cg_probe_read_str(cg, dst, size, src, AS_KERNEL);
		return;
	}
	cg_probe_read(cg, dst, size, cg_gep(cg, cg->ctxarg, f->offset), AS_KERNEL);
	if (f->type->kind == TY_STR)
		LLVMBuildStore(cg->b, LLVMConstInt(cg->i8, 0, 0), cg_gep(cg, dst, size - 1));
}

/* Members and elements of memory outside the program (through pointers)
 * are cg_member.c's (sema_is_remote); these are the program's own values:
 * the probe context (args) and records held in variables, maps, tuples. */

static LLVMValueRef field_int(struct cg *cg, struct node *n)
{
	struct type_field *f = n->sem;
	if (is_args(n->a))
		return ctx_field_int(cg, f);
	int sz = int_width(f->type);
	if (f->bit_size)
		sz = 8;
	LLVMValueRef tmp = cg_alloca(cg, 8, "fld");
	cg_memset0(cg, tmp, 8);
	/* a record value in memory (script record, struct copy) */
	LLVMValueRef rec = cg_alloca(cg, n->a->type->size, "rec");
	cg_expr_into(cg, n->a, rec);
	cg_memcpy(cg, tmp, cg_gep(cg, rec, f->offset),
		  f->offset + sz <= n->a->type->size ? sz : n->a->type->size - f->offset);
	return member_int(cg, tmp, f, sz);
}

static void field_into(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	struct type_field *f = n->sem;
	if (is_args(n->a)) {
		ctx_field_into(cg, f, dst);
		return;
	}
	int size = n->type->size;
	LLVMValueRef rec = cg_alloca(cg, n->a->type->size, "rec");
	cg_expr_into(cg, n->a, rec);
	cg_memcpy(cg, dst, cg_gep(cg, rec, f->offset), size);
}

/* ---- indexes ------------------------------------------------------------ */

/* Address of element n->b of the value n->a (an array or string of the
 * program's own, copied to memory; p[i] is cg_member.c's). */
static LLVMValueRef index_addr(struct cg *cg, struct node *n, int esize)
{
	struct type *bt = n->a->type;
	LLVMValueRef idx = n->sem_id ? cg_i64(cg, n->ival) : cg_expr(cg, n->b);
	LLVMValueRef mem = cg_alloca(cg, bt->size, "indexed");
	cg_expr_into(cg, n->a, mem);
	int count = bt->kind == TY_STR ? bt->size : bt->nelem;
	if (!n->sem_id) {
		/* out of bounds reads element 0 (the verifier needs the bound) */
		LLVMValueRef ok = LLVMBuildICmp(cg->b, LLVMIntULT, idx, cg_i64(cg, count), "");
		idx = LLVMBuildSelect(cg->b, ok, idx, cg_i64(cg, 0), "");
	}
	LLVMValueRef off = LLVMBuildMul(cg->b, idx, cg_i64(cg, esize), "");
	return LLVMBuildGEP2(cg->b, cg->i8, mem, &off, 1, "");
}

static LLVMValueRef index_int(struct cg *cg, struct node *n)
{
	struct type *bt = n->a->type;
	if (bt->kind == TY_TUPLE) {
		LLVMValueRef tmp = cg_alloca(cg, bt->size, "tuple");
		cg_expr_into(cg, n->a, tmp);
		return cg_load_int(cg, cg_gep(cg, tmp, bt->fields[n->ival].offset), int_width(n->type),
				   n->type->is_signed);
	}
	int esize = bt->kind == TY_STR ? 1 : n->type->size;
	int w = int_width(n->type);
	LLVMValueRef p = index_addr(cg, n, esize);
	return cg_load_int(cg, p, w, n->type->is_signed);
}

static void index_into(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	struct type *bt = n->a->type;
	int size = n->type->size;
	if (bt->kind == TY_TUPLE) {
		LLVMValueRef tmp = cg_alloca(cg, bt->size, "tuple");
		cg_expr_into(cg, n->a, tmp);
		cg_memcpy(cg, dst, cg_gep(cg, tmp, bt->fields[n->ival].offset), size);
		return;
	}
	cg_memcpy(cg, dst, index_addr(cg, n, size), size);
}

/* ---- block expressions -------------------------------------------------- */

/* Runs the statements of a block expression but the last; returns the last
 * (an expression statement) or NULL when the block has no value. */
static struct node *block_prefix(struct cg *cg, struct node *b)
{
	int n = b->list.n;
	struct node *last = n ? b->list.v[n - 1] : NULL;
	bool value = last && last->kind == N_EXPR_STMT;
	struct node tmp = *b;
	tmp.list.n = value ? n - 1 : n;
	cg_block_stmts(cg, &tmp);
	return value ? last->a : NULL;
}

/* ---- cg_expr ------------------------------------------------------------ */

static LLVMValueRef expr(struct cg *cg, struct node *n);

/* Every expression goes through here, so that a helper it calls knows
 * where in the script it is (cg->cur_expr: -k warnings point there). */
LLVMValueRef cg_expr(struct cg *cg, struct node *n)
{
	struct node *outer = cg->cur_expr;
	cg->cur_expr = n;
	LLVMValueRef v = expr(cg, n);
	cg->cur_expr = outer;
	return v;
}

/* A builtin variable or call used as an integer (context builtins through
 * the probe type). */
static LLVMValueRef builtin_int(struct cg *cg, struct node *n)
{
	const struct builtin *b = n->sem;
	if (n->kind == N_IDENT && !b && n->sem_id == SEM_CTX) {
		struct attach_point *ap = cg->unit->aps[0];
		return ap->pt->ctx_emit(cg, ap, n->str);
	}
	if (b && b->is_const)
		return cg_i64(cg, n->ival);
	if (b && b->emit)
		return b->emit(cg, n);
	if (b && b->emit_into && !in_memory(n->type)) {
		LLVMValueRef tmp = cg_alloca(cg, 8, "tmp");
		b->emit_into(cg, n, tmp);
		return cg_load_int(cg, tmp, 8, true);
	}
	if (b && b->emit_into && n->type->kind != TY_VOID) {
		/* a memory value used as a statement: evaluated for its effects */
		LLVMValueRef tmp = cg_alloca(cg, n->type->size, "discard");
		b->emit_into(cg, n, tmp);
		return cg_i64(cg, 0);
	}
	cg_error(cg, n, "%s cannot be used as an integer", n->str);
	return cg_i64(cg, 0);
}

static LLVMValueRef unop(struct cg *cg, struct node *n)
{
	if (n->op == OP_DEREF)
		return cg_remote_int(cg, n);
	if (n->op == OP_ADDR)
		return cg_remote_addr(cg, n->a);
	if (n->op == OP_NOT)
		return bool64(cg, LLVMBuildNot(cg->b, cg_truth(cg, n->a), ""));
	LLVMValueRef x = cg_conv(cg, cg_expr(cg, n->a), n->a->type, n->type);
	switch (n->op) {
	case OP_NEG: return cg_conv(cg, LLVMBuildNeg(cg->b, x, ""), n->type, n->type);
	case OP_BNOT: return cg_conv(cg, LLVMBuildNot(cg->b, x, ""), n->type, n->type);
	default: break;
	}
	cg_error(cg, n, "operator %s is not supported yet", op_name(n->op));
	return x;
}

/* c ? a : b, and a ?: b (n->b NULL): a is evaluated once. */
static LLVMValueRef ternary(struct cg *cg, struct node *n)
{
	LLVMValueRef c = n->b ? NULL : cg_expr(cg, n->a);
	LLVMValueRef cb = c ? LLVMBuildICmp(cg->b, LLVMIntNE, c, cg_i64(cg, 0), "") : cg_truth(cg, n->a);
	LLVMBasicBlockRef bt = cg_block(cg, "tern_then"), bf = cg_block(cg, "tern_else"),
			  done = cg_block(cg, "tern_done");
	LLVMBuildCondBr(cg->b, cb, bt, bf);
	LLVMPositionBuilderAtEnd(cg->b, bt);
	LLVMValueRef x = n->b ? cg_expr(cg, n->b) : c;
	x = cg_conv(cg, x, n->b ? n->b->type : n->a->type, n->type);
	LLVMBasicBlockRef xe = LLVMGetInsertBlock(cg->b);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, bf);
	LLVMValueRef y = cg_conv(cg, cg_expr(cg, n->c), n->c->type, n->type);
	LLVMBasicBlockRef ye = LLVMGetInsertBlock(cg->b);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	return cg_phi2(cg, cg->i64, x, xe, y, ye);
}

/* A block used as an expression: its last statement's value. */
static LLVMValueRef block_value(struct cg *cg, struct node *n)
{
	struct node *last = block_prefix(cg, n);
	if (!last)
		return cg_i64(cg, 0);
	if (last->type && in_memory(last->type)) {
		LLVMValueRef tmp = cg_alloca(cg, last->type->size, "discard");
		cg_expr_into(cg, last, tmp);
		return cg_i64(cg, 0);
	}
	return cg_expr(cg, last);
}

static LLVMValueRef expr(struct cg *cg, struct node *n)
{
	if (cg->failed)
		return cg_i64(cg, 0);
	switch (n->kind) {
	case N_INT:
	case N_SIZEOF:
		return cg_i64(cg, n->ival);
	case N_POSPARAM:
		return cg_i64(cg, n->sem_id ? strtoll(n->str, NULL, 0) : 0);
	case N_POSCOUNT:
		return cg_i64(cg, cg->prog->set.nparams);
	case N_IDENT:
	case N_CALL:
		return builtin_int(cg, n);
	case N_VAR:
		return cg_load_int(cg, cg_var_slot(cg, n->sem), 8, true);
	case N_MAP:
		return map_read_int(cg, n);
	case N_BINOP:
		return binop(cg, n);
	case N_UNOP:
		return unop(cg, n);
	case N_INCDEC:
		return incdec(cg, n);
	case N_TERNARY:
		return ternary(cg, n);
	case N_FIELD:
		return sema_is_remote(n) ? cg_remote_int(cg, n) : field_int(cg, n);
	case N_TUPLE_INDEX: {
		struct type *tt = n->a->type;
		LLVMValueRef tmp = cg_alloca(cg, tt->size, "tuple");
		cg_expr_into(cg, n->a, tmp);
		return cg_load_int(cg, cg_gep(cg, tmp, tt->fields[n->ival].offset), int_width(n->type),
				   n->type->is_signed);
	}
	case N_INDEX:
		return sema_is_remote(n) ? cg_remote_int(cg, n) : index_int(cg, n);
	case N_CAST:
		return cg_conv(cg, cg_expr(cg, n->a), n->a->type, n->type);
	case N_BLOCK:
		return block_value(cg, n);
	default:
		cg_error(cg, n, "%s cannot be used as an integer", node_kind_name(n->kind));
		return cg_i64(cg, 0);
	}
}

/* (a, b, ...) or a record literal (.x = a, ...) into its slots. */
static void tuple_into(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	struct type *t = n->type;
	cg_memset0(cg, dst, t->size);
	for (int i = 0; i < n->list.n; i++) {
		struct node *e = n->list.v[i];
		if (e->kind == N_ASSIGN)
			e = e->b;
		cg_expr_into_slot(cg, e, t->fields[i].type, cg_gep(cg, dst, t->fields[i].offset));
	}
}

/* c ? a : b of a memory value: each arm writes dst. */
static void ternary_into(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	LLVMValueRef cb = cg_truth(cg, n->a);
	LLVMBasicBlockRef bt = cg_block(cg, "tern_then"), bf = cg_block(cg, "tern_else"),
			  done = cg_block(cg, "tern_done");
	LLVMBuildCondBr(cg->b, cb, bt, bf);
	LLVMPositionBuilderAtEnd(cg->b, bt);
	cg_expr_into_slot(cg, n->b, n->type, dst);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, bf);
	cg_expr_into_slot(cg, n->c, n->type, dst);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

static void expr_into(struct cg *cg, struct node *n, LLVMValueRef dst);

/* Like cg_expr: the expression is the current one while it is generated. */
void cg_expr_into(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	struct node *outer = cg->cur_expr;
	cg->cur_expr = n;
	expr_into(cg, n, dst);
	cg->cur_expr = outer;
}

static void expr_into(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	if (cg->failed)
		return;
	struct type *t = n->type;
	if (!in_memory(t)) {
		cg_store_i64(cg, dst, cg_expr(cg, n));
		return;
	}
	switch (n->kind) {
	case N_STR:
		store_bytes(cg, dst, n->str, (int)n->ival, t->size);
		return;
	case N_POSPARAM:
		store_bytes(cg, dst, n->str, (int)strlen(n->str), t->size);
		return;
	case N_IDENT:
	case N_CALL: {
		const struct builtin *b = n->sem;
		if (b && b->emit_into) {
			b->emit_into(cg, n, dst);
			return;
		}
		break;
	}
	case N_VAR:
		cg_memcpy(cg, dst, cg_var_slot(cg, n->sem), t->size);
		return;
	case N_MAP:
		map_read_into(cg, n, dst, t->size);
		return;
	case N_TUPLE:
		tuple_into(cg, n, dst);
		return;
	case N_FIELD:
		if (sema_is_remote(n))
			cg_remote_into(cg, n, dst);
		else
			field_into(cg, n, dst);
		return;
	case N_TUPLE_INDEX: {
		struct type *tt = n->a->type;
		LLVMValueRef tmp = cg_alloca(cg, tt->size, "tuple");
		cg_expr_into(cg, n->a, tmp);
		cg_memcpy(cg, dst, cg_gep(cg, tmp, tt->fields[n->ival].offset), t->size);
		return;
	}
	case N_INDEX:
		if (sema_is_remote(n))
			cg_remote_into(cg, n, dst);
		else
			index_into(cg, n, dst);
		return;
	case N_UNOP:
		if (n->op == OP_DEREF) {
			cg_remote_into(cg, n, dst);
			return;
		}
		break;
	case N_TERNARY:
		ternary_into(cg, n, dst);
		return;
	case N_BLOCK: {
		struct node *last = block_prefix(cg, n);
		if (last)
			cg_expr_into_slot(cg, last, t, dst);
		return;
	}
	default:
		break;
	}
	cg_error(cg, n, "cannot generate code for %s of type %s", node_kind_name(n->kind),
		 type_name(cg->a, t));
}

/* The index of the field `name` of record t (sema made sure it exists). */
static int record_field(const struct type *t, const char *name, int dflt)
{
	for (int i = 0; name && i < t->nfields; i++)
		if (t->fields[i].name && !strcmp(t->fields[i].name, name))
			return i;
	return dflt < t->nfields ? dflt : 0;
}

void cg_expr_into_slot(struct cg *cg, struct node *n, struct type *to, LLVMValueRef dst)
{
	struct type *from = n->type;
	if (!in_memory(to) || !in_memory(from)) {
		if (!in_memory(to) && !in_memory(from)) {
			cg_store_i64(cg, dst, cg_conv(cg, cg_expr(cg, n), from, to));
			return;
		}
		cg_expr_into(cg, n, dst);
		return;
	}
	if (from->size == to->size && ((from->kind != TY_TUPLE && from->kind != TY_RECORD) || type_equal(from, to))) {
		cg_expr_into(cg, n, dst);
		return;
	}
	if ((from->kind == TY_TUPLE || from->kind == TY_RECORD) && from->kind == to->kind) {
		/* same arity, different element sizes (strings) or, for records,
		 * another field order: copy element-wise (records by name) */
		cg_memset0(cg, dst, to->size);
		if (n->kind == N_TUPLE) {
			for (int i = 0; i < n->list.n; i++) {
				struct node *e = n->list.v[i];
				int k = i;
				if (e->kind == N_ASSIGN) {
					k = record_field(to, e->a->str, i);
					e = e->b;
				}
				cg_expr_into_slot(cg, e, to->fields[k].type, cg_gep(cg, dst, to->fields[k].offset));
			}
			return;
		}
		LLVMValueRef tmp = cg_alloca(cg, from->size, "tuple");
		cg_expr_into(cg, n, tmp);
		for (int i = 0; i < from->nfields && i < to->nfields; i++) {
			int k = from->kind == TY_RECORD ? record_field(to, from->fields[i].name, i) : i;
			int sz = from->fields[i].type->size < to->fields[k].type->size ? from->fields[i].type->size
											 : to->fields[k].type->size;
			cg_memcpy(cg, cg_gep(cg, dst, to->fields[k].offset), cg_gep(cg, tmp, from->fields[i].offset), sz);
		}
		return;
	}
	if (from->size < to->size) {
		if (n->kind == N_CALL && from->kind == TY_STR) {
			/* a string call's value may read the slot it is stored into
			 * ($p = str_concat("/", $p)): made aside, then copied */
			LLVMValueRef tmp = cg_alloca(cg, from->size, "call");
			cg_expr_into(cg, n, tmp);
			cg_memset0(cg, dst, to->size);
			cg_memcpy(cg, dst, tmp, from->size);
			return;
		}
		cg_memset0(cg, dst, to->size);
		cg_expr_into(cg, n, dst);
		return;
	}
	/* a larger value into a smaller slot: truncate, keeping a NUL for strings */
	LLVMValueRef tmp = cg_alloca(cg, from->size, "trunc");
	cg_expr_into(cg, n, tmp);
	cg_memcpy(cg, dst, tmp, to->size);
	if (to->kind == TY_STR)
		LLVMBuildStore(cg->b, LLVMConstInt(cg->i8, 0, 0), cg_gep(cg, dst, to->size - 1));
}
