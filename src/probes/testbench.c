/* testbench.c - test:NAME and bench:NAME (latest bpftrace): probes run
 * only in test mode (--test, --mode test) or bench mode (--bench,
 * --mode bench), and ignored otherwise. Like BEGIN they are raw_tracepoint
 * programs run through BPF_PROG_TEST_RUN, in bpfscript's own context
 * (runtime/testbench.c runs them: a test once, its return value, exit()
 * and helper errors deciding pass or fail; a bench many times, timed).
 * Attaching them is nothing. `probe` is "test:NAME"; ap->func is NAME. */
#include "probes/probes_int.h"

#include <string.h>

static int tb_expand(const struct probe_type *pt, const struct probe_env *env, const char *text,
		     struct loc loc, struct ap_list *out)
{
	char *parts[3];
	int n = split_colon(env->arena, text, parts, 3);
	if (n != 2 || !parts[1][0]) {
		diag_error(env->diag, loc, "%s probe type requires 1 argument: %s:NAME", pt->name, pt->name);
		return -1;
	}
	if (has_wildcard(parts[1])) {
		diag_error(env->diag, loc, "%s probe type does not support wildcards", pt->name);
		return -1;
	}
	struct attach_point *ap = arena_alloc(env->arena, sizeof(*ap));
	ap->pt = pt;
	ap->name = arena_printf(env->arena, "%s:%s", pt->name, parts[1]);
	ap->func = parts[1];
	ap->loc = loc;
	ap_list_push(env->arena, out, ap);
	return 0;
}

static int tb_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd, struct rt_links *links,
		     char *err, size_t errlen)
{
	return 0;
}

const struct probe_type probe_test = {
	.name = "test",
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
	.special = PS_TEST,
	.expand = tb_expand,
	.attach = tb_attach,
};

const struct probe_type probe_bench = {
	.name = "bench",
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
	.special = PS_BENCH,
	.expand = tb_expand,
	.attach = tb_attach,
};
