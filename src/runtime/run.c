/* run.c - attach, run BEGIN, poll events, end cleanly.
 *
 * The order on the way out is fixed, whatever ends the run (exit(), a
 * signal, the -c child or the -p process exiting): detach every probe,
 * drain the ring buffer, run END, drain again, print the maps. An attach
 * failure detaches what was attached before reporting. */
#include "runtime/runtime.h"
#include "runtime/folded.h"
#include "ast/program.h"
#include "util/rfile.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ast/probe.h"
#include "runtime/metrics.h"
#include "runtime/outstream.h"
#include "runtime/sbuf.h"
#include "abi/event_abi.h"
#include "sys/usyms.h"
#include "abi/event_abi.h"

static volatile sig_atomic_t got_signal;

/* Set once every probe is detached: a signal then (a second Ctrl-C during
 * a long END or map print) ends the process at once. */
static volatile sig_atomic_t detached;

static void on_signal(int sig)
{
	if (detached) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	got_signal = sig;
}

/* self:signal probes: the signals received, one bit each, run by the
 * event loop (run_self_signals). */
static volatile sig_atomic_t self_pending;

static void on_self_signal(int sig)
{
	self_pending |= (sig_atomic_t)(1u << (sig & 31));
}

static void on_child(int sig)
{
	(void)sig;   /* only interrupts epoll_wait */
}

/* The entry point of a process (AT_ENTRY of its auxiliary vector), 0 when
 * unknown. */
static uint64_t entry_point(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	uint64_t av[2], entry = 0;
	while (!entry && read(fd, av, sizeof(av)) == (ssize_t)sizeof(av) && av[0] != AT_NULL)
		if (av[0] == AT_ENTRY)
			entry = av[1];
	close(fd);
	return entry;
}

enum { ENTRY_REACHED, ENTRY_FAILED, ENTRY_EXITED };

/* Runs the traced child, stopped at its exec, to its entry point with a
 * breakpoint there: by then the dynamic loader has mapped the libraries
 * the program needs, and the mappings read at that point name them, so
 * that user stacks of a child that exits before its first event is read
 * resolve in its libraries too (libc's __libc_start_main ...). Signals on
 * the way are delivered. Returns ENTRY_REACHED with the child stopped at
 * its entry as if it had never been, ENTRY_FAILED with the child stopped
 * (where the caller detaches it), or ENTRY_EXITED when it exited (not
 * reaped: the run loop sees it). The breakpoint instruction and the
 * program counter are per-architecture by nature: x86-64's int3 (one byte,
 * the trap leaves rip after it), arm64's brk #0 (four bytes, the trap
 * leaves pc on it). */
#if defined(__x86_64__)
#define BRK_MASK 0xfful
#define BRK_INSN 0xccul
#define BRK_PC(entry) ((entry) + 1)
#define REGS_PC(r) ((r).rip)
#elif defined(__aarch64__)
#define BRK_MASK 0xfffffffful
#define BRK_INSN 0xd4200000ul
#define BRK_PC(entry) (entry)
#define REGS_PC(r) ((r).pc)
#else
#error "-c: the entry breakpoint is known for x86-64 and arm64 only (src/runtime/run.c)"
#endif

/* The traced child's general registers (struct user_regs_struct, the
 * NT_PRSTATUS register set on every architecture). */
static int regs_io(pid_t pid, struct user_regs_struct *r, bool set)
{
	struct iovec io = { .iov_base = r, .iov_len = sizeof(*r) };
	long ret = ptrace(set ? PTRACE_SETREGSET : PTRACE_GETREGSET, pid, (void *)(uintptr_t)NT_PRSTATUS, &io);
	return ret < 0 ? -1 : 0;
}

static int run_to_entry(pid_t pid)
{
	uint64_t entry = entry_point(pid);
	if (!entry)
		return ENTRY_FAILED;
	errno = 0;
	long word = ptrace(PTRACE_PEEKTEXT, pid, (void *)(uintptr_t)entry, NULL);
	if (errno)
		return ENTRY_FAILED;
	long trap = (long)(((unsigned long)word & ~BRK_MASK) | BRK_INSN);
	if (ptrace(PTRACE_POKETEXT, pid, (void *)(uintptr_t)entry, (void *)trap) < 0)
		return ENTRY_FAILED;
	int sig = 0;
	struct user_regs_struct regs;
	for (;;) {
		siginfo_t si = { 0 };
		int st, r = 0;
		if (ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig) < 0)
			goto fail;
		while ((r = waitid(P_PID, (id_t)pid, &si, WEXITED | WSTOPPED | WNOWAIT)) < 0 && errno == EINTR)
			;
		if (r < 0)
			goto fail;
		if (si.si_code == CLD_EXITED || si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED)
			return ENTRY_EXITED;
		while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
			;
		if (r != pid || !WIFSTOPPED(st))
			goto fail;
		sig = WSTOPSIG(st);
		if (sig == SIGTRAP && regs_io(pid, &regs, false) == 0 && REGS_PC(regs) == BRK_PC(entry))
			break;
	}
	usyms_cache_pid(pid);
	REGS_PC(regs) = entry;
	if (ptrace(PTRACE_POKETEXT, pid, (void *)(uintptr_t)entry, (void *)word) < 0 ||
	    regs_io(pid, &regs, true) < 0)
		return ENTRY_FAILED;
	return ENTRY_REACHED;
