/* probes_int.h - helpers shared by the probe files only (not by the core;
 * the interface they implement is ast/probe.h).
 *
 * software:* and hardware:* are the same shape: a fixed table of named perf
 * events with an optional count; so are interval:* and profile:*: a
 * cpu-clock timer. The hooks of each pair live once in util.c and serve
 * both types; what differs (the table, one CPU or all) is the descriptor's
 * data, which each probe file fills. */
#ifndef BPFSCRIPT_PROBES_INT_H
#define BPFSCRIPT_PROBES_INT_H
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include "ast/probe.h"

/* One named perf event, as bpftrace's SW_PROBE_LIST / HW_PROBE_LIST. */
struct perf_named_event {
	const char *name;       /* "cpu-clock" */
	const char *alias;      /* "cpu", or NULL */
	uint64_t config;        /* PERF_COUNT_SW_* / PERF_COUNT_HW_* */
	uint64_t defcount;      /* sample period when the count is omitted (or 0) */
};

/* The data (probe_type.data) of a type with the perf_named hooks. */
struct perf_named_type {
	const struct perf_named_event *events;
	int nevents;
	uint32_t perf_type;     /* PERF_TYPE_SOFTWARE / PERF_TYPE_HARDWARE */
	bool pmu;               /* counted by a CPU PMU: on a machine without one
	                           (ENOENT, EOPNOTSUPP, ENODEV) attach says so */
};

/* The attach point's event (ap->priv), set by perf_named_expand. */
const struct perf_named_event *perf_named_of(const struct attach_point *ap);

/* Hooks. expand: `type:event[:count]`; event may be a name, an alias or a
 * wildcard over the names; one attach point per matching event. list:
 * "type:name:" for each name and alias matching the pattern, sorted.
 * attach: the event on every online CPU (system-wide). */
int perf_named_expand(const struct probe_type *pt, const struct probe_env *env, const char *text,
		      struct loc loc, struct ap_list *out);
int perf_named_list(const struct probe_type *pt, const char *pattern, bool verbose, FILE *out);
int perf_named_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd,
		      struct rt_links *links, char *err, size_t errlen);

/* The data of a type with the perf_timed hooks. */
struct perf_timed_type {
	bool all_cpus;          /* a timer on every online CPU, else on the first */
};

/* Hooks. expand: `type:unit:N` (unit s, ms, us or hz) and latest
 * bpftrace's `type:N` (nanoseconds, or with a suffix: 10ms, 1s); sets
 * period (ns) or freq (hz); the name is "type:unit:N" with N in decimal.
 * list: the units, "interval:hz:" ... (only when named). attach: a
 * cpu-clock perf event on the CPUs the data asks for. */
int perf_timed_expand(const struct probe_type *pt, const struct probe_env *env, const char *text,
		      struct loc loc, struct ap_list *out);
int perf_timed_list(const struct probe_type *pt, const char *pattern, bool verbose, FILE *out);
int perf_timed_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd,
		      struct rt_links *links, char *err, size_t errlen);

/* Shared helpers for probe files (probes/util.c). */
bool glob_match(const char *pattern, const char *s);  /* '*' and '?' wildcards */
bool has_wildcard(const char *s);
/* Splits "a:b:c" into at most max parts (arena strings); returns the count. */
int split_colon(struct arena *a, const char *text, char **parts, int max);
/* Splits "type:[module:]name" into parts[0..2]; returns 2 or 3, or -1 after
 * "NAME probe type requires 1 or 2 arguments" at loc. */
int split_ap_1or2(const struct probe_env *env, const char *type_name, const char *text,
		  struct loc loc, char *parts[3]);
/* N for a context builtin named PREFIX<N> ("arg3" -> 3; no sign, no leading
 * zero, at most 1000), else -1. */
int probe_arg_index(const char *name, const char *prefix);

/* ---- additions (probes work) ----
 * split_colon returns the number of parts in text even when it exceeds max
 * (only the first max are stored), so callers can report "requires N
 * arguments". Double quotes protect ':' (uprobe paths) and are removed. */

/* For list hooks: does `pattern` (the full -l pattern) concern pt? Returns
 * 0 if not, 1 if it does implicitly (NULL pattern, no type prefix, or a
 * wildcard prefix such as "*:"), 2 if it names pt (or an alias) explicitly.
 * *rest is what follows the type prefix: NULL for "everything", the whole
 * pattern when it has no ':'. */
int probe_pattern_rest(const struct probe_type *pt, const char *pattern, const char **rest);

/* Parses an attach-point count: decimal, 0x hex, leading-0 octal, '_'
 * separators, and an integer exponent (1e6), as bpftrace accepts them. */
bool probe_parse_uint(const char *s, uint64_t *out);

/* Detach the fds added after the first n (closing them); for attach hooks
 * that fail half-way through a multi-CPU attach. */
void rt_links_truncate(struct rt_links *l, int n);

/* Online CPU ids from /sys/devices/system/cpu/online, read once and kept
 * for the run (count returned; -1 on error). */
int probe_online_cpus(const int **cpus);

struct perf_event_attr;
/* perf_event_open(attr, pid, cpu) + bpf_link_create(prog, BPF_PERF_EVENT)
 * with ap->id as the BPF cookie, then enable. Adds the fds to links. On
 * failure closes what it opened, writes "Error attaching probe: NAME: why"
 * into err and returns -errno. */
int probe_perf_attach(const struct attach_point *ap, struct perf_event_attr *attr, pid_t pid,
		      int cpu, int prog_fd, struct rt_links *links, char *err, size_t errlen);

#endif
