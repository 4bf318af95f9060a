/* diag.h - the one diagnostics sink of a run.
 *
 * Errors and warnings are printed as they are reported, in bpftrace's shape:
 *
 *     stdin:1:13: ERROR: Unknown function: foo
 *     BEGIN { foo(); }
 *             ^~~
 *     HINT: did you mean 'for'?
 *
 * The file name is "stdin" for -e programs, as in bpftrace. Messages that
 * have no source location (attach failures, kernel errors) use diag_plain. */
#ifndef BPFSCRIPT_DIAG_H
#define BPFSCRIPT_DIAG_H
#include <stdio.h>
#include "ast/loc.h"

struct source {
	const char *name;   /* "stdin" or the script path */
	const char *text;   /* NUL-terminated program text */
	int len;
};

struct diag {
	const struct source *src;
	FILE *out;          /* stderr unless a test redirects it */
	int errors, warnings;
	int quiet_warnings; /* --no-warnings */
};

void diag_init(struct diag *d, const struct source *src, FILE *out);
void diag_error(struct diag *d, struct loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_warn(struct diag *d, struct loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Adds a "HINT: ..." line to the diagnostic printed last. */
void diag_hint(struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "ERROR: msg" without a location. */
void diag_plain(struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Levenshtein distance, for "did you mean" hints. */
int diag_distance(const char *a, const char *b);

#endif
