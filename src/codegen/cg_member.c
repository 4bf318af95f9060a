/* cg_member.c - reads of memory outside the program: members through
 * pointers, *p, p[i], and members / elements of those (sema_is_remote).
 *
 * A remote expression has an address (cg_remote_addr): the pointer plus
 * the member offsets and scaled indexes down the chain. Its value is then
 * read once, with bpf_probe_read_kernel or _user per the chain's address
 * space, straight into where it is needed: `curtask->real_parent->tgid`
 * reads 8 bytes at task + offsetof(real_parent), then 4 bytes at that +
 * offsetof(tgid), never a whole task_struct. A faulting read leaves zeros
 * (the helpers clear the destination on error). */
#include <string.h>
#include "codegen/cg.h"
#include "codegen/cg_int.h"

static int member_size(const struct type_field *f)
{
	int bits = f->bit_offset + f->bit_size;
	return bits <= 8 ? 1 : bits <= 16 ? 2 : bits <= 32 ? 4 : 8;
}

/* The index value of n->b, clamped to [0, count) for arrays of known size
 * (an index out of bounds reads element 0, as for local arrays). */
static LLVMValueRef index_value(struct cg *cg, struct node *n, int count)
{
	LLVMValueRef idx = n->sem_id ? cg_i64(cg, n->ival) : cg_expr(cg, n->b);
	if (!n->sem_id && count > 0) {
		LLVMValueRef ok = LLVMBuildICmp(cg->b, LLVMIntULT, idx, cg_i64(cg, count), "");
		idx = LLVMBuildSelect(cg->b, ok, idx, cg_i64(cg, 0), "");
	}
	return idx;
}

LLVMValueRef cg_remote_addr(struct cg *cg, struct node *n)
{
	switch (n->kind) {
	case N_FIELD: {
		struct type_field *f = n->sem;
		LLVMValueRef base = n->a->type->kind == TY_PTR ? cg_expr(cg, n->a) : cg_remote_addr(cg, n->a);
		return LLVMBuildAdd(cg->b, base, cg_i64(cg, f->offset), "");
	}
	case N_UNOP:
		return cg_expr(cg, n->a);
	case N_INDEX: {
		struct type *bt = n->a->type;
		int esize = bt->kind == TY_STR ? 1 : n->type->size;
		if (bt->kind == TY_PTR) {
			LLVMValueRef idx = n->sem_id ? cg_i64(cg, n->ival) : cg_expr(cg, n->b);
			LLVMValueRef off = LLVMBuildMul(cg->b, idx, cg_i64(cg, esize), "");
			return LLVMBuildAdd(cg->b, cg_expr(cg, n->a), off, "");
		}
		int count = bt->kind == TY_STR ? bt->size : bt->nelem;
		LLVMValueRef off = LLVMBuildMul(cg->b, index_value(cg, n, count), cg_i64(cg, esize), "");
		return LLVMBuildAdd(cg->b, cg_remote_addr(cg, n->a), off, "");
	}
	default:
		cg_error(cg, n, "%s has no address", node_kind_name(n->kind));
		return cg_i64(cg, 0);
	}
}

LLVMValueRef cg_remote_int(struct cg *cg, struct node *n)
{
	enum addrspace as = sema_remote_as(n);
	struct type_field *f = n->kind == N_FIELD ? n->sem : NULL;
	struct type *t = n->type;
	int w = t->kind == TY_PTR ? 8 : (t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8) ? t->size : 8;
	if (f && f->bit_size)
		w = member_size(f);
	LLVMValueRef addr = LLVMBuildIntToPtr(cg->b, cg_remote_addr(cg, n), cg->ptr, "");
	LLVMValueRef tmp = cg_alloca(cg, 8, "rd");
	cg_store_i64(cg, tmp, cg_i64(cg, 0));
	cg_probe_read(cg, tmp, w, addr, as);
	if (!f || !f->bit_size)
		return cg_load_int(cg, tmp, w, t->is_signed);
	/* a bitfield: shift its bits to the top, then back down with its sign */
	LLVMValueRef raw = cg_load_int(cg, tmp, 8, false);
	raw = LLVMBuildShl(cg->b, raw, cg_i64(cg, 64 - f->bit_offset - f->bit_size), "");
	LLVMValueRef sh = cg_i64(cg, 64 - f->bit_size);
	return t->is_signed ? LLVMBuildAShr(cg->b, raw, sh, "") : LLVMBuildLShr(cg->b, raw, sh, "");
}

void cg_remote_into(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	int size = n->type->size;
	LLVMValueRef addr = LLVMBuildIntToPtr(cg->b, cg_remote_addr(cg, n), cg->ptr, "");
	cg_probe_read(cg, dst, size, addr, sema_remote_as(n));
	if (n->type->kind == TY_STR)
		LLVMBuildStore(cg->b, LLVMConstInt(cg->i8, 0, 0), cg_gep(cg, dst, size - 1));
}
