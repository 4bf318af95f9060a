/* introspect.c - builtins that look at the program and the kernel at
 * compile time: is_array, is_integer, is_literal, is_ptr, is_str,
 * is_unsigned_integer (the argument's type, or whether it is a literal),
 * kfunc_exist and kfunc_allowed (vmlinux BTF, and a probe load for the
 * current program type), plus container_of(ptr, T, member).
 *
 * The is_* and kfunc_* helpers fold to a bool constant in sema (n->ival);
 * their argument is type-checked but never evaluated, so they work in
 * predicates, conditions, printf arguments and macro bodies alike.
 * `comptime e` is the call comptime(e): e folded to a constant here, and an
 * `if` on it has only the branch taken checked and generated (sema_stmt.c,
 * cg_stmt.c), as in latest bpftrace's stdlib macros
 * (`if comptime !is_integer($pid) { ... }`).
 * typeof itself is grammar and sema (sema_typename in sema_types.c). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "sema/builtin.h"
#include "sema/sema.h"
#include "codegen/cg.h"
#include "ast/probe.h"
#include "sys/btf.h"
#include "sys/bpfsys.h"
#include "util/arena.h"

enum is_kind { IS_ARRAY, IS_INTEGER, IS_LITERAL, IS_PTR, IS_STR, IS_UNSIGNED };

/* 1, "s", true, -1, $1: what bpftrace calls a literal. */
static bool literal(const struct node *x)
{
	if (x->kind == N_UNOP && x->op == OP_NEG)
		x = x->a;
	/* positional parameters are the command line's literals */
	if (x->kind == N_INT || x->kind == N_STR || x->kind == N_POSPARAM || x->kind == N_POSCOUNT)
		return true;
	return x->kind == N_IDENT && (!strcmp(x->str, "true") || !strcmp(x->str, "false"));
}

static int check_is(struct sema *s, struct node *n, enum is_kind k)
{
	struct node *x = n->list.v[0];
	bool lit = literal(x);
	struct type *t = sema_expr(s, x);
	if (!t)
		return -1;
	switch (k) {
	case IS_ARRAY:
		n->ival = t->kind == TY_ARRAY;
		break;
	case IS_INTEGER:
		n->ival = t->kind == TY_INT;
		break;
	case IS_LITERAL:
		n->ival = lit;
		break;
	case IS_PTR:
		n->ival = t->kind == TY_PTR;
		break;
	case IS_STR:
		n->ival = t->kind == TY_STR;
		break;
	case IS_UNSIGNED:
		n->ival = t->kind == TY_INT && !t->is_signed;
		break;
	}
	n->type = type_bool();
	return 0;
}

static int check_is_array(struct sema *s, struct node *n)
{
	return check_is(s, n, IS_ARRAY);
}

static int check_is_integer(struct sema *s, struct node *n)
{
	return check_is(s, n, IS_INTEGER);
}

static int check_is_literal(struct sema *s, struct node *n)
{
	return check_is(s, n, IS_LITERAL);
}

static int check_is_ptr(struct sema *s, struct node *n)
{
	return check_is(s, n, IS_PTR);
}

static int check_is_str(struct sema *s, struct node *n)
{
	return check_is(s, n, IS_STR);
}

static int check_is_unsigned(struct sema *s, struct node *n)
{
	return check_is(s, n, IS_UNSIGNED);
}

/* ------------------------------------------------------------------ */
/* kfunc_exist / kfunc_allowed                                          */

/* The kfunc name of a call: its one argument, a string literal. */
static const char *kfunc_name(struct sema *s, struct node *n)
{
	struct node *x = n->list.v[0];
	if (x->kind != N_STR) {
		sema_error(s, x->loc, "%s() accepts a string literal only", n->str);
		return NULL;
	}
	x->type = sema_expr(s, x);
	return x->str;
}

/* Whether a program of type `type` may call the kernel function `id`,
 * tried for real: a program calling it gets past the verifier's check of
 * the call ("calling kernel function X is not allowed"); what happens after
 * (its arguments are zeros, a reference it returns is leaked) is no matter.
 * Tracing programs are loaded as a task iterator, which they need to load
 * at all. */
static bool kfunc_loads(enum bpf_prog_type type, const char *name, int id)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3 },
		{ .code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_KFUNC_CALL, .imm = id },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char log[8192] = "";   /* zeroed: valgrind does not see the kernel write it */
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log), .log_level = 1);
	if (type == BPF_PROG_TYPE_TRACING) {
		int it = btf_find_func("bpf_iter_task", NULL);
		if (it < 0)
			return false;
		o.expected_attach_type = BPF_TRACE_ITER;
		o.attach_btf_id = (__u32)it;
	}
	int fd = bpfsys_prog_load(type, NULL, insns, sizeof(insns) / sizeof(insns[0]), &o);
	if (fd >= 0) {
		close(fd);
		return true;
	}
	char call[160];
	snprintf(call, sizeof(call), "call %s#", name);
	return strstr(log, call) && !strstr(log, "is not allowed") && !strstr(log, "not supported");
}

/* kfunc_allowed is asked once per unit and sema pass: the answers of this
 * run, by program type and function. */
static bool kfunc_allowed_cached(enum bpf_prog_type type, const char *name, int id)
{
	static struct kfunc_answer {
		enum bpf_prog_type type;
		int id;
		bool ok;
	} seen[32];
	static int nseen;
	for (int i = 0; i < nseen; i++)
		if (seen[i].type == type && seen[i].id == id)
			return seen[i].ok;
	bool ok = kfunc_loads(type, name, id);
	if (nseen < 32)
		seen[nseen++] = (struct kfunc_answer){ type, id, ok };
	return ok;
}

