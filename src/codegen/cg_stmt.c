/* cg_stmt.c - lowering of statements and of a whole probe program.
 *
 * A program's function is laid out as
 *     entry:     allocas (cg_alloca_stack), then br prologue
 *     prologue:  the scratch map lookup and variable zeroing, added while
 *                the body is generated (cg_prologue_builder), then br body
 *     body:      the predicate and the statements
 * For-loop bodies become functions of their own with the same layout
 * (cg_for.c). */
#include <string.h>
#include <linux/bpf.h>
#include "codegen/cg.h"
#include "codegen/cg_int.h"
#include "sema/builtin.h"

static void stmt(struct cg *cg, struct node *n);

void cg_block_stmts(struct cg *cg, struct node *b)
{
	for (int i = 0; b && i < b->list.n && !cg->failed; i++)
		stmt(cg, b->list.v[i]);
}

static bool is_memory(const struct type *t)
{
	return t->kind == TY_STR || t->kind == TY_BUF || t->kind == TY_TUPLE || t->kind == TY_ARRAY ||
	       t->kind == TY_RECORD || t->size > 8;
}

static bool is_agg_call(struct node *n)
{
	return n->kind == N_CALL && n->sem && ((const struct builtin *)n->sem)->is_agg;
}

/* Evaluates n for its effects only. */
static void discard(struct cg *cg, struct node *e)
{
	if (!e->type || (e->type->kind == TY_RECORD && e->type->is_ctx_record))
		return;
	if (is_memory(e->type)) {
		LLVMValueRef tmp = cg_alloca(cg, e->type->size, "discard");
		cg_expr_into(cg, e, tmp);
	} else {
		cg_expr(cg, e);
	}
}

/* Stores the value of rhs into a variable's slot, converted to its type. */
static void store_var(struct cg *cg, struct var_info *vi, struct node *rhs)
{
	LLVMValueRef slot = cg_var_slot(cg, vi);
	if (is_memory(vi->type))
		cg_expr_into_slot(cg, rhs, vi->type, slot);
	else
		cg_store_i64(cg, slot, cg_conv(cg, cg_expr(cg, rhs), rhs->type, vi->type));
}

static void assign(struct cg *cg, struct node *n)
{
	struct node *lv = n->a, *rhs = n->b;
	if (lv->kind == N_IDENT) {
		/* _ = expr */
		discard(cg, rhs);
		return;
	}
	if (n->ival && lv->kind == N_VAR) {
		/* let $x [= e]: a fresh value each time the declaration runs */
		struct var_info *vi = lv->sem;
		if (!vi->type || vi->type->kind == TY_NONE)
			return;
		if (rhs) {
			store_var(cg, vi, rhs);
		} else {
			int size = is_memory(vi->type) ? vi->type->size : 8;
			cg_memset0(cg, cg_var_slot(cg, vi), size);
		}
		return;
	}
	if (n->op != OP_ASSIGN) {
		cg_compound(cg, lv, n->op, rhs);
		return;
	}
	if (lv->kind == N_VAR) {
		if (is_agg_call(rhs)) {
			cg_error(cg, rhs, "%s() should be directly assigned to a map", rhs->str);
			return;
		}
		store_var(cg, lv->sem, rhs);
		return;
	}
	/* map */
	struct map_info *mi = lv->sem;
	if (is_agg_call(rhs)) {
		((const struct builtin *)rhs->sem)->emit_agg(cg, rhs, lv);
		return;
	}
	int ks;
	int vs = is_memory(mi->val) ? mi->val->size : 8;
	LLVMValueRef val = cg_alloca(cg, vs, "val");
	cg_expr_into_slot(cg, rhs, mi->val, val);
	LLVMValueRef key = cg_map_key(cg, lv, 0, &ks);
	cg_map_update(cg, mi->rt->fd, key, val, BPF_ANY);
}

static void if_stmt(struct cg *cg, struct node *n)
{
	if (sema_is_comptime(n->a)) {
		struct node *taken = n->a->ival ? n->b : n->c;
		if (taken && taken->kind == N_IF)
			if_stmt(cg, taken);
		else if (taken)
			cg_block_stmts(cg, taken);
		return;
	}
	LLVMValueRef cb = cg_truth(cg, n->a);
	LLVMBasicBlockRef bt = cg_block(cg, "if_then"), bf = cg_block(cg, "if_else"), done = cg_block(cg, "if_done");
	LLVMBuildCondBr(cg->b, cb, bt, bf);
	LLVMPositionBuilderAtEnd(cg->b, bt);
	cg_block_stmts(cg, n->b);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, bf);
	if (n->c) {
		if (n->c->kind == N_IF)
			if_stmt(cg, n->c);
		else
			cg_block_stmts(cg, n->c);
	}
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

