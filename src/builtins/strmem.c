/* strmem.c - the string and memory helpers of latest bpftrace's stdlib:
 * strlen, strcap, strstr, str_concat, memcmp and default_str_length.
 * bpftrace writes them as macros over C helpers (src/stdlib/strings.bt,
 * base.bt); here they are native, with the same results:
 *
 *   strlen(s)          bytes before the first NUL of a string, a char array
 *                      (at most its size) or a char pointer (read with
 *                      probe_read_str, at most default_str_length() bytes)
 *   strcap(s)          the capacity: a string's size, an array's element
 *                      count, a pointer's strlen
 *   strstr(h, n)       index of the first n in h, -1 if none (0 for ""); both
 *                      string-like
 *   str_concat(a, b)   a string holding a's text then b's (string-likes; the
 *                      capacity: the most text both hold, plus the NUL)
 *   memcmp(l, r, n)    0 when the first n bytes of the two values are equal,
 *                      else the difference of the first differing bytes
 *                      (unsigned): negative when l's is less
 *   default_str_length()  the size str() gives a string (BPFTRACE_MAX_STRLEN)
 *
 * Loops run over scratch-map copies with constant bounds (the values'
 * sizes), which the verifier accepts; strstr's search, a loop in a loop,
 * is a bpf_loop callback so that the verifier checks it once. */
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include "sema/builtin.h"
#include "sema/sema.h"
#include "codegen/cg.h"

static const char *tn(struct sema *s, const struct type *t)
{
	return type_name(sema_arena(s), t);
}

/* A 1-byte integer: what bpftrace's string-like arrays and pointers hold. */
static bool char_like(const struct type *t)
{
	return t && t->kind == TY_INT && t->size == 1;
}

/* A string-like argument (assert_str's rule): a string, an array of chars,
 * a pointer to chars. Returns its type or NULL with bpftrace's message. */
static struct type *strlike_arg(struct sema *s, struct node *call, int i)
{
	struct node *a = call->list.v[i];
	struct type *t = sema_expr(s, a);
	if (!t)
		return NULL;
	if (t->kind == TY_STR)
		return t;
	if (t->kind == TY_ARRAY && !char_like(t->elem)) {
		sema_error(s, a->loc, "string-like arrays must contain a char-like type");
		return NULL;
	}
	if (t->kind == TY_PTR && !char_like(t->elem)) {
		sema_error(s, a->loc, "string-like pointers must point to a char-like type");
		return NULL;
	}
	if (t->kind != TY_ARRAY && t->kind != TY_PTR) {
		sema_error(s, a->loc, "string-like values must be either strings, arrays or pointers");
		return NULL;
	}
	return t;
}

/* ---- loops over scratch memory ----------------------------------------- */

static LLVMValueRef byte_at(struct cg *cg, LLVMValueRef p, LLVMValueRef i)
{
	LLVMValueRef at = LLVMBuildGEP2(cg->b, cg->i8, p, &i, 1, "");
	return LLVMBuildZExt(cg->b, LLVMBuildLoad2(cg->b, cg->i8, at, ""), cg->i64, "");
}

/* Continues in a new block when c is false; branches to yes when true. */
static void branch_if(struct cg *cg, LLVMValueRef c, LLVMBasicBlockRef yes)
{
	LLVMBasicBlockRef no = cg_block(cg, "cont");
	LLVMBuildCondBr(cg->b, c, yes, no);
	LLVMPositionBuilderAtEnd(cg->b, no);
}

static LLVMValueRef is_zero(struct cg *cg, LLVMValueRef v)
{
	return LLVMBuildICmp(cg->b, LLVMIntEQ, v, cg_i64(cg, 0), "");
}

/* A value of memory type (or an integer, its type->size bytes) copied to
 * scratch memory. */
static LLVMValueRef in_scratch(struct cg *cg, struct node *n)
{
	struct type *t = n->type;
	if (type_is_int(t) || t->kind == TY_PTR) {
		LLVMValueRef p = cg_alloca(cg, 8, "ival");
		cg_store_i64(cg, p, cg_expr(cg, n));
		return p;
	}
	LLVMValueRef p = cg_alloca(cg, t->size, "mval");
	cg_expr_into(cg, n, p);
	return p;
}

