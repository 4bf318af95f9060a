/* begin_end.c - BEGIN and END: run once, at start and after detaching.
 *
 * They are raw_tracepoint programs that the runtime runs through
 * BPF_PROG_TEST_RUN (as bpftrace 0.17 does: its BEGIN kstack shows
 * bpf_prog_test_run_raw_tp), so attaching them is nothing. `probe` is
 * "BEGIN" / "END". Lower-case begin/end (latest bpftrace) reach here
 * through probe_type_find's case-insensitive name match. */
#include "probes/probes_int.h"

#include <string.h>

static int special_expand(const struct probe_type *pt, const struct probe_env *env,
			  const char *text, struct loc loc, struct ap_list *out)
{
	char *parts[2];
	if (split_colon(env->arena, text, parts, 2) != 1) {
		diag_error(env->diag, loc, "%s probe type requires 0 arguments", pt->name);
		return -1;
	}
	struct attach_point *ap = arena_alloc(env->arena, sizeof(*ap));
	ap->pt = pt;
	ap->name = pt->name;
	ap->loc = loc;
	ap_list_push(env->arena, out, ap);
	return 0;
}

static int special_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd,
			  struct rt_links *links, char *err, size_t errlen)
{
	return 0;
}

const struct probe_type probe_begin = {
	.name = "BEGIN",
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
	.special = PS_BEGIN,
	.expand = special_expand,
	.attach = special_attach,
};

const struct probe_type probe_end = {
	.name = "END",
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
	.special = PS_END,
	.expand = special_expand,
	.attach = special_attach,
};
