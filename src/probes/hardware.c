/* hardware.c - hardware:event[:count] (alias h): CPU PMU counters, sampled
 * every `count` events on every online CPU.
 *
 * Names, aliases and default counts are bpftrace's (HW_PROBE_LIST). A
 * machine without a CPU PMU (most VMs) answers perf_event_open with ENOENT
 * (or EOPNOTSUPP/ENODEV); that becomes one clear sentence instead of
 * bpftrace's bare "No such file or directory". */
#include "probes/probes_int.h"

#include <errno.h>
#include <linux/perf_event.h>

static const struct perf_named_event hw_events[] = {
	{ "backend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_BACKEND, 1000000 },
	{ "branch-instructions", "branches", PERF_COUNT_HW_BRANCH_INSTRUCTIONS, 100000 },
	{ "branch-misses", NULL, PERF_COUNT_HW_BRANCH_MISSES, 100000 },
	{ "bus-cycles", NULL, PERF_COUNT_HW_BUS_CYCLES, 100000 },
	{ "cache-misses", NULL, PERF_COUNT_HW_CACHE_MISSES, 1000000 },
	{ "cache-references", NULL, PERF_COUNT_HW_CACHE_REFERENCES, 1000000 },
	{ "cpu-cycles", "cycles", PERF_COUNT_HW_CPU_CYCLES, 1000000 },
	{ "frontend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, 1000000 },
	{ "instructions", NULL, PERF_COUNT_HW_INSTRUCTIONS, 1000000 },
	{ "ref-cycles", NULL, PERF_COUNT_HW_REF_CPU_CYCLES, 1000000 },
};
#define NHW ((int)(sizeof(hw_events) / sizeof(hw_events[0])))

static int hardware_expand(const struct probe_type *pt, const struct probe_env *env, const char *text,
			   struct loc loc, struct ap_list *out)
{
	return perf_named_expand(env, pt, hw_events, NHW, text, loc, out);
}

static int hardware_list(const struct probe_type *pt, const char *pattern, bool verbose, FILE *out)
{
	return perf_named_list(pt, hw_events, NHW, pattern, out);
}

static int hardware_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd,
			   struct rt_links *links, char *err, size_t errlen)
{
	int rc = perf_named_attach(ap, PERF_TYPE_HARDWARE, prog_fd, links, err, errlen);
	if (rc == -ENOENT || rc == -EOPNOTSUPP || rc == -ENODEV)
		snprintf(err, errlen,
			 "Error attaching probe: %s: hardware events are not supported on this machine "
			 "(no PMU: perf_event_open gave %s)",
			 ap->name, rc == -ENOENT ? "ENOENT" : rc == -ENODEV ? "ENODEV" : "EOPNOTSUPP");
	return rc < 0 ? -1 : 0;
}

static const char *const hardware_aliases[] = { "h", NULL };

const struct probe_type probe_hardware = {
	.name = "hardware",
	.aliases = hardware_aliases,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.expand = hardware_expand,
	.list = hardware_list,
	.attach = hardware_attach,
};
