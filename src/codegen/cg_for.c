/* cg_for.c - for loops: `for ($kv : @map)` and `for ($i : a..b)`.
 *
 * The body becomes a BPF callback: a second function in the probe's own
 * ELF section, after the probe's function (the loader turns the reference
 * to it into a BPF_PSEUDO_FUNC load and gives the section BTF func info).
 * Maps go through bpf_for_each_map_elem (helper 164), ranges through
 * bpf_loop (helper 181), so the verifier checks the body once however many
 * times it runs.
 *
 * The callback cannot see the probe's stack frame, so the caller passes a
 * context on its stack (the helpers require stack memory there):
 *     [0] the probe's context pointer    [1] &return flag
 *     [2] range start                    [3..] &each captured variable
 * Variables the body declares live in the callback; the outer ones it uses
 * (sema's for_sem.captures) are reached through their pointers. `break`
 * returns 1 (stop), `continue` and the end of the body return 0; `return`
 * and exit() set the return flag and stop, and the caller then returns too. */
#include <string.h>
#include <linux/bpf.h>
#include "codegen/cg.h"
#include "codegen/cg_int.h"
#include "sema/builtin.h"
#include "abi/event_abi.h"

#define CTX_PROBE 0
#define CTX_RETFLAG 1
#define CTX_START 2
#define CTX_CAPS 3

/* bpf_loop handles at most this many iterations (BPF_MAX_LOOPS): a longer
 * range runs that many and is counted in G_LOOP_CUT (reported at exit); sema
 * refuses a constant range that long. */
#define MAX_LOOPS BPF_LOOP_MAX

static LLVMValueRef ctx_slot(struct cg *cg, LLVMValueRef cctx, int i)
{
	return cg_gep(cg, cctx, 8 * i);
}

static LLVMValueRef load_ptr(struct cg *cg, LLVMValueRef p)
{
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->ptr, p, "");
	LLVMSetAlignment(v, 8);
	return v;
}

static void store_ptr(struct cg *cg, LLVMValueRef p, LLVMValueRef v)
{
	LLVMValueRef s = LLVMBuildStore(cg->b, v, p);
	LLVMSetAlignment(s, 8);
}

/* What generating a callback changes in struct cg. */
struct saved {
	LLVMValueRef fn, ctxarg, entry_term, prologue_term, scratch, retflag;
	LLVMBasicBlockRef entry, at;
	bool in_callback;
	struct cg_loop *loop;
	int stack_used;
	struct node *cur_stmt;
};

static void save(struct cg *cg, struct saved *s)
{
	*s = (struct saved){ cg->fn, cg->ctxarg, cg->entry_term, cg->prologue_term, cg->scratch, cg->retflag,
			     cg->entry, LLVMGetInsertBlock(cg->b), cg->in_callback, cg->loop, cg->stack_used,
			     cg->cur_stmt };
}

static void restore(struct cg *cg, const struct saved *s)
{
	cg->fn = s->fn;
	cg->ctxarg = s->ctxarg;
	cg->entry_term = s->entry_term;
	cg->prologue_term = s->prologue_term;
	cg->scratch = s->scratch;
	cg->retflag = s->retflag;
	cg->entry = s->entry;
	cg->in_callback = s->in_callback;
	cg->loop = s->loop;
	cg->stack_used = s->stack_used;
	cg->cur_stmt = s->cur_stmt;
	LLVMPositionBuilderAtEnd(cg->b, s->at);
}

/* The loop variable of a map iteration: ($key, $value), where a multi-key
 * map's key is the tuple of its keys. */
static void fill_kv(struct cg *cg, struct for_sem *fs, LLVMValueRef key, LLVMValueRef val)
{
	struct map_info *mi = fs->map;
	struct type *kv = fs->var->type;
	LLVMValueRef slot = cg_var_slot(cg, fs->var);
	cg_memset0(cg, slot, kv->size);
	struct type_field *kf = &kv->fields[0], *vf = &kv->fields[1];
	cg_memcpy(cg, cg_gep(cg, slot, kf->offset), key, kf->type->size);
	if (type_is_agg(mi->val)) {
		cg_store_i64(cg, cg_gep(cg, slot, vf->offset), cg_agg_read(cg, mi, key));
		return;
	}
	int vs = vf->type->size > 8 ? vf->type->size : 8;
	cg_memcpy(cg, cg_gep(cg, slot, vf->offset), val, vs);
}

