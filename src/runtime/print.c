/* print.c - maps as bpftrace 0.17 prints them: read every element, combine
 * the per-CPU values, sort (the view, mapview.h), then one walk over the
 * view prints it as text or as JSON. How each kind of value combines, sorts
 * and prints is its struct map_kind's: the aggregations' in builtins/agg.c,
 * plain values' here.
 *
 * Sort orders, all taken from bpftrace 0.17 and checked against it:
 *   int, count, sum, min, max maps: ascending value. 0.17 sorted the
 *     hash-table order with an unstable std::sort, so equal values came out
 *     in a random order; we break ties by key (the order of a sort by key
 *     followed by a stable sort by value).
 *   other plain values (strings, tuples...): by key, first field most
 *     significant; ints compare as unsigned, strings as strncmp.
 *   avg/stats (by average) and hist/lhist (by total count): 0.17 read these
 *     into a std::map (key bytes in memcmp order) and then std::sort-ed them.
 *     That order is deterministic, so we reproduce libstdc++'s introsort
 *     step by step (stdsort below) to get the same order for ties.
 *
 * Layout (event_abi.h): aggregation maps are per-CPU; each CPU's value is
 * rounded up to 8 bytes. hist/lhist keys carry the bucket index after the
 * user key. */
#define _GNU_SOURCE   /* qsort_r */
#include "runtime/print_int.h"
#include "runtime/mapview.h"
#include "runtime/folded.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "util/arena.h"

/* ---- reading a map ---- */

struct mreader {
	struct rt_map *m;
	int ncpus;               /* values per element */
	size_t stride;           /* bytes per CPU value */
	size_t vsize;            /* bytes per element value */
};

typedef void (*elem_fn)(void *ctx, const uint8_t *key, const uint8_t *val);

static void mreader_init(struct mreader *r, struct rt *rt, struct rt_map *m)
{
	r->m = m;
	r->ncpus = m->percpu ? (rt->ncpus > 0 ? rt->ncpus : 1) : 1;
	r->stride = m->percpu ? ((size_t)m->val_size + 7) / 8 * 8 : (size_t)m->val_size;
	r->vsize = r->stride * (size_t)r->ncpus;
}

/* One element at a time: get_next_key + lookup. */
static int foreach_slow(struct mreader *r, elem_fn fn, void *ctx)
{
	size_t ks = (size_t)r->m->key_size;
	uint8_t *key = xcalloc(2, ks), *next = key + ks, *val = xcalloc(1, r->vsize);
	const void *prev = NULL;
	int err = 0;
	while (bpf_map_get_next_key(r->m->fd, prev, next) == 0) {
		memcpy(key, next, ks);
		prev = key;
		if (bpf_map_lookup_elem(r->m->fd, key, val) == 0)
			fn(ctx, key, val);
		else if (errno != ENOENT) {
			err = -errno;
			break;
		}
	}
	if (!err && errno != ENOENT)
		err = -errno;
	free(key);
	free(val);
	return err;
}

/* A per-CPU array map (runtime.h: rt_map.array): reads every bucket in one
 * batch (or one lookup per bucket on kernels without batches) and hands on
 * those with a count, under the key a hash map would have had (the user
 * key's 8 zero bytes, then the bucket for hist/lhist). After zero(), every
 * bucket is handed on: the key exists with zero counts. */
static int array_foreach(struct mreader *r, elem_fn fn, void *ctx)
{
	struct rt_map *m = r->m;
	uint32_t n = (uint32_t)m->max_entries, cnt = n;
	size_t ks = (size_t)m->key_size;
	uint32_t *idx = xcalloc(n, sizeof(*idx));
	uint8_t *vals = xcalloc(n, r->vsize), *key = xcalloc(1, ks < 16 ? 16 : ks);
	uint32_t out = 0;
	int err = 0;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	if (bpf_map_lookup_batch(m->fd, NULL, &out, idx, vals, &cnt, &opts) && errno != ENOENT) {
		for (cnt = 0; cnt < n; cnt++) {
			idx[cnt] = cnt;
			if (bpf_map_lookup_elem(m->fd, &idx[cnt], vals + (size_t)cnt * r->vsize)) {
				err = -errno;
				break;
			}
		}
	}
	for (uint32_t i = 0; i < cnt && !err; i++) {
		const uint8_t *v = vals + (size_t)i * r->vsize;
		bool any = m->zeroed;
		for (size_t b = 0; b < r->vsize && !any; b++)
			any = v[b] != 0;
		if (!any)
			continue;
		uint64_t bucket = idx[i];
		memset(key, 0, ks);
		if (ks >= 16)
			memcpy(key + ks - 8, &bucket, 8);
		fn(ctx, key, v);
	}
	free(idx);
	free(vals);
	free(key);
	return err;
}

