/* output.c - functions whose work happens in user space: printf, print,
 * exit, clear, zero, time, plus delete (which is synchronous). The BPF side
 * sends a ring buffer event (event_abi.h); the runtime does the rest. */
#include <linux/bpf.h>
#include "sema/builtin.h"
#include "sema/sema.h"
#include "codegen/cg.h"
#include "abi/event_abi.h"
#include "abi/hist.h"
#include "builtins/output.h"

/* The printf-like call (output.h): printf here, system() and cat() in
 * unsafe.c. */
int fmt_call_check(struct sema *s, struct node *n)
{
	n->type = type_void();
	return sema_printf(s, n, 0);
}

LLVMValueRef fmt_call_emit(struct cg *cg, struct node *n, uint32_t kind)
{
	struct rt_printf *pf = cg->prog->printfs.v[n->sem_id];
	LLVMValueRef rec;
	LLVMValueRef pl = cg_event_begin(cg, kind, (uint32_t)n->sem_id, pf->size, &rec);
	for (int i = 0; i < pf->nargs; i++)
		cg_expr_into_slot(cg, n->list.v[i + 1], pf->args[i], cg_gep(cg, pl, pf->offsets[i]));
	cg_event_submit(cg, rec);
	return cg_i64(cg, 0);
}

static LLVMValueRef emit_printf(struct cg *cg, struct node *n)
{
	return fmt_call_emit(cg, n, EV_PRINTF);
}

static int check_time(struct sema *s, struct node *n)
{
	n->type = type_void();
	if (n->list.n == 0) {
		/* time() defaults to "%H:%M:%S\n" */
		struct node *f = node_new(sema_arena(s), N_STR, n->loc);
		f->str = "%H:%M:%S\n";
		f->ival = 9;
		node_list_push(sema_arena(s), &n->list, f);
	}
	if (n->list.v[0]->kind != N_STR) {
		sema_error(s, n->list.v[0]->loc, "time() expects a string literal as the first argument");
		return -1;
	}
	/* time's format is a strftime format: register it without printf checks */
	struct rt_printf *pf = arena_alloc(sema_arena(s), sizeof(*pf));
	pf->fmt = n->list.v[0]->str;
	if (sema_is_final(s)) {
		n->sem_id = sema_program(s)->printfs.n;
		ptrvec_push(sema_arena(s), &sema_program(s)->printfs, pf);
	}
	return 0;
}

static LLVMValueRef emit_time(struct cg *cg, struct node *n)
{
	LLVMValueRef rec;
	cg_event_begin(cg, EV_TIME, (uint32_t)n->sem_id, 0, &rec);
	cg_event_submit(cg, rec);
	return cg_i64(cg, 0);
}

static int check_exit(struct sema *s, struct node *n)
{
	n->type = type_void();
	if (n->list.n == 1) {
		struct type *t = sema_expr(s, n->list.v[0]);
		if (!t)
			return -1;
		if (!type_is_int(t)) {
			sema_error(s, n->list.v[0]->loc, "exit() only supports integer arguments (%s provided)",
				   type_kind_name(t->kind));
			return -1;
		}
	}
	return 0;
}

static LLVMValueRef emit_exit(struct cg *cg, struct node *n)
{
	LLVMValueRef rec;
	LLVMValueRef code = n->list.n ? cg_expr(cg, n->list.v[0]) : cg_i64(cg, 0);
	LLVMValueRef flag = LLVMBuildOr(cg->b, LLVMBuildAnd(cg->b, code, cg_i64(cg, 0xffffffff), ""),
					cg_i64(cg, 1ll << 32), "");
	cg_global_set(cg, G_EXIT, flag);   /* in case the event finds the ring full */
	LLVMValueRef pl = cg_signal_begin(cg, EV_EXIT, 0, 8, &rec);
	cg_store_i64(cg, pl, code);
	cg_event_submit(cg, rec);
	cg_return(cg);
	return cg_i64(cg, 0);
}

