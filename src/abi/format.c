/* format.c - the format-string grammar and the compile-time check of
 * printf-like calls (see format.h). */
#include "abi/format.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool isdig(char c)
{
	return c >= '0' && c <= '9';
}

/* Parses a conversion at p (p[0] == '%'); false if p starts plain text. */
static bool parse_spec(const char *p, struct fmt_spec *s)
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

int fmt_walk(const char *fmt, struct fmt_walker *w)
{
	const char *p = fmt, *run = fmt;
	int n = 0;
	while (*p) {
		struct fmt_spec s;
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

static enum fclass spec_class(const struct fmt_spec *s)
{
	return s->conv == 's' ? FC_STR : s->conv == 'r' ? FC_BUF : FC_INT;
}

struct checker {
	struct fmt_walker w;
	struct type **args;
	int nargs;
	const char *fn;
	char *err;
	size_t errlen;
	int bad;
};

static void check_conv(struct fmt_walker *w, const struct fmt_spec *s, int idx)
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
	int nspecs = fmt_walk(fmt, NULL);
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
	fmt_walk(fmt, &c.w);
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