/* Batched lookups (one syscall per few thousand elements); falls back to
 * foreach_slow when the kernel or map type has no batch operations. */
static int map_foreach(struct mreader *r, elem_fn fn, void *ctx)
{
	if (r->m->array)
		return array_foreach(r, fn, ctx);
	size_t ks = (size_t)r->m->key_size;
	uint32_t batch = 4096;
	/* zero-filled: valgrind cannot see the kernel write batch results */
	uint8_t *keys = xcalloc(batch, ks), *vals = xcalloc(batch, r->vsize);
	uint8_t tok_in[64] = { 0 }, tok_out[64] = { 0 };
	size_t toksz = ks > 8 ? ks : 8;
	void *in = NULL;
	bool first = true;
	int err = 0;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	if (toksz > sizeof(tok_in)) {
		free(keys);
		free(vals);
		return foreach_slow(r, fn, ctx);
	}
	for (;;) {
		uint32_t cnt = batch;
		int rc = bpf_map_lookup_batch(r->m->fd, in, tok_out, keys, vals, &cnt, &opts);
		int e = rc ? errno : 0;
		if (e && e != ENOENT && first && cnt == 0 && e != ENOSPC) {
			free(keys);
			free(vals);
			return foreach_slow(r, fn, ctx);
		}
		if (e == ENOSPC && cnt == 0) {
			batch *= 2;
			free(keys);
			free(vals);
			keys = xcalloc(batch, ks);
			vals = xcalloc(batch, r->vsize);
			continue;
		}
		for (uint32_t i = 0; i < cnt; i++)
			fn(ctx, keys + i * ks, vals + i * r->vsize);
		if (e == ENOENT)
			break;
		if (e) {
			err = -e;
			break;
		}
		first = false;
		memcpy(tok_in, tok_out, toksz);
		in = tok_in;
	}
	free(keys);
	free(vals);
	return err;
}

/* ---- building the combined view ---- */

/* Memory matters more than instructions here: first-touching fresh pages
 * is what printing a million keys mostly costs, so entries stay small,
 * keys live in one array with a fixed stride, and sorting is in place. */

struct hrow {                 /* one kernel element of a bucketed map */
	uint64_t bucket;
	uint64_t count;
	uint32_t ki;          /* key index in the store */
};

struct builder {
	struct mview *v;
	struct mreader *r;
	size_t cap;           /* entries (or rows) allocated */
	size_t nstore, scap;  /* elements in / capacity of the store */
	struct hrow *rows;    /* bucketed kinds */
	size_t nrows;
};

/* Copies the user key into the store; returns its index. The value's
 * bytes (kind->kept of them) follow it. */
static size_t store_put(struct builder *bd, const uint8_t *key)
{
	struct mview *v = bd->v;
	if (bd->nstore == bd->scap) {
		bd->scap = bd->scap ? bd->scap * 2 : 64;
		v->store = xrealloc(v->store, bd->scap * (v->stride ? v->stride : 1));
	}
	memcpy(v->store + bd->nstore * v->stride, key, (size_t)v->ukey_size);
	return bd->nstore++;
}

static void push_entry(struct builder *bd, size_t ki, int64_t x)
{
	struct mview *v = bd->v;
	if (v->n == bd->cap) {
		bd->cap = bd->cap ? bd->cap * 2 : 64;
		v->e = xrealloc(v->e, bd->cap * sizeof(*v->e));
	}
	struct mentry *e = &v->e[v->n++];
	memset(e, 0, sizeof(*e));
	e->ki = (uint32_t)ki;
	e->v = x;
}

static void push_row(struct builder *bd, size_t ki, const uint8_t *bucket, uint64_t count)
{
	if (bd->nrows == bd->cap) {
		bd->cap = bd->cap ? bd->cap * 2 : 256;
		bd->rows = xrealloc(bd->rows, bd->cap * sizeof(*bd->rows));
	}
	struct hrow *h = &bd->rows[bd->nrows++];
	h->ki = (uint32_t)ki;
	memcpy(&h->bucket, bucket, 8);
	h->count = count;
}

/* One kernel element: its key into the store, its per-CPU values combined
 * by the value's kind into an entry (or, bucketed, a row of its key). */
