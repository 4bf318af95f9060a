/* agg.c - aggregations: count, sum, min, max, avg, stats, hist, lhist.
 *
 * Each lives in a per-CPU hash map, so probes on different CPUs never
 * contend: the BPF side updates its CPU's slot without atomics and the
 * runtime combines the slots when printing. Value layouts: event_abi.h.
 * Scalar count/hist/lhist maps that are only aggregated into are per-CPU
 * arrays instead (emit_array_inc). */
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include "sema/builtin.h"
#include "sema/sema.h"
#include "codegen/cg.h"
#include "abi/event_abi.h"

static enum type_kind agg_kind(const char *name)
{
	static const struct { const char *n; enum type_kind k; } t[] = {
		{ "count", TY_COUNT }, { "sum", TY_SUM }, { "min", TY_MIN }, { "max", TY_MAX },
		{ "avg", TY_AVG }, { "stats", TY_STATS }, { "hist", TY_HIST }, { "lhist", TY_LHIST },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].n, name))
			return t[i].k;
	return TY_NONE;
}

static int check_agg(struct sema *s, struct node *n)
{
	enum type_kind k = agg_kind(n->str);
	bool sign = false;
	if (n->list.n >= 1) {
		struct type *t = sema_expr(s, n->list.v[0]);
		if (!t)
			return -1;
		if (!type_is_int(t)) {
			sema_error(s, n->list.v[0]->loc, "%s() only supports integer arguments (%s provided)", n->str,
				   type_kind_name(t->kind));
			return -1;
		}
		sign = t->kind == TY_INT && t->is_signed;
	}
	struct type *at = type_agg(sema_arena(s), k, sign);
	if (k == TY_HIST && n->list.n == 2) {
		/* hist(n, k): 2^k buckets per power of 2 (latest bpftrace) */
		struct node *b = n->list.v[1];
		if (b->kind != N_INT) {
			sema_error(s, b->loc, "hist() expects an integer literal as its second argument (the bits)");
			return -1;
		}
		if (b->ival < 0 || b->ival > 5) {
			sema_error(s, n->loc, "hist: bits %lld must be 0..5", (long long)b->ival);
			return -1;
		}
		at->hist_bits = (int)b->ival;
	}
	if (k == TY_LHIST) {
		int64_t v[3];
		const char *what[] = { "min", "max", "step" };
		for (int i = 0; i < 3; i++) {
			struct node *a = n->list.v[i + 1];
			if (a->kind != N_INT) {
				sema_error(s, a->loc, "lhist() %s must be a literal integer", what[i]);
				return -1;
			}
			v[i] = a->ival;
		}
		if (v[0] < 0 || v[1] < 0 || v[2] < 0) {
			sema_error(s, n->loc, "lhist() arguments must be non-negative");
			return -1;
		}
		if (v[2] == 0) {
			sema_error(s, n->list.v[3]->loc, "lhist() step must be >= 1 (0 provided)");
			return -1;
		}
		if (v[1] <= v[0]) {
			sema_error(s, n->loc, "lhist() max must be greater than min");
			return -1;
		}
		if ((v[1] - v[0]) / v[2] > 1000) {
			sema_error(s, n->loc, "lhist() too many buckets, must be <= 1000 (would need %lld)",
				   (long long)((v[1] - v[0]) / v[2]));
			return -1;
		}
		at->lmin = v[0];
		at->lmax = v[1];
		at->lstep = v[2];
	}
	n->type = at;
	return 0;
}

/* Looks up the entry; when absent, inserts `init` (a stack buffer the
 * caller filled) and returns NULL through the branch structure: the code
 * the caller emits after this runs only when the entry existed. Two CPUs
 * may miss the same new key at once: the one whose insert loses (-EEXIST)
 * looks the entry up again and adds to it, so no event is lost. */
