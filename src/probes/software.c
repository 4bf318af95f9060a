/* software.c - software:event[:count] (alias s): kernel software perf
 * events, sampled every `count` occurrences on every online CPU.
 *
 * Names, aliases and default counts are bpftrace's (SW_PROBE_LIST). The
 * name keeps the event as written: `s:cs:10` is "software:cs:10". The
 * hooks are hardware's too (util.c): only the table differs. */
#include "probes/probes_int.h"

#include <linux/perf_event.h>

static const struct perf_named_event sw_events[] = {
	{ "alignment-faults", NULL, PERF_COUNT_SW_ALIGNMENT_FAULTS, 1 },
	{ "bpf-output", NULL, PERF_COUNT_SW_BPF_OUTPUT, 1 },
	{ "context-switches", "cs", PERF_COUNT_SW_CONTEXT_SWITCHES, 1000 },
	{ "cpu-clock", "cpu", PERF_COUNT_SW_CPU_CLOCK, 1000000 },
	{ "cpu-migrations", NULL, PERF_COUNT_SW_CPU_MIGRATIONS, 1 },
	{ "dummy", NULL, PERF_COUNT_SW_DUMMY, 1 },
	{ "emulation-faults", NULL, PERF_COUNT_SW_EMULATION_FAULTS, 1 },
	{ "major-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1 },
	{ "minor-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MIN, 100 },
	{ "page-faults", "faults", PERF_COUNT_SW_PAGE_FAULTS, 100 },
	{ "task-clock", NULL, PERF_COUNT_SW_TASK_CLOCK, 1 },
};

static const struct perf_named_type sw_type = {
	.events = sw_events,
	.nevents = (int)(sizeof(sw_events) / sizeof(sw_events[0])),
	.perf_type = PERF_TYPE_SOFTWARE,
};

static const char *const software_aliases[] = { "s", NULL };

const struct probe_type probe_software = {
	.name = "software",
	.aliases = software_aliases,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.expand = perf_named_expand,
	.list = perf_named_list,
	.attach = perf_named_attach,
	.data = &sw_type,
};