fail:
	/* never leave the breakpoint behind (if the child is stopped) */
	ptrace(PTRACE_POKETEXT, pid, (void *)(uintptr_t)entry, (void *)word);
	return ENTRY_FAILED;
}

/* Has the -p target exited? A process that has exited but was not reaped yet
 * (a zombie) still answers kill(pid, 0). Its parent may never reap it: it can
 * be our own child, when whatever started it exec()ed bpfscript (`target &
 * exec bpfscript -p $!`); then we reap it here. Otherwise /proc says 'Z'. */
static bool target_gone(pid_t pid)
{
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	int st;
	if (waitpid(pid, &st, WNOHANG) == pid)
		return true;
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	const char *p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/* Lets the -c child run. A child that could ask to be traced stops at its
 * exec: its mappings and symbols are read there, and again at its entry
 * point (run_to_entry), before it runs a single instruction of its own, so
 * that its user stacks resolve even if it exits before the run reads them. */
static void release_child(const struct run_opts *o)
{
	char c = 'N';
	if (write(o->child_go_fd, "g", 1) != 1)
		fprintf(stderr, "WARNING: could not start the child: %s\n", strerror(errno));
	close(o->child_go_fd);
	if (o->child_ack_fd >= 0) {
		while (read(o->child_ack_fd, &c, 1) < 0 && errno == EINTR)
			;
		close(o->child_ack_fd);
	}
	if (c != 'T')
		return;
	for (;;) {
		int st;
		pid_t w = waitpid(o->child_pid, &st, 0);
		if (w < 0 && errno == EINTR)
			continue;
		if (w != o->child_pid || !WIFSTOPPED(st))
			return;   /* exec failed and the child exited: the run loop sees it */
		if (WSTOPSIG(st) == SIGTRAP) {
			usyms_cache_pid(o->child_pid);
			/* on to its entry point, where the libraries are mapped;
			 * a child that exits on the way is left to the run loop */
			if (run_to_entry(o->child_pid) != ENTRY_EXITED)
				ptrace(PTRACE_DETACH, o->child_pid, NULL, NULL);
			return;
		}
		/* a signal before the exec: deliver it and wait on */
		ptrace(PTRACE_CONT, o->child_pid, NULL, (void *)(long)WSTOPSIG(st));
	}
}

static void print_time(struct rt *rt, const char *fmt)
{
	char buf[512];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	size_t n = strftime(buf, sizeof(buf), fmt, &tm);
	if (rt->format == OUT_JSON)
		rt_json_message(rt->out, "time", buf, n);
	else
		fwrite(buf, 1, n, rt->out);
}

/* The text of a printf-like event (the command of system(), the path of
 * cat()); malloc'd. */
static char *event_text(struct rt *rt, const struct rt_printf *pf, const uint8_t *payload)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		return NULL;
	fmt_print(rt, m, pf, payload);
	fclose(m);
	return text;
}

/* Prints output the way bpftrace prints the output of system() and cat():
 * raw, or {"type": "<json_type>", "data": "..."} with -f json. Text that
 * comes from the traced system (cat's file, join's strings: traced) has
 * its control bytes escaped on a terminal, as printf's strings have. */
static void print_output(struct rt *rt, const char *json_type, const char *text, size_t len, bool traced)
{
	if (rt->format == OUT_JSON) {
		rt_json_message(rt->out, json_type, text, len);
	} else if (traced && rt->escape_ctl) {
		struct sbuf b = { 0 };
		sb_ctl_escape(&b, text, len);
		sb_write(&b, rt->out);
		sb_free(&b);
	} else {
		fwrite(text, 1, len, rt->out);
	}
}