static LLVMValueRef lookup_or_init(struct cg *cg, int fd, LLVMValueRef key, LLVMValueRef init,
				   LLVMBasicBlockRef *done)
{
	LLVMValueRef p = cg_map_lookup(cg, fd, key);
	LLVMBasicBlockRef from = LLVMGetInsertBlock(cg->b);
	LLVMBasicBlockRef bnew = cg_block(cg, "agg_new"), bretry = cg_block(cg, "agg_retry");
	LLVMBasicBlockRef bold = cg_block(cg, "agg_old");
	*done = cg_block(cg, "agg_done");
	LLVMValueRef isnull = LLVMBuildICmp(cg->b, LLVMIntEQ, p, LLVMConstNull(cg->ptr), "");
	LLVMBuildCondBr(cg->b, isnull, bnew, bold);
	LLVMPositionBuilderAtEnd(cg->b, bnew);
	LLVMValueRef r = cg_map_update(cg, fd, key, init, BPF_NOEXIST);
	LLVMValueRef lost = LLVMBuildICmp(cg->b, LLVMIntEQ, r, cg_i64(cg, -EEXIST), "");
	LLVMBuildCondBr(cg->b, lost, bretry, *done);
	LLVMPositionBuilderAtEnd(cg->b, bretry);
	LLVMValueRef p2 = cg_map_lookup(cg, fd, key);
	LLVMBasicBlockRef from2 = LLVMGetInsertBlock(cg->b);
	LLVMValueRef found = LLVMBuildICmp(cg->b, LLVMIntNE, p2, LLVMConstNull(cg->ptr), "");
	LLVMBuildCondBr(cg->b, found, bold, *done);
	LLVMPositionBuilderAtEnd(cg->b, bold);
	return cg_phi2(cg, cg->ptr, p, from, p2, from2);
}

static void finish(struct cg *cg, LLVMBasicBlockRef done)
{
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

static void add_to(struct cg *cg, LLVMValueRef p, LLVMValueRef v)
{
	LLVMValueRef old = cg_load_int(cg, p, 8, true);
	cg_store_i64(cg, p, LLVMBuildAdd(cg->b, old, v, ""));
}

/* A scalar count/hist/lhist map in a per-CPU array (runtime/load.c:
 * map_as_array): this CPU's counter of bucket `idx` grows by one in place,
 * with no hash lookup and no insert (the key is a u32 on the stack, which
 * the verifier turns into an inline array access). */
static void emit_array_inc(struct cg *cg, struct map_info *mi, LLVMValueRef idx)
{
	LLVMValueRef key = cg_alloca_stack(cg, 4, "idx");
	LLVMBuildStore(cg->b, LLVMBuildTrunc(cg->b, idx, cg->i32, ""), key);
	LLVMValueRef p = cg_map_lookup(cg, mi->rt->fd, key);
	LLVMBasicBlockRef bhit = cg_block(cg, "agg_hit"), done = cg_block(cg, "agg_done");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, p, LLVMConstNull(cg->ptr), ""), done, bhit);
	LLVMPositionBuilderAtEnd(cg->b, bhit);
	add_to(cg, p, cg_i64(cg, 1));
	finish(cg, done);
}

/* count, sum, hist, lhist: an int64 per key that grows by `v`. */
static void emit_counter(struct cg *cg, struct map_info *mi, LLVMValueRef key, LLVMValueRef v)
{
	LLVMValueRef init = cg_alloca(cg, 8, "init");
	cg_store_i64(cg, init, v);
	LLVMBasicBlockRef done;
	LLVMValueRef p = lookup_or_init(cg, mi->rt->fd, key, init, &done);
	add_to(cg, p, v);
	finish(cg, done);
}

