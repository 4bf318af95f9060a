/* software.c - software:event[:count] (alias s): kernel software perf
 * events, sampled every `count` occurrences on every online CPU.
 *
 * Names, aliases and default counts are bpftrace's (SW_PROBE_LIST). The
 * name keeps the event as written: `s:cs:10` is "software:cs:10". */
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
#define NSW ((int)(sizeof(sw_events) / sizeof(sw_events[0])))

static int software_expand(const struct probe_type *pt, const struct probe_env *env, const char *text,
			   struct loc loc, struct ap_list *out)
{
	return perf_named_expand(env, pt, sw_events, NSW, text, loc, out);
}

static int software_list(const struct probe_type *pt, const char *pattern, bool verbose, FILE *out)
{
	return perf_named_list(pt, sw_events, NSW, pattern, out);
}

static int software_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd,
			   struct rt_links *links, char *err, size_t errlen)
{
	return perf_named_attach(ap, PERF_TYPE_SOFTWARE, prog_fd, links, err, errlen) < 0 ? -1 : 0;
}

static const char *const software_aliases[] = { "s", NULL };

const struct probe_type probe_software = {
	.name = "software",
	.aliases = software_aliases,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.expand = software_expand,
	.list = software_list,
	.attach = software_attach,
};