/* print(@m), print(@m, top, div), print(@m[k]) and print(value). */
static int check_print(struct sema *s, struct node *n)
{
	n->type = type_void();
	struct node *a0 = n->list.v[0];
	if (a0->kind == N_MAP && a0->list.n == 0) {
		if (!sema_map_arg(s, a0, "print"))
			return -1;
		for (int i = 1; i < n->list.n; i++) {
			struct type *t = sema_expr(s, n->list.v[i]);
			if (!t)
				return -1;
			if (!type_is_int(t)) {
				sema_error(s, n->list.v[i]->loc, "print() expects an integer for argument %d", i + 1);
				return -1;
			}
		}
		n->sem_id = -1;
		return 0;
	}
	if (n->list.n > 1) {
		sema_error(s, n->loc, "Non-map print() only takes 1 argument, %d found", n->list.n);
		return -1;
	}
	struct type *t = sema_expr(s, a0);
	if (!t)
		return -1;
	if (t->kind == TY_VOID || (t->kind == TY_RECORD && t->is_ctx_record) || type_is_agg(t)) {
		sema_error(s, a0->loc, "print() cannot print a value of type %s", type_name(sema_arena(s), t));
		return -1;
	}
	/* a struct prints whole, as latest bpftrace does: every member record */
	sema_complete_deep(t);
	t = sema_norm(s, t);
	if (sema_is_final(s)) {
		struct program *d = sema_program(s);
		n->sem_id = d->values.n;
		ptrvec_push(sema_arena(s), &d->values, t);
	}
	return 0;
}

static LLVMValueRef emit_print(struct cg *cg, struct node *n)
{
	LLVMValueRef rec;
	if (n->sem_id < 0) {
		struct map_info *mi = n->list.v[0]->sem;
		LLVMValueRef top = n->list.n > 1 ? cg_expr(cg, n->list.v[1]) : cg_i64(cg, 0);
		LLVMValueRef div = n->list.n > 2 ? cg_expr(cg, n->list.v[2]) : cg_i64(cg, 0);
		LLVMValueRef pl = cg_event_begin(cg, EV_PRINT_MAP, (uint32_t)mi->id, 16, &rec);
		cg_store_i64(cg, pl, top);
		cg_store_i64(cg, cg_gep(cg, pl, 8), div);
		cg_event_submit(cg, rec);
		return cg_i64(cg, 0);
	}
	struct type *t = cg->prog->values.v[n->sem_id];
	LLVMValueRef pl = cg_event_begin(cg, EV_PRINT_VALUE, (uint32_t)n->sem_id, (t->size + 7) / 8 * 8, &rec);
	cg_expr_into_slot(cg, n->list.v[0], t, pl);
	cg_event_submit(cg, rec);
	return cg_i64(cg, 0);
}

static int check_map_only(struct sema *s, struct node *n)
{
	n->type = type_void();
	struct node *a0 = n->list.v[0];
	if (a0->kind != N_MAP || a0->list.n) {
		sema_error(s, a0->loc, "%s() expects a map with no keys as its argument", n->str);
		return -1;
	}
	return sema_map_arg(s, a0, n->str) ? 0 : -1;
}

static LLVMValueRef emit_map_event(struct cg *cg, struct node *n, uint32_t kind)
{
	struct map_info *mi = n->list.v[0]->sem;
	LLVMValueRef rec;
	cg_event_begin(cg, kind, (uint32_t)mi->id, 0, &rec);
	cg_event_submit(cg, rec);
	return cg_i64(cg, 0);
}

static LLVMValueRef emit_clear(struct cg *cg, struct node *n)
{
	return emit_map_event(cg, n, EV_CLEAR);
}

static LLVMValueRef emit_zero(struct cg *cg, struct node *n)
{
	return emit_map_event(cg, n, EV_ZERO);
}

/* delete(@m[k]) (0.17) or delete(@m, k) (latest); true when the key was
 * there (latest bpftrace). */
