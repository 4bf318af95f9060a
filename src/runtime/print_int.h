/* print_int.h - private to the output files (print.c, value.c, json.c,
 * format.c): a growable text buffer, value formatting into it, and the
 * combined, sorted view of one map that the text and JSON printers share. */
#ifndef BPFSCRIPT_PRINT_INT_H
#define BPFSCRIPT_PRINT_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "runtime/runtime.h"

/* ---- sbuf: text is built here, then written with one fwrite ---- */
struct sbuf {
	char *p;
	size_t len, cap;
};
void sb_reserve(struct sbuf *b, size_t more);
void sb_putn(struct sbuf *b, const char *s, size_t n);
void sb_puts(struct sbuf *b, const char *s);
void sb_putc(struct sbuf *b, char c);
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_i64(struct sbuf *b, int64_t v);
void sb_u64(struct sbuf *b, uint64_t v);
void sb_pad(struct sbuf *b, char c, size_t n);
void sb_write(struct sbuf *b, FILE *out);   /* writes and empties */
void sb_free(struct sbuf *b);
/* JSON string body (no quotes) of n bytes, escaped as bpftrace does. */
void sb_json_escape(struct sbuf *b, const char *s, size_t n);

/* ---- values (value.c) ---- */
enum vctx {
	V_VALUE,     /* map value, print(v), printf %s */
	V_KEY,       /* element of a map key: stacks indent by 4 */
};
/* Integer of t->size bytes at p, extended by t->is_signed. */
int64_t rd_int(const struct type *t, const uint8_t *p);
/* Appends the text form of a value (bpftrace's value_to_str). */
void val_text(struct rt *rt, struct sbuf *b, const struct type *t, const uint8_t *p, enum vctx ctx);
/* Appends the JSON form of a value: numbers bare, text quoted. */
void val_json(struct rt *rt, struct sbuf *b, const struct type *t, const uint8_t *p);
/* Appends "[k1, k2]" (text) for a key tuple; nothing for a scalar map. */
void key_text(struct rt *rt, struct sbuf *b, const struct type *key, const uint8_t *p);
/* Appends "k1,k2" (JSON key body, escaped, no quotes). */
void key_json(struct rt *rt, struct sbuf *b, const struct type *key, const uint8_t *p);
/* %r / %rx / %rh renderings of a buffer's bytes. */
void buf_text(struct sbuf *b, const uint8_t *p, size_t n, char mode);
/* Value kinds printed without a line break between map entries (0.17). */
bool val_no_delim(const struct type *t);

/* ---- the combined view of one map (print.c) ---- */
struct hbucket {
	uint32_t idx;        /* bucket index */
	uint64_t count;      /* summed over CPUs */
};

/* One key of a map, 24 bytes: a million of them are sorted in place. */
struct mentry {
	uint32_t ki;         /* element in mview.store: key at store + ki * stride */
	uint32_t hb_n;       /* hist/lhist: number of buckets, from mview.hb[sk] */
	int64_t v;           /* count/sum/min/max/int value; avg/stats average; hist total */
	uint64_t sk;         /* sort prefix of the key (print.c); hist/lhist: first bucket */
};

struct mview {
	struct rt_map *m;
	enum type_kind kind;     /* m->val->kind */
	int ukey_size;           /* user key bytes */
	bool keyed;              /* has key fields to print */
	size_t n;
	struct mentry *e;        /* sorted as bpftrace prints them */
	struct hbucket *hb;
	uint8_t *store;          /* per element: key, then the plain value or the
	                            combined struct agg_avg */
	size_t stride;
	int nbuckets;            /* hist/lhist: dense bucket count */
	uint32_t top, div;       /* as bpftrace: uint32, div 0 means 1 */
	size_t first;            /* first entry printed after top */
};

static inline const uint8_t *me_key(const struct mview *v, const struct mentry *e)
{
	return v->keyed ? v->store + (size_t)e->ki * v->stride : NULL;
}

/* Plain maps: the value bytes; avg/stats: a struct agg_avg. */
static inline const uint8_t *me_val(const struct mview *v, const struct mentry *e)
{
	return v->store + (size_t)e->ki * v->stride + v->ukey_size;
}

/* Fills buckets[0..nbuckets) from an entry's sparse buckets. */
void mview_buckets(const struct mview *v, const struct mentry *e, uint64_t *buckets);

/* An int-valued entry (count/sum/min/max/int) after print()'s divisor. */
void mview_int_text(struct sbuf *b, const struct mview *v, const struct mentry *e);

/* JSON printers (json.c). */
void json_map(struct rt *rt, struct sbuf *b, const struct mview *v);

#endif
