/* strfuncs.c - string and buffer functions beyond str(): strncmp,
 * strcontains, strftime, strerror, bswap, buf and join. Argument checks
 * and messages follow bpftrace (0.17 where it has the function; latest
 * bpftrace for the result types it changed: strcontains returns a bool).
 *
 * strncmp and strcontains compare in BPF with loops of constant bound over
 * strings copied to scratch memory; strftime and strerror only carry their
 * integer to user space, typed so that the runtime formats it (value.c);
 * buf() is a uint32 length then the bytes (event_abi.h); join() sends up to
 * JOIN_ARGS strings of JOIN_ARGSIZE bytes in one event (EV_JOIN). */
#include <linux/bpf.h>
#include <string.h>
#include "sema/builtin.h"
#include "sema/sema.h"
#include "codegen/cg.h"
#include "abi/event_abi.h"

/* bpftrace's join_argnum and join_argsize. */
#define JOIN_ARGS 16
#define JOIN_ARGSIZE 1024
/* The largest literal buf() length (latest bpftrace has no limit; the value
 * must still fit a ring buffer event). */
#define BUF_MAX 65536

static const char *tn(struct sema *s, const struct type *t)
{
	return type_name(sema_arena(s), t);
}

/* An integer literal (or a negated one): its value. */
static bool literal_int(const struct node *n, int64_t *v)
{
	if (n->kind == N_INT) {
		*v = n->ival;
		return true;
	}
	if (n->kind == N_UNOP && n->op == OP_NEG && n->a->kind == N_INT) {
		*v = -n->a->ival;
		return true;
	}
	return false;
}

/* A string argument: its type, or NULL with bpftrace's message. */
static struct type *string_arg(struct sema *s, struct node *call, int i)
{
	struct node *a = call->list.v[i];
	struct type *t = sema_expr(s, a);
	if (!t)
		return NULL;
	if (t->kind != TY_STR) {
		sema_error(s, call->loc, "%s() only supports string arguments (%s provided)", call->str,
			   type_is_int(t) ? "integer" : tn(s, t));
		return NULL;
	}
	return t;
}

/* ---- loops over scratch memory --------------------------------------- */

struct sloop {
	LLVMBasicBlockRef head, body, next, done;
	LLVMValueRef islot;
};

/* for (i = 0; i < n; i++) with a constant n: returns i in the body. The
 * body ends with sloop_next (or branches to l->next / l->done itself). */
static LLVMValueRef sloop_begin(struct cg *cg, struct sloop *l, int64_t n, const char *name)
{
	l->islot = cg_alloca_stack(cg, 8, name);
	cg_store_i64(cg, l->islot, cg_i64(cg, 0));
	l->head = cg_block(cg, "sl_head");
	l->body = cg_block(cg, "sl_body");
	l->next = cg_block(cg, "sl_next");
	l->done = cg_block(cg, "sl_done");
	LLVMBuildBr(cg->b, l->head);
	LLVMPositionBuilderAtEnd(cg->b, l->head);
	LLVMValueRef i = cg_load_int(cg, l->islot, 8, false);
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntULT, i, cg_i64(cg, n), ""), l->body, l->done);
	LLVMPositionBuilderAtEnd(cg->b, l->body);
	return i;
}

static void sloop_end(struct cg *cg, struct sloop *l)
{
	LLVMBuildBr(cg->b, l->next);
	LLVMPositionBuilderAtEnd(cg->b, l->next);
	LLVMValueRef i = cg_load_int(cg, l->islot, 8, false);
	cg_store_i64(cg, l->islot, LLVMBuildAdd(cg->b, i, cg_i64(cg, 1), ""));
	LLVMBuildBr(cg->b, l->head);
	LLVMPositionBuilderAtEnd(cg->b, l->done);
}

/* The byte at p[i], i a variable index already known to be below p's size. */
static LLVMValueRef byte_at(struct cg *cg, LLVMValueRef p, LLVMValueRef i)
{
	LLVMValueRef at = LLVMBuildGEP2(cg->b, cg->i8, p, &i, 1, "");
	return LLVMBuildLoad2(cg->b, cg->i8, at, "");
}

/* Branches to `yes` when c holds, else continues in a new block. */
static void branch_if(struct cg *cg, LLVMValueRef c, LLVMBasicBlockRef yes)
{
	LLVMBasicBlockRef no = cg_block(cg, "cont");
	LLVMBuildCondBr(cg->b, c, yes, no);
	LLVMPositionBuilderAtEnd(cg->b, no);
}

