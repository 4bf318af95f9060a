/* ctypes.c - builtins of C data: curtask, kptr(), uptr(), offsetof().
 *
 * curtask is bpf_get_current_task() typed `struct task_struct *` from
 * vmlinux BTF; kptr()/uptr() change the address space a pointer (or an
 * integer about to be cast to one) is read in; offsetof(T, a.b) is a
 * constant folded by sema (sema_types.c). sizeof is an N_SIZEOF node. */
#include <linux/bpf.h>
#include "sema/builtin.h"
#include "sema/sema.h"
#include "codegen/cg.h"
#include "sys/btf.h"

static int check_curtask(struct sema *s, struct node *n)
{
	struct type *task = btf_named_type("struct task_struct");
	if (!task) {
		sema_error(s, n->loc, "curtask needs the kernel's BTF (struct task_struct), which is unavailable");
		return -1;
	}
	n->type = type_ptr(sema_arena(s), task, AS_KERNEL);
	return 0;
}

static LLVMValueRef emit_curtask(struct cg *cg, struct node *n)
{
	(void)n;
	return cg_helper(cg, BPF_FUNC_get_current_task, cg->i64, NULL, 0);
}

/* kptr(p) / uptr(p): p unchanged, its type marked kernel / user memory. */
static int check_space(struct sema *s, struct node *n, enum addrspace as)
{
	struct type *t = sema_expr(s, n->list.v[0]);
	if (!t)
		return -1;
	if (!type_is_int(t) && t->kind != TY_PTR) {
		sema_error(s, n->list.v[0]->loc, "%s() expects a pointer or an integer (%s provided)", n->str,
			   type_name(sema_arena(s), t));
		return -1;
	}
	struct type *c = type_copy(sema_arena(s), t);
	c->as = as;
	n->type = c;
	return 0;
}

static int check_kptr(struct sema *s, struct node *n)
{
	return check_space(s, n, AS_KERNEL);
}

static int check_uptr(struct sema *s, struct node *n)
{
	return check_space(s, n, AS_USER);
}

static LLVMValueRef emit_same(struct cg *cg, struct node *n)
{
	return cg_expr(cg, n->list.v[0]);
}

static int check_offsetof(struct sema *s, struct node *n)
{
	int64_t off;
	if (sema_offsetof(s, n, &off) < 0)
		return -1;
	n->ival = off;
	n->type = type_int(8, false);
	return 0;
}

const struct builtin builtins_ctypes[] = {
	{ .name = "curtask", .kind = B_VAR, .either_form = true, .check = check_curtask, .emit = emit_curtask },
	{ .name = "kptr", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_kptr, .emit = emit_same },
	{ .name = "uptr", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_uptr, .emit = emit_same },
	{ .name = "offsetof", .kind = B_FUNC, .min_args = 2, .max_args = 64, .check = check_offsetof,
	  .is_const = true },
	{ .name = NULL },
};
