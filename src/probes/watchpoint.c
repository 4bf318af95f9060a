/* watchpoint.c - watchpoint:ADDR:LEN:MODE (alias w): a hardware
 * breakpoint on ADDR in the target process (-p PID or the -c child).
 *
 * LEN is 1, 2, 4 or 8; MODE a combination of r, w and x as the hardware
 * offers it (x86-64: w, rw, x). Attaching opens one PERF_TYPE_BREAKPOINT
 * event per thread of the target (latest bpftrace watches every thread;
 * threads created later are not covered) and links the PERF_EVENT
 * program to each. The -c child is attached before it execs, which perf
 * events survive, so the address is the one in the executed program. */
#include "probes/probes_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>

struct wp {
	uint64_t addr;
	int len;
	int type;       /* HW_BREAKPOINT_* */
};

/* Modes the x86-64 debug registers support (no read-only watch). */
static const struct {
	const char *mode;
	int type;
} modes[] = {
	{ "rw", HW_BREAKPOINT_RW },
	{ "w", HW_BREAKPOINT_W },
	{ "x", HW_BREAKPOINT_X },
};

static int wp_expand(const struct probe_type *pt, const struct probe_env *env, const char *text,
		     struct loc loc, struct ap_list *out)
{
	char *parts[4];
	int np = split_colon(env->arena, text, parts, 4);
	if (np != 4) {
		diag_error(env->diag, loc, "watchpoint probe type requires 3 arguments");
		return -1;
	}
	uint64_t addr, len;
	if (!probe_parse_uint(parts[1], &addr)) {
		diag_error(env->diag, loc, "Invalid function/address argument: %s", parts[1]);
		return -1;
	}
	if (!probe_parse_uint(parts[2], &len)) {
		diag_error(env->diag, loc, "Invalid length argument: %s", parts[2]);
		return -1;
	}
	if (!addr) {
		diag_error(env->diag, loc, "watchpoint must be attached to a non-zero address");
		return -1;
	}
	if (len != 1 && len != 2 && len != 4 && len != 8) {
		diag_error(env->diag, loc, "watchpoint length must be one of (1,2,4,8)");
		return -1;
	}
	/* the mode's letters sorted, each once */
	char m[8] = "";
	int nm = 0;
	for (const char *p = parts[3]; *p; p++) {
		if (*p != 'r' && *p != 'w' && *p != 'x') {
			diag_error(env->diag, loc, "watchpoint mode must be combination of (r,w,x)");
			return -1;
		}
		if (strchr(m, *p)) {
			diag_error(env->diag, loc, "watchpoint modes may not be duplicated");
			return -1;
		}
		int k = nm++;
		while (k > 0 && m[k - 1] > *p) {
			m[k] = m[k - 1];
			k--;
		}
		m[k] = *p;
		m[nm] = 0;
	}
	if (!nm) {
		diag_error(env->diag, loc, "watchpoint mode must be combination of (r,w,x)");
		return -1;
	}
	int type = -1;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(modes[i].mode, m))
			type = modes[i].type;
	if (type < 0) {
		diag_error(env->diag, loc, "invalid watchpoint mode: %s", m);
		diag_hint(env->diag, "supported modes: rw,w,x");
		return -1;
	}
	if (env->pid <= 0 && !env->has_cmd) {
		diag_error(env->diag, loc, "-p PID or -c CMD required for watchpoint");
		return -1;
	}
	struct attach_point *ap = arena_alloc(env->arena, sizeof(*ap));
	struct wp *w = arena_alloc(env->arena, sizeof(*w));
	w->addr = addr;
	w->len = (int)len;
	w->type = type;
	ap->pt = pt;
	ap->name = arena_printf(env->arena, "watchpoint:0x%llx:%d:%s", (unsigned long long)addr, (int)len, m);
	ap->func = ap->name + strlen("watchpoint:");
	ap->loc = loc;
	ap->priv = w;
	ap_list_push(env->arena, out, ap);
	return 0;
}

static int wp_attach_tid(const struct attach_point *ap, const struct wp *w, pid_t tid, int prog_fd,
			 struct rt_links *links, char *err, size_t errlen)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_BREAKPOINT,
		.bp_type = (uint32_t)w->type,
		.bp_addr = w->addr,
		.bp_len = (uint64_t)w->len,
		.sample_period = 1,
		.wakeup_events = 1,
	};
	return probe_perf_attach(ap, &attr, tid, -1, prog_fd, links, err, errlen);
}

static int wp_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd,
		     struct rt_links *links, char *err, size_t errlen)
{
	const struct wp *w = ap->priv;
	if (env->pid <= 0) {
		snprintf(err, errlen, "Error attaching probe: %s: no target process (-p PID or -c CMD)", ap->name);
		return -1;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)env->pid);
	DIR *d = opendir(path);
	if (!d)
		return wp_attach_tid(ap, w, env->pid, prog_fd, links, err, errlen) < 0 ? -1 : 0;
	int first = links->n, n = 0, rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);
		if (*end || tid <= 0)
			continue;
		rc = wp_attach_tid(ap, w, (pid_t)tid, prog_fd, links, err, errlen);
		/* a thread that ended meanwhile is no error */
		if (rc == -ESRCH) {
			rc = 0;
			continue;
		}
		if (rc < 0)
			break;
		n++;
	}
	closedir(d);
	if (rc < 0 || !n) {
		rt_links_truncate(links, first);
		if (!n && rc == 0)
			snprintf(err, errlen, "Error attaching probe: %s: process %d has no threads", ap->name,
				 (int)env->pid);
		return -1;
	}
	return 0;
}

static const char *const wp_aliases[] = { "w", NULL };

const struct probe_type probe_watchpoint = {
	.name = "watchpoint",
	.aliases = wp_aliases,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.expand = wp_expand,
	.attach = wp_attach,
};