static void on_elem(void *ctx, const uint8_t *key, const uint8_t *val)
{
	struct builder *bd = ctx;
	struct mview *v = bd->v;
	struct mreader *r = bd->r;
	struct mv_percpu c = { .p = val, .ncpus = r->ncpus, .stride = r->stride,
			       .size = (size_t)r->m->val_size, .t = r->m->val };
	size_t ki = store_put(bd, key);
	int64_t x = v->k->combine(&c, v->store + ki * v->stride + v->ukey_size);
	if (v->k->order == MV_BUCKETS_BY_TOTAL)
		push_row(bd, ki, key + v->ukey_size, (uint64_t)x);
	else
		push_entry(bd, ki, x);
}

/* ---- comparisons ---- */

static uint64_t rd_uint(const uint8_t *p, int size)
{
	switch (size) {
	case 1: return p[0];
	case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
	default: { uint64_t v; memcpy(&v, p, 8); return v; }
	}
}

/* First (up to) 8 bytes as a big-endian number: orders like memcmp. */
static uint64_t be_prefix(const uint8_t *p, int size)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | (p && i < size ? p[i] : 0);
	return v;
}

/* bpftrace 0.17 sort_by_key: first key field most significant; ints as
 * unsigned, strings as strncmp, other kinds by their bytes. */
static int key_lex(const struct type *key, const uint8_t *a, const uint8_t *b)
{
	if (!key || !a || !b)
		return 0;
	for (int i = 0; i < key->nfields; i++) {
		const struct type_field *f = &key->fields[i];
		const uint8_t *pa = a + f->offset, *pb = b + f->offset;
		int c = 0;
		if (type_is_int(f->type)) {
			uint64_t x = rd_uint(pa, f->type->size), y = rd_uint(pb, f->type->size);
			c = x < y ? -1 : x > y;
		} else if (f->type->kind == TY_STR) {
			c = strncmp((const char *)pa, (const char *)pb, (size_t)f->type->size);
		} else {
			c = memcmp(pa, pb, (size_t)f->type->size);
		}
		if (c)
			return c;
	}
	return 0;
}

/* A number that orders like key_lex on the first key field, so that most
 * comparisons never touch the key bytes: the field as unsigned for ints,
 * its first 8 bytes big-endian for strings and others (strings are
 * zero-filled after their NUL, so that is strncmp order). Equal prefixes
 * fall back to key_lex. */
static uint64_t lex_prefix(const struct type *key, const uint8_t *k)
{
	if (!key || !k || key->nfields == 0)
		return 0;
	const struct type_field *f = &key->fields[0];
	if (type_is_int(f->type))
		return rd_uint(k + f->offset, f->type->size);
	return be_prefix(k + f->offset, f->type->size);
}

enum sortmode {
	BY_KEY,          /* key_lex */
	BY_VALUE_S,      /* v signed, then key_lex */
	BY_VALUE_U,      /* v unsigned, then key_lex */
	BY_KEYBYTES,     /* memcmp of the key bytes (0.17's std::map order) */
	BY_V_ONLY_S,     /* v signed only: 0.17's std::sort of avg/stats */
	BY_V_ONLY_U,     /* v unsigned only: 0.17's std::sort of hist totals */
};

struct sortctx {
	const struct type *key;
	const uint8_t *store;
	size_t stride;
	int ukey_size;
	enum sortmode mode;
};

static inline bool lt(const struct sortctx *s, const struct mentry *a, const struct mentry *b)
{
	switch (s->mode) {
	case BY_V_ONLY_S:
		return a->v < b->v;
	case BY_V_ONLY_U:
		return (uint64_t)a->v < (uint64_t)b->v;
	case BY_VALUE_S:
		if (a->v != b->v)
			return a->v < b->v;
		break;
	case BY_VALUE_U:
		if (a->v != b->v)
			return (uint64_t)a->v < (uint64_t)b->v;
		break;
	default:
		break;
	}
	if (a->sk != b->sk)
		return a->sk < b->sk;
	const uint8_t *ka = s->store + (size_t)a->ki * s->stride, *kb = s->store + (size_t)b->ki * s->stride;
	if (s->mode == BY_KEYBYTES)
		return memcmp(ka, kb, (size_t)s->ukey_size) < 0;
	return key_lex(s->key, ka, kb) < 0;
}

/* ---- libstdc++'s std::sort, step by step ----
 *
 * 0.17 sorted avg/stats/hist entries with std::sort, which is not stable:
 * equal values come out in an order fixed by the algorithm. To print ties
 * the same way we replay it exactly (introsort: median-of-three pivot into
 * the first slot, unguarded partition, depth limit 2*log2(n), heapsort
 * fallback, final insertion sort with a threshold of 16). For the other
 * modes it is simply an in-place O(n log n) sort. */

static inline void e_swap(struct mentry *a, struct mentry *b)
{
	struct mentry t = *a;
	*a = *b;
	*b = t;
}

