/* path.c - path(struct path *p [, size]): the file path of a struct path,
 * through the kernel's bpf_d_path helper.
 *
 * The kernel allows bpf_d_path only in fentry/fexit programs of an allow
 * list of functions and in iterators (kernel/trace/bpf_trace.c
 * bpf_d_path_allowed), and only on a pointer the verifier tracks as a
 * `struct path` (PTR_TO_BTF_ID): one loaded straight from the context or
 * walked from it through members, never one copied with probe_read (a mere
 * number to the verifier). So the argument must be reached from ctx or a
 * probe argument through members: `path(ctx->file->f_path)` (a record:
 * its address is used, as in bpftrace), `path(&ctx->file->f_path)`,
 * `path(args.path)`. Its pointers are then read with direct loads (the
 * verifier turns them into fault-safe PROBE_MEM loads) and checked against
 * NULL on the way; a NULL pointer or a failing helper gives "". The value
 * is a string of BPFTRACE_STRLEN bytes, or of `size` (a literal) when
 * smaller, as in bpftrace 0.22. */
#include <string.h>
#include <linux/bpf.h>
#include "sema/builtin.h"
#include "sema/sema.h"
#include "ast/diag.h"
#include "codegen/cg.h"

/* ---- sema -------------------------------------------------------------------- */

static bool trusted_place(const struct node *n);

/* A pointer value the verifier tracks: the context itself or a probe
 * argument (not remote: read straight from the context), or a pointer
 * member of a tracked place. */
static bool trusted_ptr(const struct node *n)
{
	if (!n->type || n->type->kind != TY_PTR)
		return false;
	if (!sema_is_remote(n))
		return (n->kind == N_IDENT && n->sem_id == SEM_CTX) ||
		       (n->kind == N_FIELD && n->a->kind == N_IDENT && !strcmp(n->a->str, "args"));
	return n->kind == N_FIELD && trusted_place(n);
}

/* Kernel memory reached from a tracked pointer through members. */
static bool trusted_place(const struct node *n)
{
	if (n->kind == N_UNOP && n->op == OP_DEREF)
		return trusted_ptr(n->a);
	if (n->kind != N_FIELD || !n->a->type)
		return false;
	if (n->a->type->kind == TY_PTR)
		return n->a->type->as == AS_KERNEL && trusted_ptr(n->a);
	return n->a->type->kind == TY_RECORD && sema_is_remote(n->a) && trusted_place(n->a);
}

/* path(&place), path(place) of a record, path(pointer) */
static bool trusted_arg(const struct node *a)
{
	if (a->kind == N_UNOP && a->op == OP_ADDR)
		return trusted_place(a->a);
	if (a->type->kind == TY_RECORD)
		return trusted_place(a);
	return trusted_ptr(a);
}

static bool is_struct_path(const struct type *t)
{
	return t && t->kind == TY_RECORD && t->name && !strcmp(t->name, "struct path");
}

static int check_path(struct sema *s, struct node *n)
{
	struct node *a = n->list.v[0];
	struct type *t = sema_expr(s, a);
	int ok = t ? 0 : -1;
	if (t && t->kind != TY_RECORD && t->kind != TY_PTR) {
		sema_error(s, n->loc, "path() only supports pointer or record argument (%s provided)",
			   type_is_int(t) ? "integer" : type_kind_name(t->kind));
		ok = -1;
	} else if (t && !is_struct_path(t->kind == TY_PTR ? t->elem : t)) {
		sema_error(s, a->loc, "path() expects a 'struct path' or a 'struct path *' (%s provided)",
			   type_name(sema_arena(s), t));
		ok = -1;
	} else if (t && !trusted_arg(a)) {
		sema_error(s, a->loc, "path() needs a struct path reached from the probe's context (ctx or "
			   "args) through members: the kernel refuses a pointer read from memory or kept in a variable");
		ok = -1;
	}
	int size = sema_strlen(s);
	if (n->list.n == 2) {
		struct node *l = n->list.v[1];
		if (!sema_expr(s, l))
			return -1;
		if (l->kind != N_INT || l->ival < 0) {
			sema_error(s, n->loc, "path: invalid size value, need non-negative literal");
			ok = -1;
		} else if (l->ival < size) {
			size = l->ival > 0 ? (int)l->ival : 1;
		}
	}
	struct attach_point *ap = sema_ap(s);
	const char *pt = ap ? ap->pt->name : "";
	if (strcmp(pt, "fentry") && strcmp(pt, "fexit") && strcmp(pt, "iter")) {
		sema_error(s, n->loc, "The path function can only be used with 'fentry', 'fexit', 'iter' probes");
		ok = -1;
	}
	n->type = type_str(sema_arena(s), size);
	return ok;
}

