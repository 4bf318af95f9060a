/* json.c - maps in bpftrace 0.17's -f json shapes, one object per line:
 *
 *   {"type": "map", "data": {"@x": 5}}
 *   {"type": "map", "data": {"@a": {"1,x": 1, "2,y": 2}}}
 *   {"type": "hist", "data": {"@h": [{"min": 4, "max": 7, "count": 1}]}}
 *   {"type": "stats", "data": {"@s": {"count": 1, "average": 10, "total": 10}}}
 *   {"type": "stats", "data": {"@v": 7}}                       (avg)
 *
 * Keys are the text forms of the key fields joined by "," (no space).
 * Empty maps print nothing. Entries come in the text printer's order. */
#include "runtime/print_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "abi/event_abi.h"
#include "abi/hist.h"
#include "util/arena.h"

static void hist_json(struct sbuf *b, const struct type *t, const uint64_t *v, int nb, uint32_t div)
{
	int lo = -1, hi = -1;
	for (int i = 0; i < nb; i++)
		if (v[i] > 0) {
			if (lo < 0)
				lo = i;
			hi = i;
		}
	sb_putc(b, '[');
	int64_t n = t->kind == TY_LHIST ? (t->lmax - t->lmin) / t->lstep : 0;
	for (int i = lo; lo >= 0 && i <= hi; i++) {
		if (i > lo)
			sb_puts(b, ", ");
		sb_putc(b, '{');
		if (t->kind == TY_HIST && t->hist_bits) {
			int k = t->hist_bits;
			if (i == 0)
				sb_puts(b, "\"max\": -1, ");
			else if (i <= (2 << k))
				sb_printf(b, "\"min\": %d, \"max\": %d, ", i - 1, i - 1);
			else
				sb_printf(b, "\"min\": %" PRIu64 ", \"max\": %" PRIu64 ", ", hist_bucket_min((uint64_t)i - 1, k),
					  hist_bucket_min((uint64_t)i, k) - 1);
			sb_printf(b, "\"count\": %" PRIu64, v[i] / div);
		} else if (t->kind == TY_HIST) {
			if (i == 0)
				sb_puts(b, "\"max\": -1, ");
			else if (i == 1)
				sb_puts(b, "\"min\": 0, \"max\": 0, ");
			else if (i == 2)
				sb_puts(b, "\"min\": 1, \"max\": 1, ");
			else
				sb_printf(b, "\"min\": %" PRIu64 ", \"max\": %" PRIu64 ", ", (uint64_t)1 << (i - 2),
					  i - 1 >= 64 ? UINT64_MAX : ((uint64_t)1 << (i - 1)) - 1);
			sb_printf(b, "\"count\": %" PRIu64, v[i] / div);
		} else {
			if (i == 0)
				sb_printf(b, "\"max\": %" PRId64 ", ", t->lmin - 1);
			else if (i == n + 1)
				sb_printf(b, "\"min\": %" PRId64 ", ", t->lmax);
			else
				sb_printf(b, "\"min\": %" PRId64 ", \"max\": %" PRId64 ", ",
					  (i - 1) * t->lstep + t->lmin, i * t->lstep + t->lmin - 1);
			sb_printf(b, "\"count\": %" PRIu64, v[i]);
		}
		sb_putc(b, '}');
	}
	sb_putc(b, ']');
}

void json_map(struct rt *rt, struct sbuf *b, const struct mview *v)
{
	const struct rt_map *m = v->m;
	if (v->n == 0)
		return;
	bool hist = v->kind == TY_HIST || v->kind == TY_LHIST;
	bool stats = v->kind == TY_AVG || v->kind == TY_STATS;
	bool keyed = m->key && m->key->nfields > 0;
	sb_printf(b, "{\"type\": \"%s\", \"data\": {\"", hist ? "hist" : stats ? "stats" : "map");
	sb_json_escape(b, m->name, strlen(m->name));
	sb_puts(b, "\": ");
	if (keyed)
		sb_putc(b, '{');
	uint64_t *buckets = hist ? xmalloc(sizeof(*buckets) * (size_t)v->nbuckets) : NULL;
	size_t first = v->kind == TY_STATS ? 0 : v->first;
	for (size_t i = first; i < v->n; i++) {
		const struct mentry *e = &v->e[i];
		if (i + 16 < v->n)
			__builtin_prefetch(v->store + (size_t)v->e[i + 16].ki * v->stride);
		if (i > first)
			sb_puts(b, ", ");
		if (keyed) {
			sb_putc(b, '"');
			key_json(rt, b, m->key, me_key(v, e));
			sb_puts(b, "\": ");
		}
		if (hist) {
			mview_buckets(v, e, buckets);
			hist_json(b, m->val, buckets, v->nbuckets, v->div);
		} else if (v->kind == TY_STATS) {
			struct agg_avg a;
			memcpy(&a, me_val(v, e), sizeof(a));
			sb_printf(b, "{\"count\": %" PRId64 ", \"average\": %" PRId64 ", \"total\": %" PRId64 "}",
				  (int64_t)a.count, e->v, a.total);
		} else if (v->kind == TY_AVG) {
			sb_i64(b, e->v / (int64_t)v->div);
		} else if (!type_is_agg(m->val) && !type_is_int(m->val) && m->val->kind != TY_PTR) {
			val_json(rt, b, m->val, me_val(v, e));
		} else {
			mview_int_text(b, v, e);
		}
	}
	free(buckets);
	if (keyed)
		sb_putc(b, '}');
	sb_puts(b, "}}\n");
}