static LLVMValueRef callback(struct cg *cg, struct node *n, struct for_sem *fs, bool range)
{
	struct saved sv;
	save(cg, &sv);
	LLVMValueRef *old = arena_alloc(cg->a, sizeof(*old) * (size_t)(fs->captures.n + 1));
	for (int i = 0; i < fs->captures.n; i++)
		old[i] = ((struct var_info *)fs->captures.v[i])->cg;

	LLVMTypeRef pt[4] = { cg->ptr, cg->ptr, cg->ptr, cg->ptr };
	if (range)
		pt[0] = cg->i64;
	LLVMTypeRef ft = LLVMFunctionType(cg->i64, pt, range ? 2 : 4, 0);
	char name[48];
	snprintf(name, sizeof(name), "fn_%s_for%d", cg->unit->section, cg->nfor++);
	LLVMValueRef fn = LLVMAddFunction(cg->mod, name, ft);
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	unsigned noinline = LLVMGetEnumAttributeKindForName("noinline", 8);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(cg->ctx, noinline, 0));
	cg->in_callback = true;
	cg_function_begin(cg, fn);
	LLVMValueRef cctx = LLVMGetParam(fn, range ? 1 : 3);
	cg->ctxarg = load_ptr(cg, ctx_slot(cg, cctx, CTX_PROBE));
	cg->retflag = load_ptr(cg, ctx_slot(cg, cctx, CTX_RETFLAG));
	for (int i = 0; i < fs->captures.n; i++)
		((struct var_info *)fs->captures.v[i])->cg = load_ptr(cg, ctx_slot(cg, cctx, CTX_CAPS + i));
	/* the body's own variables get slots in this function */
	struct probe_sem *ps = cg->unit->probe->sem;
	for (int i = 0; i < ps->vars.n; i++) {
		struct var_info *v = ps->vars.v[i];
		if (v->frame == fs)
			v->cg = NULL;
	}
	if (range) {
		LLVMValueRef start = cg_load_int(cg, ctx_slot(cg, cctx, CTX_START), 8, true);
		LLVMValueRef i = LLVMBuildAdd(cg->b, start, LLVMGetParam(fn, 0), "");
		cg_store_i64(cg, cg_var_slot(cg, fs->var), cg_conv(cg, i, NULL, fs->var->type));
	} else {
		fill_kv(cg, fs, LLVMGetParam(fn, 1), LLVMGetParam(fn, 2));
	}
	LLVMBasicBlockRef brk = cg_block(cg, "for_break"), cont = cg_block(cg, "for_continue");
	struct cg_loop lp = { .brk = brk, .cont = cont, .outer = NULL };
	cg->loop = &lp;
	cg_block_stmts(cg, n->c);
	LLVMBuildBr(cg->b, cont);
	LLVMPositionBuilderAtEnd(cg->b, cont);
	LLVMBuildRet(cg->b, cg_i64(cg, 0));
	LLVMPositionBuilderAtEnd(cg->b, brk);
	LLVMBuildRet(cg->b, cg_i64(cg, 1));

	for (int i = 0; i < fs->captures.n; i++)
		((struct var_info *)fs->captures.v[i])->cg = old[i];
	restore(cg, &sv);
	return fn;
}

/* The return flag of the current function: its own slot in the probe's
 * function, the passed-in pointer in a callback. */
static LLVMValueRef retflag(struct cg *cg)
{
	if (!cg->retflag) {
		cg->retflag = cg_alloca_stack(cg, 8, "retflag");
		LLVMBuilderRef pb = cg_prologue_builder(cg);
		LLVMValueRef st = LLVMBuildStore(pb, cg_i64(cg, 0), cg->retflag);
		LLVMSetAlignment(st, 8);
		LLVMDisposeBuilder(pb);
	}
	return cg->retflag;
}

