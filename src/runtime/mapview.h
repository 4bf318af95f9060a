/* mapview.h - one map as its printers see it, and the hooks through which
 * each kind of map value says how it is combined, ordered and printed.
 *
 * print.c reads every element of a map once, combines the per-CPU values,
 * sorts the entries as bpftrace 0.17 does and applies print()'s top and
 * div: that is the view. One walk over the view then prints it, as text or
 * as JSON, asking the value's `struct map_kind` for each entry's value.
 *
 * The aggregations' kinds (count, sum, min, max, avg, stats, hist, lhist)
 * live next to their code generation in builtins/agg.c, which defines
 * agg_map_kind(); the runtime knows them only through this interface. The
 * kinds of plain values (ints, strings, tuples...) are print.c's own. */
#ifndef BPFSCRIPT_MAPVIEW_H
#define BPFSCRIPT_MAPVIEW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "runtime/runtime.h"
#include "runtime/sbuf.h"

struct hbucket {
	uint32_t idx;        /* bucket index */
	uint64_t count;      /* summed over CPUs */
};

/* One key of a map, 24 bytes: a million of them are sorted in place. */
struct mentry {
	uint32_t ki;         /* element in mview.store: key at store + ki * stride */
	uint32_t hb_n;       /* bucketed kinds: number of buckets, from mview.hb[sk] */
	int64_t v;           /* what map_kind.combine returned; bucketed kinds: the total count */
	uint64_t sk;         /* sort prefix of the key (print.c); bucketed kinds: first bucket */
};

struct map_kind;

struct mview {
	struct rt_map *m;
	const struct map_kind *k;   /* how m->val combines, sorts and prints */
	int ukey_size;           /* user key bytes */
	bool keyed;              /* has key fields to print */
	bool uns;                /* e->v compares and divides as uint64 */
	size_t n;
	struct mentry *e;        /* sorted as bpftrace prints them */
	struct hbucket *hb;
	uint64_t *buckets;       /* bucketed kinds: nbuckets counts, mview_buckets' result */
	uint8_t *store;          /* per element: key, then map_kind.kept bytes of value */
	size_t stride;
	int nbuckets;            /* bucketed kinds: dense bucket count */
	uint32_t top, div;       /* as bpftrace: uint32, div 0 means 1 */
	size_t first;            /* first entry printed (after top) */
};

static inline const uint8_t *me_key(const struct mview *v, const struct mentry *e)
{
	return v->keyed ? v->store + (size_t)e->ki * v->stride : NULL;
}

/* The value bytes that map_kind.combine kept for the entry. */
static inline const uint8_t *me_val(const struct mview *v, const struct mentry *e)
{
	return v->store + (size_t)e->ki * v->stride + v->ukey_size;
}

/* An entry's counts per bucket, dense: v->nbuckets of them (in v->buckets,
 * valid until the next call). */
const uint64_t *mview_buckets(const struct mview *v, const struct mentry *e);

/* An int-valued entry (e->v) after print()'s divisor, as uint64 if v->uns. */
void mview_int_text(struct rt *rt, struct sbuf *b, const struct mview *v, const struct mentry *e);

/* One kernel element's value as read: `ncpus` copies `stride` bytes apart
 * (one for maps that are not per CPU), each `size` bytes. */
struct mv_percpu {
	const uint8_t *p;
	int ncpus;
	size_t stride;
	size_t size;             /* rt_map.val_size */
	const struct type *t;    /* the map's value type */
};

/* How the entries of a map are ordered (all as bpftrace 0.17 printed them). */
enum mv_order {
	MV_BY_KEY,           /* by key, first field most significant */
	MV_BY_VALUE,         /* by e->v (as uint64 if mview.uns), ties by key */
	MV_BY_AVERAGE,       /* 0.17's std::map (key bytes), then its std::sort by e->v */
	MV_BUCKETS_BY_TOTAL, /* bucketed: the kernel key is the user key and a uint64 bucket;
	                        an entry gathers a user key's buckets, 0.17's std::sort by total */
};

#define MV_KEEP_RAW SIZE_MAX   /* map_kind.kept: the value as read */

/* What a map's values are to Prometheus (--metrics, runtime/metrics.c). */
enum mv_metric {
	MV_METRIC_NONE,      /* not a number (strings, stacks...): not served */
	MV_METRIC_GAUGE,     /* e->v (as uint64 if mview.uns) */
	MV_METRIC_COUNTER,   /* e->v, only grows (count) */
	MV_METRIC_STATS,     /* map_kind.stats: count, average (e->v), total */
	MV_METRIC_HISTOGRAM, /* mview_buckets with map_kind.bucket_le */
};

typedef void mv_print_fn(struct rt *rt, struct sbuf *b, const struct mview *v, const struct mentry *e);

/* A kind of map value, as the printers treat it. */
struct map_kind {
	const char *json_type;   /* {"type": ...} of the map: "map", "stats", "hist" */
	enum mv_order order;
	size_t kept;             /* value bytes combine() keeps per entry (me_val) */
	bool all_entries;        /* top does not apply (stats, as 0.17) */
	const char *text_sep;    /* text between two entries */
	const char *text_end;    /* text after the last entry (and for an empty map) */
	/* One element's per-CPU values combined: writes `kept` bytes to `kept`;
	 * returns e->v (bucketed kinds: the bucket's count). */
	int64_t (*combine)(const struct mv_percpu *c, uint8_t *kept);
	/* Whether values of type t compare and divide as uint64; NULL: never. */
	bool (*unsigned_values)(const struct type *t);
	/* Bucketed kinds: number of buckets of type t. */
	int (*nbuckets)(const struct type *t);
	/* One entry's value, after "@m[key]: " (text) or "\"key\": " (JSON). */
	mv_print_fn *text, *json;
	/* --metrics: how Prometheus sees the values (runtime/metrics.c). */
	enum mv_metric metric;
	/* Two entries whose keys print the same (ksym() of two addresses in
	 * one function) are one series: their values add up (count, sum,
	 * stats, hist, lhist); otherwise the first in the view's order stays. */
	bool metric_adds;
	/* MV_METRIC_STATS: an entry's count and total (its average is e->v). */
	void (*stats)(const struct mview *v, const struct mentry *e, uint64_t *count, int64_t *total);
	/* MV_METRIC_HISTOGRAM: the largest value bucket i of type t holds (a
	 * Prometheus bucket's inclusive `le`); false for the bucket open above. */
	bool (*bucket_le)(const struct type *t, int i, int64_t *le);
};

/* The kind of the values of map m (an aggregation's, or a plain value's). */
const struct map_kind *mview_kind(const struct rt_map *m);

/* Reads m into v: every element once, per-CPU values combined, sorted as
 * the printers walk it; print()'s top and div applied (0: none). Returns 0
 * or -errno. Free v with mview_free. The caller serializes it with clear()
 * and zero() of the same map (the event loop runs those; --metrics reads
 * maps only while the loop waits: runtime/metrics.h). */
int mview_build(struct rt *rt, struct mview *v, struct rt_map *m, int64_t top, int64_t div);
void mview_free(struct mview *v);

/* The kind of an aggregation (type_is_agg): builtins/agg.c. */
const struct map_kind *agg_map_kind(enum type_kind kind);

#endif
