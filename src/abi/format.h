/* format.h - printf-style format strings: the grammar, shared by the
 * compile-time check (sema: argument count and types, with bpftrace 0.17's
 * messages) and the run-time formatting of an event payload (runtime/format.c),
 * and the layout of a printf-like call's event.
 *
 * A conversion is what bpftrace 0.17's pattern accepts:
 *
 *     %[-][width][.precision][hh|h|ll|l|j|z|t](d|u|o|x|X|p)
 *     %[-][width][.precision](c|s|r|rx|rh)
 *
 * ('0' works as a flag because it parses as the start of the width.) Any
 * other '%' sequence is plain text and printed as written.
 *
 * One deliberate difference from 0.17: "%%" is always a literal '%'. 0.17
 * found conversions by regex search, so "%%d" counted as a conversion and
 * "%%" after the last conversion printed as "%%". */
#ifndef BPFSCRIPT_ABI_FORMAT_H
#define BPFSCRIPT_ABI_FORMAT_H
#include <stddef.h>
#include "ast/type.h"
#include "ast/loc.h"

/* A printf-like call site: format string and argument layout of its payload. */
struct rt_printf {
	const char *fmt;         /* escapes already decoded */
	int nargs;
	struct type **args;
	int *offsets;            /* byte offset of each argument in the payload */
	int size;                /* payload size */
	/* errorf()/warnf() (EV_DIAG): where the call is, and 1 for a warning,
	 * 2 for an error; 0 for every other printf-like call */
	struct loc loc;
	int diag_level;
};

/* One conversion of a format string. */
struct fmt_spec {
	const char *at;      /* the '%' */
	size_t len;          /* whole conversion text */
	const char *flags;   /* after '%': '-', width, precision */
	size_t flen;
	const char *lenmod;  /* length modifier (may be empty) */
	size_t lmlen;
	char conv;           /* d u o x X p c s r */
	char rmode;          /* %r: 'r', 'x' or 'h' */
};

/* Walks fmt: literal text goes to lit(), conversions to conv() (either may
 * be NULL; w may be NULL). Returns the number of conversions. */
struct fmt_walker {
	void (*lit)(struct fmt_walker *w, const char *s, size_t n);
	void (*conv)(struct fmt_walker *w, const struct fmt_spec *s, int idx);
};
int fmt_walk(const char *fmt, struct fmt_walker *w);

/* Validates a format against argument types at compile time: returns 0, or
 * -1 with a message in err (bpftrace's wording) and the index of the
 * offending argument in *bad_arg (-1 for the format). */
int fmt_check(const char *fmt, struct type **args, int nargs, char *err, size_t errlen, int *bad_arg);
/* fmt_check for another format-taking function: messages start "fn: "
 * ("system: ...", "cat: ..."), as in bpftrace. */
int fmt_check_fn(const char *fn, const char *fmt, struct type **args, int nargs, char *err,
		 size_t errlen, int *bad_arg);

#endif
