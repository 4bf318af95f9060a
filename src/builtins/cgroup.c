/* cgroup.c - cgroup_path(id [, "filter"]): a cgroup id printed as its
 * paths in the mounted cgroup hierarchies ("unified:/user.slice/...,cpu:/").
 *
 * Only the id travels (8 bytes, like strerror's errno); the filter of
 * hierarchy names ('*' wildcards, default every hierarchy) is a literal
 * kept in the value's type, and the runtime resolves the id when it prints
 * it (sys/cgroup.c), with printf's %s, print() or as a map value.
 * Messages follow bpftrace. */
#include "sema/builtin.h"
#include "sema/sema.h"
#include "codegen/cg.h"

static int check_cgroup_path(struct sema *s, struct node *n)
{
	struct type *t = sema_expr(s, n->list.v[0]);
	if (!t)
		return -1;
	if (!type_is_int(t)) {
		sema_error(s, n->loc, "cgroup_path() only supports integer arguments (%s provided)",
			   t->kind == TY_STR ? "string" : type_name(sema_arena(s), t));
		return -1;
	}
	const char *filter = "*";
	if (n->list.n == 2) {
		struct node *f = n->list.v[1];
		struct type *ft = sema_expr(s, f);
		if (!ft)
			return -1;
		if (ft->kind != TY_STR) {
			sema_error(s, n->loc, "cgroup_path() only supports string arguments (%s provided)",
				   type_is_int(ft) ? "integer" : type_name(sema_arena(s), ft));
			return -1;
		}
		if (f->kind != N_STR) {
			sema_error(s, f->loc, "cgroup_path() expects a string literal as its filter");
			return -1;
		}
		filter = arena_strndup(sema_arena(s), f->str, (size_t)f->ival);
	}
	n->type = type_simple(sema_arena(s), TY_CGROUP_PATH, 8);
	n->type->align = 8;
	n->type->name = filter;
	return 0;
}

static LLVMValueRef emit_cgroup_path(struct cg *cg, struct node *n)
{
	return cg_expr(cg, n->list.v[0]);
}

const struct builtin builtins_cgroup[] = {
	{ .name = "cgroup_path", .kind = B_FUNC, .min_args = 1, .max_args = 2, .check = check_cgroup_path,
	  .emit = emit_cgroup_path },
	{ .name = NULL },
};
