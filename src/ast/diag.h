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
#include <stdbool.h>
#include <stdio.h>
#include "ast/loc.h"

struct source {
	const char *name;   /* "stdin" or the script path */
	const char *text;   /* NUL-terminated program text */
	int len;
};

/* Diagnostics held back (diag_hold) instead of printed: one record each,
 * its whole text (with its source line, caret and hints). */
struct diag_record {
	char *text;         /* malloc'd */
	bool error;         /* counted in errors when emitted */
};
struct diag_held {
	struct diag_record *v;
	int n;
};

struct diag {
	const struct source *src;
	FILE *out;          /* stderr unless a test redirects it */
	int errors, warnings;
	int quiet_warnings; /* --no-warnings */
	/* while holding: the records so far, the one being written */
	bool holding;
	struct diag_held held;
	FILE *rec;
	char *rec_buf;
	size_t rec_len;
};

void diag_init(struct diag *d, const struct source *src, FILE *out);
void diag_error(struct diag *d, struct loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_warn(struct diag *d, struct loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Adds a "HINT: ..." line to the diagnostic printed last. */
void diag_hint(struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "ERROR: msg" without a location. */
void diag_plain(struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Holding: from diag_hold() on, diagnostics are kept as records instead of
 * printed (errors are still counted while held, so that code comparing the
 * count sees them); diag_unhold() stops and hands them over, uncounted.
 * diag_emit() prints and counts held records; diag_held_free() frees them.
 * Attach-point expansion uses it: an error it may forgive is held until it
 * knows. */
void diag_hold(struct diag *d);
struct diag_held diag_unhold(struct diag *d);
void diag_emit(struct diag *d, const struct diag_held *h);
void diag_held_free(struct diag_held *h);

/* Levenshtein distance, for "did you mean" hints. */
int diag_distance(const char *a, const char *b);

#endif
