/* format.c - the run-time formatting of a printf-like event's payload
 * (the grammar and the compile-time check: abi/format.c). Integers and
 * characters are formatted by the C library, so length modifiers truncate
 * and sign-extend the 64-bit argument exactly as C does. */
#include "runtime/print_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* ---- formatting ---- */

struct printer {
	struct fmt_walker w;
	struct rt *rt;
	struct sbuf *b;
	const struct rt_printf *pf;
	const uint8_t *payload;
};

static void put_lit(struct fmt_walker *w, const char *s, size_t n)
{
	sb_putn(((struct printer *)w)->b, s, n);
}

static bool mod_is(const struct fmt_spec *s, const char *m)
{
	return s->lmlen == strlen(m) && !strncmp(s->lenmod, m, s->lmlen);
}

/* The format passed to snprintf below is built from a checked conversion. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"

/* snprintf the integer v for spec s, with the argument type C expects. */
static void put_int(struct sbuf *b, const struct fmt_spec *s, const char *spec, uint64_t v)
{
	int64_t sv = (int64_t)v;
	if (s->conv == 'p') {
		sb_printf(b, spec, (void *)(uintptr_t)v);
		return;
	}
	if (s->conv == 'c') {
		size_t start = b->len;
		sb_printf(b, spec, (int)sv);
		/* 0.17 kept each piece as a C string: a NUL ends it */
		b->len = start + strnlen(b->p + start, b->len - start);
		b->p[b->len] = '\0';
		return;
	}
	bool sgn = s->conv == 'd';
	if (mod_is(s, "hh"))
		sgn ? sb_printf(b, spec, (signed char)sv) : sb_printf(b, spec, (unsigned char)v);
	else if (mod_is(s, "h"))
		sgn ? sb_printf(b, spec, (short)sv) : sb_printf(b, spec, (unsigned short)v);
	else if (mod_is(s, "l"))
		sgn ? sb_printf(b, spec, (long)sv) : sb_printf(b, spec, (unsigned long)v);
	else if (mod_is(s, "ll"))
		sgn ? sb_printf(b, spec, (long long)sv) : sb_printf(b, spec, (unsigned long long)v);
	else if (mod_is(s, "j"))
		sgn ? sb_printf(b, spec, (intmax_t)sv) : sb_printf(b, spec, (uintmax_t)v);
	else if (mod_is(s, "z"))
		sgn ? sb_printf(b, spec, (ssize_t)sv) : sb_printf(b, spec, (size_t)v);
	else if (mod_is(s, "t"))
		sb_printf(b, spec, (ptrdiff_t)sv);
	else
		sgn ? sb_printf(b, spec, (int)sv) : sb_printf(b, spec, (unsigned int)v);
}

static void put_conv(struct fmt_walker *w, const struct fmt_spec *s, int idx)
{
	struct printer *pr = (struct printer *)w;
	struct sbuf *b = pr->b;
	if (idx >= pr->pf->nargs) {
		sb_putn(b, s->at, s->len);
		return;
	}
	const struct type *t = pr->pf->args[idx];
	const uint8_t *p = pr->payload + pr->pf->offsets[idx];
	/* "%" flags/width/precision, then the C conversion */
	char spec[64];
	size_t fl = s->flen < 40 ? s->flen : 40;
	spec[0] = '%';
	memcpy(spec + 1, s->flags, fl);
	size_t k = 1 + fl;
	if (s->conv != 'p' && s->conv != 's' && s->conv != 'r') {
		memcpy(spec + k, s->lenmod, s->lmlen);
		k += s->lmlen;
	}
	spec[k++] = s->conv == 'r' ? 's' : s->conv;
	spec[k] = '\0';

	if (s->conv == 's' || s->conv == 'r') {
		struct sbuf tmp = { 0 };
		if (s->conv == 'r' && t->kind == TY_BUF) {
			uint32_t len;
			memcpy(&len, p, 4);
			size_t cap = t->size > 4 ? (size_t)t->size - 4 : 0;
			buf_text(&tmp, p + 4, len < cap ? len : cap, s->rmode);
		} else if (t->kind == TY_INT && t->enum_name) {
			const char *name = type_enum_name(t, rd_int(t, p));
			if (name)
				sb_puts(&tmp, name);
			else
				sb_i64(&tmp, rd_int(t, p));
		} else {
			val_text(pr->rt, &tmp, t, p, V_VALUE);
		}
		sb_printf(b, spec, tmp.p ? tmp.p : "");
		sb_free(&tmp);
		return;
	}
	uint64_t v;
	if (type_is_int(t) || t->kind == TY_PTR || t->kind == TY_CTX)
		memcpy(&v, p, 8);
	else
		v = 0;
	put_int(b, s, spec, v);
}
#pragma GCC diagnostic pop

static void fmt_format(struct rt *rt, struct sbuf *b, const struct rt_printf *pf, const uint8_t *payload)
{
	struct printer pr = { .w = { .lit = put_lit, .conv = put_conv }, .rt = rt, .b = b, .pf = pf,
			      .payload = payload };
	fmt_walk(pf->fmt, &pr.w);
}

void fmt_print(struct rt *rt, FILE *out, const struct rt_printf *pf, const uint8_t *payload)
{
	struct sbuf b = { 0 };
	fmt_format(rt, &b, pf, payload);
	sb_write(&b, out);
	sb_free(&b);
}

void fmt_print_event(struct rt *rt, FILE *out, const struct rt_printf *pf, const uint8_t *payload,
		     const char *json_type)
{
	if (!rt || rt->format != OUT_JSON) {
		fmt_print(rt, out, pf, payload);
		return;
	}
	struct sbuf b = { 0 };
	fmt_format(rt, &b, pf, payload);
	rt_json_message(out, json_type ? json_type : "printf", b.p ? b.p : "", b.len);
	sb_free(&b);
}