static LLVMValueRef string_in_scratch(struct cg *cg, struct node *n)
{
	LLVMValueRef p = cg_alloca(cg, n->type->size, "sarg");
	cg_expr_into(cg, n, p);
	return p;
}

/* ---- strncmp(s1, s2, n) ------------------------------------------------ */

static int check_strncmp(struct sema *s, struct node *n)
{
	n->type = type_int(8, false);
	if (!string_arg(s, n, 0) || !string_arg(s, n, 1))
		return -1;
	struct node *l = n->list.v[2];
	int64_t v;
	if (!sema_expr(s, l))
		return -1;
	if (!literal_int(l, &v)) {
		/* bpftrace's wording, "a integer" included */
		sema_error(s, n->loc, "strncmp() expects a integer literal (%s provided)",
			   type_is_int(l->type) ? "integer" : tn(s, l->type));
		return -1;
	}
	if (v < 0) {
		sema_error(s, n->loc, "Builtin strncmp requires a non-negative size");
		return -1;
	}
	return 0;
}

/* 0 when the first n bytes (up to a NUL) are equal, else 1, as bpftrace. */
static LLVMValueRef emit_strncmp(struct cg *cg, struct node *n)
{
	struct node *a = n->list.v[0], *b = n->list.v[1];
	int64_t lim = n->list.v[2]->ival;
	if (lim > a->type->size)
		lim = a->type->size;
	if (lim > b->type->size)
		lim = b->type->size;
	LLVMValueRef pa = string_in_scratch(cg, a), pb = string_in_scratch(cg, b);
	LLVMValueRef res = cg_alloca_stack(cg, 8, "cmp");
	cg_store_i64(cg, res, cg_i64(cg, 0));
	struct sloop l;
	LLVMValueRef i = sloop_begin(cg, &l, lim, "cmp_i");
	LLVMValueRef ca = byte_at(cg, pa, i), cb = byte_at(cg, pb, i);
	LLVMBasicBlockRef differ = cg_block(cg, "cmp_differ");
	branch_if(cg, LLVMBuildICmp(cg->b, LLVMIntNE, ca, cb, ""), differ);
	branch_if(cg, LLVMBuildICmp(cg->b, LLVMIntEQ, ca, LLVMConstInt(cg->i8, 0, 0), ""), l.done);
	LLVMBasicBlockRef after = LLVMGetInsertBlock(cg->b);
	LLVMPositionBuilderAtEnd(cg->b, differ);
	cg_store_i64(cg, res, cg_i64(cg, 1));
	LLVMBuildBr(cg->b, l.done);
	LLVMPositionBuilderAtEnd(cg->b, after);
	sloop_end(cg, &l);
	return cg_load_int(cg, res, 8, false);
}

/* ---- strcontains(haystack, needle) ------------------------------------ */

static int check_strcontains(struct sema *s, struct node *n)
{
	n->type = type_bool();
	if (!string_arg(s, n, 0) || !string_arg(s, n, 1))
		return -1;
	return 0;
}

static LLVMValueRef emit_strcontains(struct cg *cg, struct node *n)
{
	struct node *h = n->list.v[0], *nd = n->list.v[1];
	int hs = h->type->size, ns = nd->type->size;
	LLVMValueRef ph = string_in_scratch(cg, h), pn = string_in_scratch(cg, nd);
	LLVMValueRef res = cg_alloca_stack(cg, 8, "found");
	cg_store_i64(cg, res, cg_i64(cg, 0));
	LLVMBasicBlockRef found = cg_block(cg, "sc_found"), out = cg_block(cg, "sc_out");
	/* an empty needle is in every string */
	branch_if(cg, LLVMBuildICmp(cg->b, LLVMIntEQ, byte_at(cg, pn, cg_i64(cg, 0)), LLVMConstInt(cg->i8, 0, 0), ""),
		  found);
	struct sloop li;
	LLVMValueRef i = sloop_begin(cg, &li, hs, "sc_i");
	branch_if(cg, LLVMBuildICmp(cg->b, LLVMIntEQ, byte_at(cg, ph, i), LLVMConstInt(cg->i8, 0, 0), ""), li.done);
	struct sloop lj;
	LLVMValueRef j = sloop_begin(cg, &lj, ns, "sc_j");
	LLVMValueRef cn = byte_at(cg, pn, j);
	branch_if(cg, LLVMBuildICmp(cg->b, LLVMIntEQ, cn, LLVMConstInt(cg->i8, 0, 0), ""), found);
	i = cg_load_int(cg, li.islot, 8, false);
	LLVMValueRef k = LLVMBuildAdd(cg->b, i, j, "");
	/* past the haystack: no match starting at i */
	branch_if(cg, LLVMBuildICmp(cg->b, LLVMIntUGE, k, cg_i64(cg, hs), ""), lj.done);
	LLVMValueRef ch = byte_at(cg, ph, k);
	branch_if(cg, LLVMBuildICmp(cg->b, LLVMIntNE, ch, cn, ""), lj.done);
	sloop_end(cg, &lj);
	/* the needle filled its buffer without a NUL: cannot happen for
	 * strings, but treat the full match as found */
	LLVMBasicBlockRef inner_done = LLVMGetInsertBlock(cg->b);
	(void)inner_done;
	sloop_end(cg, &li);
	LLVMBuildBr(cg->b, out);
	LLVMPositionBuilderAtEnd(cg->b, found);
	cg_store_i64(cg, res, cg_i64(cg, 1));
	LLVMBuildBr(cg->b, out);
	LLVMPositionBuilderAtEnd(cg->b, out);
	return cg_load_int(cg, res, 8, false);
}

