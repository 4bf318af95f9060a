/* cg_expr.c - lowering of expressions.
 *
 * Integer-like values are i64 SSA values (cg_expr). Everything else
 * (strings, tuples, records) is written into memory the caller provides
 * (cg_expr_into), so a string read by a helper lands directly where it is
 * used: in a map key, a ring buffer event or a variable. */
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include "codegen/cg.h"
#include "builtins/builtin.h"

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
		LLVMValueRef st = LLVMBuildStore(cg->b, LLVMConstInt(t, v, 0), cg_gep(cg, dst, off));
		LLVMSetAlignment(st, 1);
	}
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

static LLVMValueRef map_read_int(struct cg *cg, struct node *n)
{
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

LLVMValueRef cg_var_slot(struct cg *cg, struct var_info *v);
LLVMValueRef cg_var_slot(struct cg *cg, struct var_info *v)
{
	if (!v->cg) {
		int size = in_memory(v->type) ? v->type->size : 8;
		v->cg = cg_alloca(cg, size, v->name + 1);
		/* zero it in the entry block: a variable read on a path that did not
		 * assign it reads zero, and the verifier sees initialised stack */
		LLVMBuilderRef eb = LLVMCreateBuilderInContext(cg->ctx);
		LLVMPositionBuilderBefore(eb, cg->entry_term);
		LLVMBuildMemSet(eb, v->cg, LLVMConstInt(cg->i8, 0, 0), cg_i64(cg, size), 8);
		LLVMDisposeBuilder(eb);
	}
	return v->cg;
}

/* ---- operators ------------------------------------------------------------ */

static LLVMValueRef str_eq(struct cg *cg, struct node *a, struct node *b)
{
	int sa = a->type->size, sb = b->type->size, n = sa < sb ? sa : sb;
	LLVMValueRef pa = cg_alloca(cg, sa, "cmpa"), pb = cg_alloca(cg, sb, "cmpb");
	cg_expr_into(cg, a, pa);
	cg_expr_into(cg, b, pb);
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

static bool operands_signed(struct node *n)
{
	const struct type *l = n->a->type, *r = n->b->type;
	return l->kind == TY_INT && r->kind == TY_INT && l->is_signed && r->is_signed;
}

static LLVMValueRef logical(struct cg *cg, struct node *n)
{
	LLVMValueRef l = cg_expr(cg, n->a);
	LLVMValueRef lb = LLVMBuildICmp(cg->b, LLVMIntNE, l, cg_i64(cg, 0), "");
	LLVMBasicBlockRef from = LLVMGetInsertBlock(cg->b);
	LLVMBasicBlockRef rhs = cg_block(cg, "logic_rhs"), done = cg_block(cg, "logic_done");
	if (n->op == OP_LAND)
		LLVMBuildCondBr(cg->b, lb, rhs, done);
	else
		LLVMBuildCondBr(cg->b, lb, done, rhs);
	LLVMPositionBuilderAtEnd(cg->b, rhs);
	LLVMValueRef r = cg_expr(cg, n->b);
	LLVMValueRef rb = LLVMBuildICmp(cg->b, LLVMIntNE, r, cg_i64(cg, 0), "");
	LLVMBasicBlockRef rend = LLVMGetInsertBlock(cg->b);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	LLVMValueRef phi = LLVMBuildPhi(cg->b, cg->i1, "");
	LLVMValueRef vals[] = { LLVMConstInt(cg->i1, n->op == OP_LOR, 0), rb };
	LLVMBasicBlockRef bbs[] = { from, rend };
	LLVMAddIncoming(phi, vals, bbs, 2);
	return bool64(cg, phi);
}

/* ---- lvalues: read-modify-write for ++, --, op= ---------------------------- */

LLVMValueRef cg_lvalue_read(struct cg *cg, struct node *lv);
LLVMValueRef cg_lvalue_read(struct cg *cg, struct node *lv)
{
	if (lv->kind == N_VAR)
		return cg_load_int(cg, cg_var_slot(cg, lv->sem), 8, true);
	return map_read_int(cg, lv);
}

void cg_lvalue_write(struct cg *cg, struct node *lv, LLVMValueRef v);
void cg_lvalue_write(struct cg *cg, struct node *lv, LLVMValueRef v)
{
	if (lv->kind == N_VAR)
		cg_store_i64(cg, cg_var_slot(cg, lv->sem), v);
	else
		map_write_int(cg, lv, v);
}

static LLVMValueRef incdec(struct cg *cg, struct node *n)
{
	LLVMValueRef old = cg_lvalue_read(cg, n->a);
	bool inc = n->op == OP_PREINC || n->op == OP_POSTINC;
	LLVMValueRef nv = inc ? LLVMBuildAdd(cg->b, old, cg_i64(cg, 1), "") : LLVMBuildSub(cg->b, old, cg_i64(cg, 1), "");
	cg_lvalue_write(cg, n->a, nv);
	return n->op == OP_PREINC || n->op == OP_PREDEC ? nv : old;
}

/* ---- fields of the probe context (tracepoint args) ------------------------ */

static bool is_args(struct node *n)
{
	return n->kind == N_IDENT && !strcmp(n->str, "args");
}

static LLVMValueRef ctx_field_int(struct cg *cg, struct type_field *f)
{
	int sz = f->type->kind == TY_PTR ? 8 : f->type->size;
	if (sz != 1 && sz != 2 && sz != 4 && sz != 8)
		sz = 8;
	return cg_load_int(cg, cg_gep(cg, cg->ctxarg, f->offset), sz, f->type->is_signed);
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

/* Address of a record reached through a pointer value (for p->field). */
static LLVMValueRef field_ptr_int(struct cg *cg, struct node *n)
{
	struct type_field *f = n->sem;
	struct type *bt = n->a->type;
	LLVMValueRef base = cg_expr(cg, n->a);
	LLVMValueRef addr = LLVMBuildAdd(cg->b, base, cg_i64(cg, f->offset), "");
	int sz = f->type->kind == TY_PTR ? 8 : f->type->size;
	LLVMValueRef tmp = cg_alloca(cg, 8, "fld");
	cg_memset0(cg, tmp, 8);
	cg_probe_read(cg, tmp, sz > 8 ? 8 : sz, LLVMBuildIntToPtr(cg->b, addr, cg->ptr, ""), bt->as);
	return cg_load_int(cg, tmp, sz > 8 ? 8 : sz, f->type->is_signed);
}

/* ---- cg_expr ------------------------------------------------------------ */

LLVMValueRef cg_expr(struct cg *cg, struct node *n)
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
		return cg_i64(cg, cg->drv->opt->nparams);
	case N_IDENT:
	case N_CALL: {
		const struct builtin *b = n->sem;
		if (n->kind == N_IDENT && !b && n->sem_id == SEM_CTX) {
			struct attach_point *ap = cg->unit->aps[0];
			return ap->pt->ctx_emit(cg, ap, n->str);
		}
		if (b && b->emit)
			return b->emit(cg, n);
		if (b && b->emit_into && !in_memory(n->type)) {
			LLVMValueRef tmp = cg_alloca(cg, 8, "tmp");
			b->emit_into(cg, n, tmp);
			return cg_load_int(cg, tmp, 8, true);
		}
		cg_error(cg, n, "%s cannot be used as an integer", n->str);
		return cg_i64(cg, 0);
	}
	case N_VAR:
		return cg_load_int(cg, cg_var_slot(cg, n->sem), 8, true);
	case N_MAP:
		return map_read_int(cg, n);
	case N_BINOP:
		if (n->op == OP_LAND || n->op == OP_LOR)
			return logical(cg, n);
		if (n->a->type->kind == TY_STR) {
			LLVMValueRef eq = str_eq(cg, n->a, n->b);
			return bool64(cg, n->op == OP_EQ ? eq : LLVMBuildNot(cg->b, eq, ""));
		}
		if (n->a->type->kind == TY_PTR && (n->op == OP_ADD || n->op == OP_SUB)) {
			int esz = n->a->type->elem && n->a->type->elem->size > 0 ? n->a->type->elem->size : 1;
			LLVMValueRef off = LLVMBuildMul(cg->b, cg_expr(cg, n->b), cg_i64(cg, esz), "");
			return arith(cg, n->op, cg_expr(cg, n->a), off, false);
		}
		return arith(cg, n->op, cg_expr(cg, n->a), cg_expr(cg, n->b), operands_signed(n));
	case N_UNOP: {
		if (n->op == OP_DEREF) {
			int sz = n->type->size > 8 || n->type->size <= 0 ? 8 : n->type->size;
			LLVMValueRef p = cg_expr(cg, n->a);
			LLVMValueRef tmp = cg_alloca(cg, 8, "deref");
			cg_memset0(cg, tmp, 8);
			cg_probe_read(cg, tmp, sz, LLVMBuildIntToPtr(cg->b, p, cg->ptr, ""), n->a->type->as);
			return cg_load_int(cg, tmp, sz, n->type->is_signed);
		}
		LLVMValueRef x = cg_expr(cg, n->a);
		switch (n->op) {
		case OP_NEG: return LLVMBuildNeg(cg->b, x, "");
		case OP_BNOT: return LLVMBuildNot(cg->b, x, "");
		case OP_NOT: return bool64(cg, LLVMBuildICmp(cg->b, LLVMIntEQ, x, cg_i64(cg, 0), ""));
		default: break;
		}
		cg_error(cg, n, "operator %s is not supported yet", op_name(n->op));
		return x;
	}
	case N_INCDEC:
		return incdec(cg, n);
	case N_TERNARY: {
		LLVMValueRef c = cg_expr(cg, n->a);
		LLVMValueRef cb = LLVMBuildICmp(cg->b, LLVMIntNE, c, cg_i64(cg, 0), "");
		LLVMBasicBlockRef bt = cg_block(cg, "tern_then"), bf = cg_block(cg, "tern_else"),
				  done = cg_block(cg, "tern_done");
		LLVMBuildCondBr(cg->b, cb, bt, bf);
		LLVMPositionBuilderAtEnd(cg->b, bt);
		LLVMValueRef x = n->b ? cg_expr(cg, n->b) : c;
		LLVMBasicBlockRef xe = LLVMGetInsertBlock(cg->b);
		LLVMBuildBr(cg->b, done);
		LLVMPositionBuilderAtEnd(cg->b, bf);
		LLVMValueRef y = cg_expr(cg, n->c);
		LLVMBasicBlockRef ye = LLVMGetInsertBlock(cg->b);
		LLVMBuildBr(cg->b, done);
		LLVMPositionBuilderAtEnd(cg->b, done);
		LLVMValueRef phi = LLVMBuildPhi(cg->b, cg->i64, "");
		LLVMValueRef vals[] = { x, y };
		LLVMBasicBlockRef bbs[] = { xe, ye };
		LLVMAddIncoming(phi, vals, bbs, 2);
		return phi;
	}
	case N_FIELD:
		if (is_args(n->a))
			return ctx_field_int(cg, n->sem);
		return field_ptr_int(cg, n);
	case N_TUPLE_INDEX: {
		struct type *tt = n->a->type;
		LLVMValueRef tmp = cg_alloca(cg, tt->size, "tuple");
		cg_expr_into(cg, n->a, tmp);
		return cg_load_int(cg, cg_gep(cg, tmp, tt->fields[n->ival].offset), 8, n->type->is_signed);
	}
	case N_CAST: {
		LLVMValueRef x = cg_expr(cg, n->a);
		int bits = n->type->size * 8;
		if (bits >= 64)
			return x;
		LLVMValueRef t = LLVMBuildTrunc(cg->b, x, LLVMIntTypeInContext(cg->ctx, (unsigned)bits), "");
		return n->type->is_signed ? LLVMBuildSExt(cg->b, t, cg->i64, "") : LLVMBuildZExt(cg->b, t, cg->i64, "");
	}
	default:
		cg_error(cg, n, "%s cannot be used as an integer", node_kind_name(n->kind));
		return cg_i64(cg, 0);
	}
}

void cg_expr_into(struct cg *cg, struct node *n, LLVMValueRef dst)
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
		cg_memset0(cg, dst, t->size);
		for (int i = 0; i < n->list.n; i++)
			cg_expr_into_slot(cg, n->list.v[i], t->fields[i].type, cg_gep(cg, dst, t->fields[i].offset));
		return;
	case N_FIELD:
		if (is_args(n->a)) {
			ctx_field_into(cg, n->sem, dst);
			return;
		}
		break;
	case N_TUPLE_INDEX: {
		struct type *tt = n->a->type;
		LLVMValueRef tmp = cg_alloca(cg, tt->size, "tuple");
		cg_expr_into(cg, n->a, tmp);
		cg_memcpy(cg, dst, cg_gep(cg, tmp, tt->fields[n->ival].offset), t->size);
		return;
	}
	case N_TERNARY: {
		LLVMValueRef c = cg_expr(cg, n->a);
		LLVMValueRef cb = LLVMBuildICmp(cg->b, LLVMIntNE, c, cg_i64(cg, 0), "");
		LLVMBasicBlockRef bt = cg_block(cg, "tern_then"), bf = cg_block(cg, "tern_else"),
				  done = cg_block(cg, "tern_done");
		LLVMBuildCondBr(cg->b, cb, bt, bf);
		LLVMPositionBuilderAtEnd(cg->b, bt);
		cg_expr_into_slot(cg, n->b, t, dst);
		LLVMBuildBr(cg->b, done);
		LLVMPositionBuilderAtEnd(cg->b, bf);
		cg_expr_into_slot(cg, n->c, t, dst);
		LLVMBuildBr(cg->b, done);
		LLVMPositionBuilderAtEnd(cg->b, done);
		return;
	}
	default:
		break;
	}
	cg_error(cg, n, "cannot generate code for %s of type %s", node_kind_name(n->kind),
		 type_name(&cg->drv->arena, t));
}

