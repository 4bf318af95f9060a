/* profile.c - profile:hz|s|ms|us:N (alias p), and latest bpftrace's
 * profile:N (nanoseconds): a sampling timer on every online CPU.
 *
 * One PERF_COUNT_SW_CPU_CLOCK event per online CPU, sample_freq for hz and
 * a period in nanoseconds otherwise (KERNEL-NOTES §5); all CPUs or none.
 * `probe` is "profile:hz:99". The hooks are interval's too (util.c). */
#include "probes/probes_int.h"

static const char *const profile_aliases[] = { "p", NULL };
static const struct perf_timed_type profile_timer = { .all_cpus = true };

const struct probe_type probe_profile = {
	.name = "profile",
	.aliases = profile_aliases,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.expand = perf_timed_expand,
	.list = perf_timed_list,
	.attach = perf_timed_attach,
	.data = &profile_timer,
};
