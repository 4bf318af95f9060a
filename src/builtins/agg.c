/* agg.c - aggregations: count, sum, min, max, avg, stats, hist, lhist.
 *
 * Each lives in a per-CPU hash map, so probes on different CPUs never
 * contend: the BPF side updates its CPU's slot without atomics and the
 * runtime combines the slots when printing. Value layouts: event_abi.h.
 * Scalar count/hist/lhist maps that are only aggregated into are per-CPU
 * arrays instead (emit_array_inc).
 *
 * Every aggregation is one row of `aggs` (at the end): its code generation
 * and its `struct map_kind` (runtime/mapview.h), the hooks through which the
 * runtime combines its per-CPU values, orders its entries and prints them as
 * text and JSON. Each family below keeps the two side by side. */
#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <string.h>
#include "sema/builtin.h"
#include "sema/sema.h"
#include "codegen/cg.h"
#include "runtime/mapview.h"
#include "abi/event_abi.h"
#include "abi/hist.h"

/* ---- code generation shared by the families ---- */

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

/* min, max, avg, stats: a pair of int64 per key (struct agg_minmax,
 * struct agg_avg); a new entry starts as { v, 1 }. */
static LLVMValueRef lookup_or_init_pair(struct cg *cg, struct node *map, LLVMValueRef v, LLVMBasicBlockRef *done)
{
	struct map_info *mi = map->sem;
	int ks;
	LLVMValueRef key = cg_map_key(cg, map, 0, &ks);
	LLVMValueRef init = cg_alloca(cg, 16, "init");
	cg_store_i64(cg, init, v);
	cg_store_i64(cg, cg_gep(cg, init, 8), cg_i64(cg, 1));
	return lookup_or_init(cg, mi->rt->fd, key, init, done);
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

/* ---- printing shared by the families ---- */

static int64_t rd64(const uint8_t *p)
{
	int64_t x;
	memcpy(&x, p, 8);
	return x;
}

/* count, sum, hist, lhist: an int64 per CPU, summed. */
static int64_t sum_cpus(const struct mv_percpu *c, uint8_t *kept)
{
	(void)kept;
	uint64_t s = 0;
	for (int i = 0; i < c->ncpus; i++)
		s += (uint64_t)rd64(c->p + (size_t)i * c->stride);
	return (int64_t)s;
}

/* sum, min, max of an unsigned argument: uint64 values. */
static bool unsigned_arg(const struct type *t)
{
	return !t->is_signed;
}

/* ---- count, sum ---- */

static void emit_count_sum(struct cg *cg, struct node *map, LLVMValueRef v)
{
	struct map_info *mi = map->sem;
	int ks;
	if (mi->rt->array)
		emit_array_inc(cg, mi, cg_i64(cg, 0));
	else
		emit_counter(cg, mi, cg_map_key(cg, map, 0, &ks), v);
}

static bool always(const struct type *t)
{
	(void)t;
	return true;
}

/* ---- min, max ---- */

static void emit_minmax(struct cg *cg, struct node *map, LLVMValueRef v, bool min)
{
	struct type *t = ((struct map_info *)map->sem)->val;
	LLVMBasicBlockRef done;
	LLVMValueRef p = lookup_or_init_pair(cg, map, v, &done);
	LLVMValueRef old = cg_load_int(cg, p, 8, true);
	LLVMValueRef set = cg_load_int(cg, cg_gep(cg, p, 8), 8, false);
	LLVMIntPredicate pr = min ? (t->is_signed ? LLVMIntSLT : LLVMIntULT)
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
}

static void emit_min(struct cg *cg, struct node *map, LLVMValueRef v)
{
	emit_minmax(cg, map, v, true);
}

static void emit_max(struct cg *cg, struct node *map, LLVMValueRef v)
{
	emit_minmax(cg, map, v, false);
}

/* The least (min) or greatest value of the CPUs that saw one (a struct
 * agg_minmax each); 0 when none did. */
static int64_t best_of_cpus(const struct mv_percpu *c, bool min)
{
	bool any = false;
	int64_t best = 0;
	for (int i = 0; i < c->ncpus; i++) {
		struct agg_minmax mm;
		memcpy(&mm, c->p + (size_t)i * c->stride, sizeof(mm));
		if (!mm.set)
			continue;
		bool better;
		if (!any)
			better = true;
		else if (c->t->is_signed)
			better = min ? mm.value < best : mm.value > best;
		else
			better = min ? (uint64_t)mm.value < (uint64_t)best : (uint64_t)mm.value > (uint64_t)best;
		if (better)
			best = mm.value;
		any = true;
	}
	return best;
}

static int64_t min_cpus(const struct mv_percpu *c, uint8_t *kept)
{
	(void)kept;
	return best_of_cpus(c, true);
}

static int64_t max_cpus(const struct mv_percpu *c, uint8_t *kept)
{
	(void)kept;
	return best_of_cpus(c, false);
}

/* ---- avg, stats ---- */

/* A struct agg_avg: total and count grow. */
static void emit_avg(struct cg *cg, struct node *map, LLVMValueRef v)
{
	LLVMBasicBlockRef done;
	LLVMValueRef p = lookup_or_init_pair(cg, map, v, &done);
	add_to(cg, p, v);
	add_to(cg, cg_gep(cg, p, 8), cg_i64(cg, 1));
	finish(cg, done);
}

/* Totals and counts summed; keeps the struct agg_avg, returns the average. */
static int64_t avg_cpus(const struct mv_percpu *c, uint8_t *kept)
{
	uint64_t total = 0, count = 0;
	for (int i = 0; i < c->ncpus; i++) {
		struct agg_avg a;
		memcpy(&a, c->p + (size_t)i * c->stride, sizeof(a));
		total += (uint64_t)a.total;
		count += a.count;
	}
	struct agg_avg a = { .total = (int64_t)total, .count = count };
	memcpy(kept, &a, sizeof(a));
	return count ? a.total / (int64_t)count : 0;
}

/* avg, text and JSON: the average after print()'s divisor. */
static void avg_print(struct rt *rt, struct sbuf *b, const struct mview *v, const struct mentry *e)
{
	(void)rt;
	sb_i64(b, e->v / (int64_t)v->div);
}

static void stats_text(struct rt *rt, struct sbuf *b, const struct mview *v, const struct mentry *e)
{
	(void)rt;
	struct agg_avg a;
	memcpy(&a, me_val(v, e), sizeof(a));
	sb_printf(b, "count %" PRId64 ", average %" PRId64 ", total %" PRId64, (int64_t)a.count, e->v, a.total);
}

static void stats_json(struct rt *rt, struct sbuf *b, const struct mview *v, const struct mentry *e)
{
	(void)rt;
	struct agg_avg a;
	memcpy(&a, me_val(v, e), sizeof(a));
	sb_printf(b, "{\"count\": %" PRId64 ", \"average\": %" PRId64 ", \"total\": %" PRId64 "}", (int64_t)a.count,
		  e->v, a.total);
}

/* --metrics: a stats entry's count and total. */
static void stats_values(const struct mview *v, const struct mentry *e, uint64_t *count, int64_t *total)
{
	struct agg_avg a;
	memcpy(&a, me_val(v, e), sizeof(a));
	*count = a.count;
	*total = a.total;
}

/* ---- hist, lhist ---- */

/* hist(n, k): k, the bits, a literal 0..5 (latest bpftrace). */
static int check_hist_bits(struct sema *s, struct node *n, struct type *at)
{
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
	return 0;
}

/* lhist(n, min, max, step): literals, at most 1000 buckets. */
static int check_lhist_args(struct sema *s, struct node *n, struct type *at)
{
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
	return 0;
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

/* This CPU's count of the value's bucket grows by one: in place in a
 * per-CPU array, else under the key followed by the bucket. */
static void emit_bucket(struct cg *cg, struct node *map, LLVMValueRef bucket)
{
	struct map_info *mi = map->sem;
	int ks;
	if (mi->rt->array) {
		emit_array_inc(cg, mi, bucket);
		return;
	}
	LLVMValueRef key = cg_map_key(cg, map, 8, &ks);
	cg_store_i64(cg, cg_gep(cg, key, ks - 8), bucket);
	emit_counter(cg, mi, key, cg_i64(cg, 1));
}

static void emit_hist(struct cg *cg, struct node *map, LLVMValueRef v)
{
	struct type *t = ((struct map_info *)map->sem)->val;
	emit_bucket(cg, map, t->hist_bits ? log2_bits_bucket(cg, v, t->hist_bits) : log2_bucket(cg, v));
}

static void emit_lhist(struct cg *cg, struct node *map, LLVMValueRef v)
{
	emit_bucket(cg, map, linear_bucket(cg, ((struct map_info *)map->sem)->val, v));
}

static int hist_buckets(const struct type *t)
{
	return t->hist_bits ? hist_nbuckets(t->hist_bits) : HIST_BUCKETS;
}

static int lhist_buckets(const struct type *t)
{
	return t->lstep > 0 ? lhist_nbuckets(t->lmin, t->lmax, t->lstep) : 2;
}

/* The buckets from the first to the last non-empty one: [lo, hi]; false
 * when all are empty. */
static bool used_buckets(const uint64_t *c, int nb, int *lo, int *hi)
{
	*lo = *hi = -1;
	for (int i = 0; i < nb; i++)
		if (c[i] > 0) {
			if (*lo < 0)
				*lo = i;
			*hi = i;
		}
	return *lo >= 0;
}

/* "1", "2K", ... "512T": 2^power with a suffix for its power of 1024 (0.17). */
static void hist_power_label(struct sbuf *b, int power)
{
	char suffix = 0;
	if (power >= 40) {
		suffix = 'T';
		power -= 40;
	} else if (power >= 30) {
		suffix = 'G';
		power -= 30;
	} else if (power >= 20) {
		suffix = 'M';
		power -= 20;
	} else if (power >= 10) {
		suffix = 'K';
		power -= 10;
	}
	sb_i64(b, (int64_t)1 << power);
	if (suffix)
		sb_putc(b, suffix);
}

/* Latest bpftrace's label of the start of hist(n, k) bucket idx: the
 * value's leading digits and a K/M/G/T/P/E suffix for its power of 1024. */
static void hist_bits_label(struct sbuf *b, int idx, int k)
{
	uint64_t n = 1ULL << k, interval = (uint64_t)idx & (n - 1);
	int power = (idx >> k) - 1;
	int decade = power / 10;
	power -= 10 * decade;
	sb_u64(b, (1ULL << power) * (n + interval));
	if (decade)
		sb_putc(b, "\0KMGTPE"[decade]);
}

/* hist bucket i's range: "(..., 0)", "[0]", "[1]", "[2, 4)" ... */
static void hist_label(struct sbuf *b, const struct type *t, int i)
{
	int k = t->hist_bits;
	if (i == 0) {
		sb_puts(b, "(..., 0)");
	} else if (k && i <= (2 << k)) {
		sb_printf(b, "[%d]", i - 1);
	} else if (k) {
		sb_putc(b, '[');
		hist_bits_label(b, i - 1, k);
		sb_puts(b, ", ");
		hist_bits_label(b, i, k);
		sb_putc(b, ')');
	} else if (i <= 2) {
		sb_printf(b, "[%d]", i - 1);
	} else {
		sb_putc(b, '[');
		hist_power_label(b, i - 2);
		sb_puts(b, ", ");
		hist_power_label(b, i - 1);
		sb_putc(b, ')');
	}
}

/* An lhist bound: "0", "3", "2K", "5M" (0.17). */
static void lhist_num_label(struct sbuf *b, int64_t n)
{
	if (n == 0)
		sb_putc(b, '0');
	else if (n % 1048576 == 0) {
		sb_i64(b, n / 1048576);
		sb_putc(b, 'M');
	} else if (n % 1024 == 0) {
		sb_i64(b, n / 1024);
		sb_putc(b, 'K');
	} else {
		sb_i64(b, n);
	}
}

/* lhist bucket i's range: "(..., min)", "[a, b)", "[max, ...)". */
static void lhist_label(struct sbuf *b, const struct type *t, int i)
{
	int64_t n = (t->lmax - t->lmin) / t->lstep;
	if (i == 0) {
		sb_puts(b, "(..., ");
		lhist_num_label(b, t->lmin);
		sb_putc(b, ')');
	} else if (i == n + 1) {
		sb_putc(b, '[');
		lhist_num_label(b, t->lmax);
		sb_puts(b, ", ...)");
	} else {
		sb_putc(b, '[');
		lhist_num_label(b, (i - 1) * t->lstep + t->lmin);
		sb_puts(b, ", ");
		lhist_num_label(b, i * t->lstep + t->lmin);
		sb_putc(b, ')');
	}
}

typedef void label_fn(struct sbuf *b, const struct type *t, int i);

/* A new line, then rows first..last non-empty bucket: label in 16 columns,
 * count (divided by div) in 8, and a bar of int(count / (float)max * 52)
 * '@' (float, as 0.17 computed it). */
static void bucket_rows(struct sbuf *b, const struct mview *v, const struct mentry *e, label_fn *label,
			uint32_t div)
{
	const uint64_t *c = mview_buckets(v, e);
	int lo, hi;
	uint64_t max = 0;
	sb_putc(b, '\n');
	for (int i = 0; i < v->nbuckets; i++)
		if (c[i] > max)
			max = c[i];
	if (!used_buckets(c, v->nbuckets, &lo, &hi))
		return;
	char bar[53];
	for (int i = lo; i <= hi; i++) {
		size_t start = b->len;
		label(b, v->m->val, i);
		size_t w = b->len - start;
		if (w < 16)
			sb_pad(b, ' ', 16 - w);
		int width = (int)((float)c[i] / (float)max * 52);
		if (width < 0)
			width = 0;
		if (width > 52)
			width = 52;
		memset(bar, '@', (size_t)width);
		memset(bar + width, ' ', (size_t)(52 - width));
		bar[52] = '\0';
		sb_printf(b, "%8" PRIu64 " |%s|\n", c[i] / div, bar);
	}
}

typedef void bounds_fn(struct sbuf *b, const struct type *t, int i);

/* [{"min": a, "max": b, "count": n}, ...] over the used buckets; the
 * bounds function writes the "min"/"max" members it has. */
static void bucket_objects(struct sbuf *b, const struct mview *v, const struct mentry *e, bounds_fn *bounds,
			   uint32_t div)
{
	const uint64_t *c = mview_buckets(v, e);
	int lo, hi;
	used_buckets(c, v->nbuckets, &lo, &hi);
	sb_putc(b, '[');
	for (int i = lo; lo >= 0 && i <= hi; i++) {
		if (i > lo)
			sb_puts(b, ", ");
		sb_putc(b, '{');
		bounds(b, v->m->val, i);
		sb_printf(b, "\"count\": %" PRIu64, c[i] / div);
		sb_putc(b, '}');
	}
	sb_putc(b, ']');
}

/* JSON bounds of hist bucket i (both inclusive). */
static void hist_bounds(struct sbuf *b, const struct type *t, int i)
{
	int k = t->hist_bits;
	if (i == 0)
		sb_puts(b, "\"max\": -1, ");
	else if (i <= (k ? 2 << k : 2))
		sb_printf(b, "\"min\": %d, \"max\": %d, ", i - 1, i - 1);
	else if (k)
		sb_printf(b, "\"min\": %" PRIu64 ", \"max\": %" PRIu64 ", ", hist_bucket_min((uint64_t)i - 1, k),
			  hist_bucket_min((uint64_t)i, k) - 1);
	else
		sb_printf(b, "\"min\": %" PRIu64 ", \"max\": %" PRIu64 ", ", (uint64_t)1 << (i - 2),
			  i - 1 >= 64 ? UINT64_MAX : ((uint64_t)1 << (i - 1)) - 1);
}

/* JSON bounds of lhist bucket i. */
static void lhist_bounds(struct sbuf *b, const struct type *t, int i)
{
	int64_t n = (t->lmax - t->lmin) / t->lstep;
	if (i == 0)
		sb_printf(b, "\"max\": %" PRId64 ", ", t->lmin - 1);
	else if (i == n + 1)
		sb_printf(b, "\"min\": %" PRId64 ", ", t->lmax);
	else
		sb_printf(b, "\"min\": %" PRId64 ", \"max\": %" PRId64 ", ", (i - 1) * t->lstep + t->lmin,
			  i * t->lstep + t->lmin - 1);
}

/* --metrics: the largest value of hist bucket i (Prometheus' inclusive
 * `le`; the values are integers): -1 for the negatives, then 0, 1, and the
 * power-of-two (or, with bits, sub-power) bounds less one, up to the bucket
 * that ends at 2^63 - 1; the buckets after it (never used) have none. */
static bool hist_le(const struct type *t, int i, int64_t *le)
{
	int k = t->hist_bits;
	if (i == 0) {
		*le = -1;
	} else if (i <= (k ? 2 << k : 2)) {
		*le = i - 1;
	} else {
		if ((i >> k) - 1 + k > 63)
			return false;
		uint64_t end = hist_bucket_min((uint64_t)i, k);   /* fits: < 2^64 */
		if (end - 1 > (uint64_t)INT64_MAX)
			return false;
		*le = (int64_t)(end - 1);
	}
	return true;
}

/* --metrics: lhist bucket i holds values up to min + i * step - 1 (bucket 0:
 * up to min - 1); the last bucket ([max, ...)) is open above. */
static bool lhist_le(const struct type *t, int i, int64_t *le)
{
	int64_t n = (t->lmax - t->lmin) / t->lstep;
	if (i > n)
		return false;
	*le = t->lmin + i * t->lstep - 1;
	return true;
}

/* print()'s divisor applies to hist counts, not to lhist ones (0.17). */
static void hist_text(struct rt *rt, struct sbuf *b, const struct mview *v, const struct mentry *e)
{
	(void)rt;
	bucket_rows(b, v, e, hist_label, v->div);
}

static void hist_json(struct rt *rt, struct sbuf *b, const struct mview *v, const struct mentry *e)
{
	(void)rt;
	bucket_objects(b, v, e, hist_bounds, v->div);
}

static void lhist_text(struct rt *rt, struct sbuf *b, const struct mview *v, const struct mentry *e)
{
	(void)rt;
	bucket_rows(b, v, e, lhist_label, 1);
}

static void lhist_json(struct rt *rt, struct sbuf *b, const struct mview *v, const struct mentry *e)
{
	(void)rt;
	bucket_objects(b, v, e, lhist_bounds, 1);
}

/* ---- the aggregations ---- */

struct agg {
	const char *name;
	enum type_kind kind;
	/* Updates this CPU's entry of `map` (an N_MAP) with v (1 for count). */
	void (*emit)(struct cg *cg, struct node *map, LLVMValueRef v);
	struct map_kind print;
};

/* count, sum, min, max: one number, entries by value (ties by key) */
#define NUMBER(combine_, unsigned_, metric_, adds_) { .json_type = "map", .order = MV_BY_VALUE, \
	.text_sep = "\n", .text_end = "\n", .combine = combine_, .unsigned_values = unsigned_, \
	.text = mview_int_text, .json = mview_int_text, .metric = metric_, .metric_adds = adds_ }
/* avg, stats: a struct agg_avg, entries by average; a blank line after the map */
#define AVERAGE(all_, text_, json_, metric_) { .json_type = "stats", .order = MV_BY_AVERAGE, \
	.kept = sizeof(struct agg_avg), .all_entries = all_, .text_sep = "\n", .text_end = "\n\n", \
	.combine = avg_cpus, .text = text_, .json = json_, .metric = metric_, .stats = stats_values, \
	.metric_adds = metric_ == MV_METRIC_STATS }