/* The bytes before the first NUL of p[0..size). */
static LLVMValueRef emit_len_in(struct cg *cg, LLVMValueRef p, int size)
{
	struct cg_count_loop l;
	LLVMValueRef i = cg_loop_begin(cg, &l, cg_i64(cg, size));
	branch_if(cg, is_zero(cg, byte_at(cg, p, i)), l.done);
	cg_loop_end(cg, &l);
	return cg_load_int(cg, l.islot, 8, false);
}

/* ---- strlen, strcap, default_str_length --------------------------------- */

static int check_strlen(struct sema *s, struct node *n)
{
	n->type = type_int(8, false);
	return strlike_arg(s, n, 0) ? 0 : -1;
}

/* A pointer: at most default_str_length() bytes count, as bpftrace's
 * __strnlen(ptr, default_str_length()); probe_read_str of one byte more
 * returns that many with the NUL it adds. */
static LLVMValueRef ptr_strlen(struct cg *cg, struct node *a)
{
	int max = cg->prog->set.strlen;
	LLVMValueRef tmp = cg_alloca(cg, max + 1, "strlen_buf");
	LLVMValueRef src = LLVMBuildIntToPtr(cg->b, cg_expr(cg, a), cg->ptr, "");
	LLVMValueRef r = cg_probe_read_str(cg, tmp, max + 1, src, a->type->as);
	LLVMValueRef pos = LLVMBuildICmp(cg->b, LLVMIntSGT, r, cg_i64(cg, 0), "");
	return LLVMBuildSelect(cg->b, pos, LLVMBuildSub(cg->b, r, cg_i64(cg, 1), ""), cg_i64(cg, 0), "len");
}

static LLVMValueRef emit_strlen(struct cg *cg, struct node *n)
{
	struct node *a = n->list.v[0];
	if (a->type->kind == TY_PTR)
		return ptr_strlen(cg, a);
	return emit_len_in(cg, in_scratch(cg, a), a->type->size);
}

static int check_strcap(struct sema *s, struct node *n)
{
	n->type = type_int(8, true);
	return strlike_arg(s, n, 0) ? 0 : -1;
}

static LLVMValueRef emit_strcap(struct cg *cg, struct node *n)
{
	struct node *a = n->list.v[0];
	if (a->type->kind == TY_PTR)
		return ptr_strlen(cg, a);
	return cg_i64(cg, a->type->kind == TY_ARRAY ? a->type->nelem : a->type->size);
}

static int check_default_str_length(struct sema *s, struct node *n)
{
	(void)s;
	n->type = type_int(8, false);
	return 0;
}

static LLVMValueRef emit_default_str_length(struct cg *cg, struct node *n)
{
	(void)n;
	return cg_i64(cg, cg->prog->set.strlen);
}

/* ---- the text of string-like values -------------------------------------- */

/* The most text bytes a string-like value holds: a string's size less its
 * NUL, an array's length, what str() reads at a pointer. */
static int text_max(const struct type *t, int strlen_set)
{
	return t->kind == TY_STR ? t->size - 1 : t->kind == TY_ARRAY ? t->nelem : strlen_set - 1;
}

/* A string-like value's bytes in scratch memory (a pointer's read as str()
 * reads them). */
static LLVMValueRef text_in_scratch(struct cg *cg, struct node *a)
{
	if (a->type->kind != TY_PTR)
		return in_scratch(cg, a);
	int max = cg->prog->set.strlen;
	LLVMValueRef tmp = cg_alloca(cg, max, "text");
	cg_memset0(cg, tmp, max);
	cg_probe_read_str(cg, tmp, max, LLVMBuildIntToPtr(cg->b, cg_expr(cg, a), cg->ptr, ""), a->type->as);
	return tmp;
}

/* ---- strstr(haystack, needle) ------------------------------------------- */

static int check_strstr(struct sema *s, struct node *n)
{
	n->type = type_int(8, true);
	if (!strlike_arg(s, n, 0) || !strlike_arg(s, n, 1))
		return -1;
	return 0;
}

/* The search runs as a bpf_loop callback over the haystack's positions, so
 * that the verifier checks it once instead of every (position, needle byte)
 * pair: cb(i, ctx) with ctx = { haystack, needle, result } on the caller's
 * stack; it returns 1 (stop) at the haystack's end or at a match, whose
 * position it stores in result. */
#define SS_H 0
#define SS_N 8
#define SS_RES 16

static LLVMValueRef bb_byte(LLVMBuilderRef b, struct cg *cg, LLVMValueRef p, LLVMValueRef i)
{
	LLVMValueRef at = LLVMBuildGEP2(b, cg->i8, p, &i, 1, "");
	return LLVMBuildZExt(b, LLVMBuildLoad2(b, cg->i8, at, ""), cg->i64, "");
}

