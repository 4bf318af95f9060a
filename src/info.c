/* info.c - --info (see info.h).
 *
 * Every "yes" is the outcome of an attempt made now: a helper is
 * supported when a program calling it gets past the verifier's helper
 * lookup; a probe type is supported when a program of its BPF type loads
 * and attaches the way bpfscript would attach it (the kprobe PMU, a
 * tracepoint perf event, a raw tracepoint, a BPF trampoline, an iterator,
 * a software, hardware or breakpoint perf event, BPF_PROG_TEST_RUN for
 * BEGIN/END). Nothing stays attached: every fd is closed before the next
 * item is tried. */
#define _GNU_SOURCE
#include "info.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <bpf/libbpf_version.h>
#include <llvm/Config/llvm-config.h>
#include "sys/bpfsys.h"
#include "sys/tracefs.h"

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV0 INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0)
#define EXIT INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Kernel functions that exist on every kernel bpfscript runs on; the first
 * one the kernel knows is used as a kprobe/fentry target. */
static const char *const kfuncs[] = { "do_nanosleep", "vfs_read", "ksys_read", "schedule", NULL };

static const char *yesno(bool b)
{
	return b ? "yes" : "no";
}

struct prog {
	enum bpf_prog_type type;
	enum bpf_attach_type eat;
	uint32_t btf_id;
};

/* Loads insns as a program of p's type; log (if any) gets the verifier
 * log. Returns the fd or -1. */
static int load(const struct prog *p, const struct bpf_insn *insns, size_t n, char *log, size_t loglen)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = p->eat, .attach_btf_id = p->btf_id);
	if (log) {
		log[0] = 0;
		o.log_buf = log;
		o.log_size = (unsigned)loglen;
		o.log_level = 1;
	}
	return bpfsys_prog_load(p->type, NULL, insns, n, &o);
}

static int load_trivial(const struct prog *p)
{
	const struct bpf_insn insns[] = { MOV0, EXIT };
	return load(p, insns, 2, NULL, 0);
}

static bool has_helper(const struct prog *p, int func)
{
	return bpfsys_prog_has_helper(p->type, p->eat, p->btf_id, func);
}

static int perf_open(struct perf_event_attr *a, pid_t pid, int cpu)
{
	a->size = sizeof(*a);
	return (int)syscall(SYS_perf_event_open, a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* Opens the perf event, attaches a trivial program of type `type` to it. */
static bool perf_attach(enum bpf_prog_type type, struct perf_event_attr *a, pid_t pid, int cpu)
{
	struct prog p = { .type = type };
	int prog = load_trivial(&p);
	if (prog < 0)
		return false;
	int ev = perf_open(a, pid, cpu);
	bool ok = ev >= 0 && ioctl(ev, PERF_EVENT_IOC_SET_BPF, prog) == 0;
	if (ev >= 0)
		close(ev);
	close(prog);
	return ok;
}

/* A dynamic PMU's type number (kprobe, uprobe), -1 when absent. */
static int pmu_type(const char *pmu)
{
	char path[128], buf[32] = "";
	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/type", pmu);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -1;
}

/* The config bit that makes a kprobe/uprobe PMU event a return probe. */
static int retprobe_bit(const char *pmu)
{
	char path[128], buf[32] = "";
	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/format/retprobe", pmu);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	const char *c = n > 0 ? strchr(buf, ':') : NULL;
	return c ? atoi(c + 1) : 0;
}

static bool try_kprobe(bool ret)
{
	int type = pmu_type("kprobe");
	if (type < 0)
		return false;
	for (int i = 0; kfuncs[i]; i++) {
		struct perf_event_attr a = { .type = (uint32_t)type };
		a.config1 = (uint64_t)(uintptr_t)kfuncs[i];
		if (ret)
			a.config |= 1ull << retprobe_bit("kprobe");
		if (perf_attach(BPF_PROG_TYPE_KPROBE, &a, -1, 0))
			return true;
	}
	return false;
}

static bool try_kprobe_multi(void)
{
	struct prog p = { .type = BPF_PROG_TYPE_KPROBE, .eat = BPF_TRACE_KPROBE_MULTI };
	int prog = load_trivial(&p);
	if (prog < 0)
		return false;
	bool ok = false;
	for (int i = 0; kfuncs[i] && !ok; i++) {
		const char *syms[] = { kfuncs[i] };
		LIBBPF_OPTS(bpf_link_create_opts, o, .kprobe_multi.syms = syms, .kprobe_multi.cnt = 1);
		int link = bpf_link_create(prog, 0, BPF_TRACE_KPROBE_MULTI, &o);
		if (link >= 0) {
			ok = true;
			close(link);
		}
	}
	close(prog);
	return ok;
}

/* The target of the uprobe attempts: a function of this very binary. */
__attribute__((noinline, used)) void info_uprobe_target(void);
__attribute__((noinline, used)) void info_uprobe_target(void)
{
	__asm__ volatile("");
}

/* File and file offset of info_uprobe_target, from /proc/self/maps. */
static bool self_offset(char *path, size_t pathlen, uint64_t *off)
{
	uintptr_t addr = (uintptr_t)&info_uprobe_target;
	FILE *f = fopen("/proc/self/maps", "re");
	if (!f)
		return false;
	char line[4096];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, foff;
		int pos = 0;
		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &lo, &hi, &foff, &pos) < 3 || !pos)
			continue;
		if (addr < lo || addr >= hi || line[pos] != '/')
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(path, pathlen, "%s", line + pos);
		*off = addr - lo + foff;
		found = true;
	}
	fclose(f);
	return found;
}