/* ---- codegen ----------------------------------------------------------------- */

static LLVMValueRef place_addr(struct cg *cg, struct node *n, LLVMBasicBlockRef null_bb);

/* Is v the program's context pointer (iter's ctx)? */
static bool is_ctx(struct cg *cg, LLVMValueRef v)
{
	return LLVMIsAPtrToIntInst(v) && LLVMGetOperand(v, 0) == cg->ctxarg;
}

/* A load of the context's member at `off`. The verifier wants it as one
 * instruction off the unmodified context register: the address goes
 * through llvm.preserve.static.offset so that LLVM neither shares ctx + off
 * with another use (a probe_read of the same member) nor moves it away. */
static LLVMValueRef ctx_load(struct cg *cg, int off)
{
	static const char name[] = "llvm.preserve.static.offset";
	unsigned id = LLVMLookupIntrinsicID(name, sizeof(name) - 1);
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(cg->mod, id, NULL, 0);
	LLVMTypeRef fty = LLVMIntrinsicGetType(cg->ctx, id, NULL, 0);
	LLVMValueRef base = LLVMBuildCall2(cg->b, fty, fn, &cg->ctxarg, 1, "");
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->i64, cg_gep(cg, base, off), "ctx_ptr");
	LLVMSetAlignment(v, 8);
	return v;
}

/* The value of a tracked pointer (trusted_ptr) as an i64; branches to
 * null_bb when it is NULL. */
static LLVMValueRef ptr_value(struct cg *cg, struct node *n, LLVMBasicBlockRef null_bb)
{
	LLVMValueRef v;
	if (!sema_is_remote(n)) {
		v = cg_expr(cg, n);
		if (is_ctx(cg, v))
			return v;
	} else if (n->kind == N_FIELD && n->a->type->kind == TY_PTR && !sema_is_remote(n->a) &&
		   is_ctx(cg, cg_expr(cg, n->a))) {
		v = ctx_load(cg, ((const struct type_field *)n->sem)->offset);
	} else {
		LLVMValueRef p = LLVMBuildIntToPtr(cg->b, place_addr(cg, n, null_bb), cg->ptr, "");
		v = LLVMBuildLoad2(cg->b, cg->i64, p, "btf_ptr");
	}
	LLVMBasicBlockRef ok = cg_block(cg, "path_ptr_ok");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, v, cg_i64(cg, 0), ""), null_bb, ok);
	LLVMPositionBuilderAtEnd(cg->b, ok);
	return v;
}

/* The address of a tracked place (trusted_place) as an i64. */
static LLVMValueRef place_addr(struct cg *cg, struct node *n, LLVMBasicBlockRef null_bb)
{
	if (n->kind == N_UNOP)
		return ptr_value(cg, n->a, null_bb);
	const struct type_field *f = n->sem;
	LLVMValueRef base = n->a->type->kind == TY_PTR ? ptr_value(cg, n->a, null_bb) : place_addr(cg, n->a, null_bb);
	return LLVMBuildAdd(cg->b, base, cg_i64(cg, f->offset), "");
}

/* The pointer-typed members of path()'s argument chain, from the one read
 * off the context outwards (ctx->task, ctx->task->fs for
 * ctx->task->fs->pwd). Returns how many (at most max). */
static int chain_pointers(struct node *a, struct node **out, int max)
{
	struct node *rev[32];
	int n = 0;
	if (a->kind == N_UNOP && a->op == OP_ADDR)
		a = a->a;
	while (a && n < 32) {
		if (a->kind == N_FIELD && a->type && a->type->kind == TY_PTR)
			rev[n++] = a;
		if (a->kind != N_FIELD && !(a->kind == N_UNOP && a->op == OP_DEREF))
			break;
		a = a->a;
	}
	int k = 0;
	while (n > 0 && k < max)
		out[k++] = rev[--n];
	return k;
}

