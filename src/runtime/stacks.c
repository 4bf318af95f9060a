/* stacks.c - printing of stacks and symbol values, as bpftrace prints
 * them (the runtime's rt_format_special hook), and the user-pid
 * notifications that let user stacks of short-lived processes resolve
 * (rt_event_hook). See stacks.h for the value layouts.
 *
 * bpftrace's formats, per frame:
 *   bpftrace mode   <indent>sym+off          indent: 4 in a map key, 8 elsewhere
 *   perf mode       \t<hex addr> sym+off     user frames add " (module path)"
 *   raw mode        <hex addr>
 * The text starts with a newline; a frame without a symbol is its address
 * (0x...; perf mode: the bare hex address and, for user frames,
 * " ([unknown])"). ksym()/func print the symbol name alone, usym() too;
 * unresolved they print the address as 0x.... C++ symbols print
 * demangled. */
#include "runtime/stacks.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "sys/demangle.h"
#include "abi/event_abi.h"
#include "sys/ksyms.h"
#include "runtime/load.h"
#include "runtime/runtime.h"
#include "sys/usyms.h"
#include "util/arena.h"

struct type *stack_type(struct arena *a, bool user, enum stack_mode mode, int limit)
{
	struct type *t = type_simple(a, user ? TY_USTACK : TY_KSTACK, 8);
	t->nelem = limit;
	t->lmin = mode;
	return t;
}

int stack_max_depth(void)
{
	static int depth;
	if (!depth) {
		depth = STACK_DEFAULT_LIMIT;
		FILE *f = fopen("/proc/sys/kernel/perf_event_max_stack", "re");
		if (f) {
			if (fscanf(f, "%d", &depth) != 1 || depth <= 0)
				depth = STACK_DEFAULT_LIMIT;
			fclose(f);
		}
	}
	return depth;
}

static void map_name(char *buf, size_t n, int limit)
{
	snprintf(buf, n, "stack_%d", limit);
}

int stack_map_fd(struct rt *rt, int limit, int max_entries)
{
	char name[32];
	map_name(name, sizeof(name), limit);
	return load_extra_map(rt, name, BPF_MAP_TYPE_STACK_TRACE, 4, 8 * limit, max_entries);
}

bool stack_map_too_big(struct rt *rt, int limit, int max_entries, uint64_t *need, uint64_t *avail)
{
	char name[32];
	map_name(name, sizeof(name), limit);
	uint64_t slots = 1;
	while (slots < (uint64_t)max_entries)
		slots <<= 1;
	*need = slots * (8 * (uint64_t)limit + 32);
	*avail = load_mem_available();
	return load_extra_map_fd(rt, name) < 0 && *avail && *need > *avail / 2;
}

int stack_pid_map_fd(struct rt *rt, int max_entries)
{
	return load_extra_map(rt, "usym_pids", BPF_MAP_TYPE_HASH, 16, 1, max_entries);
}

/* ---- symbols --------------------------------------------------------------- */

static void ksym_text(FILE *out, uint64_t addr, bool with_off)
{
	uint64_t off;
	const struct ksym *k = ksyms_resolve(addr, &off);
	if (!k)
		fprintf(out, "0x%" PRIx64, addr);
	else if (with_off)
		fprintf(out, "%s+%" PRIu64, k->name, off);
	else
		fputs(k->name, out);
}

static void usym_text(FILE *out, uint64_t addr, pid_t pid, bool with_off, bool with_module)
{
	struct usym u;
	if (usyms_resolve(pid, addr, &u)) {
		/* C++ names demangled, as bpftrace prints them (cpp_demangle) */
		char *d = cxx_demangle_output(u.name);
		const char *name = d ? d : u.name;
		if (with_off)
			fprintf(out, "%s+%" PRIu64, name, u.off);
		else
			fputs(name, out);
		free(d);
		if (with_module)
			fprintf(out, " (%s)", u.module);
		return;
	}
	fprintf(out, "0x%" PRIx64, addr);
	if (with_module)
		fputs(" ([unknown])", out);
}

/* ---- stacks -------------------------------------------------------------------- */

static int stack_text(struct rt *rt, FILE *out, const struct type *t, uint64_t v, bool in_key)
{
	bool user = t->kind == TY_USTACK;
	int32_t id = (int32_t)(uint32_t)v;
	pid_t pid = (pid_t)(v >> 32);
	int limit = t->nelem > 0 ? t->nelem : STACK_DEFAULT_LIMIT;
	char name[32];
	map_name(name, sizeof(name), limit);
	int fd = load_extra_map_fd(rt, name);
	uint64_t *frames = xcalloc((size_t)limit, sizeof(*frames));
	uint32_t key = (uint32_t)id;
	int indent = in_key ? 4 : 8;
	/* a negative id is the helper's error. -EFAULT: the task had no stack
	 * of that kind (kstack in user mode, ustack of a kernel thread), an
	 * empty stack as bpftrace prints it; any other error is a capture that
	 * failed (counted, reported at exit), shown as such */
	if (id < 0 && id != -EFAULT) {
		free(frames);
		if ((enum stack_mode)t->lmin == STACK_BPFTRACE)
			fprintf(out, "\n%*s[lost stack: %s]\n", indent, "", strerror(-id));
		else
			fprintf(out, "\n[lost stack: %s]\n", strerror(-id));
		return 0;
	}
	if (id < 0 || fd < 0 || bpf_map_lookup_elem(fd, &key, frames) < 0) {
		if (id >= 0 && fd >= 0)
			fprintf(stderr, "ERROR: failed to look up stack id %d (pid %d): %s\n", id, (int)pid,
				strerror(errno));
		free(frames);
		return 0;
	}
	fputc('\n', out);
	for (int i = 0; i < limit && frames[i]; i++) {
		uint64_t a = frames[i];
		switch ((enum stack_mode)t->lmin) {
		case STACK_RAW:
			fprintf(out, "%" PRIx64 "\n", a);
			break;
		case STACK_PERF:
			fprintf(out, "\t%" PRIx64 " ", a);
			if (user)
				usym_text(out, a, pid, true, true);
			else
				ksym_text(out, a, true);
			fputc('\n', out);
			break;
		default:
			fprintf(out, "%*s", indent, "");
			if (user)
				usym_text(out, a, pid, true, false);
			else
				ksym_text(out, a, true);
			fputc('\n', out);
		}
	}
	free(frames);
	return 0;
}

int rt_format_special(struct rt *rt, FILE *out, const struct type *t, const uint8_t *data, bool in_key)
{
	uint64_t v, pid;
	switch (t->kind) {
	case TY_KSTACK:
	case TY_USTACK:
		memcpy(&v, data, 8);
		return stack_text(rt, out, t, v, in_key);
	case TY_KSYM:
		memcpy(&v, data, 8);
		ksym_text(out, v, false);
		return 0;
	case TY_USYM:
		memcpy(&v, data, 8);
		memcpy(&pid, data + 8, 8);
		usym_text(out, v, (pid_t)pid, false, false);
		return 0;
	default:
		return -1;
	}
}

void rt_event_hook(struct rt *rt, uint32_t kind, uint32_t id, const uint8_t *payload, size_t size)
{
	if (kind == EV_PID_SEEN && size >= 8) {
		uint64_t pid;
		memcpy(&pid, payload, 8);
		/* bpfscript's own stacks resolve at print time (it is still
		 * there then): reading its maps now would show as its own
		 * events to a probe on openat or read */
		if ((pid_t)pid != getpid())
			usyms_cache_pid((pid_t)pid);
	}
}
