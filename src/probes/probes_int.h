/* probes_int.h - helpers shared by the probe files only (not by the core).
 *
 * software:* and hardware:* are the same shape: a fixed table of named perf
 * events with an optional count. The table walk, expansion, listing and the
 * per-CPU attach live once in util.c; each probe file passes its table. */
#ifndef BPFSCRIPT_PROBES_INT_H
#define BPFSCRIPT_PROBES_INT_H
#include <stdint.h>
#include "probes/probe.h"

/* One named perf event, as bpftrace's SW_PROBE_LIST / HW_PROBE_LIST. */
struct perf_named_event {
	const char *name;       /* "cpu-clock" */
	const char *alias;      /* "cpu", or NULL */
	uint64_t config;        /* PERF_COUNT_SW_* / PERF_COUNT_HW_* */
	uint64_t defcount;      /* sample period when the count is omitted (or 0) */
};

/* The attach point's event (ap->priv), set by perf_named_expand. */
const struct perf_named_event *perf_named_of(const struct attach_point *ap);

/* `type:event[:count]`; event may be a name, an alias or a wildcard over
 * the names. Appends one attach point per matching event. */
int perf_named_expand(const struct probe_env *env, const struct probe_type *pt,
		      const struct perf_named_event *tab, int n, const char *text,
		      struct loc loc, struct ap_list *out);

/* -l: "type:name:" for each name and alias matching the pattern, sorted. */
int perf_named_list(const struct probe_type *pt, const struct perf_named_event *tab, int n,
		    const char *pattern, FILE *out);

/* One perf event of `type` on every online CPU (system-wide). */
int perf_named_attach(const struct attach_point *ap, uint32_t type, int prog_fd,
		      struct rt_links *links, char *err, size_t errlen);

/* interval:/profile: `type:unit:N` (unit s, ms, us or hz) and latest
 * bpftrace's `type:N` (nanoseconds, or with a suffix: 10ms, 1s). Sets
 * period (ns) or freq (hz); the name is "type:unit:N" with N in decimal. */
int perf_timed_expand(const struct probe_env *env, const struct probe_type *pt,
		      const char *text, struct loc loc, struct ap_list *out);
/* -l 'interval:*': the units, "interval:hz:" ... (only when named). */
int perf_timed_list(const struct probe_type *pt, const char *pattern, FILE *out);
/* The cpu-clock event of a timed attach point on one CPU. */
int perf_timed_attach_cpu(const struct attach_point *ap, int cpu, int prog_fd,
			  struct rt_links *links, char *err, size_t errlen);

#endif