static bool try_uprobe(bool ret)
{
	int type = pmu_type("uprobe");
	char path[4096];
	uint64_t off;
	if (type < 0 || !self_offset(path, sizeof(path), &off))
		return false;
	struct perf_event_attr a = { .type = (uint32_t)type };
	a.config1 = (uint64_t)(uintptr_t)path;
	a.config2 = off;
	if (ret)
		a.config |= 1ull << retprobe_bit("uprobe");
	return perf_attach(BPF_PROG_TYPE_KPROBE, &a, getpid(), -1);
}

/* A uprobe_multi link on info_uprobe_target, filtered to this process. */
static bool try_uprobe_multi(void)
{
	char path[4096];
	uint64_t off;
	struct prog p = { .type = BPF_PROG_TYPE_KPROBE, .eat = (enum bpf_attach_type)BPFSYS_TRACE_UPROBE_MULTI };
	if (!self_offset(path, sizeof(path), &off))
		return false;
	int prog = load_trivial(&p);
	if (prog < 0)
		return false;
	int link = bpfsys_uprobe_multi(prog, path, &off, NULL, NULL, 1, 0, (uint32_t)getpid());
	if (link >= 0)
		close(link);
	close(prog);
	return link >= 0;
}

static bool try_tracepoint(void)
{
	char err[256];
	if (!tracefs_root(err, sizeof(err)))
		return false;
	const struct tp_format *f = tracefs_format("syscalls", "sys_enter_getppid");
	if (!f)
		f = tracefs_format("sched", "sched_switch");
	if (!f)
		return false;
	struct perf_event_attr a = { .type = PERF_TYPE_TRACEPOINT, .config = (uint64_t)f->id,
				     .sample_period = 1, .wakeup_events = 1 };
	return perf_attach(BPF_PROG_TYPE_TRACEPOINT, &a, -1, 0);
}

static bool try_perf_event(uint32_t type, uint64_t config)
{
	struct perf_event_attr a = { .type = type, .config = config, .sample_period = 1000000000ull };
	return perf_attach(BPF_PROG_TYPE_PERF_EVENT, &a, -1, 0);
}

static volatile uint64_t watched;

static bool try_watchpoint(void)
{
	struct perf_event_attr a = { .type = PERF_TYPE_BREAKPOINT, .bp_type = HW_BREAKPOINT_W,
				     .bp_addr = (uint64_t)(uintptr_t)&watched, .bp_len = HW_BREAKPOINT_LEN_8,
				     .sample_period = 1 };
	return perf_attach(BPF_PROG_TYPE_PERF_EVENT, &a, 0, -1);
}

static bool try_raw_tracepoint(void)
{
	struct prog p = { .type = BPF_PROG_TYPE_RAW_TRACEPOINT };
	int prog = load_trivial(&p);
	if (prog < 0)
		return false;
	int fd = bpf_raw_tracepoint_open("sched_switch", prog);
	if (fd >= 0)
		close(fd);
	close(prog);
	return fd >= 0;
}

/* BEGIN/END: a raw tracepoint program run once with BPF_PROG_TEST_RUN. */
static bool try_test_run(void)
{
	struct prog p = { .type = BPF_PROG_TYPE_RAW_TRACEPOINT };
	int prog = load_trivial(&p);
	if (prog < 0)
		return false;
	uint64_t args[2] = { 0, 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = args, .ctx_size_in = sizeof(args));
	bool ok = bpf_prog_test_run_opts(prog, &o) == 0;
	close(prog);
	return ok;
}

