/* tracepoint.c - tracepoint:category:event (alias t), wildcards in both
 * parts (t:syscalls:sys_enter_*, t:*:sys_enter_openat).
 *
 * Expansion checks the tracefs events (mounting tracefs if needed); `args`
 * is the record described by the event's format file (sys/tracefs.c);
 * attaching opens a PERF_TYPE_TRACEPOINT event for the event's id on CPU 0
 * with pid -1 (a tracepoint program runs on every CPU whatever the event's
 * CPU) and links the program to it with the attach point's id as the BPF
 * cookie. */
#include "probes/probes_int.h"

#include <errno.h>
#include <string.h>
#include <linux/perf_event.h>
#include "sys/tracefs.h"

static struct attach_point *tp_new(const struct probe_type *pt, const struct probe_env *env,
				   const char *cat, const char *ev, struct loc loc)
{
	struct attach_point *ap = arena_alloc(env->arena, sizeof(*ap));
	ap->pt = pt;
	ap->target = arena_strdup(env->arena, cat);
	ap->func = arena_strdup(env->arena, ev);
	ap->name = arena_printf(env->arena, "tracepoint:%s:%s", cat, ev);
	ap->loc = loc;
	return ap;
}

/* "did you mean": syscall:x -> syscalls:x (bpftrace's own hint), else the
 * nearest existing "category:event". */
static void hint_nearest(const struct probe_env *env, const char *cat, const char *ev)
{
	if (!strcmp(cat, "syscall") && tracefs_event_exists("syscalls", ev)) {
		diag_hint(env->diag, "did you mean 'syscalls:%s'?", ev);
		return;
	}
	const char *const *names;
	int n = tracefs_events(&names);
	const char *want = arena_printf(env->arena, "%s:%s", cat, ev), *best = NULL;
	int bd = 3;
	for (int i = 0; i < n; i++) {
		int d = diag_distance(want, names[i]);
		if (d < bd) {
			bd = d;
			best = names[i];
		}
	}
	if (best)
		diag_hint(env->diag, "did you mean '%s'?", best);
}

static int tp_expand(const struct probe_type *pt, const struct probe_env *env, const char *text,
		     struct loc loc, struct ap_list *out)
{
	char *parts[3];
	if (split_colon(env->arena, text, parts, 3) != 3) {
		diag_error(env->diag, loc, "tracepoint probe type requires 2 arguments");
		return -1;
	}
	const char *cat = parts[1], *ev = parts[2];
	char err[256];
	if (!tracefs_root(err, sizeof(err))) {
		diag_error(env->diag, loc, "%s", err);
		return -1;
	}
	if (!has_wildcard(cat) && !has_wildcard(ev)) {
		if (!tracefs_event_exists(cat, ev)) {
			diag_error(env->diag, loc, "tracepoint not found: %s:%s", cat, ev);
			hint_nearest(env, cat, ev);
			return -1;
		}
		ap_list_push(env->arena, out, tp_new(pt, env, cat, ev, loc));
		return 0;
	}
	const char *const *names;
	int n = tracefs_events(&names), found = 0;
	if (n < 0) {
		diag_error(env->diag, loc, "cannot list tracepoints: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const char *colon = strchr(names[i], ':');
		char c[256];
		snprintf(c, sizeof(c), "%.*s", (int)(colon - names[i]), names[i]);
		if (!glob_match(cat, c) || !glob_match(ev, colon + 1))
			continue;
		ap_list_push(env->arena, out, tp_new(pt, env, c, colon + 1, loc));
		found++;
	}
	if (!found) {
		diag_error(env->diag, loc, "tracepoints not found: %s:%s", cat, ev);
		return -1;
	}
	return 0;
}

static int tp_list(const struct probe_type *pt, const char *pattern, bool verbose, FILE *out)
{
	const char *rest;
	if (!probe_pattern_rest(pt, pattern, &rest))
		return 0;
	/* "cat:event", or a bare event pattern in any category (latest
	 * bpftrace: `-l 'tracepoint:*open*'`, `-l 'sys_enter_open*'`). */
	char catpat[256] = "*", evpat[256] = "*";
	if (rest) {
		const char *colon = strchr(rest, ':');
		if (colon) {
			snprintf(catpat, sizeof(catpat), "%.*s", (int)(colon - rest), rest);
			snprintf(evpat, sizeof(evpat), "%s", colon + 1);
		} else {
			snprintf(evpat, sizeof(evpat), "%s", rest);
		}
	}
	char err[256];
	if (!tracefs_root(err, sizeof(err))) {
		fprintf(stderr, "ERROR: %s\n", err);
		return -1;
	}
	const char *const *names;
	int n = tracefs_events(&names);
	if (n < 0) {
		fprintf(stderr, "ERROR: cannot list tracepoints: %s\n", strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const char *colon = strchr(names[i], ':');
		char cat[256];
		snprintf(cat, sizeof(cat), "%.*s", (int)(colon - names[i]), names[i]);
		if (!glob_match(catpat, cat) || !glob_match(evpat, colon + 1))
			continue;
		fprintf(out, "tracepoint:%s\n", names[i]);
		if (!verbose)
			continue;
		/* -lv: the event's own fields as declared, not the common_* header */
		struct tp_format *f = tracefs_format_read(cat, colon + 1);
		for (int k = 0; f && k < f->nfields; k++)
			if (!f->fields[k].common)
				fprintf(out, "    %s\n", f->fields[k].decl);
		tracefs_format_free(f);
	}
	return 0;
}

static struct type *tp_args_type(const struct probe_env *env, struct attach_point *ap)
{
	if (ap->priv)
		return ap->priv;
	const struct tp_format *f = tracefs_format(ap->target, ap->func);
	if (!f) {
		diag_error(env->diag, ap->loc, "cannot read the format of tracepoint %s:%s: %s",
			   ap->target, ap->func, strerror(errno));
		return NULL;
	}
	ap->priv = tracefs_args_type(env->arena, f);
	return ap->priv;
}

static int tp_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd,
		     struct rt_links *links, char *err, size_t errlen)
{
	const struct tp_format *f = tracefs_format(ap->target, ap->func);
	if (!f || f->id < 0) {
		snprintf(err, errlen, "Error attaching probe: %s: cannot read the tracepoint id: %s",
			 ap->name, f ? "no ID in the format file" : strerror(errno));
		return -1;
	}
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.config = (uint64_t)f->id,
		.sample_period = 1,
		.wakeup_events = 1,
	};
	return probe_perf_attach(ap, &attr, -1, 0, prog_fd, links, err, errlen) < 0 ? -1 : 0;
}

static const char *const tp_aliases[] = { "t", NULL };

const struct probe_type probe_tracepoint = {
	.name = "tracepoint",
	.aliases = tp_aliases,
	.prog_type = BPF_PROG_TYPE_TRACEPOINT,
	.expand = tp_expand,
	.list = tp_list,
	.args_type = tp_args_type,
	.attach = tp_attach,
};
