/* maps.c - functions that ask a map about its keys (latest bpftrace):
 * len(@m), the number of keys, and has_key(@m, key). delete, clear and
 * zero live with the other map operations in output.c. */
#include <linux/bpf.h>
#include "sema/builtin.h"
#include "sema/sema.h"
#include "codegen/cg.h"
#include "builtins/maps.h"

/* The map argument of len()/has_key(): a map without keys that has keys. */
static struct map_info *keyed_map(struct sema *s, struct node *n)
{
	struct node *m = n->list.v[0];
	if (m->kind != N_MAP || m->list.n) {
		sema_error(s, m->loc, "%s() expects a map argument without keys (e.g. %s(@m%s))", n->str, n->str,
			   n->list.n > 1 ? ", key" : "");
		return NULL;
	}
	struct map_info *mi = sema_map_arg(s, m, n->str);
	if (!mi)
		return NULL;
	if (!mi->key) {
		sema_error(s, m->loc, "%s() expects a map with keys: %s has none (a scalar map)", n->str, mi->name);
		return NULL;
	}
	if (mi->val->kind == TY_HIST || mi->val->kind == TY_LHIST) {
		sema_error(s, m->loc, "%s() does not support %s maps", n->str, type_name(sema_arena(s), mi->val));
		return NULL;
	}
	return mi;
}

static int check_len(struct sema *s, struct node *n)
{
	n->type = type_int(8, true);
	return keyed_map(s, n) ? 0 : -1;
}

/* bpf_for_each_map_elem returns how many elements it visited; a callback
 * that always continues makes it count the map. */
static LLVMValueRef emit_len(struct cg *cg, struct node *n)
{
	struct map_info *mi = n->list.v[0]->sem;
	LLVMValueRef fn = cg_callback_continue(cg);
	LLVMValueRef args[] = { cg_map_fd(cg, mi->rt->fd), fn, LLVMConstNull(cg->ptr), cg_i64(cg, 0) };
	return cg_helper(cg, BPF_FUNC_for_each_map_elem, cg->i64, args, 4);
}

static int check_has_key(struct sema *s, struct node *n)
{
	n->type = type_bool();
	struct map_info *mi = keyed_map(s, n);
	if (!mi)
		return -1;
	/* has_key(@m, k) looks up @m[k] */
	struct node *acc = map_key_access(s, n->list.v[0], n->list.v[1], mi);
	if (!sema_map_arg(s, acc, "has_key"))
		return -1;
	n->a = acc;
	return 0;
}

struct node *map_key_access(struct sema *s, struct node *m, struct node *k, const struct map_info *mi)
{
	struct node *acc = node_new(sema_arena(s), N_MAP, m->loc);
	acc->str = m->str;
	if (k->kind == N_TUPLE && mi->key->nfields > 1)
		acc->list = k->list;
	else
		node_list_push(sema_arena(s), &acc->list, k);
	return acc;
}

LLVMValueRef map_key_lookup(struct cg *cg, struct node *acc)
{
	struct map_info *mi = acc->sem;
	int ks;
	LLVMValueRef key = cg_map_key(cg, acc, 0, &ks);
	return cg_map_lookup(cg, mi->rt->fd, key);
}

static LLVMValueRef emit_has_key(struct cg *cg, struct node *n)
{
	LLVMValueRef p = map_key_lookup(cg, n->a);
	return LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, p, LLVMConstNull(cg->ptr), ""), cg->i64, "");
}

const struct builtin builtins_maps[] = {
	{ .name = "len", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_len, .emit = emit_len },
	{ .name = "has_key", .kind = B_FUNC, .min_args = 2, .max_args = 2, .check = check_has_key,
	  .emit = emit_has_key },
	{ .name = NULL },
};