static int check_kfunc_exist(struct sema *s, struct node *n)
{
	const char *name = kfunc_name(s, n);
	if (!name)
		return -1;
	n->ival = btf_find_func(name, NULL) >= 0;
	n->type = type_bool();
	return 0;
}

static int check_kfunc_allowed(struct sema *s, struct node *n)
{
	const char *name = kfunc_name(s, n);
	if (!name)
		return -1;
	struct attach_point *ap = sema_ap(s);
	int id = btf_find_func(name, NULL);
	n->ival = id >= 0 && ap && kfunc_allowed_cached(ap->pt->prog_type, name, id);
	n->type = type_bool();
	return 0;
}

/* ------------------------------------------------------------------ */
/* comptime e: e folded to a constant                                   */

static int check_comptime(struct sema *s, struct node *n)
{
	struct node *x = n->list.v[0];
	struct type *t = sema_expr(s, x);
	if (!t)
		return -1;
	if (!type_is_int(t) || !sema_const_eval(s, x, &n->ival)) {
		sema_error(s, x->loc, "Unable to resolve comptime expression");
		return -1;
	}
	n->type = t;
	return 0;
}

/* ------------------------------------------------------------------ */
/* container_of(ptr, T, member[.sub])                                   */

/* T as written, or a name or expression read as typeof(T) (a typedef, a
 * struct by its bare name, the type of *p), which then replaces it in the
 * call; it must be a struct or union. */
static struct type *container_type(struct sema *s, struct node **tnp)
{
	struct node *tn = *tnp;
	if (!sema_is_typename(tn)) {
		*tnp = node_new(sema_arena(s), N_CAST, tn->loc);
		(*tnp)->str = "typeof";
		(*tnp)->b = tn;
	}
	struct type *ty = sema_typename(s, *tnp);
	if (ty && ty->kind != TY_RECORD) {
		sema_error(s, tn->loc, "container_of() expects a struct or union type (%s provided)",
			   type_name(sema_arena(s), ty));
		return NULL;
	}
	return ty;
}

/* Without a written type the member path was parsed as an expression
 * (`se.load` a member of `se`): back to the names N_IDENT "se", "load". */
static bool member_path(struct sema *s, struct node *m, struct node_list *out)
{
	if (m->kind == N_IDENT) {
		node_list_push(sema_arena(s), out, m);
		return true;
	}
	if (m->kind != N_FIELD || m->op != OP_DOT || !member_path(s, m->a, out))
		return false;
	struct node *id = node_new(sema_arena(s), N_IDENT, m->loc);
	id->str = m->str;
	node_list_push(sema_arena(s), out, id);
	return true;
}

static int check_container_of(struct sema *s, struct node *n)
{
	if (n->list.n == 3 && n->list.v[2]->kind == N_FIELD) {
		struct node_list l = { 0 };
		node_list_push(sema_arena(s), &l, n->list.v[0]);
		node_list_push(sema_arena(s), &l, n->list.v[1]);
		if (!member_path(s, n->list.v[2], &l)) {
			sema_error(s, n->list.v[2]->loc, "container_of() expects a member name");
			return -1;
		}
		n->list = l;
	}
	if (n->list.n < 3) {
		sema_error(s, n->loc, "container_of() expects a pointer, a struct type and a member");
		return -1;
	}
	struct type *p = sema_expr(s, n->list.v[0]);
	if (!p)
		return -1;
	if (p->kind != TY_PTR && !type_is_int(p)) {
		sema_error(s, n->list.v[0]->loc, "container_of() expects a pointer (%s provided)",
			   type_name(sema_arena(s), p));
		return -1;
	}
	struct type *t = container_type(s, &n->list.v[1]);
	if (!t)
		return -1;
	/* offsetof over [T, member...]: the same list without the pointer */
	struct node path = *n;
	path.list.v = n->list.v + 1;
	path.list.n = n->list.n - 1;
	int64_t off;
	if (sema_offsetof(s, &path, &off) < 0)
		return -1;
	n->ival = off;
	enum addrspace as = p->kind == TY_PTR && p->as != AS_NONE ? p->as : sema_default_as(s);
	n->type = type_ptr(sema_arena(s), t, as);
	return 0;
}

static LLVMValueRef emit_container_of(struct cg *cg, struct node *n)
{
	LLVMValueRef p = cg_expr(cg, n->list.v[0]);
	return LLVMBuildSub(cg->b, p, cg_i64(cg, n->ival), "container_of");
}

const struct builtin builtins_introspect[] = {
	{ .name = "is_array", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_is_array,
	  .is_const = true },
	{ .name = "is_integer", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_is_integer,
	  .is_const = true },
	{ .name = "is_literal", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_is_literal,
	  .is_const = true },
	{ .name = "is_ptr", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_is_ptr,
	  .is_const = true },
	{ .name = "is_str", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_is_str,
	  .is_const = true },
	{ .name = "is_unsigned_integer", .kind = B_FUNC, .min_args = 1, .max_args = 1,
	  .check = check_is_unsigned, .is_const = true },
	{ .name = "kfunc_exist", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_kfunc_exist,
	  .is_const = true },
	{ .name = "kfunc_allowed", .kind = B_FUNC, .min_args = 1, .max_args = 1,
	  .check = check_kfunc_allowed, .is_const = true },
	{ .name = "comptime", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_comptime,
	  .is_const = true },
	{ .name = "container_of", .kind = B_FUNC, .min_args = 3, .max_args = 64, .check = check_container_of,
	  .emit = emit_container_of },
	{ .name = NULL },
};
