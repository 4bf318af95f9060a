/* str.c - string functions: str(). */
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include "sema/builtin.h"
#include "sema/sema.h"
#include "codegen/cg.h"

static int check_str(struct sema *s, struct node *n)
{
	struct node *a0 = n->list.v[0];
	int size = sema_strlen(s);
	if (a0->kind == N_POSPARAM) {
		/* a constant, cut as str() cuts what it reads: at most
		 * BPFTRACE_STRLEN - 1 bytes, or the literal length given */
		struct settings *o = &sema_program(s)->set;
		const char *p = a0->ival >= 1 && a0->ival <= o->nparams ? o->params[a0->ival - 1] : "";
		size_t len = strlen(p), max = (size_t)size - 1;
		if (n->list.n == 2) {
			struct node *l = n->list.v[1];
			struct type *lt = sema_expr(s, l);
			if (!lt)
				return -1;
			if (l->kind != N_INT) {
				sema_error(s, l->loc, "str() of a positional parameter needs an integer literal length");
				return -1;
			}
			if (l->ival >= 0 && (size_t)l->ival < max)
				max = (size_t)l->ival;
		}
		if (len > max)
			len = max;
		a0->str = arena_strndup(sema_arena(s), p, len);
		a0->type = type_str(sema_arena(s), (int)len + 1);
		n->type = a0->type;
		n->sem_id = 1;   /* constant */
		return 0;
	}
	struct type *t = sema_expr(s, a0);
	if (!t)
		return -1;
	if (t->kind != TY_PTR && !type_is_int(t) && t->kind != TY_STR && t->kind != TY_ARRAY) {
		sema_error(s, a0->loc, "str() expects an integer or a pointer type as first argument (%s provided)",
			   type_name(sema_arena(s), t));
		return -1;
	}
	if (n->list.n == 2) {
		struct type *l = sema_expr(s, n->list.v[1]);
		if (!l)
			return -1;
		if (!type_is_int(l)) {
			sema_error(s, n->list.v[1]->loc, "str() only supports integer arguments (%s provided)",
				   type_name(sema_arena(s), l));
			return -1;
		}
		if (n->list.v[1]->kind == N_INT && n->list.v[1]->ival + 1 < size)
			size = n->list.v[1]->ival < 0 ? 1 : (int)n->list.v[1]->ival + 1;
	}
	if (t->kind == TY_STR && t->size < size)
		size = t->size;
	n->type = type_str(sema_arena(s), size);
	return 0;
}

static void emit_str(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	struct node *a0 = n->list.v[0];
	int size = n->type->size;
	if (n->sem_id == 1) {
		cg_expr_into_slot(cg, a0, n->type, dst);
		return;
	}
	cg_memset0(cg, dst, size);
	if (a0->type->kind == TY_STR) {
		LLVMValueRef tmp = cg_alloca(cg, a0->type->size, "strsrc");
		cg_expr_into(cg, a0, tmp);
		cg_memcpy(cg, dst, tmp, size < a0->type->size ? size : a0->type->size);
		/* keep the NUL when truncating */
		LLVMBuildStore(cg->b, LLVMConstInt(cg->i8, 0, 0), cg_gep(cg, dst, size - 1));
		return;
	}
	LLVMValueRef p = cg_expr(cg, a0);
	/* a pointer's space; an integer's when it has one (a syscall
	 * tracepoint argument: user memory) */
	enum addrspace as = a0->type->kind == TY_PTR || type_is_int(a0->type) ? a0->type->as : AS_NONE;
	if (n->list.n == 2 && n->list.v[1]->kind != N_INT) {
		/* runtime length: read min(len + 1, size) bytes */
		LLVMValueRef len = cg_expr(cg, n->list.v[1]);
		len = LLVMBuildAdd(cg->b, len, cg_i64(cg, 1), "");
		LLVMValueRef big = LLVMBuildICmp(cg->b, LLVMIntUGT, len, cg_i64(cg, size), "");
		len = LLVMBuildSelect(cg->b, big, cg_i64(cg, size), len, "strlen");
		int id = as == AS_USER ? BPF_FUNC_probe_read_user_str
			 : as == AS_KERNEL ? BPF_FUNC_probe_read_kernel_str : BPF_FUNC_probe_read_str;
		LLVMValueRef args[] = { dst, len, LLVMBuildIntToPtr(cg->b, p, cg->ptr, "") };
		cg_helper(cg, id, cg->i64, args, 3);
		return;
	}
	cg_probe_read_str(cg, dst, size, LLVMBuildIntToPtr(cg->b, p, cg->ptr, ""), as);
}

const struct builtin builtins_str[] = {
	{ .name = "str", .kind = B_FUNC, .min_args = 1, .max_args = 2, .check = check_str,
	  .emit_into = emit_str },
	{ .name = NULL },
};
