/* probe.h - probe type descriptors: the one place that knows a probe type.
 *
 * Each probe type lives in one file in src/probes/ and exports one const
 * struct probe_type; probes.def lists them (order = -l order). The core
 * passes call only these hooks: adding a probe type touches no switch
 * elsewhere. */
#ifndef BPFSCRIPT_PROBE_H
#define BPFSCRIPT_PROBE_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/bpf.h>
#include "ast/diag.h"
#include "ast/type.h"
#include "util/arena.h"

struct probe_type;

/* One concrete (wildcard-expanded) attach point. */
struct attach_point {
	const struct probe_type *pt;
	const char *name;        /* canonical text: "tracepoint:syscalls:sys_enter_openat",
	                            "interval:s:1", "BEGIN": the value of the `probe` builtin */
	const char *target;      /* tracepoint: category; uprobe: binary path */
	const char *func;        /* tracepoint: event; uprobe: function */
	uint64_t period;         /* interval/profile: period in ns (0 when freq is used) */
	uint64_t freq;           /* interval/profile/software: frequency in Hz or count */
	struct loc loc;          /* of the attach point text in the source */
	void *priv;              /* probe type's own data (e.g. parsed tracepoint format) */
	int id;                  /* index: value of the `probe` builtin (TY_PROBE) */
};

/* Collected by expand(); arena-owned. */
struct ap_list {
	struct attach_point **v;
	int n, cap;
};
void ap_list_push(struct arena *a, struct ap_list *l, struct attach_point *ap);

/* Everything a hook may need. */
struct probe_env {
	struct arena *arena;
	struct diag *diag;
	pid_t pid;               /* -p / -c target, 0 if none */
};

/* Open file descriptors that keep a program attached; closing them detaches. */
struct rt_links {
	int *fds;
	int n, cap;
};
void rt_links_add(struct rt_links *l, int fd);
void rt_links_close(struct rt_links *l);   /* closes all, frees storage */

enum probe_special { PS_NONE, PS_BEGIN, PS_END };

struct probe_type {
	const char *name;              /* "tracepoint" */
	const char *const *aliases;    /* NULL-terminated list: { "t", NULL } */
	enum bpf_prog_type prog_type;
	enum probe_special special;    /* BEGIN/END run once through BPF_PROG_TEST_RUN */
	/* Parse `text` (the whole attach point, e.g. "t:syscalls:sys_enter_*"),
	 * expand wildcards and append one attach_point per match to `out`.
	 * Reports its own errors at `loc` through env->diag; returns 0 or -1. */
	int (*expand)(const struct probe_env *env, const char *text, struct loc loc,
		      struct ap_list *out);
	/* -l: print every attach point matching `pattern` (already stripped of
	 * nothing: it is the full user pattern, NULL = all), one per line;
	 * verbose adds argument lists as bpftrace -lv does. */
	int (*list)(const char *pattern, bool verbose, FILE *out);
	/* Type of `args` for this attach point, or NULL when the probe has none
	 * (sema then reports "args is not available for probe type X"). */
	struct type *(*args_type)(const struct probe_env *env, struct attach_point *ap);
	/* Attach a loaded program. On failure writes one line of reason into
	 * err (no trailing newline) and returns -1. */
	int (*attach)(const struct probe_env *env, struct attach_point *ap, int prog_fd,
		      struct rt_links *links, char *err, size_t errlen);
};

/* Registry (probes.c). */
const struct probe_type *probe_type_find(const char *name_or_alias);
const struct probe_type *const *probe_types(void);   /* NULL-terminated */

/* Shared helpers for probe files (probes/util.c). */
bool glob_match(const char *pattern, const char *s);  /* '*' and '?' wildcards */
bool has_wildcard(const char *s);
/* Splits "a:b:c" into at most max parts (arena strings); returns the count. */
int split_colon(struct arena *a, const char *text, char **parts, int max);

#endif
