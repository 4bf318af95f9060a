/* format.c - printf-style formats: the compile-time check (argument count
 * and types, with bpftrace 0.17's messages) and the run-time formatting of
 * an event payload.
 *
 * A conversion is what bpftrace 0.17's pattern accepts:
 *
 *     %[-][width][.precision][hh|h|ll|l|j|z|t](d|u|o|x|X|p)
 *     %[-][width][.precision](c|s|r|rx|rh)
 *
 * ('0' works as a flag because it parses as the start of the width.) Any
 * other '%' sequence is plain text and printed as written. Integers and
 * characters are formatted by the C library, so length modifiers truncate
 * and sign-extend the 64-bit argument exactly as C does.
 *
 * One deliberate difference from 0.17: "%%" is always a literal '%'. 0.17
 * found conversions by regex search, so "%%d" counted as a conversion and
 * "%%" after the last conversion printed as "%%". */
#include "runtime/print_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

struct fspec {
	const char *at;      /* the '%' */
	size_t len;          /* whole conversion text */
	const char *flags;   /* after '%': '-', width, precision */
	size_t flen;
	const char *lenmod;  /* length modifier (may be empty) */
	size_t lmlen;
	char conv;           /* d u o x X p c s r */
	char rmode;          /* %r: 'r', 'x' or 'h' */
};

static bool isdig(char c)
{
	return c >= '0' && c <= '9';
}

/* Parses a conversion at p (p[0] == '%'); false if p starts plain text. */
static bool parse_spec(const char *p, struct fspec *s)
{
	const char *q = p + 1;
	memset(s, 0, sizeof(*s));
	s->at = p;
	s->flags = q;
	if (*q == '-')
		q++;
	while (isdig(*q))
		q++;
	if (*q == '.' && isdig(q[1])) {
		q++;
		while (isdig(*q))
			q++;
	}
	s->flen = (size_t)(q - s->flags);
	static const char *const mods[] = { "hh", "h", "ll", "l", "j", "z", "t", "" };
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		size_t ml = strlen(mods[i]);
		if (strncmp(q, mods[i], ml) || !q[ml] || !strchr("duoxXp", q[ml]))
			continue;
		s->lenmod = q;
		s->lmlen = ml;
		s->conv = q[ml];
		s->len = (size_t)(q + ml + 1 - p);
		return true;
	}
	s->lenmod = q;
	if (*q == 'c' || *q == 's') {
		s->conv = *q;
		s->len = (size_t)(q + 1 - p);
		return true;
	}
	if (*q == 'r') {
		s->conv = 'r';
		s->rmode = q[1] == 'x' || q[1] == 'h' ? q[1] : 'r';
		s->len = (size_t)(q + (s->rmode == 'r' ? 1 : 2) - p);
		return true;
	}
	return false;
}

/* Walks fmt: literal text goes to lit(), conversions to conv(). */
struct walker {
	void (*lit)(struct walker *w, const char *s, size_t n);
	void (*conv)(struct walker *w, const struct fspec *s, int idx);
};

static int walk(const char *fmt, struct walker *w)
{
	const char *p = fmt, *run = fmt;
	int n = 0;
	while (*p) {
		struct fspec s;
		if (*p != '%') {
			p++;
			continue;
		}
		if (p[1] == '%') {
			if (w && w->lit)
				w->lit(w, run, (size_t)(p + 1 - run));
			p += 2;
			run = p;
			continue;
		}
		if (!parse_spec(p, &s)) {
			p++;
			continue;
		}
		if (w && w->lit && p > run)
			w->lit(w, run, (size_t)(p - run));
		if (w && w->conv)
			w->conv(w, &s, n);
		n++;
		p += s.len;
		run = p;
	}
	if (w && w->lit && p > run)
		w->lit(w, run, (size_t)(p - run));
	return n;
}

/* ---- checking ---- */

enum fclass { FC_INT, FC_STR, FC_BUF, FC_OTHER };