/* hist, lhist: counts per bucket, entries by total */
#define BUCKETS(nbuckets_, text_, json_, le_) { .json_type = "hist", .order = MV_BUCKETS_BY_TOTAL, \
	.text_sep = "\n", .text_end = "\n", .combine = sum_cpus, .nbuckets = nbuckets_, .text = text_, \
	.json = json_, .metric = MV_METRIC_HISTOGRAM, .bucket_le = le_, .metric_adds = true }

static const struct agg aggs[] = {
	{ "count", TY_COUNT, emit_count_sum, NUMBER(sum_cpus, always, MV_METRIC_COUNTER, true) },
	{ "sum", TY_SUM, emit_count_sum, NUMBER(sum_cpus, unsigned_arg, MV_METRIC_GAUGE, true) },
	{ "min", TY_MIN, emit_min, NUMBER(min_cpus, unsigned_arg, MV_METRIC_GAUGE, false) },
	{ "max", TY_MAX, emit_max, NUMBER(max_cpus, unsigned_arg, MV_METRIC_GAUGE, false) },
	{ "avg", TY_AVG, emit_avg, AVERAGE(false, avg_print, avg_print, MV_METRIC_GAUGE) },
	/* stats maps ignore top (0.17 warns at compile time) */
	{ "stats", TY_STATS, emit_avg, AVERAGE(true, stats_text, stats_json, MV_METRIC_STATS) },
	{ "hist", TY_HIST, emit_hist, BUCKETS(hist_buckets, hist_text, hist_json, hist_le) },
	{ "lhist", TY_LHIST, emit_lhist, BUCKETS(lhist_buckets, lhist_text, lhist_json, lhist_le) },
};
#define NAGGS (sizeof(aggs) / sizeof(aggs[0]))