/* BTF id of the first function of names[] that vmlinux BTF has, 0 if none. */
static uint32_t btf_func(const struct btf *btf, const char *const *names)
{
	for (int i = 0; btf && names[i]; i++) {
		int id = btf__find_by_name_kind(btf, names[i], BTF_KIND_FUNC);
		if (id > 0)
			return (uint32_t)id;
	}
	return 0;
}

/* fentry/fexit: a tracing program loaded against a kernel function and
 * attached through a BPF trampoline. */
static bool try_trampoline(const struct btf *btf, enum bpf_attach_type eat)
{
	struct prog p = { .type = BPF_PROG_TYPE_TRACING, .eat = eat, .btf_id = btf_func(btf, kfuncs) };
	if (!p.btf_id)
		return false;
	int prog = load_trivial(&p);
	if (prog < 0)
		return false;
	int fd = bpf_raw_tracepoint_open(NULL, prog);
	if (fd >= 0)
		close(fd);
	close(prog);
	return fd >= 0;
}

/* iter:<name>: an iterator program attached and read to the end. */
static bool try_iter(const struct btf *btf, const char *func)
{
	const char *const names[] = { func, NULL };
	struct prog p = { .type = BPF_PROG_TYPE_TRACING, .eat = BPF_TRACE_ITER, .btf_id = btf_func(btf, names) };
	if (!p.btf_id)
		return false;
	int prog = load_trivial(&p);
	if (prog < 0)
		return false;
	bool ok = false;
	int link = bpf_link_create(prog, 0, BPF_TRACE_ITER, NULL);
	if (link >= 0) {
		int it = bpf_iter_create(link);
		if (it >= 0) {
			char buf[256];
			ssize_t n;
			while ((n = read(it, buf, sizeof(buf))) > 0)
				;
			ok = n == 0;
			close(it);
		}
		close(link);
	}
	close(prog);
	return ok;
}

/* "processed 2 insns (limit 1000000) ..." of a two-instruction program. */
static long insn_limit(void)
{
	const struct bpf_insn insns[] = { INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_0, 0, 0, 0),
					  INSN(0, 0, 0, 0, 0), EXIT };
	char log[4096];
	struct prog p = { .type = BPF_PROG_TYPE_KPROBE };
	int fd = load(&p, insns, 3, log, sizeof(log));
	if (fd < 0)
		return -1;
	close(fd);
	const char *l = strstr(log, "(limit ");
	return l ? strtol(l + 7, NULL, 10) : -1;
}

static bool has_loops(void)
{
	const struct bpf_insn insns[] = {
		MOV0,
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_0, 0, 0, 1),
		INSN(BPF_JMP | BPF_JLT | BPF_K, BPF_REG_0, 0, -2, 4),
		EXIT,
	};
	struct prog p = { .type = BPF_PROG_TYPE_TRACEPOINT };
	int fd = load(&p, insns, 4, NULL, 0);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

static bool has_map_batch(void)
{
	int fd = bpfsys_map_create(BPF_MAP_TYPE_HASH, NULL, 4, 4, 1);
	if (fd < 0)
		return false;
	uint32_t keys[1], vals[1], count = 1, out;
	int r = bpf_map_lookup_batch(fd, NULL, &out, keys, vals, &count, NULL);
	bool ok = r == 0 || errno == ENOENT;
	close(fd);
	return ok;
}

static bool has_map(enum bpf_map_type t)
{
	return libbpf_probe_bpf_map_type(t, NULL) == 1;
}