/* The verifier refused bpf_d_path's pointer as untrusted: a pointer of
 * the chain was loaded from a struct member that this kernel build does not
 * list as trusted (BTF_TYPE_SAFE_TRUSTED in kernel/bpf/verifier.c; builds
 * differ, e.g. in task_struct.fs). The log names the type of the first such
 * pointer ("R1=untrusted_ptr_fs_struct()"): the error points at it. */
static bool path_explain(const struct verifier_site *site, const char *log, const char *why, struct diag *d)
{
	if (!strstr(why, "untrusted_ptr_"))
		return false;
	struct node *arg = site->call->list.v[0], *chain[32], *bad = NULL;
	int n = chain_pointers(arg, chain, 32);
	for (int i = 0; i < n && !bad; i++) {
		const struct type *t = chain[i]->type->elem;
		if (!t || !t->name)
			continue;
		const char *tag = strchr(t->name, ' ') ? strchr(t->name, ' ') + 1 : t->name;
		char want[160];
		snprintf(want, sizeof(want), "untrusted_ptr_%s(", tag);
		if (strstr(log, want))
			bad = chain[i];
	}
	int wlen = (int)strcspn(why, "\n");
	struct loc at = bad ? bad->loc : arg->loc;
	const struct source *src = d->src;
	const char *text = NULL;
	int len = 0;
	if (bad && src && src->text && at.first_line == at.last_line) {
		/* the pointer expression as written */
		const char *p = src->text;
		for (int l = 1; l < at.first_line && *p; p++)
			if (*p == '\n')
				l++;
		text = p + at.first_column - 1;
		len = at.last_column - at.first_column + 1;
	}
	if (text && len > 0)
		diag_error(d, at, "path(): this kernel does not trust the pointer %.*s, and bpf_d_path takes only "
			   "a struct path the verifier trusts (%.*s)", len, text, wlen, why);
	else
		diag_error(d, at, "path(): this kernel does not trust a pointer this struct path is reached through, "
			   "and bpf_d_path takes only a struct path the verifier trusts (%.*s)", wlen, why);
	diag_hint(d, "trusted are the probe's own pointers (iter's ctx->file, ctx->task; fentry's args) and "
		  "the structs inside what they point to, as in iter:task_file { path(ctx->file->f_path) }; a "
		  "pointer read from another member is trusted only where this kernel lists it as safe");
	return true;
}

static void emit_path(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	struct node *a = n->list.v[0];
	int size = n->type->size;
	cg_memset0(cg, dst, size);
	LLVMBasicBlockRef null_bb = cg_block(cg, "path_null"), done = cg_block(cg, "path_done");
	LLVMValueRef addr;
	if (a->kind == N_UNOP && a->op == OP_ADDR)
		addr = place_addr(cg, a->a, null_bb);
	else if (a->type->kind == TY_RECORD)
		addr = place_addr(cg, a, null_bb);
	else
		addr = ptr_value(cg, a, null_bb);
	LLVMValueRef args[] = { LLVMBuildIntToPtr(cg->b, addr, cg->ptr, ""), dst, cg_i64(cg, size) };
	LLVMValueRef ret = cg_helper(cg, BPF_FUNC_d_path, cg->i64, args, 3);
	cg_verifier_site(cg, BPF_FUNC_d_path, n, path_explain);
	/* on error (a name longer than size) d_path may leave a partial tail */
	LLVMBasicBlockRef clear = cg_block(cg, "path_clear");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntSLT, ret, cg_i64(cg, 0), ""), clear, done);
	LLVMPositionBuilderAtEnd(cg->b, clear);
	cg_memset0(cg, dst, size);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, null_bb);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

const struct builtin builtins_path[] = {
	{ .name = "path", .kind = B_FUNC, .min_args = 1, .max_args = 2, .check = check_path,
	  .emit_into = emit_path },
	{ .name = NULL },
};
