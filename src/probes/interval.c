/* interval.c - interval:s|ms|us|hz:N (alias i), and latest bpftrace's
 * interval:N (nanoseconds) / interval:10ms: a timer on one CPU.
 *
 * One PERF_COUNT_SW_CPU_CLOCK event on the first online CPU with a sample
 * period in nanoseconds (or sample_freq for hz), system-wide: the program
 * runs once per interval whatever -p says. `probe` is "interval:ms:100".
 * The hooks are profile's too (util.c): only the CPUs differ. */
#include "probes/probes_int.h"

static const char *const interval_aliases[] = { "i", NULL };
static const struct perf_timed_type interval_timer = { .all_cpus = false };

const struct probe_type probe_interval = {
	.name = "interval",
	.aliases = interval_aliases,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.expand = perf_timed_expand,
	.list = perf_timed_list,
	.attach = perf_timed_attach,
	.data = &interval_timer,
};