static void move_median(const struct sortctx *s, struct mentry *res, struct mentry *a, struct mentry *b,
			struct mentry *c)
{
	if (lt(s, a, b)) {
		if (lt(s, b, c))
			e_swap(res, b);
		else if (lt(s, a, c))
			e_swap(res, c);
		else
			e_swap(res, a);
	} else if (lt(s, a, c)) {
		e_swap(res, a);
	} else if (lt(s, b, c)) {
		e_swap(res, c);
	} else {
		e_swap(res, b);
	}
}

static struct mentry *partition(const struct sortctx *s, struct mentry *first, struct mentry *last,
				struct mentry *pivot)
{
	for (;;) {
		while (lt(s, first, pivot))
			++first;
		--last;
		while (lt(s, pivot, last))
			--last;
		if (!(first < last))
			return first;
		e_swap(first, last);
		++first;
	}
}

static void push_heap(const struct sortctx *s, struct mentry *first, ptrdiff_t hole, ptrdiff_t top,
		      struct mentry val)
{
	ptrdiff_t parent = (hole - 1) / 2;
	while (hole > top && lt(s, first + parent, &val)) {
		first[hole] = first[parent];
		hole = parent;
		parent = (hole - 1) / 2;
	}
	first[hole] = val;
}

static void adjust_heap(const struct sortctx *s, struct mentry *first, ptrdiff_t hole, ptrdiff_t len,
			struct mentry val)
{
	ptrdiff_t top = hole, child = hole;
	while (child < (len - 1) / 2) {
		child = 2 * (child + 1);
		if (lt(s, first + child, first + (child - 1)))
			child--;
		first[hole] = first[child];
		hole = child;
	}
	if ((len & 1) == 0 && child == (len - 2) / 2) {
		child = 2 * (child + 1);
		first[hole] = first[child - 1];
		hole = child - 1;
	}
	push_heap(s, first, hole, top, val);
}

static void heapsort(const struct sortctx *s, struct mentry *first, struct mentry *last)
{
	ptrdiff_t len = last - first;
	if (len >= 2) {
		for (ptrdiff_t parent = (len - 2) / 2;; parent--) {
			adjust_heap(s, first, parent, len, first[parent]);
			if (parent == 0)
				break;
		}
	}
	while (last - first > 1) {
		--last;
		struct mentry val = *last;
		*last = *first;
		adjust_heap(s, first, 0, last - first, val);
	}
}

static void introsort(const struct sortctx *s, struct mentry *first, struct mentry *last, int depth)
{
	while (last - first > 16) {
		if (depth == 0) {
			heapsort(s, first, last);
			return;
		}
		--depth;
		struct mentry *mid = first + (last - first) / 2;
		move_median(s, first, first + 1, mid, last - 1);
		struct mentry *cut = partition(s, first + 1, last, first);
		introsort(s, cut, last, depth);
		last = cut;
	}
}

static void linear_insert(const struct sortctx *s, struct mentry *last)
{
	struct mentry val = *last;
	struct mentry *next = last - 1;
	while (lt(s, &val, next)) {
		*last = *next;
		last = next;
		--next;
	}
	*last = val;
}

static void insertion_sort(const struct sortctx *s, struct mentry *first, struct mentry *last)
{
	if (first == last)
		return;
	for (struct mentry *i = first + 1; i != last; ++i) {
		if (lt(s, i, first)) {
			struct mentry val = *i;
			memmove(first + 1, first, (size_t)(i - first) * sizeof(*i));
			*first = val;
		} else {
			linear_insert(s, i);
		}
	}
}

static void stdsort(struct mentry *first, size_t n, const struct sortctx *s)
{
	if (n == 0)
		return;
	struct mentry *last = first + n;
	int lg = 63 - __builtin_clzll((unsigned long long)n);
	introsort(s, first, last, lg * 2);
	if (n > 16) {
		insertion_sort(s, first, first + 16);
		for (struct mentry *i = first + 16; i != last; ++i)
			linear_insert(s, i);
	} else {
		insertion_sort(s, first, last);
	}
}

/* ---- plain values: their kinds ---- */

static int64_t rd64(const uint8_t *p)
{
	int64_t x;
	memcpy(&x, p, 8);
	return x;
}

/* Plain maps are not per CPU: the value is kept as read. */
static int64_t keep_value(const struct mv_percpu *c, uint8_t *kept)
{
	memcpy(kept, c->p, c->size);
	return 0;
}

static int64_t keep_int(const struct mv_percpu *c, uint8_t *kept)
{
	keep_value(c, kept);
	return c->t->kind == TY_PTR ? rd64(c->p) : rd_int(c->t, c->p);
}

