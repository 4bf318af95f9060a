/* cg_stmt.c - lowering of statements and of a whole probe program. */
#include <string.h>
#include <linux/bpf.h>
#include "codegen/cg.h"
#include "builtins/builtin.h"

LLVMValueRef cg_var_slot(struct cg *cg, struct var_info *v);
LLVMValueRef cg_lvalue_read(struct cg *cg, struct node *lv);
void cg_lvalue_write(struct cg *cg, struct node *lv, LLVMValueRef v);

struct cg_loop {
	LLVMBasicBlockRef brk, cont;
	struct cg_loop *outer;
};

static void stmt(struct cg *cg, struct node *n);

static void block(struct cg *cg, struct node *b)
{
	for (int i = 0; b && i < b->list.n && !cg->failed; i++)
		stmt(cg, b->list.v[i]);
}

static bool is_memory(const struct type *t)
{
	return t->kind == TY_STR || t->kind == TY_BUF || t->kind == TY_TUPLE || t->kind == TY_ARRAY;
}

static void assign(struct cg *cg, struct node *n)
{
	struct node *lv = n->a, *rhs = n->b;
	if (n->op != OP_ASSIGN) {
		LLVMValueRef old = cg_lvalue_read(cg, lv);
		LLVMValueRef r = cg_expr(cg, rhs);
		LLVMValueRef v;
		bool sg = lv->type && lv->type->is_signed && rhs->type->kind == TY_INT && rhs->type->is_signed;
		switch (n->op) {
		case OP_ADD: v = LLVMBuildAdd(cg->b, old, r, ""); break;
		case OP_SUB: v = LLVMBuildSub(cg->b, old, r, ""); break;
		case OP_MUL: v = LLVMBuildMul(cg->b, old, r, ""); break;
		case OP_BAND: v = LLVMBuildAnd(cg->b, old, r, ""); break;
		case OP_BOR: v = LLVMBuildOr(cg->b, old, r, ""); break;
		case OP_BXOR: v = LLVMBuildXor(cg->b, old, r, ""); break;
		case OP_SHL: v = LLVMBuildShl(cg->b, old, LLVMBuildAnd(cg->b, r, cg_i64(cg, 63), ""), ""); break;
		case OP_SHR:
			v = sg ? LLVMBuildAShr(cg->b, old, LLVMBuildAnd(cg->b, r, cg_i64(cg, 63), ""), "")
			       : LLVMBuildLShr(cg->b, old, LLVMBuildAnd(cg->b, r, cg_i64(cg, 63), ""), "");
			break;
		case OP_DIV:
		case OP_MOD: {
			/* reuse the expression lowering for division semantics */
			struct node bin = { .kind = N_BINOP, .op = n->op, .a = lv, .b = rhs, .type = lv->type };
			v = cg_expr(cg, &bin);
			break;
		}
		default:
			cg_error(cg, n, "unsupported compound assignment");
			return;
		}
		cg_lvalue_write(cg, lv, v);
		return;
	}
	if (lv->kind == N_VAR) {
		struct var_info *vi = lv->sem;
		if (rhs->kind == N_CALL && ((const struct builtin *)rhs->sem)->is_agg) {
			cg_error(cg, rhs, "%s() should be directly assigned to a map", rhs->str);
			return;
		}
		LLVMValueRef slot = cg_var_slot(cg, vi);
		if (is_memory(vi->type))
			cg_expr_into_slot(cg, rhs, vi->type, slot);
		else
			cg_store_i64(cg, slot, cg_expr(cg, rhs));
		return;
	}
	/* map */
	struct map_info *mi = lv->sem;
	if (rhs->kind == N_CALL && ((const struct builtin *)rhs->sem)->is_agg) {
		((const struct builtin *)rhs->sem)->emit_agg(cg, rhs, lv);
		return;
	}
	int ks;
	int vs = is_memory(mi->val) ? mi->val->size : 8;
	LLVMValueRef val = cg_alloca(cg, vs, "val");
	if (is_memory(mi->val))
		cg_expr_into_slot(cg, rhs, mi->val, val);
	else
		cg_store_i64(cg, val, cg_expr(cg, rhs));
	LLVMValueRef key = cg_map_key(cg, lv, 0, &ks);
	cg_map_update(cg, mi->rt->fd, key, val, BPF_ANY);
}