/* ---- strftime(fmt, nsecs), strerror(errno) ----------------------------- */

static int check_strftime(struct sema *s, struct node *n)
{
	struct node *f = n->list.v[0];
	if (f->kind != N_STR) {
		struct type *t = sema_expr(s, f);
		sema_error(s, n->loc, "strftime() expects a string literal (%s provided)",
			   !t ? "none" : type_is_int(t) ? "integer" : tn(s, t));
		return -1;
	}
	struct type *t = sema_expr(s, n->list.v[1]);
	if (!t)
		return -1;
	if (!type_is_int(t)) {
		sema_error(s, n->loc, "strftime() only supports integer arguments (%s provided)",
			   t->kind == TY_STR ? "string" : tn(s, t));
		return -1;
	}
	/* the format travels in the type: value.c formats the timestamp */
	struct type *ts = type_simple(sema_arena(s), TY_TIMESTAMP, 8);
	ts->align = 8;
	ts->name = arena_strndup(sema_arena(s), f->str, (size_t)f->ival);
	n->type = ts;
	return 0;
}

static LLVMValueRef emit_arg0(struct cg *cg, struct node *n)
{
	struct node *a = n->list.v[n->list.n - 1];
	return cg_expr(cg, a);
}

static int check_strerror(struct sema *s, struct node *n)
{
	struct type *t = sema_expr(s, n->list.v[0]);
	if (!t)
		return -1;
	if (!type_is_int(t)) {
		sema_error(s, n->loc, "strerror() only supports integer arguments (%s provided)",
			   t->kind == TY_STR ? "string" : tn(s, t));
		return -1;
	}
	n->type = type_simple(sema_arena(s), TY_STRERROR, 8);
	n->type->align = 8;
	return 0;
}

/* ---- bswap(n) ---------------------------------------------------------- */

static int check_bswap(struct sema *s, struct node *n)
{
	struct type *t = sema_expr(s, n->list.v[0]);
	if (!t)
		return -1;
	if (t->kind != TY_INT) {
		sema_error(s, n->loc, "bswap() only supports integer arguments (%s provided)",
			   t->kind == TY_STR ? "string" : tn(s, t));
		return -1;
	}
	n->type = type_int(t->size, false);
	return 0;
}

static LLVMValueRef emit_bswap(struct cg *cg, struct node *n)
{
	int bytes = n->type->size;
	LLVMValueRef v = cg_expr(cg, n->list.v[0]);
	if (bytes == 1)
		return LLVMBuildAnd(cg->b, v, cg_i64(cg, 0xff), "");
	LLVMTypeRef it = LLVMIntTypeInContext(cg->ctx, (unsigned)bytes * 8);
	unsigned id = LLVMLookupIntrinsicID("llvm.bswap", strlen("llvm.bswap"));
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(cg->mod, id, &it, 1);
	LLVMValueRef x = LLVMBuildTrunc(cg->b, v, it, "");
	LLVMValueRef r = LLVMBuildCall2(cg->b, LLVMIntrinsicGetType(cg->ctx, id, &it, 1), fn, &x, 1, "bswap");
	return LLVMBuildZExt(cg->b, r, cg->i64, "");
}

/* ---- buf(data[, length]) ----------------------------------------------- */