/* Narrow unsigned ints are zero-extended, so they are fine as int64. */
static bool u64_int(const struct type *t)
{
	return t->kind == TY_INT && !t->is_signed && t->size == 8;
}

static void value_text(struct rt *rt, struct sbuf *b, const struct mview *v, const struct mentry *e)
{
	val_text(rt, b, v->m->val, me_val(v, e), V_VALUE);
}

static void value_json(struct rt *rt, struct sbuf *b, const struct mview *v, const struct mentry *e)
{
	val_json(rt, b, v->m->val, me_val(v, e));
}

/* int and pointer values: sorted by value, printed after div; ints are
 * gauges to Prometheus, addresses are not numbers to it */
static const struct map_kind plain_int = {
	.json_type = "map", .order = MV_BY_VALUE, .kept = MV_KEEP_RAW, .text_sep = "\n", .text_end = "\n",
	.combine = keep_int, .unsigned_values = u64_int, .text = mview_int_text, .json = mview_int_text,
	.metric = MV_METRIC_GAUGE,
};
static const struct map_kind plain_ptr = {
	.json_type = "map", .order = MV_BY_VALUE, .kept = MV_KEEP_RAW, .text_sep = "\n", .text_end = "\n",
	.combine = keep_int, .unsigned_values = u64_int, .text = mview_int_text, .json = mview_int_text,
};
/* bool values print as words (latest bpftrace; 0.17 printed 1 and 0), in
 * JSON as true and false; sorted by value, false first */
static void bool_text(struct rt *rt, struct sbuf *b, const struct mview *v, const struct mentry *e)
{
	(void)rt;
	(void)v;
	sb_puts(b, e->v ? "true" : "false");
}

static const struct map_kind plain_bool = {
	.json_type = "map", .order = MV_BY_VALUE, .kept = MV_KEEP_RAW, .text_sep = "\n", .text_end = "\n",
	.combine = keep_int, .text = bool_text, .json = bool_text, .metric = MV_METRIC_GAUGE,
};
/* strings, tuples, records...: sorted by key */
static const struct map_kind plain_value = {
	.json_type = "map", .order = MV_BY_KEY, .kept = MV_KEEP_RAW, .text_sep = "\n", .text_end = "\n",
	.combine = keep_value, .text = value_text, .json = value_json,
};
/* stacks, symbols, addresses: 0.17 put no line break between entries */
static const struct map_kind plain_joined = {
	.json_type = "map", .order = MV_BY_KEY, .kept = MV_KEEP_RAW, .text_sep = "", .text_end = "\n",
	.combine = keep_value, .text = value_text, .json = value_json,
};

static const struct map_kind *kind_of(const struct type *t)
{
	const struct map_kind *k = type_is_agg(t) ? agg_map_kind(t->kind) : NULL;
	if (k)
		return k;
	if (t->kind == TY_BOOL)
		return &plain_bool;
	if (t->kind == TY_INT)
		return &plain_int;
	if (t->kind == TY_PTR)
		return &plain_ptr;
	return val_no_delim(t) ? &plain_joined : &plain_value;
}

const struct map_kind *mview_kind(const struct rt_map *m)
{
	return kind_of(m->val);
}

/* ---- the view ---- */

void mview_free(struct mview *v)
{
	free(v->e);
	free(v->hb);
	free(v->buckets);
	free(v->store);
	memset(v, 0, sizeof(*v));
}

static void mview_init(struct mview *v, struct rt_map *m, int64_t top, int64_t div)
{
	memset(v, 0, sizeof(*v));
	v->m = m;
	v->k = kind_of(m->val);
	v->top = (uint32_t)top;
	v->div = (uint32_t)div ? (uint32_t)div : 1;
	v->uns = v->k->unsigned_values && v->k->unsigned_values(m->val);
	bool bucketed = v->k->order == MV_BUCKETS_BY_TOTAL;
	if (bucketed)
		v->ukey_size = m->key_size >= 8 ? m->key_size - 8 : 0;
	else
		v->ukey_size = m->key ? m->key_size : 0;
	v->keyed = m->key && m->key->nfields > 0 && v->ukey_size > 0;
	v->stride = (size_t)v->ukey_size + (v->k->kept == MV_KEEP_RAW ? (size_t)m->val_size : v->k->kept);
	if (bucketed) {
		v->nbuckets = v->k->nbuckets(m->val);
		v->buckets = xmalloc(sizeof(*v->buckets) * (size_t)v->nbuckets);
	}
}