static LLVMValueRef bb_ptr_at(LLVMBuilderRef b, struct cg *cg, LLVMValueRef ctx, int off)
{
	LLVMValueRef idx = cg_i64(cg, off);
	LLVMValueRef v = LLVMBuildLoad2(b, cg->ptr, LLVMBuildGEP2(b, cg->i8, ctx, &idx, 1, ""), "");
	LLVMSetAlignment(v, 8);
	return v;
}

static LLVMValueRef strstr_callback(struct cg *cg, int hs, int ns)
{
	LLVMTypeRef pt[2] = { cg->i64, cg->ptr };
	char name[64];
	snprintf(name, sizeof(name), "fn_%s_strstr%d", cg->unit->section, cg->nfor++);
	LLVMValueRef fn = LLVMAddFunction(cg->mod, name, LLVMFunctionType(cg->i64, pt, 2, 0));
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	LLVMSetSection(fn, cg->unit->section);
	const char *attrs[] = { "noinline", "nounwind" };
	for (int k = 0; k < 2; k++)
		LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
					LLVMCreateEnumAttribute(cg->ctx, LLVMGetEnumAttributeKindForName(attrs[k], strlen(attrs[k])), 0));
	LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(cg->ctx, fn, "entry"),
			  scan = LLVMAppendBasicBlockInContext(cg->ctx, fn, "scan"),
			  loop = LLVMAppendBasicBlockInContext(cg->ctx, fn, "loop"),
			  body = LLVMAppendBasicBlockInContext(cg->ctx, fn, "cmp"),
			  same = LLVMAppendBasicBlockInContext(cg->ctx, fn, "same"),
			  next = LLVMAppendBasicBlockInContext(cg->ctx, fn, "next"),
			  match = LLVMAppendBasicBlockInContext(cg->ctx, fn, "match"),
			  stop = LLVMAppendBasicBlockInContext(cg->ctx, fn, "stop"),
			  miss = LLVMAppendBasicBlockInContext(cg->ctx, fn, "miss");
	LLVMBuilderRef b = LLVMCreateBuilderInContext(cg->ctx);
	LLVMValueRef i = LLVMGetParam(fn, 0), ctx = LLVMGetParam(fn, 1);
	LLVMPositionBuilderAtEnd(b, entry);
	LLVMValueRef ph = bb_ptr_at(b, cg, ctx, SS_H), pn = bb_ptr_at(b, cg, ctx, SS_N);
	/* i < hs bounds the index for the verifier; the haystack's NUL ends it */
	LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntUGE, i, cg_i64(cg, hs), ""), stop, scan);
	LLVMPositionBuilderAtEnd(b, scan);
	LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntEQ, bb_byte(b, cg, ph, i), cg_i64(cg, 0), ""), stop, loop);
	LLVMPositionBuilderAtEnd(b, loop);
	LLVMValueRef j = LLVMBuildPhi(b, cg->i64, "j");
	/* a needle that fills its array without a NUL matched whole */
	LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntUGE, j, cg_i64(cg, ns), ""), match, body);
	LLVMPositionBuilderAtEnd(b, body);
	LLVMValueRef cn = bb_byte(b, cg, pn, j);
	LLVMValueRef k = LLVMBuildAdd(b, i, j, "");
	LLVMValueRef end = LLVMBuildICmp(b, LLVMIntEQ, cn, cg_i64(cg, 0), "");
	LLVMBasicBlockRef inside = LLVMAppendBasicBlockInContext(cg->ctx, fn, "inside");
	LLVMBuildCondBr(b, end, match, inside);
	LLVMPositionBuilderAtEnd(b, inside);
	LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntUGE, k, cg_i64(cg, hs), ""), miss, same);
	LLVMPositionBuilderAtEnd(b, same);
	LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntNE, bb_byte(b, cg, ph, k), cn, ""), miss, next);
	LLVMPositionBuilderAtEnd(b, next);
	LLVMValueRef j1 = LLVMBuildAdd(b, j, cg_i64(cg, 1), "");
	LLVMBuildBr(b, loop);
	LLVMValueRef inv[] = { cg_i64(cg, 0), j1 };
	LLVMBasicBlockRef inb[] = { scan, next };
	LLVMAddIncoming(j, inv, inb, 2);
	LLVMPositionBuilderAtEnd(b, match);
	LLVMValueRef idx = cg_i64(cg, SS_RES);
	LLVMValueRef st = LLVMBuildStore(b, i, LLVMBuildGEP2(b, cg->i8, ctx, &idx, 1, ""));
	LLVMSetAlignment(st, 8);
	LLVMBuildRet(b, cg_i64(cg, 1));
	LLVMPositionBuilderAtEnd(b, stop);
	LLVMBuildRet(b, cg_i64(cg, 1));
	LLVMPositionBuilderAtEnd(b, miss);
	LLVMBuildRet(b, cg_i64(cg, 0));
	LLVMDisposeBuilder(b);
	return fn;
}