static LLVMValueRef log2_bucket(struct cg *cg, LLVMValueRef v)
{
	LLVMBuilderRef b = cg->b;
	LLVMValueRef neg = LLVMBuildICmp(b, LLVMIntSLT, v, cg_i64(cg, 0), "");
	LLVMValueRef zero = LLVMBuildICmp(b, LLVMIntEQ, v, cg_i64(cg, 0), "");
	LLVMValueRef x = v, l = cg_i64(cg, 0);
	for (int s = 32; s >= 1; s /= 2) {
		LLVMValueRef c = LLVMBuildICmp(b, LLVMIntUGE, x, cg_i64(cg, (int64_t)1 << s), "");
		x = LLVMBuildSelect(b, c, LLVMBuildLShr(b, x, cg_i64(cg, s), ""), x, "");
		l = LLVMBuildSelect(b, c, LLVMBuildAdd(b, l, cg_i64(cg, s), ""), l, "");
	}
	LLVMValueRef bk = LLVMBuildAdd(b, l, cg_i64(cg, 2), "");
	bk = LLVMBuildSelect(b, zero, cg_i64(cg, 1), bk, "");
	return LLVMBuildSelect(b, neg, cg_i64(cg, 0), bk, "bucket");
}

/* hist(n, k) for k > 0 (abi/hist.h hist_bucket_bits): n + 1 below 2^k,
 * else ((l + 1) << k) + (the k bits after the leading 1) + 1 with
 * l = floor(log2(n)) - k. */
static LLVMValueRef log2_bits_bucket(struct cg *cg, LLVMValueRef v, int k)
{
	LLVMBuilderRef b = cg->b;
	LLVMValueRef neg = LLVMBuildICmp(b, LLVMIntSLT, v, cg_i64(cg, 0), "");
	LLVMValueRef mask = cg_i64(cg, (1 << k) - 1);
	LLVMValueRef small = LLVMBuildICmp(b, LLVMIntULE, v, mask, "");
	LLVMValueRef x = v, l = cg_i64(cg, 0);
	for (int s = 32; s >= 1; s /= 2) {
		LLVMValueRef c = LLVMBuildICmp(b, LLVMIntUGE, x, cg_i64(cg, (int64_t)1 << s), "");
		x = LLVMBuildSelect(b, c, LLVMBuildLShr(b, x, cg_i64(cg, s), ""), x, "");
		l = LLVMBuildSelect(b, c, LLVMBuildAdd(b, l, cg_i64(cg, s), ""), l, "");
	}
	/* for small values l - k would be negative: only the select below uses it */
	l = LLVMBuildSelect(b, small, cg_i64(cg, 0), LLVMBuildSub(b, l, cg_i64(cg, k), ""), "");
	LLVMValueRef bits = LLVMBuildAnd(b, LLVMBuildLShr(b, v, l, ""), mask, "");
	LLVMValueRef big = LLVMBuildAdd(b, LLVMBuildShl(b, LLVMBuildAdd(b, l, cg_i64(cg, 1), ""), cg_i64(cg, k), ""),
					LLVMBuildAdd(b, bits, cg_i64(cg, 1), ""), "");
	LLVMValueRef r = LLVMBuildSelect(b, small, LLVMBuildAdd(b, v, cg_i64(cg, 1), ""), big, "");
	return LLVMBuildSelect(b, neg, cg_i64(cg, 0), r, "bucket");
}

static LLVMValueRef linear_bucket(struct cg *cg, struct type *t, LLVMValueRef v)
{
	LLVMBuilderRef b = cg->b;
	int64_t n = (t->lmax - t->lmin) / t->lstep;
	LLVMValueRef below = LLVMBuildICmp(b, LLVMIntSLT, v, cg_i64(cg, t->lmin), "");
	LLVMValueRef above = LLVMBuildICmp(b, LLVMIntSGE, v, cg_i64(cg, t->lmax), "");
	LLVMValueRef in = LLVMBuildUDiv(b, LLVMBuildSub(b, v, cg_i64(cg, t->lmin), ""), cg_i64(cg, t->lstep), "");
	in = LLVMBuildAdd(b, in, cg_i64(cg, 1), "");
	LLVMValueRef r = LLVMBuildSelect(b, above, cg_i64(cg, n + 1), in, "");
	return LLVMBuildSelect(b, below, cg_i64(cg, 0), r, "bucket");
}