static int cmp_rows(const void *x, const void *y, void *arg)
{
	const struct mview *v = arg;
	const struct hrow *a = x, *b = y;
	size_t ks = (size_t)v->ukey_size;
	int c = memcmp(v->store + a->ki * ks, v->store + b->ki * ks, ks);
	if (c)
		return c;
	return a->bucket < b->bucket ? -1 : a->bucket > b->bucket;
}

/* Bucketed kinds: rows sorted by (key bytes, bucket) become one entry per
 * key, in memcmp key order (0.17's std::map), then std::sort by total. */
static void gather_buckets(struct mview *v, struct builder *bd)
{
	size_t ks = (size_t)v->ukey_size;
	if (bd->nrows)
		qsort_r(bd->rows, bd->nrows, sizeof(*bd->rows), cmp_rows, v);
	v->hb = xmalloc((bd->nrows ? bd->nrows : 1) * sizeof(*v->hb));
	v->e = xmalloc((bd->nrows ? bd->nrows : 1) * sizeof(*v->e));
	for (size_t i = 0; i < bd->nrows; i++) {
		const struct hrow *h = &bd->rows[i];
		const uint8_t *key = v->store + h->ki * ks;
		if (!v->n || memcmp(key, v->store + v->e[v->n - 1].ki * ks, ks)) {
			struct mentry *e = &v->e[v->n++];
			memset(e, 0, sizeof(*e));
			e->ki = h->ki;
			e->sk = i;
		}
		struct mentry *e = &v->e[v->n - 1];
		v->hb[i].idx = h->bucket > UINT32_MAX ? UINT32_MAX : (uint32_t)h->bucket;
		v->hb[i].count = h->count;
		e->hb_n++;
		e->v = (int64_t)((uint64_t)e->v + h->count);
	}
	struct sortctx sc = { .mode = BY_V_ONLY_U };
	stdsort(v->e, v->n, &sc);
}

/* Other kinds: entries in their kind's order. */
static void sort_entries(struct mview *v)
{
	const struct rt_map *m = v->m;
	struct sortctx sc = { .key = m->key, .store = v->store, .stride = v->stride, .ukey_size = v->ukey_size };
	bool keybytes = v->k->order == MV_BY_AVERAGE;
	for (size_t i = 0; i < v->n; i++) {
		struct mentry *e = &v->e[i];
		const uint8_t *key = v->store + (size_t)e->ki * v->stride;
		e->sk = keybytes ? be_prefix(key, v->ukey_size) : lex_prefix(m->key, key);
	}
	switch (v->k->order) {
	case MV_BY_AVERAGE:
		/* std::map order (key bytes), then std::sort by average */
		sc.mode = BY_KEYBYTES;
		stdsort(v->e, v->n, &sc);
		sc.mode = BY_V_ONLY_S;
		break;
	case MV_BY_VALUE:
		sc.mode = v->uns ? BY_VALUE_U : BY_VALUE_S;
		break;
	default:
		sc.mode = BY_KEY;
		break;
	}
	stdsort(v->e, v->n, &sc);
}

/* Reads m into v: combined, sorted, top and div applied. */
int mview_build(struct rt *rt, struct mview *v, struct rt_map *m, int64_t top, int64_t div)
{
	struct mreader r;
	struct builder bd = { .v = v, .r = &r };
	mview_init(v, m, top, div);
	mreader_init(&r, rt, m);
	int err = map_foreach(&r, on_elem, &bd);
	if (err) {
		free(bd.rows);
		mview_free(v);
		return err;
	}
	if (v->k->order == MV_BUCKETS_BY_TOTAL)
		gather_buckets(v, &bd);
	else
		sort_entries(v);
	free(bd.rows);
	if (!v->k->all_entries && v->top && v->n > v->top)
		v->first = v->n - v->top;
	return 0;
}

const uint64_t *mview_buckets(const struct mview *v, const struct mentry *e)
{
	memset(v->buckets, 0, sizeof(*v->buckets) * (size_t)v->nbuckets);
	for (uint32_t i = 0; i < e->hb_n; i++) {
		const struct hbucket *h = &v->hb[e->sk + i];
		if (h->idx < (uint32_t)v->nbuckets)
			v->buckets[h->idx] += h->count;
	}
	return v->buckets;
}

void mview_int_text(struct rt *rt, struct sbuf *b, const struct mview *v, const struct mentry *e)
{
	(void)rt;
	if (v->uns)
		sb_u64(b, (uint64_t)e->v / v->div);
	else
		sb_i64(b, e->v / (int64_t)v->div);
}

/* ---- printing: one walk over the view, in either format ---- */

