/* mapfind.c - find(@m, key, $v) (latest bpftrace's stdlib): true when @m
 * has key, and then $v holds its value (a scratch variable, typed by the
 * map's value as `$v = @m[key]` would be); false, $v untouched, otherwise.
 * One lookup decides; the assignment it guards is the ordinary one, so the
 * variable's typing and conversions are those of `$v = @m[key]`. */
#include "sema/builtin.h"
#include "sema/sema.h"
#include "codegen/cg.h"
#include "builtins/maps.h"

static int check_find(struct sema *s, struct node *n)
{
	n->type = type_bool();
	struct node *m = n->list.v[0], *k = n->list.v[1], *v = n->list.v[2];
	if (m->kind != N_MAP || m->list.n) {
		sema_error(s, m->loc, "find() expects a map argument without keys (e.g. find(@m, key, $v))");
		return -1;
	}
	if (v->kind != N_VAR) {
		sema_error(s, v->loc, "find() expects a scratch variable as its third argument");
		return -1;
	}
	struct map_info *mi = sema_map_arg(s, m, "find");
	if (!mi)
		return -1;
	if (!mi->key) {
		sema_error(s, m->loc, "find() expects a map with keys: %s has none (a scalar map)", mi->name);
		return -1;
	}
	if (mi->val && type_is_agg(mi->val)) {
		sema_error(s, m->loc, "find() does not support %s maps", type_name(sema_arena(s), mi->val));
		return -1;
	}
	/* @m[key], a tuple spread over the keys as has_key() does */
	struct node *acc = map_key_access(s, m, k, mi);
	struct node *as = node_new(sema_arena(s), N_ASSIGN, n->loc);
	as->op = OP_ASSIGN;
	as->a = v;
	as->b = acc;
	struct node *blk = node_new(sema_arena(s), N_BLOCK, n->loc);
	node_list_push(sema_arena(s), &blk->list, as);
	sema_stmt(s, as);
	if (!v->sem || !v->type || !acc->type)
		return -1;
	n->a = acc;
	n->b = blk;
	return 0;
}

static LLVMValueRef emit_find(struct cg *cg, struct node *n)
{
	LLVMValueRef p = map_key_lookup(cg, n->a);
	LLVMValueRef hit = LLVMBuildICmp(cg->b, LLVMIntNE, p, LLVMConstNull(cg->ptr), "found");
	LLVMBasicBlockRef yes = cg_block(cg, "find_hit"), done = cg_block(cg, "find_done");
	LLVMBuildCondBr(cg->b, hit, yes, done);
	LLVMPositionBuilderAtEnd(cg->b, yes);
	cg_block_stmts(cg, n->b);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	return LLVMBuildZExt(cg->b, hit, cg->i64, "");
}

const struct builtin builtins_mapfind[] = {
	{ .name = "find", .kind = B_FUNC, .min_args = 3, .max_args = 3, .check = check_find, .emit = emit_find },
	{ .name = NULL },
};