static LLVMValueRef emit_strstr(struct cg *cg, struct node *n)
{
	struct node *h = n->list.v[0], *nd = n->list.v[1];
	int sl = cg->prog->set.strlen;
	/* bytes to scan: with the NUL, except for arrays (which may lack one) */
	int hs = text_max(h->type, sl) + (h->type->kind != TY_ARRAY);
	int ns = text_max(nd->type, sl) + (nd->type->kind != TY_ARRAY);
	LLVMValueRef ph = text_in_scratch(cg, h), pn = text_in_scratch(cg, nd);
	LLVMValueRef ctx = cg_alloca_stack(cg, 24, "strstr_ctx");
	LLVMSetAlignment(LLVMBuildStore(cg->b, ph, cg_gep(cg, ctx, SS_H)), 8);
	LLVMSetAlignment(LLVMBuildStore(cg->b, pn, cg_gep(cg, ctx, SS_N)), 8);
	/* the empty needle is at 0; otherwise -1 unless the search finds it */
	LLVMValueRef empty = LLVMBuildICmp(cg->b, LLVMIntEQ, byte_at(cg, pn, cg_i64(cg, 0)), cg_i64(cg, 0), "");
	cg_store_i64(cg, cg_gep(cg, ctx, SS_RES), LLVMBuildSelect(cg->b, empty, cg_i64(cg, 0), cg_i64(cg, -1), ""));
	LLVMBasicBlockRef call = cg_block(cg, "strstr_call"), done = cg_block(cg, "strstr_done");
	LLVMBuildCondBr(cg->b, empty, done, call);
	LLVMPositionBuilderAtEnd(cg->b, call);
	LLVMValueRef args[] = { cg_i64(cg, hs), strstr_callback(cg, hs, ns), ctx, cg_i64(cg, 0) };
	cg_helper(cg, BPF_FUNC_loop, cg->i64, args, 4);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	return cg_load_int(cg, cg_gep(cg, ctx, SS_RES), 8, true);
}

/* ---- str_concat(a, b) ---------------------------------------------------- */

static int check_str_concat(struct sema *s, struct node *n)
{
	struct type *a = strlike_arg(s, n, 0);
	struct type *b = a ? strlike_arg(s, n, 1) : NULL;
	if (!b)
		return -1;
	n->type = type_str(sema_arena(s), text_max(a, sema_strlen(s)) + text_max(b, sema_strlen(s)) + 1);
	return 0;
}

/* Copies src[0..max) up to its first NUL to dst + *at (never at or past
 * cap - 1, kept for the NUL), advancing the i64 at `at`. */
static void append_text(struct cg *cg, LLVMValueRef dst, int cap, LLVMValueRef at, LLVMValueRef src, int max)
{
	struct cg_count_loop l;
	LLVMValueRef j = cg_loop_begin(cg, &l, cg_i64(cg, max));
	LLVMValueRef c = byte_at(cg, src, j);
	branch_if(cg, is_zero(cg, c), l.done);
	LLVMValueRef k = cg_load_int(cg, at, 8, false);
	branch_if(cg, LLVMBuildICmp(cg->b, LLVMIntUGE, k, cg_i64(cg, cap - 1), ""), l.done);
	LLVMValueRef p = LLVMBuildGEP2(cg->b, cg->i8, dst, &k, 1, "");
	LLVMBuildStore(cg->b, LLVMBuildTrunc(cg->b, c, cg->i8, ""), p);
	cg_store_i64(cg, at, LLVMBuildAdd(cg->b, k, cg_i64(cg, 1), ""));
	cg_loop_end(cg, &l);
}