/* What an output format puts around the entries of a map. */
struct map_format {
	/* Before the first entry; false: the map prints nothing at all. */
	bool (*open)(struct sbuf *b, const struct mview *v);
	/* One entry; `first`: the first printed. */
	void (*entry)(struct rt *rt, struct sbuf *b, const struct mview *v, const struct mentry *e, bool first);
	void (*close)(struct sbuf *b, const struct mview *v);
};

/* Text: "@m[k1, k2]: value" per entry, each kind's separator and end. */
static bool text_open(struct sbuf *b, const struct mview *v)
{
	(void)b;
	(void)v;
	return true;
}

static void text_entry(struct rt *rt, struct sbuf *b, const struct mview *v, const struct mentry *e, bool first)
{
	if (!first)
		sb_puts(b, v->k->text_sep);
	sb_puts(b, v->m->name);
	key_text(rt, b, v->m->key, me_key(v, e));
	sb_puts(b, ": ");
	v->k->text(rt, b, v, e);
}

static void text_close(struct sbuf *b, const struct mview *v)
{
	sb_puts(b, v->k->text_end);
}

/* JSON: bpftrace 0.17's -f json shapes, one object per line:
 *
 *   {"type": "map", "data": {"@x": 5}}
 *   {"type": "map", "data": {"@a": {"1,x": 1, "2,y": 2}}}
 *   {"type": "hist", "data": {"@h": [{"min": 4, "max": 7, "count": 1}]}}
 *   {"type": "stats", "data": {"@s": {"count": 1, "average": 10, "total": 10}}}
 *   {"type": "stats", "data": {"@v": 7}}                       (avg)
 *
 * Keys are the text forms of the key fields joined by "," (no space).
 * Empty maps print nothing. */
static bool json_open(struct sbuf *b, const struct mview *v)
{
	if (v->n == 0)
		return false;
	sb_printf(b, "{\"type\": \"%s\", \"data\": {\"", v->k->json_type);
	sb_json_escape(b, v->m->name, strlen(v->m->name));
	sb_puts(b, "\": ");
	if (v->keyed)
		sb_putc(b, '{');
	return true;
}

static void json_entry(struct rt *rt, struct sbuf *b, const struct mview *v, const struct mentry *e, bool first)
{
	if (!first)
		sb_puts(b, ", ");
	if (v->keyed) {
		sb_putc(b, '"');
		key_json(rt, b, v->m->key, me_key(v, e));
		sb_puts(b, "\": ");
	}
	v->k->json(rt, b, v, e);
}

static void json_close(struct sbuf *b, const struct mview *v)
{
	if (v->keyed)
		sb_putc(b, '}');
	sb_puts(b, "}}\n");
}

/* Folded (-f folded): a map whose key holds a stack and whose value is one
 * number prints one line per entry, "part;root;...;leaf VALUE" (folded.h),
 * and a blank line after the map; other maps print as text. */
static bool folded_open(struct sbuf *b, const struct mview *v)
{
	return text_open(b, v);
}

static void folded_entry(struct rt *rt, struct sbuf *b, const struct mview *v, const struct mentry *e, bool first)
{
	if (!fold_map(v->m)) {
		text_entry(rt, b, v, e, first);
		return;
	}
	struct fold f = { 0 };
	fold_entry(rt, v, e, &f);
	for (int i = 0; i < f.n; i++) {
		if (i)
			sb_putc(b, ';');
		sb_puts(b, fold_name(&f, i));
	}
	fold_free(&f);
	sb_putc(b, ' ');
	v->k->text(rt, b, v, e);
	sb_putc(b, '\n');
}

static void folded_close(struct sbuf *b, const struct mview *v)
{
	if (fold_map(v->m))
		sb_putc(b, '\n');
	else
		text_close(b, v);
}

static const struct map_format text_format = { text_open, text_entry, text_close };
static const struct map_format json_format = { json_open, json_entry, json_close };
static const struct map_format folded_format = { folded_open, folded_entry, folded_close };

/* The one walk: the entries from v->first on, in the view's order. */
static void print_view(struct rt *rt, FILE *out, const struct mview *v, const struct map_format *f)
{
	struct sbuf b = { 0 };
	if (f->open(&b, v)) {
		for (size_t i = v->first; i < v->n; i++) {
			/* keys sit in hash order: fetch ahead of the sorted walk */
			if (i + 16 < v->n)
				__builtin_prefetch(v->store + (size_t)v->e[i + 16].ki * v->stride);
			f->entry(rt, &b, v, &v->e[i], i == v->first);
			if (b.len > 65536)
				sb_write(&b, out);
		}
		f->close(&b, v);
	}
	sb_write(&b, out);
	sb_free(&b);
}