/* system(): runs the command with /bin/sh, its output into ours. */
static void run_system(struct rt *rt, const struct rt_printf *pf, const uint8_t *payload)
{
	char *cmd = event_text(rt, pf, payload);
	if (!cmd)
		return;
	fflush(rt->out);
	FILE *p = popen(cmd, "r");
	if (!p) {
		fprintf(stderr, "ERROR: system(\"%s\"): %s\n", cmd, strerror(errno));
		free(cmd);
		return;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len + 4096 > cap)
			buf = xrealloc(buf, cap = cap ? cap * 2 : 8192);
		size_t n = fread(buf + len, 1, cap - len, p);
		if (n == 0)
			break;
		len += n;
	}
	pclose(p);
	print_output(rt, "syscall", buf ? buf : "", len, false);
	free(buf);
	free(cmd);
}

/* cat(): prints at most rt->cat_bytes_max bytes of the file. */
static void run_cat(struct rt *rt, const struct rt_printf *pf, const uint8_t *payload)
{
	char *path = event_text(rt, pf, payload);
	if (!path)
		return;
	size_t max = rt->cat_bytes_max > 0 ? (size_t)rt->cat_bytes_max : 10240;
	char *buf = xmalloc(max);
	size_t len = 0;
	/* the path may come from the traced process: opened as hostile input
	 * (util/rfile.h: a FIFO or a device is refused at once, never read) */
	char err[512];
	errno = 0;
	int fd = rfile_open(path, UINT64_MAX, NULL, err, sizeof(err));
	if (fd < 0) {
		fflush(rt->out);
		if (!strncmp(err, "cannot open", 11))
			fprintf(stderr, "ERROR: failed to open file '%s': %s\n", path, strerror(errno));
		else {
			size_t pl = strlen(path);   /* "PATH: it is a FIFO" -> "it is a FIFO" */
			const char *why = !strncmp(err, path, pl) && err[pl] == ':' ? err + pl + 2 : err;
			fprintf(stderr, "ERROR: failed to read file '%s': %s\n", path, why);
		}
	} else {
		while (len < max) {
			ssize_t n = read(fd, buf + len, max - len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			len += (size_t)n;
		}
		close(fd);
	}
	if (fd >= 0 || rt->format == OUT_JSON)
		print_output(rt, "cat", buf, len, true);
	free(buf);
	free(path);
}

/* join(): the strings of the event (one per JOIN_ARGSIZE slot, see
 * builtins/strfuncs.c) up to the first empty one, joined by sep, as a line. */
static void run_join(struct rt *rt, const char *sep, const uint8_t *pl, size_t size)
{
	enum { JOIN_ARGS = 16, JOIN_ARGSIZE = 1024 };
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		return;
	for (size_t i = 0; i < JOIN_ARGS && (i + 1) * JOIN_ARGSIZE <= size; i++) {
		const char *a = (const char *)pl + i * JOIN_ARGSIZE;
		if (!a[0])
			break;
		if (i)
			fputs(sep, m);
		fwrite(a, 1, strnlen(a, JOIN_ARGSIZE), m);
	}
	if (rt->format != OUT_JSON)
		fputc('\n', m);
	fclose(m);
	print_output(rt, "join", text ? text : "", len, true);
	free(text);
}

/* -k: a helper failed. As bpftrace: "stdin:1:9: WARNING: Failed to
 * map_delete_elem: No such file or directory (-2)", the source line and a
 * caret, each time it happens; with -f json {"type": "helper_error", ...}.
 * Like every message of latest bpftrace, on stderr (0.17 used stdout). */
static void helper_error(struct rt *rt, const struct rt_helper_err *he, const uint8_t *pl)
{
	int64_t rc;
	memcpy(&rc, pl, sizeof(rc));
	fflush(rt->out);
	if (rt->format == OUT_JSON) {
		fprintf(stderr, "{\"type\": \"helper_error\", \"helper\": \"%s\", \"retcode\": %lld, "
			"\"line\": %d, \"col\": %d}\n", he->helper, (long long)rc, he->loc.first_line,
			he->loc.first_column);
		return;
	}
	if (rt->diag)
		diag_warn(rt->diag, he->loc, "Failed to %s: %s (%lld)", he->helper,
			  rc < 0 && rc > -4096 ? strerror((int)-rc) : "Unknown error", (long long)rc);
}

/* errorf()/warnf(): the formatted text as a diagnostic at the call, with
 * its source line and caret (latest bpftrace); warnings obey --no-warnings. */
static void run_diag(struct rt *rt, const struct rt_printf *pf, const uint8_t *payload)
{
	char *text = event_text(rt, pf, payload);
	if (!text)
		return;
	fflush(rt->out);
	if (!rt->diag)
		fprintf(stderr, "%s: %s\n", pf->diag_level > 1 ? "ERROR" : "WARNING", text);
	else if (pf->diag_level > 1)
		diag_error(rt->diag, pf->loc, "%s", text);
	else
		diag_warn(rt->diag, pf->loc, "%s", text);
	free(text);
}

int rt_handle_event(struct rt *rt, const void *data, size_t size)
{
	if (size < sizeof(struct ev_hdr))
		return 0;
	const struct ev_hdr *h = data;
	const uint8_t *pl = (const uint8_t *)data + sizeof(*h);
	/* Once exit() ran, what other probes emit before they are detached is
	 * dropped, as bpftrace does: output stops at the exit. END still prints. */
	if (rt->exit_seen && !rt->in_end && !rt->in_iter)
		return 0;
	switch (h->kind) {
	case EV_PRINTF:
		if (h->id < (uint32_t)rt->nprintfs)
			fmt_print_event(rt, rt->out, rt->printfs[h->id], pl, "printf");
		break;
	case EV_SYSTEM:
		if (h->id < (uint32_t)rt->nprintfs)
			run_system(rt, rt->printfs[h->id], pl);
		break;
	case EV_CAT:
		if (h->id < (uint32_t)rt->nprintfs)
			run_cat(rt, rt->printfs[h->id], pl);
		break;
	case EV_DIAG:
		if (h->id < (uint32_t)rt->nprintfs)
			run_diag(rt, rt->printfs[h->id], pl);
		break;
	case EV_TIME:
		if (h->id < (uint32_t)rt->nprintfs)
			print_time(rt, rt->printfs[h->id]->fmt);
		break;
	case EV_JOIN:
		if (h->id < (uint32_t)rt->nprintfs)
			run_join(rt, rt->printfs[h->id]->fmt, pl, size - sizeof(*h));
		break;
	case EV_EXIT:
		if (!rt->exiting) {
			int64_t code;
			memcpy(&code, pl, sizeof(code));
			rt->exit_code = (int)code;
			rt->exiting = 1;
		}
		rt->exit_seen = true;
		break;
	case EV_PRINT_MAP:
		if (h->id < (uint32_t)rt->nmaps) {
			int64_t top, div;
			memcpy(&top, pl, 8);
			memcpy(&div, pl + 8, 8);
			rt_map_print(rt, rt->out, rt->maps[h->id], top, div);
		}
		break;
	case EV_CLEAR:
		if (h->id < (uint32_t)rt->nmaps)
			rt_map_clear(rt, rt->maps[h->id]);
		break;
	case EV_ZERO:
		if (h->id < (uint32_t)rt->nmaps)
			rt_map_zero(rt, rt->maps[h->id]);
		break;
	case EV_PRINT_VALUE:
		if (h->id < (uint32_t)rt->nvalues)
			rt_value_event(rt, rt->out, rt->values[h->id], pl);
		break;
	case EV_HELPER_ERROR:
		rt->helper_errors++;
		if (h->id < (uint32_t)rt->nhelper_errs && size >= sizeof(*h) + 8)
			helper_error(rt, rt->helper_errs[h->id], pl);
		break;
	default:
		if (rt_event_hook)
			rt_event_hook(rt, h->kind, h->id, pl, size - sizeof(*h));
		break;
	}
	return 0;
}

/* libbpf's poll consumes for as long as new records keep coming: a probe
 * that fires on the tracer's own output (printf on every system call) would
 * keep it there for ever, deaf to Ctrl-C and to the traced process exiting.
 * In the main loop a poll stops after RB_BATCH records, or at once on a
 * signal, and the loop looks at its state before polling again (END and the
 * final drains are not bounded: nothing is attached then). */
#define RB_BATCH 65536
#define RB_STOP (-ECANCELED)
static bool in_poll;
static int poll_records;

static int rb_cb(void *ctx, void *data, size_t size)
{
	struct rt *rt = ctx;
	int rc = rt_handle_event(rt, data, size);
	/* a scrape waits for the maps (--metrics): the loop hands them over
	 * at its next wait, so it stops the batch here */
	if (rc == 0 && in_poll &&
	    (got_signal || ++poll_records >= RB_BATCH || (rt->metrics && metrics_pending(rt->metrics))))
		return RB_STOP;
	return rc;
}

/* Waits up to timeout_ms for events and handles them. With --metrics the
 * wait is where scrapes read the maps (runtime/metrics.h): the loop hands
 * them over for the wait and takes them back before handling events. */
static int wait_events(struct rt *rt, struct ring_buffer *rb, int timeout_ms)
{
	if (!rt->metrics)
		return ring_buffer__poll(rb, timeout_ms);
	struct epoll_event ev;
	metrics_loop_wait(rt->metrics);
	int n = epoll_wait(ring_buffer__epoll_fd(rb), &ev, 1, timeout_ms);
	int err = errno;
	metrics_loop_busy(rt->metrics);
	if (n < 0)
		return -err;
	return n > 0 ? ring_buffer__consume(rb) : 0;
}

/* Does program p serve an attach point of kind which (and, for
 * self:signal, of signal signo)? */
static bool serves(const struct rt_prog *p, enum probe_special which, int signo)
{
	for (int k = 0; k < p->naps; k++)
		if (p->aps[k]->pt->special == which && (which != PS_SIGNAL || p->aps[k]->freq == (uint64_t)signo))
			return true;
	return false;
}

/* Runs the programs of BEGIN, END or self:signal:SIG (signo) once each,
 * in bpfscript's own context, and prints what they sent. */
static int run_special(struct rt *rt, enum probe_special which, struct ring_buffer *rb, int signo)
{
	for (int i = 0; i < rt->nprogs; i++) {
		struct rt_prog *p = &rt->progs[i];
		if (!serves(p, which, signo))
			continue;
		uint64_t args[2] = { 0, 0 };
		LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = args, .ctx_size_in = sizeof(args));
		if (bpf_prog_test_run_opts(p->fd, &o) < 0) {
			fprintf(stderr, "ERROR: failed to run %s: %s\n", p->ap->name, strerror(errno));
			return -1;
		}
		ring_buffer__consume(rb);
		if (!rt->full_buffering)
			fflush(rt->out);
	}
	return 0;
}