void cg_for(struct cg *cg, struct node *n)
{
	struct for_sem *fs = n->sem;
	struct node *it = n->b;
	bool range = it->kind == N_RANGE;
	LLVMValueRef start = NULL, count = NULL, range_big = NULL;
	if (range) {
		struct type *t = it->type;
		start = cg_conv(cg, cg_expr(cg, it->a), it->a->type, t);
		LLVMValueRef end = cg_conv(cg, cg_expr(cg, it->b), it->b->type, t);
		LLVMValueRef more = LLVMBuildICmp(cg->b, t->is_signed ? LLVMIntSGT : LLVMIntUGT, end, start, "");
		count = LLVMBuildSelect(cg->b, more, LLVMBuildSub(cg->b, end, start, ""), cg_i64(cg, 0), "");
		LLVMValueRef big = LLVMBuildICmp(cg->b, LLVMIntUGT, count, cg_i64(cg, MAX_LOOPS), "");
		range_big = big;
		count = LLVMBuildSelect(cg->b, big, cg_i64(cg, MAX_LOOPS), count, "nr_loops");
	}
	int ncap = fs->captures.n;
	LLVMValueRef cctx = cg_alloca_stack(cg, 8 * (CTX_CAPS + ncap), "for_ctx");
	store_ptr(cg, ctx_slot(cg, cctx, CTX_PROBE), cg->ctxarg);
	store_ptr(cg, ctx_slot(cg, cctx, CTX_RETFLAG), retflag(cg));
	cg_store_i64(cg, ctx_slot(cg, cctx, CTX_START), start ? start : cg_i64(cg, 0));
	for (int i = 0; i < ncap; i++)
		store_ptr(cg, ctx_slot(cg, cctx, CTX_CAPS + i), cg_var_slot(cg, fs->captures.v[i]));
	LLVMValueRef fn = callback(cg, n, fs, range);
	if (range) {
		/* an empty range skips the call: a bpf_loop the verifier knows runs
		 * 0 times leaves the callback unvisited, and the kernel (6.18)
		 * then fails to JIT the program ("No program to jit") */
		LLVMBasicBlockRef call = cg_block(cg, "for_call"), after = cg_block(cg, "for_called");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, count, cg_i64(cg, 0), ""), call, after);
		LLVMPositionBuilderAtEnd(cg->b, call);
		LLVMValueRef args[] = { count, fn, cctx, cg_i64(cg, 0) };
		LLVMValueRef ran = cg_helper(cg, BPF_FUNC_loop, cg->i64, args, 4);
		/* cut short: the range was longer and every allowed iteration ran
		 * (a break before the limit is no cut) */
		LLVMValueRef all = LLVMBuildICmp(cg->b, LLVMIntEQ, ran, cg_i64(cg, MAX_LOOPS), "");
		LLVMBasicBlockRef cut = cg_block(cg, "for_cut");
		LLVMBuildCondBr(cg->b, LLVMBuildAnd(cg->b, all, range_big, ""), cut, after);
		LLVMPositionBuilderAtEnd(cg->b, cut);
		cg_global_add(cg, G_LOOP_CUT, cg_i64(cg, 1));
		LLVMBuildBr(cg->b, after);
		LLVMPositionBuilderAtEnd(cg->b, after);
	} else {
		LLVMValueRef args[] = { cg_map_fd(cg, fs->map->rt->fd), fn, cctx, cg_i64(cg, 0) };
		cg_helper(cg, BPF_FUNC_for_each_map_elem, cg->i64, args, 4);
	}
	/* a return inside the body returns from here too */
	LLVMValueRef flag = cg_load_int(cg, retflag(cg), 8, false);
	LLVMBasicBlockRef ret = cg_block(cg, "for_return"), go = cg_block(cg, "for_after");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, flag, cg_i64(cg, 0), ""), ret, go);
	LLVMPositionBuilderAtEnd(cg->b, ret);
	if (!cg->in_callback && cg->unit->aps[0]->pt->special == PS_TEST)
		LLVMBuildRet(cg->b, LLVMBuildAShr(cg->b, flag, cg_i64(cg, 1), "")); /* cg_return_value */
	else
		LLVMBuildRet(cg->b, cg_i64(cg, cg->in_callback ? 1 : 0));
	LLVMPositionBuilderAtEnd(cg->b, go);
}

LLVMValueRef cg_callback_continue(struct cg *cg)
{
	LLVMTypeRef pt[4] = { cg->ptr, cg->ptr, cg->ptr, cg->ptr };
	LLVMTypeRef ft = LLVMFunctionType(cg->i64, pt, 4, 0);
	char name[48];
	snprintf(name, sizeof(name), "fn_%s_cb%d", cg->unit->section, cg->nfor++);
	LLVMValueRef fn = LLVMAddFunction(cg->mod, name, ft);
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	LLVMSetSection(fn, cg->unit->section);
	unsigned noinline = LLVMGetEnumAttributeKindForName("noinline", 8);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(cg->ctx, noinline, 0));
	unsigned nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(cg->ctx, nounwind, 0));
	LLVMBuilderRef b = LLVMCreateBuilderInContext(cg->ctx);
	LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(cg->ctx, fn, "entry"));
	LLVMBuildRet(b, cg_i64(cg, 0));
	LLVMDisposeBuilder(b);
	return fn;
}