void cg_expr_into_slot(struct cg *cg, struct node *n, struct type *to, LLVMValueRef dst)
{
	struct type *from = n->type;
	if (!in_memory(to) || !in_memory(from)) {
		cg_expr_into(cg, n, dst);
		return;
	}
	if (from->size == to->size && (from->kind != TY_TUPLE || type_equal(from, to))) {
		cg_expr_into(cg, n, dst);
		return;
	}
	if (from->kind == TY_TUPLE && to->kind == TY_TUPLE) {
		/* same arity, different element sizes (strings): copy element-wise */
		cg_memset0(cg, dst, to->size);
		if (n->kind == N_TUPLE) {
			for (int i = 0; i < n->list.n; i++)
				cg_expr_into_slot(cg, n->list.v[i], to->fields[i].type,
						  cg_gep(cg, dst, to->fields[i].offset));
			return;
		}
		LLVMValueRef tmp = cg_alloca(cg, from->size, "tuple");
		cg_expr_into(cg, n, tmp);
		for (int i = 0; i < from->nfields && i < to->nfields; i++) {
			int sz = from->fields[i].type->size < to->fields[i].type->size ? from->fields[i].type->size
											 : to->fields[i].type->size;
			cg_memcpy(cg, cg_gep(cg, dst, to->fields[i].offset), cg_gep(cg, tmp, from->fields[i].offset), sz);
		}
		return;
	}
	if (from->size < to->size) {
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
