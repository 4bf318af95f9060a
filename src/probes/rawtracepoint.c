/* rawtracepoint.c - rawtracepoint:event and rawtracepoint:module:event
 * (alias rt), wildcards over the events.
 *
 * Events and their arguments come from vmlinux BTF, as latest bpftrace
 * reads them: each raw tracepoint has a stub FUNC __probestub_<event> (or
 * __traceiter_<event> on older kernels) whose prototype is the
 * tracepoint's TP_PROTO behind a leading `void *__data`. The program is
 * BPF_PROG_TYPE_RAW_TRACEPOINT; its context is u64 args[], so argN is
 * ((u64 *)ctx)[N] and `args.name` the typed parameter in slot N. Attaching
 * is BPF_RAW_TRACEPOINT_OPEN with the attach point's id as the BPF cookie
 * (kernel 6.10+; older kernels take the open without one). */
#define _GNU_SOURCE
#include "probes/probes_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include "codegen/cg.h"
#include "probes/kernel.h"
#include "sys/btf.h"

static const char *const stub_prefixes[] = { "__probestub_", "__traceiter_", NULL };

struct rtp {
	int proto;      /* FUNC_PROTO of the stub; its first parameter is __data */
};

/* FUNC_PROTO of raw tracepoint `event`, or -1. */
static int event_proto(const char *event)
{
	char name[256];
	for (int i = 0; stub_prefixes[i]; i++) {
		int proto;
		snprintf(name, sizeof(name), "%s%s", stub_prefixes[i], event);
		if (btf_find_func(name, &proto) >= 0)
			return proto;
	}
	return -1;
}

/* The event of a stub FUNC name, or NULL. */
static const char *stub_event(const char *func, int *which)
{
	for (int i = 0; stub_prefixes[i]; i++) {
		size_t l = strlen(stub_prefixes[i]);
		if (!strncmp(func, stub_prefixes[i], l)) {
			*which = i;
			return func + l;
		}
	}
	return NULL;
}

/* Every raw tracepoint, sorted, without duplicates (both stub prefixes
 * name the same events). Cached. */
static char **events;
static int nevents = -1;

static void events_free(void)
{
	for (int i = 0; i < nevents; i++)
		free(events[i]);
	free(events);
	events = NULL;
	nevents = -1;
}

