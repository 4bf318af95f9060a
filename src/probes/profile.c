/* profile.c - profile:hz|s|ms|us:N (alias p), and latest bpftrace's
 * profile:N (nanoseconds): a sampling timer on every online CPU.
 *
 * One PERF_COUNT_SW_CPU_CLOCK event per online CPU, sample_freq for hz and
 * a period in nanoseconds otherwise (KERNEL-NOTES §5). `probe` is
 * "profile:hz:99". */
#include "probes/probes_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int profile_expand(const struct probe_type *pt, const struct probe_env *env, const char *text,
			  struct loc loc, struct ap_list *out)
{
	return perf_timed_expand(env, pt, text, loc, out);
}

static int profile_list(const struct probe_type *pt, const char *pattern, bool verbose, FILE *out)
{
	return perf_timed_list(pt, pattern, out);
}

static int profile_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd,
			  struct rt_links *links, char *err, size_t errlen)
{
	int *cpus, n = probe_online_cpus(&cpus);
	if (n < 0) {
		snprintf(err, errlen, "Error attaching probe: %s: cannot read the online CPUs: %s",
			 ap->name, strerror(errno));
		return -1;
	}
	int first = links->n, rc = 0;
	for (int i = 0; i < n && rc == 0; i++)
		rc = perf_timed_attach_cpu(ap, cpus[i], prog_fd, links, err, errlen);
	if (rc < 0)
		rt_links_truncate(links, first);   /* all CPUs or none */
	free(cpus);
	return rc;
}

static const char *const profile_aliases[] = { "p", NULL };

const struct probe_type probe_profile = {
	.name = "profile",
	.aliases = profile_aliases,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.expand = profile_expand,
	.list = profile_list,
	.attach = profile_attach,
};