static void emit_str_concat(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	struct node *a = n->list.v[0], *b = n->list.v[1];
	int cap = n->type->size, sl = cg->prog->set.strlen;
	LLVMValueRef pa = text_in_scratch(cg, a), pb = text_in_scratch(cg, b);
	cg_memset0(cg, dst, cap);
	LLVMValueRef at = cg_alloca_stack(cg, 8, "at");
	cg_store_i64(cg, at, cg_i64(cg, 0));
	append_text(cg, dst, cap, at, pa, text_max(a->type, sl));
	append_text(cg, dst, cap, at, pb, text_max(b->type, sl));
}

/* ---- memcmp(left, right, count) ------------------------------------------ */

static int value_size(const struct type *t)
{
	return type_is_int(t) || t->kind == TY_PTR ? (t->size ? t->size : 8) : t->size;
}

static int check_memcmp(struct sema *s, struct node *n)
{
	n->type = type_int(8, true);
	int sz[2];
	for (int i = 0; i < 2; i++) {
		struct node *a = n->list.v[i];
		struct type *t = sema_expr(s, a);
		if (!t)
			return -1;
		if (t->kind == TY_VOID || type_is_agg(t) || (t->kind == TY_RECORD && t->is_ctx_record) ||
		    value_size(t) <= 0) {
			sema_error(s, a->loc, "memcmp() cannot compare a value of type %s", tn(s, t));
			return -1;
		}
		sz[i] = value_size(t);
	}
	struct node *c = n->list.v[2];
	struct type *ct = sema_expr(s, c);
	if (!ct)
		return -1;
	if (!type_is_int(ct)) {
		sema_error(s, c->loc, "memcmp() expects an integer count (%s provided)", tn(s, ct));
		return -1;
	}
	int64_t v;
	n->sem_id = -1;   /* a count known only at run time */
	if (sema_const_eval(s, c, &v)) {
		int max = sz[0] < sz[1] ? sz[0] : sz[1];
		if (v < 0 || v > max) {
			sema_error(s, c->loc, "memcmp() count (%lld) is out of the range of the compared values (0 to %d bytes)",
				   (long long)v, max);
			return -1;
		}
		n->sem_id = (int)v;
	}
	return 0;
}

static LLVMValueRef emit_memcmp(struct cg *cg, struct node *n)
{
	struct node *l = n->list.v[0], *r = n->list.v[1];
	int ls = value_size(l->type), rs = value_size(r->type);
	int bound = n->sem_id >= 0 ? n->sem_id : ls < rs ? ls : rs;
	LLVMValueRef pl = in_scratch(cg, l), pr = in_scratch(cg, r);
	LLVMValueRef count = n->sem_id >= 0 ? cg_i64(cg, n->sem_id) : cg_expr(cg, n->list.v[2]);
	LLVMValueRef res = cg_alloca_stack(cg, 8, "cmp");
	cg_store_i64(cg, res, cg_i64(cg, 0));
	struct cg_count_loop lp;
	LLVMValueRef i = cg_loop_begin(cg, &lp, cg_i64(cg, bound));
	branch_if(cg, LLVMBuildICmp(cg->b, LLVMIntUGE, i, count, ""), lp.done);
	LLVMValueRef d = LLVMBuildSub(cg->b, byte_at(cg, pl, i), byte_at(cg, pr, i), "");
	cg_store_i64(cg, res, d);
	branch_if(cg, LLVMBuildICmp(cg->b, LLVMIntNE, d, cg_i64(cg, 0), ""), lp.done);
	cg_loop_end(cg, &lp);
	return cg_load_int(cg, res, 8, true);
}

const struct builtin builtins_strmem[] = {
	{ .name = "strlen", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_strlen,
	  .emit = emit_strlen },
	{ .name = "strcap", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_strcap,
	  .emit = emit_strcap },
	{ .name = "default_str_length", .kind = B_FUNC, .min_args = 0, .max_args = 0,
	  .check = check_default_str_length, .emit = emit_default_str_length },
	{ .name = "strstr", .kind = B_FUNC, .min_args = 2, .max_args = 2, .check = check_strstr,
	  .emit = emit_strstr },
	{ .name = "str_concat", .kind = B_FUNC, .min_args = 2, .max_args = 2, .check = check_str_concat,
	  .emit_into = emit_str_concat },
	{ .name = "memcmp", .kind = B_FUNC, .min_args = 3, .max_args = 3, .check = check_memcmp,
	  .emit = emit_memcmp },
	{ .name = NULL },
};