static int collect(const char *name, int proto, void *arg)
{
	int *cap = arg, which;
	const char *ev = stub_event(name, &which);
	if (!ev || !*ev)
		return 0;
	if (nevents == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		events = xrealloc(events, sizeof(*events) * (size_t)*cap);
	}
	events[nevents++] = xstrdup(ev);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int rt_events(char ***out)
{
	if (nevents < 0) {
		if (!btf_vmlinux())
			return -1;
		int cap = 0;
		nevents = 0;
		atexit(events_free);
		btf_each_func(collect, &cap);
		qsort(events, (size_t)nevents, sizeof(*events), cmp_str);
		int k = 0;
		for (int i = 0; i < nevents; i++) {
			if (k && !strcmp(events[k - 1], events[i]))
				free(events[i]);
			else
				events[k++] = events[i];
		}
		nevents = k;
	}
	*out = events;
	return nevents;
}

static struct attach_point *rtp_new(const struct probe_type *pt, const struct probe_env *env, bool module,
				    const char *event, int proto, struct loc loc)
{
	struct rtp *r = arena_alloc(env->arena, sizeof(*r));
	r->proto = proto;
	return kbtf_ap_new(pt, env, module, event, loc, r);
}

static int rtp_expand(const struct probe_type *pt, const struct probe_env *env, const char *text,
		      struct loc loc, struct ap_list *out)
{
	static const struct kbtf_words words = {
		"rawtracepoint should be attached to a function",
		"rawtracepoints require kernel BTF. Try using a 'tracepoint' instead.",
		"raw tracepoints",
	};
	const char *module, *ev = kbtf_split(pt, env, text, loc, &words, &module);
	if (!ev)
		return -1;
	if (!has_wildcard(ev)) {
		int proto = event_proto(ev);
		if (proto < 0) {
			diag_error(env->diag, loc, "rawtracepoint not found: %s", ev);
			return -1;
		}
		ap_list_push(env->arena, out, rtp_new(pt, env, module != NULL, ev, proto, loc));
		return 0;
	}
	char **v;
	int n = rt_events(&v), found = 0;
	for (int i = 0; i < n; i++) {
		if (!glob_match(ev, v[i]))
			continue;
		ap_list_push(env->arena, out, rtp_new(pt, env, module != NULL, v[i], event_proto(v[i]), loc));
		found++;
	}
	if (!found) {
		diag_error(env->diag, loc, "rawtracepoints not found: %s", ev);
		return -1;
	}
	return 0;
}

/* -l: "rawtracepoint:vmlinux:event" (latest bpftrace); -lv adds the
 * tracepoint's arguments. */
static int rtp_list(const struct probe_type *pt, const char *pattern, bool verbose, FILE *out)
{
	const char *rest;
	char evpat[256];
	if (!probe_pattern_rest(pt, pattern, &rest) || !kbtf_list_pattern(rest, evpat, sizeof(evpat)))
		return 0;
	char **v;
	int n = rt_events(&v);
	for (int i = 0; i < n; i++) {
		if (!glob_match(evpat, v[i]))
			continue;
		fprintf(out, "%s:vmlinux:%s\n", pt->name, v[i]);
		if (verbose)
			btf_print_params(out, event_proto(v[i]), 1, false);
	}
	return 0;
}

/* ---- context ------------------------------------------------------------- */

static struct type *rtp_args_type(const struct probe_env *env, struct attach_point *ap)
{
	const struct rtp *r = ap->priv;
	return btf_args_record(env->arena, r->proto, 1, false,
			       arena_printf(env->arena, "struct rawtracepoint_%s_args", ap->func));
}

static struct type *rtp_ctx_type(const struct probe_env *env, struct attach_point *ap, const char *name)
{
	const struct rtp *r = ap->priv;
	int i = probe_arg_index(name, "arg");
	/* the tracepoint's own arguments (MAX_BPF_FUNC_ARGS at most) */
	int n = btf_proto_nparams(r->proto) - 1;
	if (i >= 0 && i < (n > 0 ? n : 12))
		return type_int(8, false);
	return NULL;
}

static void *rtp_ctx_emit(struct cg *cg, struct attach_point *ap, const char *name)
{
	return kctx_load(cg, 8 * probe_arg_index(name, "arg"), 8, false);
}

/* ---- attach ----------------------------------------------------------------- */

/* BPF_RAW_TRACEPOINT_OPEN with a cookie (the kernel's layout; the installed
 * uapi header may predate the field). */
static int raw_tp_open(const char *name, int prog_fd, uint64_t cookie)
{
	struct {
		uint64_t name;
		uint32_t prog_fd;
		uint32_t pad;
		uint64_t cookie;
	} attr;
	union bpf_attr u;
	memset(&u, 0, sizeof(u));
	memset(&attr, 0, sizeof(attr));
	attr.name = (uint64_t)(uintptr_t)name;
	attr.prog_fd = (uint32_t)prog_fd;
	attr.cookie = cookie;
	memcpy(&u, &attr, sizeof(attr) <= sizeof(u) ? sizeof(attr) : sizeof(u));
	return (int)syscall(__NR_bpf, BPF_RAW_TRACEPOINT_OPEN, &u, sizeof(u));
}

static int rtp_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd,
		      struct rt_links *links, char *err, size_t errlen)
{
	int fd = raw_tp_open(ap->func, prog_fd, (uint64_t)ap->id);
	if (fd < 0 && (errno == EINVAL || errno == E2BIG))
		fd = bpf_raw_tracepoint_open(ap->func, prog_fd);   /* before 6.10: no cookie */
	return kbtf_link(ap, fd, links, err, errlen);
}

static const char *const rtp_aliases[] = { "rt", NULL };

const struct probe_type probe_rawtracepoint = {
	.name = "rawtracepoint",
	.aliases = rtp_aliases,
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
	.expand = rtp_expand,
	.list = rtp_list,
	.args_type = rtp_args_type,
	.ctx_type = rtp_ctx_type,
	.ctx_emit = rtp_ctx_emit,
	.attach = rtp_attach,
};