static void read_globals(int globals_fd, uint64_t g[G_NGLOBALS])
{
	uint32_t k = 0;
	memset(g, 0, sizeof(uint64_t) * G_NGLOBALS);
	if (globals_fd >= 0)
		bpf_map_lookup_elem(globals_fd, &k, g);
}

/* Maps whose updates failed because they were full: one warning each. */
static void map_full_check(struct rt *rt, uint64_t bits)
{
	static uint64_t warned;
	for (int i = 0; i < rt->nmaps && i < 64; i++) {
		uint64_t bit = 1ull << i;
		if (!(bits & bit) || (warned & bit))
			continue;
		warned |= bit;
		const struct rt_map *m = rt->maps[i];
		bool hist = m->val && (m->val->kind == TY_HIST || m->val->kind == TY_LHIST);
		fflush(rt->out);
		fprintf(stderr, "WARNING: Map full; can't update element of %s (max_map_keys=%d): "
			"new keys are dropped. Try increasing BPFTRACE_MAP_KEYS_MAX.\n",
			m->name, hist ? m->max_entries / 8 : m->max_entries);
	}
}

/* Lost events (ring buffer reservations that failed), as latest bpftrace
 * reports them: the new ones since the last report, at most once a second
 * while running, on stderr so that stdout keeps only the program's output
 * ("Lost N events", or {"type": "lost_events", "data": {"events": N}} with
 * -f json); then "WARNING: Total lost events: N" at exit. */