int rt_map_print(struct rt *rt, FILE *out, struct rt_map *m, int64_t top, int64_t div)
{
	struct mview v;
	int err = mview_build(rt, &v, m, top, div);
	if (err)
		return err;
	print_view(rt, out, &v, rt->format == OUT_JSON ? &json_format
				: rt->format == OUT_FOLDED ? &folded_format : &text_format);
	mview_free(&v);
	return 0;
}

int rt_map_fold(struct rt *rt, struct rt_map *m, fold_fn *fn, void *ctx)
{
	struct mview v;
	int err = mview_build(rt, &v, m, 0, 0);
	if (err)
		return err;
	struct fold f = { 0 };
	for (size_t i = v.first; i < v.n; i++) {
		fold_entry(rt, &v, &v.e[i], &f);
		fn(ctx, &f, v.e[i].v);
	}
	fold_free(&f);
	mview_free(&v);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	const struct rt_map *x = *(struct rt_map *const *)a, *y = *(struct rt_map *const *)b;
	return strcmp(x->name, y->name);
}

/* At exit 0.17 prints two newlines, then every map by name (std::map order,
 * i.e. strcmp). An empty map still prints its trailing newline(s). */
void rt_maps_print_all(struct rt *rt, FILE *out)
{
	fputs("\n\n", out);
	if (rt->nmaps <= 0)
		return;
	struct rt_map **sorted = xmalloc(sizeof(*sorted) * (size_t)rt->nmaps);
	memcpy(sorted, rt->maps, sizeof(*sorted) * (size_t)rt->nmaps);
	qsort(sorted, (size_t)rt->nmaps, sizeof(*sorted), cmp_names);
	for (int i = 0; i < rt->nmaps; i++) {
		int err = rt_map_print(rt, out, sorted[i], 0, 0);
		if (err)
			fprintf(stderr, "ERROR: failed to print map %s: %s\n", sorted[i]->name, strerror(-err));
	}
	free(sorted);
}

/* ---- clear / zero ---- */

/* Snapshot of all keys, so that deleting or updating does not disturb the
 * iteration. */
static uint8_t *snapshot_keys(struct rt_map *m, size_t *n, int *err)
{
	size_t ks = (size_t)m->key_size, cap = 64;
	uint8_t *keys = xmalloc(cap * ks);
	const void *prev = NULL;
	*n = 0;
	*err = 0;
	for (;;) {
		if (*n == cap) {
			cap *= 2;
			keys = xrealloc(keys, cap * ks);
		}
		if (bpf_map_get_next_key(m->fd, prev, keys + *n * ks)) {
			if (errno != ENOENT)
				*err = -errno;
			break;
		}
		prev = keys + *n * ks;
		(*n)++;
	}
	return keys;
}

/* clear()/zero() of a per-CPU array map: every bucket back to zero on every
 * CPU; `zeroed` says whether the key stays (zero() of a map that had counts
 * in it, or had been zeroed before) or goes (clear()). */
static int array_reset(struct rt *rt, struct rt_map *m, bool zero)
{
	struct mreader r;
	mreader_init(&r, rt, m);
	bool present = m->zeroed;
	if (zero && !present) {
		struct mview v;
		if (mview_build(rt, &v, m, 0, 0) == 0) {
			present = v.n > 0;
			mview_free(&v);
		}
	}
	uint8_t *zbuf = xcalloc(1, r.vsize);
	int err = 0;
	for (uint32_t i = 0; i < (uint32_t)m->max_entries && !err; i++)
		if (bpf_map_update_elem(m->fd, &i, zbuf, BPF_ANY))
			err = -errno;
	free(zbuf);
	m->zeroed = zero && present;
	return err;
}

int rt_map_clear(struct rt *rt, struct rt_map *m)
{
	if (m->array)
		return array_reset(rt, m, false);
	size_t n;
	int err;
	uint8_t *keys = snapshot_keys(m, &n, &err);
	for (size_t i = 0; i < n && !err; i++)
		if (bpf_map_delete_elem(m->fd, keys + i * (size_t)m->key_size) && errno != ENOENT)
			err = -errno;
	free(keys);
	return err;
}

int rt_map_zero(struct rt *rt, struct rt_map *m)
{
	if (m->array)
		return array_reset(rt, m, true);
	struct mreader r;
	size_t n;
	int err;
	mreader_init(&r, rt, m);
	uint8_t *keys = snapshot_keys(m, &n, &err);
	uint8_t *zero = xcalloc(1, r.vsize);
	for (size_t i = 0; i < n && !err; i++)
		if (bpf_map_update_elem(m->fd, keys + i * (size_t)m->key_size, zero, BPF_EXIST) &&
		    errno != ENOENT)
			err = -errno;
	free(zero);
	free(keys);
	return err;
}