static const struct agg *agg_of(enum type_kind kind)
{
	for (size_t i = 0; i < NAGGS; i++)
		if (aggs[i].kind == kind)
			return &aggs[i];
	return NULL;
}

const struct map_kind *agg_map_kind(enum type_kind kind)
{
	const struct agg *a = agg_of(kind);
	return a ? &a->print : NULL;
}

static int check_agg(struct sema *s, struct node *n)
{
	enum type_kind k = TY_NONE;
	for (size_t i = 0; i < NAGGS; i++)
		if (!strcmp(aggs[i].name, n->str))
			k = aggs[i].kind;
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
	if (k == TY_HIST && n->list.n == 2 && check_hist_bits(s, n, at))
		return -1;
	if (k == TY_LHIST && check_lhist_args(s, n, at))
		return -1;
	n->type = at;
	return 0;
}

static void emit_agg(struct cg *cg, struct node *n, struct node *map)
{
	const struct agg *a = agg_of(((struct map_info *)map->sem)->val->kind);
	if (!a) {
		cg_error(cg, n, "internal error: %s is not an aggregation", n->str);
		return;
	}
	a->emit(cg, map, n->list.n ? cg_expr(cg, n->list.v[0]) : cg_i64(cg, 1));
}

#define AGG(n, lo, hi) { .name = n, .kind = B_FUNC, .min_args = lo, .max_args = hi, .is_agg = true, \
			 .check = check_agg, .emit_agg = emit_agg }
const struct builtin builtins_agg[] = {
	AGG("count", 0, 0), AGG("sum", 1, 1), AGG("min", 1, 1), AGG("max", 1, 1),
	AGG("avg", 1, 1), AGG("stats", 1, 1), AGG("hist", 1, 2), AGG("lhist", 4, 4),
	{ .name = NULL },
};