static void lost_notice(struct rt *rt, uint64_t n)
{
	fflush(rt->out);
	if (rt->format == OUT_JSON)
		fprintf(stderr, "{\"type\": \"lost_events\", \"data\": {\"events\": %llu}}\n",
			(unsigned long long)n);
	else
		fprintf(stderr, "Lost %llu events\n", (unsigned long long)n);
}

/* Stack captures that failed (G_STACK_LOST), once at exit: their values
 * printed as "[lost stack: ...]". */
static void stack_lost_notice(struct rt *rt, uint64_t n, int err)
{
	fflush(rt->out);
	if (rt->format == OUT_JSON) {
		fprintf(stderr, "{\"type\": \"lost_stacks\", \"data\": {\"stacks\": %llu, \"helper\": "
			"\"get_stackid\", \"retcode\": %d}}\n", (unsigned long long)n, -err);
		return;
	}
	fprintf(stderr, "WARNING: Failed to capture %llu stack%s: %s\nAdditional Info - helper: get_stackid, "
		"retcode: %d\n", (unsigned long long)n, n == 1 ? "" : "s", strerror(err), -err);
	if (err == EEXIST)
		fprintf(stderr, "HINT: the stack map was full or two stacks hashed to one slot; "
			"try increasing BPFTRACE_MAX_STACK_KEYS\n");
}

