/* interval.c - interval:s|ms|us|hz:N (alias i), and latest bpftrace's
 * interval:N (nanoseconds) / interval:10ms: a timer on one CPU.
 *
 * One PERF_COUNT_SW_CPU_CLOCK event on the first online CPU with a sample
 * period in nanoseconds (or sample_freq for hz), system-wide: the program
 * runs once per interval whatever -p says. `probe` is "interval:ms:100". */
#include "probes/probes_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int interval_expand(const struct probe_type *pt, const struct probe_env *env, const char *text,
			   struct loc loc, struct ap_list *out)
{
	return perf_timed_expand(env, pt, text, loc, out);
}

static int interval_list(const struct probe_type *pt, const char *pattern, bool verbose, FILE *out)
{
	return perf_timed_list(pt, pattern, out);
}

static int interval_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd,
			   struct rt_links *links, char *err, size_t errlen)
{
	int *cpus, n = probe_online_cpus(&cpus);
	if (n < 0) {
		snprintf(err, errlen, "Error attaching probe: %s: cannot read the online CPUs: %s",
			 ap->name, strerror(errno));
		return -1;
	}
	int rc = perf_timed_attach_cpu(ap, cpus[0], prog_fd, links, err, errlen);
	free(cpus);
	return rc;
}

static const char *const interval_aliases[] = { "i", NULL };

const struct probe_type probe_interval = {
	.name = "interval",
	.aliases = interval_aliases,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.expand = interval_expand,
	.list = interval_list,
	.attach = interval_attach,
};