static void while_stmt(struct cg *cg, struct node *n)
{
	LLVMBasicBlockRef cond = cg_block(cg, "while_cond"), body = cg_block(cg, "while_body"),
			  done = cg_block(cg, "while_done");
	LLVMBuildBr(cg->b, cond);
	LLVMPositionBuilderAtEnd(cg->b, cond);
	LLVMBuildCondBr(cg->b, cg_truth(cg, n->a), body, done);
	LLVMPositionBuilderAtEnd(cg->b, body);
	struct cg_loop lp = { .brk = done, .cont = cond, .outer = cg->loop };
	cg->loop = &lp;
	cg_block_stmts(cg, n->b);
	cg->loop = lp.outer;
	LLVMBuildBr(cg->b, cond);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

static void stmt(struct cg *cg, struct node *n)
{
	struct node *outer = cg->cur_stmt;
	cg->cur_stmt = n;
	switch (n->kind) {
	case N_EXPR_STMT:
		discard(cg, n->a);
		break;
	case N_ASSIGN:
		assign(cg, n);
		break;
	case N_IF:
		if_stmt(cg, n);
		break;
	case N_WHILE:
		while_stmt(cg, n);
		break;
	case N_UNROLL:
		for (int64_t i = 0; i < n->ival && !cg->failed; i++)
			cg_block_stmts(cg, n->b);
		break;
	case N_FOR:
		cg_for(cg, n);
		break;
	case N_BLOCK:
		cg_block_stmts(cg, n);
		break;
	case N_RETURN:
		/* `return N;` is the outcome of a test probe (non-zero fails the
		 * test, runtime/testbench.c); elsewhere the value is not used:
		 * a probe's return value means something to its kernel hook */
		if (n->a && cg->unit->aps[0]->pt->special == PS_TEST) {
			LLVMValueRef v = cg_expr(cg, n->a);
			LLVMTypeRef vt = LLVMTypeOf(v);
			if (LLVMGetTypeKind(vt) == LLVMIntegerTypeKind && LLVMGetIntTypeWidth(vt) < 64)
				v = LLVMBuildZExt(cg->b, v, cg->i64, "");
			if (LLVMGetTypeKind(vt) == LLVMIntegerTypeKind) {
				cg_return_value(cg, v);
				break;
			}
		}
		cg_return(cg);
		break;
	case N_BREAK:
	case N_CONTINUE:
		if (cg->loop) {
			LLVMBuildBr(cg->b, n->kind == N_BREAK ? cg->loop->brk : cg->loop->cont);
			LLVMPositionBuilderAtEnd(cg->b, cg_block(cg, "after_jump"));
		}
		break;
	default:
		cg_error(cg, n, "%s statements are not supported yet", node_kind_name(n->kind));
	}
	cg->cur_stmt = outer;
}

void cg_function_begin(struct cg *cg, LLVMValueRef fn)
{
	cg->fn = fn;
	size_t nl;
	const char *nm = LLVMGetValueName2(fn, &nl);
	ptrvec_push(cg->a, &cg->fn_names, arena_strndup(cg->a, nm, nl));
	ptrvec_push(cg->a, &cg->fn_nodes, cg->cur_stmt ? cg->cur_stmt : cg->unit->probe);
	LLVMSetSection(fn, cg->unit->section);
	unsigned nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(cg->ctx, nounwind, 0));
	cg->loop = NULL;
	cg->scratch = NULL;
	cg->stack_used = 0;
	cg->entry = cg_block(cg, "entry");
	LLVMBasicBlockRef pro = cg_block(cg, "prologue"), body = cg_block(cg, "body");
	LLVMPositionBuilderAtEnd(cg->b, cg->entry);
	cg->entry_term = LLVMBuildBr(cg->b, pro);
	LLVMPositionBuilderAtEnd(cg->b, pro);
	cg->prologue_term = LLVMBuildBr(cg->b, body);
	LLVMPositionBuilderAtEnd(cg->b, body);
}

void cg_program(struct cg *cg, struct prog_unit *u);
void cg_program(struct cg *cg, struct prog_unit *u)
{
	struct node *p = u->probe;
	LLVMTypeRef ft = LLVMFunctionType(cg->i64, &cg->ptr, 1, 0);
	char name[32];
	snprintf(name, sizeof(name), "fn_%s", u->section);
	cg->unit = u;
	cg->ap = u->naps == 1 ? u->aps[0] : NULL;
	cg->in_callback = false;
	cg->retflag = NULL;
	cg->nfor = 0;
	cg_function_begin(cg, LLVMAddFunction(cg->mod, name, ft));
	cg->ctxarg = LLVMGetParam(cg->fn, 0);
	/* fresh variable slots for this function */
	struct probe_sem *ps = p->sem;
	for (int i = 0; i < ps->vars.n; i++)
		((struct var_info *)ps->vars.v[i])->cg = NULL;
	if (cg->prog->set.pid > 0 && u->aps[0]->pt->special == PS_NONE) {
		/* -p PID: every probe but BEGIN/END sees only that process (latest bpftrace) */
		LLVMValueRef tgid = LLVMBuildLShr(cg->b, cg_helper(cg, BPF_FUNC_get_current_pid_tgid, cg->i64, NULL, 0),
						  cg_i64(cg, 32), "");
		LLVMValueRef mine = LLVMBuildICmp(cg->b, LLVMIntEQ, tgid, cg_global(cg, G_PID), "");
		LLVMBasicBlockRef go = cg_block(cg, "pid_match"), stop = cg_block(cg, "pid_other");
		LLVMBuildCondBr(cg->b, mine, go, stop);
		LLVMPositionBuilderAtEnd(cg->b, stop);
		LLVMBuildRet(cg->b, cg_i64(cg, 0));
		LLVMPositionBuilderAtEnd(cg->b, go);
	}
	if (p->a) {
		cg->cur_stmt = p->a;
		LLVMValueRef c = cg_truth(cg, p->a);
		LLVMBasicBlockRef go = cg_block(cg, "pred_true"), stop = cg_block(cg, "pred_false");
		LLVMBuildCondBr(cg->b, c, go, stop);
		LLVMPositionBuilderAtEnd(cg->b, stop);
		LLVMBuildRet(cg->b, cg_i64(cg, 0));
		LLVMPositionBuilderAtEnd(cg->b, go);
	}
	cg_block_stmts(cg, p->b);
	LLVMBuildRet(cg->b, cg_i64(cg, 0));
	cg->cur_stmt = NULL;
}