/* Range loops cut short at BPF_LOOP_MAX iterations (G_LOOP_CUT), once at
 * exit. */
static void loop_cut_notice(struct rt *rt, uint64_t n)
{
	fflush(rt->out);
	if (rt->format == OUT_JSON)
		fprintf(stderr, "{\"type\": \"loops_cut\", \"data\": {\"loops\": %llu, \"max_iterations\": %d}}\n",
			(unsigned long long)n, BPF_LOOP_MAX);
	else
		fprintf(stderr, "WARNING: %llu range loop%s stopped after %d iterations, the most one bpf_loop runs: "
			"the rest of %s range did not run\n", (unsigned long long)n, n == 1 ? "" : "s",
			BPF_LOOP_MAX, n == 1 ? "its" : "their");
}

static void lost_check(struct rt *rt, bool final)
{
	static time_t last;
	time_t now = time(NULL);
	if (!final && now == last)
		return;
	last = now;
	uint64_t g[G_NGLOBALS];
	read_globals(rt->globals_fd, g);
	map_full_check(rt, g[G_MAP_FULL]);
	/* an exit() whose event found the ring full (abi/event_abi.h, G_EXIT) */
	if ((g[G_EXIT] >> 32) && !rt->exiting) {
		rt->exit_code = (int)(uint32_t)g[G_EXIT];
		rt->exiting = 1;
	}
	uint64_t total = g[G_LOST];
	if (total > rt->lost_events) {
		lost_notice(rt, total - rt->lost_events);
		rt->lost_events = total;
	}
	if (final && total)
		fprintf(stderr, "WARNING: Total lost events: %llu\n", (unsigned long long)total);
	if (final && g[G_STACK_LOST])
		stack_lost_notice(rt, g[G_STACK_LOST], (int)g[G_STACK_ERR]);
	if (final && g[G_LOOP_CUT])
		loop_cut_notice(rt, g[G_LOOP_CUT]);
}


/* A signal that a self:signal probe of the program waits for. */
static bool self_signal_probe(const struct rt *rt, int signo)
{
	for (int i = 0; i < rt->nprogs; i++)
		if (serves(&rt->progs[i], PS_SIGNAL, signo))
			return true;
	return false;
}

/* SIGINT and SIGTERM end the run (END runs, maps print), and so do SIGHUP
 * (a closed terminal or ssh session), SIGQUIT and SIGUSR1/SIGUSR2, which
 * would otherwise kill the process with its output lost, unless a
 * self:signal probe waits for them: then each runs its programs once in the
 * event loop. SIGPIPE is ignored: a write to a closed pipe fails with EPIPE,
 * which ends the run (outstream.h). */