static int check_delete(struct sema *s, struct node *n)
{
	n->type = type_bool();
	struct node *a0 = n->list.v[0];
	if (a0->kind != N_MAP) {
		sema_error(s, a0->loc, "delete() expects a map argument");
		return -1;
	}
	if (n->list.n == 2) {
		if (a0->list.n) {
			sema_error(s, a0->loc, "delete() with two arguments expects a map without keys");
			return -1;
		}
		/* Rewrite delete(@m, k) as delete(@m[k]); a tuple key spreads. */
		struct node *k = n->list.v[1];
		if (k->kind == N_TUPLE)
			a0->list = k->list;
		else
			node_list_push(sema_arena(s), &a0->list, k);
		n->list.n = 1;
	}
	return sema_map_arg(s, a0, "delete") ? 0 : -1;
}

static LLVMValueRef emit_delete(struct cg *cg, struct node *n)
{
	struct map_info *mi = n->list.v[0]->sem;
	int ks;
	if (mi->val && (mi->val->kind == TY_HIST || mi->val->kind == TY_LHIST)) {
		/* Histogram entries are keyed by bucket too: delete every bucket,
		 * in a loop (hist(n, 5) has 1889 of them). */
		int nb = mi->val->kind == TY_LHIST ? lhist_nbuckets(mi->val->lmin, mi->val->lmax, mi->val->lstep)
			 : mi->val->hist_bits ? hist_nbuckets(mi->val->hist_bits) : HIST_BUCKETS;
		LLVMValueRef key = cg_map_key(cg, n->list.v[0], 8, &ks);
		LLVMValueRef islot = cg_alloca_stack(cg, 8, "bucket"), any = cg_alloca_stack(cg, 8, "deleted");
		cg_store_i64(cg, islot, cg_i64(cg, 0));
		cg_store_i64(cg, any, cg_i64(cg, 0));
		LLVMBasicBlockRef head = cg_block(cg, "del_head"), body = cg_block(cg, "del_body"),
				  done = cg_block(cg, "del_done");
		LLVMBuildBr(cg->b, head);
		LLVMPositionBuilderAtEnd(cg->b, head);
		LLVMValueRef i = cg_load_int(cg, islot, 8, false);
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntULT, i, cg_i64(cg, nb), ""), body, done);
		LLVMPositionBuilderAtEnd(cg->b, body);
		cg_store_i64(cg, cg_gep(cg, key, ks - 8), i);
		LLVMValueRef r = cg_map_delete(cg, mi->rt->fd, key);
		LLVMValueRef hit = LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, r, cg_i64(cg, 0), ""), cg->i64, "");
		cg_store_i64(cg, any, LLVMBuildOr(cg->b, cg_load_int(cg, any, 8, false), hit, ""));
		cg_store_i64(cg, islot, LLVMBuildAdd(cg->b, i, cg_i64(cg, 1), ""));
		LLVMBuildBr(cg->b, head);
		LLVMPositionBuilderAtEnd(cg->b, done);
		return cg_load_int(cg, any, 8, false);
	}
	LLVMValueRef key = cg_map_key(cg, n->list.v[0], 0, &ks);
	LLVMValueRef r = cg_map_delete(cg, mi->rt->fd, key);
	return LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, r, cg_i64(cg, 0), ""), cg->i64, "");
}

const struct builtin builtins_output[] = {
	{ .name = "printf", .kind = B_FUNC, .min_args = 1, .max_args = 64, .stmt_only = true,
	  .check = fmt_call_check, .emit = emit_printf },
	{ .name = "time", .kind = B_FUNC, .min_args = 0, .max_args = 1, .stmt_only = true,
	  .check = check_time, .emit = emit_time },
	{ .name = "exit", .kind = B_FUNC, .min_args = 0, .max_args = 1, .stmt_only = true,
	  .check = check_exit, .emit = emit_exit },
	{ .name = "print", .kind = B_FUNC, .min_args = 1, .max_args = 3, .stmt_only = true,
	  .check = check_print, .emit = emit_print },
	{ .name = "clear", .kind = B_FUNC, .min_args = 1, .max_args = 1, .stmt_only = true,
	  .check = check_map_only, .emit = emit_clear },
	{ .name = "zero", .kind = B_FUNC, .min_args = 1, .max_args = 1, .stmt_only = true,
	  .check = check_map_only, .emit = emit_zero },
	{ .name = "delete", .kind = B_FUNC, .min_args = 1, .max_args = 2,
	  .check = check_delete, .emit = emit_delete },
	{ .name = NULL },
};