static void if_stmt(struct cg *cg, struct node *n)
{
	LLVMValueRef c = cg_expr(cg, n->a);
	LLVMValueRef cb = LLVMBuildICmp(cg->b, LLVMIntNE, c, cg_i64(cg, 0), "");
	LLVMBasicBlockRef bt = cg_block(cg, "if_then"), bf = cg_block(cg, "if_else"), done = cg_block(cg, "if_done");
	LLVMBuildCondBr(cg->b, cb, bt, bf);
	LLVMPositionBuilderAtEnd(cg->b, bt);
	block(cg, n->b);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, bf);
	if (n->c) {
		if (n->c->kind == N_IF)
			if_stmt(cg, n->c);
		else
			block(cg, n->c);
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
	LLVMValueRef c = cg_expr(cg, n->a);
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, c, cg_i64(cg, 0), ""), body, done);
	LLVMPositionBuilderAtEnd(cg->b, body);
	struct cg_loop lp = { .brk = done, .cont = cond, .outer = cg->loop };
	cg->loop = &lp;
	block(cg, n->b);
	cg->loop = lp.outer;
	LLVMBuildBr(cg->b, cond);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

static void stmt(struct cg *cg, struct node *n)
{
	switch (n->kind) {
	case N_EXPR_STMT: {
		struct node *e = n->a;
		if (e->type && is_memory(e->type)) {
			/* evaluated for side effects only (e.g. a bare str() call) */
			LLVMValueRef tmp = cg_alloca(cg, e->type->size, "discard");
			cg_expr_into(cg, e, tmp);
		} else if (e->type && e->type->kind != TY_RECORD) {
			cg_expr(cg, e);
		}
		break;
	}
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
			block(cg, n->b);
		break;
	case N_BLOCK:
		block(cg, n);
		break;
	case N_RETURN:
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
}

void cg_program(struct cg *cg, struct prog_unit *u);
void cg_program(struct cg *cg, struct prog_unit *u)
{
	struct node *p = u->probe;
	if (u->retype && sema_retype(cg->drv, p, u->aps[0]) < 0) {
		cg->failed = true;
		return;
	}
	LLVMTypeRef ft = LLVMFunctionType(cg->i64, &cg->ptr, 1, 0);
	char name[32];
	snprintf(name, sizeof(name), "fn_%s", u->section);
	cg->fn = LLVMAddFunction(cg->mod, name, ft);
	LLVMSetSection(cg->fn, u->section);
	unsigned nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
	LLVMAddAttributeAtIndex(cg->fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(cg->ctx, nounwind, 0));
	cg->ctxarg = LLVMGetParam(cg->fn, 0);
	cg->unit = u;
	cg->ap = u->naps == 1 ? u->aps[0] : NULL;
	cg->loop = NULL;
	cg->entry = cg_block(cg, "entry");
	LLVMBasicBlockRef body = cg_block(cg, "body");
	LLVMPositionBuilderAtEnd(cg->b, cg->entry);
	cg->entry_term = LLVMBuildBr(cg->b, body);
	LLVMPositionBuilderAtEnd(cg->b, body);
	/* fresh variable slots for this function */
	struct probe_sem *ps = p->sem;
	for (int i = 0; i < ps->vars.n; i++)
		((struct var_info *)ps->vars.v[i])->cg = NULL;
	if (cg->drv->opt->pid > 0 && u->aps[0]->pt->special == PS_NONE) {
		/* -p PID: every probe but BEGIN/END sees only that process (latest bpftrace) */
		LLVMValueRef tgid = LLVMBuildLShr(cg->b, cg_helper(cg, BPF_FUNC_get_current_pid_tgid, cg->i64, NULL, 0),
						  cg_i64(cg, 32), "");
		LLVMValueRef mine = LLVMBuildICmp(cg->b, LLVMIntEQ, tgid, cg_i64(cg, cg->drv->opt->pid), "");
		LLVMBasicBlockRef go = cg_block(cg, "pid_match"), stop = cg_block(cg, "pid_other");
		LLVMBuildCondBr(cg->b, mine, go, stop);
		LLVMPositionBuilderAtEnd(cg->b, stop);
		LLVMBuildRet(cg->b, cg_i64(cg, 0));
		LLVMPositionBuilderAtEnd(cg->b, go);
	}
	if (p->a) {
		LLVMValueRef c = cg_expr(cg, p->a);
		LLVMBasicBlockRef go = cg_block(cg, "pred_true"), stop = cg_block(cg, "pred_false");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, c, cg_i64(cg, 0), ""), go, stop);
		LLVMPositionBuilderAtEnd(cg->b, stop);
		LLVMBuildRet(cg->b, cg_i64(cg, 0));
		LLVMPositionBuilderAtEnd(cg->b, go);
	}
	block(cg, p->b);
	LLVMBuildRet(cg->b, cg_i64(cg, 0));
}