/* What 0.17 accepts for %s: strings and everything printed as text. */
static enum fclass arg_class(const struct type *t)
{
	switch (t->kind) {
	case TY_INT: case TY_BOOL: case TY_PTR: case TY_CTX:
		return FC_INT;
	case TY_STR: case TY_PROBE: case TY_FUNC: case TY_KSTACK: case TY_USTACK: case TY_KSYM: case TY_USYM:
	case TY_USERNAME: case TY_TIMESTAMP: case TY_INET: case TY_MACADDR: case TY_STRERROR:
	case TY_CGROUP_PATH:
		return FC_STR;
	case TY_BUF:
		return FC_BUF;
	default:
		return FC_OTHER;
	}
}

/* The type as 0.17 names it in "(... supplied)". */
static const char *class_name(const struct type *t)
{
	switch (arg_class(t)) {
	case FC_INT: return "integer";
	case FC_STR: return "string";
	case FC_BUF: return "buffer";
	default: break;
	}
	switch (t->kind) {
	case TY_RECORD: return "record";
	case TY_VOID: case TY_NONE: return "none";
	default: return type_kind_name(t->kind);
	}
}

static enum fclass spec_class(const struct fspec *s)
{
	return s->conv == 's' ? FC_STR : s->conv == 'r' ? FC_BUF : FC_INT;
}

struct checker {
	struct walker w;
	struct type **args;
	int nargs;
	const char *fn;
	char *err;
	size_t errlen;
	int bad;
};

static void check_conv(struct walker *w, const struct fspec *s, int idx)
{
	struct checker *c = (struct checker *)w;
	if (c->bad >= 0 || idx >= c->nargs)
		return;
	const struct type *t = c->args[idx];
	if (arg_class(t) == spec_class(s))
		return;
	/* an enum prints its enumerator's name with %s (latest bpftrace) */
	if (spec_class(s) == FC_STR && t->kind == TY_INT && t->enum_name)
		return;
	static const char *const want[] = { "integer", "string", "buffer" };
	const char *tok = s->lenmod;
	size_t toklen = (size_t)(s->at + s->len - tok);
	snprintf(c->err, c->errlen, "%s: %%%.*s specifier expects a value of type %s (%s supplied)", c->fn,
		 (int)toklen, tok, want[spec_class(s)], class_name(t));
	c->bad = idx;
}

int fmt_check_fn(const char *fn, const char *fmt, struct type **args, int nargs, char *err,
		 size_t errlen, int *bad_arg)
{
	int nspecs = walk(fmt, NULL);
	int dummy;
	if (!bad_arg)
		bad_arg = &dummy;
	*bad_arg = -1;
	if (nargs < nspecs) {
		snprintf(err, errlen, "%s: Not enough arguments for format string (%d supplied, %d expected)",
			 fn, nargs, nspecs);
		return -1;
	}
	if (nargs > nspecs) {
		snprintf(err, errlen, "%s: Too many arguments for format string (%d supplied, %d expected)",
			 fn, nargs, nspecs);
		return -1;
	}
	struct checker c = { .w = { .conv = check_conv }, .args = args, .nargs = nargs, .fn = fn,
			     .err = err, .errlen = errlen, .bad = -1 };
	walk(fmt, &c.w);
	if (c.bad >= 0) {
		*bad_arg = c.bad;
		return -1;
	}
	return 0;
}

int fmt_check(const char *fmt, struct type **args, int nargs, char *err, size_t errlen, int *bad_arg)
{
	return fmt_check_fn("printf", fmt, args, nargs, err, errlen, bad_arg);
}

/* ---- formatting ---- */

struct printer {
	struct walker w;
	struct rt *rt;
	struct sbuf *b;
	const struct rt_printf *pf;
	const uint8_t *payload;
};

static void put_lit(struct walker *w, const char *s, size_t n)
{
	sb_putn(((struct printer *)w)->b, s, n);
}

static bool mod_is(const struct fspec *s, const char *m)
{
	return s->lmlen == strlen(m) && !strncmp(s->lenmod, m, s->lmlen);
}

/* The format passed to snprintf below is built from a checked conversion. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"

/* snprintf the integer v for spec s, with the argument type C expects. */
static void put_int(struct sbuf *b, const struct fspec *s, const char *spec, uint64_t v)
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

static void put_conv(struct walker *w, const struct fspec *s, int idx)
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
	walk(pf->fmt, &pr.w);
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