static void install_signals(const struct rt *rt)
{
	static const int ends[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	struct sigaction sa = { .sa_handler = on_signal }, sc = { .sa_handler = on_child },
			 ss = { .sa_handler = on_self_signal };
	sigemptyset(&sa.sa_mask);
	sigemptyset(&sc.sa_mask);
	sigemptyset(&ss.sa_mask);
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		sigaction(ends[i], self_signal_probe(rt, ends[i]) ? &ss : &sa, NULL);
	sigaction(SIGCHLD, &sc, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Has a write to the output failed (a closed pipe, a full disk)? */
static bool output_failed(const struct rt *rt)
{
	return rt->out_state && rt->out_state->err;
}

/* Attaches the attach points of one program: with one link where its
 * probe type can (attach_multi), else one by one. Returns how many did not
 * attach (config missing_probes = warn/ignore), or -1 after a message. */
/* An attach point that did not attach: the end of the run, unless config
 * missing_probes says warn (a warning, and the run goes on) or ignore. */
static int attach_failed(const struct rt *rt, const char *err)
{
	if (rt->missing_probes == MISSING_IGNORE)
		return 0;
	fprintf(stderr, "%s: %s\n", rt->missing_probes == MISSING_WARN ? "WARNING" : "ERROR",
		err[0] ? err : "attach failed");
	return rt->missing_probes == MISSING_WARN ? 0 : -1;
}

static int attach_prog(const struct rt *rt, const struct run_opts *o, const struct rt_prog *p,
		       struct rt_links *links)
{
	if (p->ap->pt->attach_multi) {
		char err[512] = "";
		int r = p->ap->pt->attach_multi(o->env, p->aps, p->naps, p->fd, links, err, sizeof(err));
		if (r < 0)
			return attach_failed(rt, err) < 0 ? -1 : p->naps;
		if (r > 0) {
			for (int k = 0; k < p->naps && o->verbose; k++)
				fprintf(stderr, "Attached %s\n", p->aps[k]->name);
			return 0;
		}
	}
	int missed = 0;
	for (int k = 0; k < p->naps; k++) {
		char err[512] = "";
		struct attach_point *ap = p->aps[k];
		if (ap->pt->attach(o->env, ap, p->fd, links, err, sizeof(err)) < 0) {
			if (attach_failed(rt, err) < 0)
				return -1;
			missed++;
			continue;
		}
		if (o->verbose)
			fprintf(stderr, "Attached %s\n", ap->name);
		if (got_signal)
			break;
	}
	return missed;
}

/* The number of probes (attach points) of the program, attached or not;
 * test: and bench: probes run only in their modes (--test, --bench). */
static int count_probes(const struct rt *rt)
{
	int n = 0;
	for (int i = 0; i < rt->nprogs; i++)
		if (rt->progs[i].ap->pt->special != PS_TEST && rt->progs[i].ap->pt->special != PS_BENCH)
			n += rt->progs[i].naps;
	return n;
}

/* Attaches every program but BEGIN/END; *has_events: some program waits
 * for events. Returns the number of probes (attach points), or -1. */
static int attach_all(struct rt *rt, const struct run_opts *o, struct rt_links *links, bool *has_events)
{
	int nprobes = count_probes(rt);
	for (int i = 0; i < rt->nprogs; i++) {
		struct rt_prog *p = &rt->progs[i];
		if (p->ap->pt->special == PS_SIGNAL)
			*has_events = true; /* waits for its signal */
		if (p->ap->pt->special != PS_NONE)
			continue;
		*has_events = true;
		int missed = attach_prog(rt, o, p, links);
		if (missed < 0)
			return -1;
		nprobes -= missed;
	}
	return nprobes;
}

static void announce_attached(const struct rt *rt, const struct run_opts *o, int nprobes)
{
	if (!o->quiet && rt->format == OUT_JSON)
		fprintf(stderr, "{\"type\": \"attached_probes\", \"data\": {\"probes\": %d}}\n", nprobes);
	else if (!o->quiet)
		fprintf(stderr, "Attached %d probe%s\n", nprobes, nprobes == 1 ? "" : "s");
	if (getenv("__BPFTRACE_NOTIFY_PROBES_ATTACHED"))
		fprintf(stderr, "__BPFTRACE_NOTIFY_PROBES_ATTACHED\n");
}

/* Probes that run (iter): each runs to its end, then the run ends. An
 * exit() in the iterator's body ends that call only: the iteration runs
 * to its end, and what its later calls print is printed (latest bpftrace);
 * the run then ends with exit()'s code. */
static void run_iterators(struct rt *rt, const struct run_opts *o, struct rt_links *links, struct ring_buffer *rb)
{
	for (int i = 0; i < rt->nprogs && !rt->exiting && !got_signal; i++) {
		struct rt_prog *p = &rt->progs[i];
		for (int k = 0; k < p->naps && p->aps[k]->pt->run; k++) {
			char err[512] = "";
			if (p->aps[k]->pt->run(o->env, p->aps[k], links, err, sizeof(err)) < 0) {
				fprintf(stderr, "ERROR: %s\n", err[0] ? err : "run failed");
				rt->exit_code = 1;
			}
			rt->in_iter = true;
			ring_buffer__consume(rb);
			rt->in_iter = false;
			rt->exiting = 1;
		}
	}
}

/* The self:signal programs of the signals received since the last call. */
static void run_self_signals(struct rt *rt, struct ring_buffer *rb)
{
	static const int sigs[] = { SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sig_atomic_t bit = (sig_atomic_t)(1u << (sigs[i] & 31));
		if (!(self_pending & bit))
			continue;
		self_pending &= ~bit;
		run_special(rt, PS_SIGNAL, rb, sigs[i]);
	}
}

/* Events until exit(), a signal, the end of the -c child or the -p target. */
static void poll_events(struct rt *rt, const struct run_opts *o, struct ring_buffer *rb)
{
	while (!rt->exiting && !got_signal) {
		in_poll = true;
		poll_records = 0;
		int n = wait_events(rt, rb, 200);
		in_poll = false;
		if (n < 0 && n != -EINTR && n != RB_STOP) {
			fprintf(stderr, "ERROR: ring buffer poll failed: %s\n", strerror(-n));
			break;
		}
		if (self_pending)
			run_self_signals(rt, rb);
		if (!rt->full_buffering)
			fflush(rt->out);
		if (output_failed(rt))
			break;
		lost_check(rt, false);
		if (o->child_pid > 0) {
			int st;
			pid_t w = waitpid(o->child_pid, &st, WNOHANG);
			if (w == o->child_pid || (w < 0 && errno == ECHILD))
				break;
		}
		if (o->target_pid > 0 && target_gone(o->target_pid))
			break;
	}
}

/* Detaches everything, then (unless a dry run, or the output failed) END
 * and the maps. */
static void finish(struct rt *rt, const struct run_opts *o, struct rt_links *links, struct ring_buffer *rb)
{
	rt_links_close(links);
	detached = 1;
	if (!output_failed(rt))
		ring_buffer__consume(rb);
	if (!o->dry_run && !output_failed(rt)) {
		rt->in_end = true;
		run_special(rt, PS_END, rb, 0);
	}
	if (!output_failed(rt))
		ring_buffer__consume(rb);
	if (!o->dry_run && !output_failed(rt) && !rt->no_maps_on_exit)
		rt_maps_print_all(rt, rt->out);
	fflush(rt->out);
	if (!o->dry_run && rt->flamegraph)
		rt_flamegraph_write(rt, rt->flame_fd, rt->flamegraph);
	lost_check(rt, true);
}

/* The status of a run whose output failed: a reader that went away ends it
 * as SIGPIPE ends bpftrace, silently; any other error is reported. */
static int output_status(const struct rt *rt)
{
	if (rt->out_state->err == EPIPE)
		return RT_BROKEN_PIPE;
	fprintf(stderr, "ERROR: failed to write output to %s: %s\n", rt->out_state->name,
		strerror(rt->out_state->err));
	return 1;
}

int rt_run(struct rt *rt, const struct run_opts *o)
{
	struct rt_links links = { 0 };
	bool has_events = false;
	install_signals(rt);
	struct ring_buffer *rb = ring_buffer__new(rt->ringbuf_fd, rb_cb, rt, NULL);
	if (!rb) {
		fprintf(stderr, "ERROR: failed to set up the ring buffer: %s\n", strerror(errno));
		return 1;
	}
	/* --metrics: listening before BEGIN, so that a port in use ends the
	 * run before anything runs or attaches */
	if (o->metrics && !o->dry_run && !(rt->metrics = metrics_start(rt, o->metrics, o->verbose))) {
		ring_buffer__free(rb);
		return 1;
	}
	if (o->mode != RUN_MODE_RUN && !o->dry_run) {
		/* test and bench modes run their probes and nothing else */
		int rc = o->mode == RUN_MODE_TEST ? rt_run_tests(rt, rb, o->quiet) : rt_run_bench(rt, rb, o->quiet);
		fflush(rt->out);
		metrics_stop(rt->metrics);
		rt->metrics = NULL;
		ring_buffer__free(rb);
		return output_failed(rt) ? output_status(rt) : rc;
	}
	/* BEGIN runs before the other probes are attached and its output is
	 * written before, as latest bpftrace documents (0.17 ran it after;
	 * begin_after_attach keeps that order for harnesses that take a line
	 * printed by BEGIN as the sign that every probe is attached). A BEGIN
	 * that calls exit() ends the run before anything is attached. */
	bool begin_first = !o->dry_run && !o->begin_after_attach;
	if (begin_first && run_special(rt, PS_BEGIN, rb, 0) < 0)
		goto fail;
	if (begin_first && !rt->full_buffering)
		fflush(rt->out); /* written before attaching */
	int nprobes = begin_first && (rt->exiting || got_signal || output_failed(rt))
		? count_probes(rt) : attach_all(rt, o, &links, &has_events);
	if (nprobes < 0)
		goto fail;
	announce_attached(rt, o, nprobes);
	if (!o->dry_run) {
		if (!begin_first && run_special(rt, PS_BEGIN, rb, 0) < 0)
			goto fail;
		if (o->child_pid > 0 && o->child_go_fd >= 0)
			release_child(o);
		if (!has_events && o->child_pid <= 0 && o->target_pid <= 0)
			rt->exiting = 1;
		run_iterators(rt, o, &links, rb);
		poll_events(rt, o, rb);
	}
	/* no scrape from here on: END and the maps at exit are the loop's */
	metrics_stop(rt->metrics);
	rt->metrics = NULL;
	finish(rt, o, &links, rb);
	ring_buffer__free(rb);
	return output_failed(rt) ? output_status(rt) : rt->exit_code;
fail:
	metrics_stop(rt->metrics);
	rt->metrics = NULL;
	rt_links_close(&links);
	ring_buffer__free(rb);
	return 1;
}
