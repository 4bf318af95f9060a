/* self.c - self:signal:SIGUSR1 (latest bpftrace): the program runs when
 * bpfscript itself receives the signal, instead of the signal ending the
 * run. Like BEGIN it is a raw_tracepoint program run through
 * BPF_PROG_TEST_RUN (runtime/run.c, PS_SIGNAL), in bpfscript's own
 * context; attaching it is nothing. The signal number is kept in ap->freq.
 * `probe` is "self:signal:SIGUSR1". */
#include "probes/probes_int.h"

#include <signal.h>
#include <string.h>

static const struct {
	const char *name;
	int signo;
} self_signals[] = { { "SIGUSR1", SIGUSR1 }, { "SIGUSR2", SIGUSR2 } };

static int self_expand(const struct probe_type *pt, const struct probe_env *env, const char *text,
		       struct loc loc, struct ap_list *out)
{
	char *parts[3];
	int n = split_colon(env->arena, text, parts, 3);
	if (n != 3 || strcmp(parts[1], "signal")) {
		diag_error(env->diag, loc, "%s probe type requires 2 arguments: self:signal:SIGUSR1", pt->name);
		return -1;
	}
	for (size_t i = 0; i < sizeof(self_signals) / sizeof(self_signals[0]); i++) {
		if (strcmp(parts[2], self_signals[i].name))
			continue;
		struct attach_point *ap = arena_alloc(env->arena, sizeof(*ap));
		ap->pt = pt;
		ap->name = arena_printf(env->arena, "%s:signal:%s", pt->name, self_signals[i].name);
		ap->func = self_signals[i].name;
		ap->freq = (uint64_t)self_signals[i].signo;
		ap->loc = loc;
		ap_list_push(env->arena, out, ap);
		return 0;
	}
	diag_error(env->diag, loc, "Invalid signal for self:signal: %s", parts[2]);
	diag_hint(env->diag, "supported signals: SIGUSR1, SIGUSR2");
	return -1;
}

static int self_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd, struct rt_links *links,
		       char *err, size_t errlen)
{
	return 0;
}

const struct probe_type probe_self = {
	.name = "self",
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
	.special = PS_SIGNAL,
	.expand = self_expand,
	.attach = self_attach,
};
