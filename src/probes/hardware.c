/* hardware.c - hardware:event[:count] (alias h): CPU PMU counters, sampled
 * every `count` events on every online CPU.
 *
 * Names, aliases and default counts are bpftrace's (HW_PROBE_LIST). A
 * machine without a CPU PMU (most VMs) answers perf_event_open with ENOENT
 * (or EOPNOTSUPP/ENODEV); that becomes one clear sentence instead of
 * bpftrace's bare "No such file or directory" (.pmu below). The hooks are
 * software's too (util.c): only the table differs. */
#include "probes/probes_int.h"

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

static const struct perf_named_type hw_type = {
	.events = hw_events,
	.nevents = (int)(sizeof(hw_events) / sizeof(hw_events[0])),
	.perf_type = PERF_TYPE_HARDWARE,
	.pmu = true,
};

static const char *const hardware_aliases[] = { "h", NULL };

const struct probe_type probe_hardware = {
	.name = "hardware",
	.aliases = hardware_aliases,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.expand = perf_named_expand,
	.list = perf_named_list,
	.attach = perf_named_attach,
	.data = &hw_type,
};