/* buf(p, n): n bytes at p (a pointer or an address: probe_read in the
 * probe's address space), or of an array, a string or another buffer.
 * The length is a literal up to BPFTRACE_STRLEN, or any integer (then the
 * buffer holds BPFTRACE_STRLEN bytes at most). */
static int check_buf(struct sema *s, struct node *n)
{
	struct node *d = n->list.v[0];
	struct type *t = sema_expr(s, d);
	if (!t)
		return -1;
	int max = sema_strlen(s);
	int cap;
	bool mem = t->kind == TY_ARRAY || t->kind == TY_STR || t->kind == TY_BUF;
	if (!mem && t->kind != TY_PTR && !type_is_int(t)) {
		sema_error(s, d->loc, "buf() expects an integer, a pointer or an array as the first argument (%s provided)",
			   tn(s, t));
		return -1;
	}
	if (n->list.n == 1) {
		if (t->kind != TY_ARRAY && t->kind != TY_BUF) {
			sema_error(s, n->loc, "buf() expects a length argument for non-array type %s",
				   type_is_int(t) ? "integer" : t->kind == TY_STR ? "string" : tn(s, t));
			return -1;
		}
		cap = t->kind == TY_BUF ? t->size - 4 : t->size;
		n->sem_id = cap;
	} else {
		struct node *l = n->list.v[1];
		struct type *lt = sema_expr(s, l);
		if (!lt)
			return -1;
		if (!type_is_int(lt)) {
			sema_error(s, n->loc, "buf() only supports integer arguments (%s provided)",
				   lt->kind == TY_STR ? "string" : tn(s, lt));
			return -1;
		}
		int64_t v;
		if (literal_int(l, &v)) {
			if (v < 0) {
				sema_error(s, n->loc, "buf cannot use negative length (%lld)", (long long)v);
				return -1;
			}
			if (v > BUF_MAX) {
				sema_error(s, n->loc, "buf() length (%lld) is over the maximum of %d", (long long)v, BUF_MAX);
				return -1;
			}
			cap = (int)v;
			n->sem_id = cap ? cap : -1;   /* -1: the literal 0 */
		} else {
			cap = max;
			n->sem_id = 0;   /* runtime length */
		}
		if (mem) {
			int have = t->kind == TY_BUF ? t->size - 4 : t->size;
			if (cap > have)
				cap = have;
			if (n->sem_id > have)
				n->sem_id = have;
		}
	}
	n->type = type_simple(sema_arena(s), TY_BUF, 4 + cap);
	n->type->align = 4;
	return 0;
}

static void emit_buf(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	struct node *d = n->list.v[0];
	int cap = n->type->size - 4;
	cg_memset0(cg, dst, n->type->size);
	LLVMValueRef len;
	if (n->sem_id < 0)
		return;   /* buf(p, 0) */
	if (n->sem_id > 0) {
		len = cg_i64(cg, n->sem_id);
	} else {
		/* a runtime length, clamped to the capacity; a negative one is 0 */
		len = cg_expr(cg, n->list.v[1]);
		LLVMValueRef neg = LLVMBuildICmp(cg->b, LLVMIntSLT, len, cg_i64(cg, 0), "");
		len = LLVMBuildSelect(cg->b, neg, cg_i64(cg, 0), len, "");
		LLVMValueRef big = LLVMBuildICmp(cg->b, LLVMIntUGT, len, cg_i64(cg, cap), "");
		len = LLVMBuildSelect(cg->b, big, cg_i64(cg, cap), len, "buflen");
	}
	LLVMBuildStore(cg->b, LLVMBuildTrunc(cg->b, len, cg->i32, ""), dst);
	LLVMValueRef data = cg_gep(cg, dst, 4);
	struct type *t = d->type;
	if (t->kind == TY_ARRAY || t->kind == TY_STR || t->kind == TY_BUF) {
		LLVMValueRef tmp = cg_alloca(cg, t->size, "bufsrc");
		cg_expr_into(cg, d, tmp);
		int off = t->kind == TY_BUF ? 4 : 0;
		int have = t->size - off;
		cg_memcpy(cg, data, cg_gep(cg, tmp, off), cap < have ? cap : have);
		return;
	}
	LLVMValueRef p = LLVMBuildIntToPtr(cg->b, cg_expr(cg, d), cg->ptr, "");
	enum addrspace as = t->kind == TY_PTR || type_is_int(t) ? t->as : AS_NONE;   /* an int: a syscall argument's space */
	if (n->sem_id > 0) {
		cg_probe_read(cg, data, cap, p, as);
		return;
	}
	/* bpf_probe_read_*(dst, len, src) with len in [0, cap]: the verifier
	 * wants a bounded size register, so mask it to the capacity */
	int id = as == AS_USER ? BPF_FUNC_probe_read_user : as == AS_KERNEL ? BPF_FUNC_probe_read_kernel
								     : BPF_FUNC_probe_read;
	LLVMValueRef args[] = { data, LLVMBuildTrunc(cg->b, len, cg->i32, ""), p };
	cg_helper(cg, id, cg->i64, args, 3);
}