static void emit_agg(struct cg *cg, struct node *n, struct node *map)
{
	struct map_info *mi = map->sem;
	struct type *t = mi->val;
	int ks;
	LLVMValueRef v = n->list.n ? cg_expr(cg, n->list.v[0]) : cg_i64(cg, 1);
	switch (t->kind) {
	case TY_COUNT:
	case TY_SUM:
		if (mi->rt->array)
			emit_array_inc(cg, mi, cg_i64(cg, 0));
		else
			emit_counter(cg, mi, cg_map_key(cg, map, 0, &ks), v);
		return;
	case TY_HIST:
	case TY_LHIST: {
		LLVMValueRef bucket = t->kind == TY_LHIST ? linear_bucket(cg, t, v)
				    : t->hist_bits ? log2_bits_bucket(cg, v, t->hist_bits) : log2_bucket(cg, v);
		if (mi->rt->array) {
			emit_array_inc(cg, mi, bucket);
			return;
		}
		LLVMValueRef key = cg_map_key(cg, map, 8, &ks);
		cg_store_i64(cg, cg_gep(cg, key, ks - 8), bucket);
		emit_counter(cg, mi, key, cg_i64(cg, 1));
		return;
	}
	case TY_MIN:
	case TY_MAX: {
		LLVMValueRef key = cg_map_key(cg, map, 0, &ks);
		LLVMValueRef init = cg_alloca(cg, 16, "init");
		cg_store_i64(cg, init, v);
		cg_store_i64(cg, cg_gep(cg, init, 8), cg_i64(cg, 1));
		LLVMBasicBlockRef done;
		LLVMValueRef p = lookup_or_init(cg, mi->rt->fd, key, init, &done);
		LLVMValueRef old = cg_load_int(cg, p, 8, true);
		LLVMValueRef set = cg_load_int(cg, cg_gep(cg, p, 8), 8, false);
		LLVMIntPredicate pr = t->kind == TY_MIN ? (t->is_signed ? LLVMIntSLT : LLVMIntULT)
						       : (t->is_signed ? LLVMIntSGT : LLVMIntUGT);
		LLVMValueRef better = LLVMBuildICmp(cg->b, pr, v, old, "");
		LLVMValueRef unset = LLVMBuildICmp(cg->b, LLVMIntEQ, set, cg_i64(cg, 0), "");
		LLVMValueRef take = LLVMBuildOr(cg->b, better, unset, "");
		LLVMBasicBlockRef bset = cg_block(cg, "minmax_set");
		LLVMBuildCondBr(cg->b, take, bset, done);
		LLVMPositionBuilderAtEnd(cg->b, bset);
		cg_store_i64(cg, p, v);
		cg_store_i64(cg, cg_gep(cg, p, 8), cg_i64(cg, 1));
		finish(cg, done);
		return;
	}
	case TY_AVG:
	case TY_STATS: {
		LLVMValueRef key = cg_map_key(cg, map, 0, &ks);
		LLVMValueRef init = cg_alloca(cg, 16, "init");
		cg_store_i64(cg, init, v);
		cg_store_i64(cg, cg_gep(cg, init, 8), cg_i64(cg, 1));
		LLVMBasicBlockRef done;
		LLVMValueRef p = lookup_or_init(cg, mi->rt->fd, key, init, &done);
		add_to(cg, p, v);
		add_to(cg, cg_gep(cg, p, 8), cg_i64(cg, 1));
		finish(cg, done);
		return;
	}
	default:
		cg_error(cg, n, "internal error: %s is not an aggregation", n->str);
	}
}

#define AGG(n, lo, hi) { .name = n, .kind = B_FUNC, .min_args = lo, .max_args = hi, .is_agg = true, \
			 .check = check_agg, .emit_agg = emit_agg }
const struct builtin builtins_agg[] = {
	AGG("count", 0, 0), AGG("sum", 1, 1), AGG("min", 1, 1), AGG("max", 1, 1),
	AGG("avg", 1, 1), AGG("stats", 1, 1), AGG("hist", 1, 2), AGG("lhist", 4, 4),
	{ .name = NULL },
};
