/* tracefs.h - the kernel's tracefs: where it is (mounting it when it is
 * not), which tracepoints exist, and their record formats as types.
 *
 * A format file describes the record a tracepoint program gets as ctx:
 *
 *     field:unsigned short common_type;  offset:0;  size:2;  signed:0;
 *     ...
 *     field:const char * filename;       offset:24; size:8;  signed:0;
 *
 * tracefs_args_type turns it into the TY_RECORD bpftrace calls
 * "struct _tracepoint_<cat>_<event>" (the type of `args`). Parsed formats
 * are cached for the life of the process (tracefs_cleanup frees them). */
#ifndef BPFSCRIPT_TRACEFS_H
#define BPFSCRIPT_TRACEFS_H
#include <stdbool.h>
#include <stddef.h>

struct arena;
struct type;

#define TRACEFS_STRLEN_DEFAULT 64   /* bpftrace's BPFTRACE_STRLEN default */

/* The tracefs directory ("/sys/kernel/tracing"). When no tracefs with an
 * `events` directory is found there or under /sys/kernel/debug/tracing,
 * mounts one at /sys/kernel/tracing. NULL on failure, with one line of
 * reason in err. The result is remembered. */
const char *tracefs_root(char *err, size_t errlen);
/* Use dir as the tracefs root and never mount (tests, fixtures); NULL
 * forgets the choice and the caches. */
void tracefs_set_root(const char *dir);

/* Every tracepoint as "category:event", sorted with strcmp (bpftrace's
 * order), without duplicates. Read from available_events in one go (or
 * the events directory when that file is unreadable). Returns the count
 * and points *names at a cached array; -1 (errno set) on failure. */
int tracefs_events(const char *const **names);
/* Does events/<cat>/<event>/format exist? Names with '/' never do. */
bool tracefs_event_exists(const char *category, const char *event);

struct tp_field {
	char *decl;            /* declaration as written: "const char * filename" */
	char *name;            /* "filename" */
	int offset, size;
	bool is_signed;        /* the format's signed: flag */
	bool common;           /* header fields (common_*), before the first blank line */
};

struct tp_format {
	char *category, *event;
	int id;                /* the perf tracepoint id (the format's ID: line) */
	int nfields;
	struct tp_field *fields;
};

/* Parsed format of one tracepoint, cached; NULL with errno on failure. */
const struct tp_format *tracefs_format(const char *category, const char *event);
/* Uncached: read and parse (for -lv over thousands of events); free with
 * tracefs_format_free. */
struct tp_format *tracefs_format_read(const char *category, const char *event);
void tracefs_format_free(struct tp_format *f);
/* Parses format text (the contents of a format file). */
struct tp_format *tracefs_format_parse(const char *category, const char *event, const char *text);

/* The `args` record: a TY_RECORD named "struct _tracepoint_<cat>_<event>"
 * with every field, common ones included, at its offset (is_ctx_record
 * set). Integer fields get their C type's signedness and size (bpftrace's
 * adjustments for 8-byte syscall slots included), char arrays are strings,
 * other arrays TY_ARRAY, pointers TY_PTR in the user address space for the
 * syscalls category and the kernel one otherwise, and `__data_loc char[]`
 * fields TY_STR of tracefs_strlen() bytes with data_loc set. */
struct type *tracefs_args_type(struct arena *a, const struct tp_format *f);

/* Size of the strings __data_loc fields yield (bytes, NUL included). */
void tracefs_set_strlen(int n);
int tracefs_strlen(void);

/* Frees the caches (formats and the event list). */
void tracefs_cleanup(void);

#endif