/* ---- join(char *argv[], sep = " ") ------------------------------------ */

static int check_join(struct sema *s, struct node *n)
{
	n->type = type_void();
	struct node *a = n->list.v[0];
	struct type *t = sema_expr(s, a);
	if (!t)
		return -1;
	if (t->kind != TY_PTR && !type_is_int(t)) {
		sema_error(s, n->loc, "join() only supports int or pointer arguments (%s provided)",
			   t->kind == TY_STR ? "string" : tn(s, t));
		return -1;
	}
	const char *sep = " ";
	if (n->list.n == 2) {
		struct node *d = n->list.v[1];
		if (d->kind != N_STR) {
			struct type *dt = sema_expr(s, d);
			sema_error(s, n->loc, "join() expects a string literal (%s provided)",
				   !dt ? "none" : type_is_int(dt) ? "integer" : tn(s, dt));
			return -1;
		}
		sep = d->str;
	}
	if (sema_is_final(s)) {
		struct program *prog = sema_program(s);
		struct rt_printf *pf = arena_alloc(sema_arena(s), sizeof(*pf));
		pf->fmt = sep;
		pf->size = JOIN_ARGS * JOIN_ARGSIZE;
		n->sem_id = prog->printfs.n;
		ptrvec_push(sema_arena(s), &prog->printfs, pf);
	}
	return 0;
}

/* Reads argv[0..JOIN_ARGS) into the event, each string in its slot; the
 * runtime stops at the first empty one. */
static LLVMValueRef emit_join(struct cg *cg, struct node *n)
{
	struct node *a = n->list.v[0];
	enum addrspace as = a->type->kind == TY_PTR ? a->type->as : AS_NONE;
	LLVMValueRef base = cg_expr(cg, a);
	LLVMValueRef ptr = cg_alloca(cg, 8, "join_ptr");
	LLVMValueRef rec;
	LLVMValueRef pl = cg_event_begin(cg, EV_JOIN, (uint32_t)n->sem_id, JOIN_ARGS * JOIN_ARGSIZE, &rec);
	for (int i = 0; i < JOIN_ARGS; i++) {
		LLVMValueRef slot = cg_gep(cg, pl, (int64_t)i * JOIN_ARGSIZE);
		LLVMBuildStore(cg->b, LLVMConstInt(cg->i8, 0, 0), slot);
		cg_store_i64(cg, ptr, cg_i64(cg, 0));
		LLVMValueRef at = LLVMBuildAdd(cg->b, base, cg_i64(cg, i * 8), "");
		cg_probe_read(cg, ptr, 8, LLVMBuildIntToPtr(cg->b, at, cg->ptr, ""), as);
		LLVMValueRef s = LLVMBuildIntToPtr(cg->b, cg_load_int(cg, ptr, 8, false), cg->ptr, "");
		cg_probe_read_str(cg, slot, JOIN_ARGSIZE, s, as);
	}
	cg_event_submit(cg, rec);
	return cg_i64(cg, 0);
}

const struct builtin builtins_strfuncs[] = {
	{ .name = "strncmp", .kind = B_FUNC, .min_args = 3, .max_args = 3, .check = check_strncmp,
	  .emit = emit_strncmp },
	{ .name = "strcontains", .kind = B_FUNC, .min_args = 2, .max_args = 2, .check = check_strcontains,
	  .emit = emit_strcontains },
	{ .name = "strftime", .kind = B_FUNC, .min_args = 2, .max_args = 2, .check = check_strftime,
	  .emit = emit_arg0 },
	{ .name = "strerror", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_strerror,
	  .emit = emit_arg0 },
	{ .name = "bswap", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_bswap,
	  .emit = emit_bswap },
	{ .name = "buf", .kind = B_FUNC, .min_args = 1, .max_args = 2, .check = check_buf,
	  .emit_into = emit_buf },
	{ .name = "join", .kind = B_FUNC, .min_args = 1, .max_args = 2, .stmt_only = true,
	  .check = check_join, .emit = emit_join },
	{ .name = NULL },
};