int info_print(FILE *out)
{
	struct utsname u;
	uname(&u);
	fprintf(out, "System\n  OS: %s %s %s\n  Arch: %s\n\n", u.sysname, u.release, u.version, u.machine);
	fprintf(out, "Build\n  version: v%s\n  LLVM: %s\n  libbpf: %d.%d\n\n", BPFSCRIPT_VERSION,
		LLVM_VERSION_STRING, LIBBPF_MAJOR_VERSION, LIBBPF_MINOR_VERSION);

	struct prog kp = { .type = BPF_PROG_TYPE_KPROBE };
	int fd = load_trivial(&kp);
	if (fd < 0) {
		fprintf(stderr, "ERROR: cannot load even a trivial BPF program: %s\n", strerror(errno));
		return -1;
	}
	close(fd);
	struct btf *btf = btf__load_vmlinux_btf();
	const char *const dpath_targets[] = { "filp_close", "vfs_getattr", "dentry_open", NULL };
	struct prog trace = { .type = BPF_PROG_TYPE_TRACING, .eat = BPF_TRACE_FENTRY,
			      .btf_id = btf_func(btf, dpath_targets) };
	static const struct { const char *name; int func; } helpers[] = {
		{ "probe_read", BPF_FUNC_probe_read },
		{ "probe_read_str", BPF_FUNC_probe_read_str },
		{ "probe_read_user", BPF_FUNC_probe_read_user },
		{ "probe_read_user_str", BPF_FUNC_probe_read_user_str },
		{ "probe_read_kernel", BPF_FUNC_probe_read_kernel },
		{ "probe_read_kernel_str", BPF_FUNC_probe_read_kernel_str },
		{ "get_current_cgroup_id", BPF_FUNC_get_current_cgroup_id },
		{ "send_signal", BPF_FUNC_send_signal },
		{ "override_return", BPF_FUNC_override_return },
		{ "get_boot_ns", BPF_FUNC_ktime_get_boot_ns },
		{ "get_func_ip", BPF_FUNC_get_func_ip },
		{ "jiffies64", BPF_FUNC_jiffies64 },
		{ "ringbuf_reserve", BPF_FUNC_ringbuf_reserve },
	};
	fprintf(out, "Kernel helpers\n");
	for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++)
		fprintf(out, "  %s: %s\n", helpers[i].name, yesno(has_helper(&kp, helpers[i].func)));
	fprintf(out, "  dpath: %s\n", yesno(trace.btf_id && has_helper(&trace, BPF_FUNC_d_path)));
	fprintf(out, "  skboutput: %s\n", yesno(trace.btf_id && has_helper(&trace, BPF_FUNC_skb_output)));

	fprintf(out, "\nKernel features\n  Instruction limit: %ld\n", insn_limit());
	fprintf(out, "  Loop support: %s\n", yesno(has_loops()));
	fprintf(out, "  btf: %s\n", yesno(btf != NULL));
	fprintf(out, "  map batch: %s\n", yesno(has_map_batch()));
	fprintf(out, "  uprobe refcount: %s\n",
		yesno(access("/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset", R_OK) == 0));

	static const struct { const char *name; enum bpf_map_type t; } maps[] = {
		{ "hash", BPF_MAP_TYPE_HASH },
		{ "percpu hash", BPF_MAP_TYPE_PERCPU_HASH },
		{ "lru hash", BPF_MAP_TYPE_LRU_HASH },
		{ "array", BPF_MAP_TYPE_ARRAY },
		{ "percpu array", BPF_MAP_TYPE_PERCPU_ARRAY },
		{ "stack_trace", BPF_MAP_TYPE_STACK_TRACE },
		{ "perf_event_array", BPF_MAP_TYPE_PERF_EVENT_ARRAY },
		{ "ringbuf", BPF_MAP_TYPE_RINGBUF },
	};
	fprintf(out, "\nMap types\n");
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		fprintf(out, "  %s: %s\n", maps[i].name, yesno(has_map(maps[i].t)));

	bool uprobe = try_uprobe(false);
	fprintf(out, "\nProbe types\n");
	fprintf(out, "  kprobe: %s\n", yesno(try_kprobe(false)));
	fprintf(out, "  kretprobe: %s\n", yesno(try_kprobe(true)));
	fprintf(out, "  kprobe_multi: %s\n", yesno(try_kprobe_multi()));
	fprintf(out, "  uprobe: %s\n", yesno(uprobe));
	fprintf(out, "  uretprobe: %s\n", yesno(try_uprobe(true)));
	fprintf(out, "  uprobe_multi: %s\n", yesno(try_uprobe_multi()));
	fprintf(out, "  usdt: %s\n", yesno(uprobe));
	fprintf(out, "  tracepoint: %s\n", yesno(try_tracepoint()));
	fprintf(out, "  rawtracepoint: %s\n", yesno(try_raw_tracepoint()));
	fprintf(out, "  perf_event: %s\n", yesno(try_perf_event(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK)));
	fprintf(out, "  hardware: %s\n", yesno(try_perf_event(PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES)));
	fprintf(out, "  watchpoint: %s\n", yesno(try_watchpoint()));
	fprintf(out, "  fentry: %s\n", yesno(try_trampoline(btf, BPF_TRACE_FENTRY)));
	fprintf(out, "  fexit: %s\n", yesno(try_trampoline(btf, BPF_TRACE_FEXIT)));
	fprintf(out, "  iter:task: %s\n", yesno(try_iter(btf, "bpf_iter_task")));
	fprintf(out, "  iter:task_file: %s\n", yesno(try_iter(btf, "bpf_iter_task_file")));
	fprintf(out, "  raw_tp_special: %s\n", yesno(try_test_run()));
	fprintf(out, "\n");
	btf__free(btf);
	return 0;
}
