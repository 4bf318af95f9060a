/* uprobe.c - uprobe:file:func (alias u) and uretprobe:file:func (alias ur).
 *
 *     uprobe:/bin/bash:readline     a function of a file, by symbol
 *     uprobe:libc:malloc            a library, found like the dynamic loader
 *     uprobe:/bin/bash:read*        every function matching the wildcard
 *     uprobe:/bin/bash:readline+4   an offset into a function
 *     uprobe:/bin/bash:0x2d4c0      a virtual address inside a function
 *     uprobe:main                   with -p PID: a function of its executable
 *
 * Functions are the FUNC and IFUNC symbols of .symtab and .dynsym (one per
 * name). Each matching function is one attach point; its uprobe goes on the
 * instruction's file offset, pid-targeted with -p/-c, system-wide otherwise.
 * Where the kernel has uprobe_multi links (uprobe_multi_ok), the attach
 * points of one program are attached with one link per file, each with its
 * id as its BPF cookie (uprobe_attach_multi, shared with usdt.c): one
 * syscall to attach and one to detach, where a perf uprobe costs ~100 ms to
 * attach and detach on the development VM. Otherwise each is a perf uprobe
 * of its own (uprobe_pmu_attach).
 *
 * Context builtins: arg0..arg5 (x86-64's argument registers; arg0..arg7 on
 * arm64: util/arch.h) and sargN
 * (stack arguments, read from the user stack) on uprobes, retval on
 * uretprobes, and func on both. func is a TY_FUNC: the attach point's id,
 * printed as the probed function's name (bpftrace prints the usym of the
 * instruction pointer, which names the same function at entry but the
 * caller's return address in a uretprobe, and nothing once the process has
 * exited; the name is what both mean). uint64 throughout, as in 0.17. */
#define _GNU_SOURCE
#include "probes/uprobe_int.h"

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include "codegen/cg.h"
#include "sys/bpfsys.h"
#include "sys/demangle.h"
#include "sys/udwarf.h"
#include "util/arch.h"

extern const struct probe_type probe_uprobe, probe_uretprobe, probe_usdt;

/* argN, retval and sargN come from struct pt_regs (util/arch.h) */
#define REGS (arch_host()->regs)

/* ---- target files --------------------------------------------------------- */

static void vec_push(char ***v, int *n, int *cap, const char *s)
{
	if (*n + 1 >= *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*v = xrealloc(*v, sizeof(**v) * (size_t)*cap);
	}
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The files of a target; NULL-terminated malloc'd array, count returned,
 * or -1 with the reason in err. */
static int target_files(pid_t pid, const char *tname, const char *target, bool all_mapped, char ***out,
			char *err, size_t errlen)
{
	char **v = NULL, buf[PATH_MAX];
	int n = 0, cap = 0;
	*out = NULL;
	if (!*target || (pid > 0 && has_wildcard(target) && !strchr(target, '/'))) {
		/* the process's own files: its executable, or all it maps */
		if (pid <= 0) {
			snprintf(err, errlen, "%s probe type requires 2 arguments", tname);
			return -1;
		}
		char **files;
		int nf = all_mapped || *target ? elf_proc_files(pid, &files) : 0;
		if (nf < 0) {
			snprintf(err, errlen, "cannot read the mappings of process %d: %s", (int)pid, strerror(errno));
			return -1;
		}
		if (!all_mapped && !*target) {
			char exe[64];
			snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
			ssize_t l = readlink(exe, buf, sizeof(buf) - 1);
			if (l < 0) {
				snprintf(err, errlen, "cannot read %s: %s", exe, strerror(errno));
				return -1;
			}
			buf[l] = 0;
			char path[PATH_MAX + 32];
			snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, buf);
			vec_push(&v, &n, &cap, path);
		}
		for (int i = 0; i < nf; i++) {
			const char *base = strrchr(files[i], '/');
			if (*target && !glob_match(target, files[i]) && !glob_match(target, base ? base + 1 : files[i]))
				continue;
			char path[PATH_MAX + 32];
			snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, files[i]);
			vec_push(&v, &n, &cap, path);
		}
		if (nf > 0)
			elf_proc_files_free(files);
	} else if (strchr(target, '/') && has_wildcard(target)) {
		glob_t g;
		if (glob(target, 0, NULL, &g) == 0) {
			for (size_t i = 0; i < g.gl_pathc; i++)
				if (is_file(g.gl_pathv[i]))
					vec_push(&v, &n, &cap, g.gl_pathv[i]);
			globfree(&g);
		}
	} else if (strchr(target, '/')) {
		if (is_file(target))
			vec_push(&v, &n, &cap, target);
	} else if (elf_resolve_target(target, pid, buf, sizeof(buf))) {
		vec_push(&v, &n, &cap, buf);
	}
	if (!n) {
		snprintf(err, errlen, "%s target file '%s' does not exist or is not executable", tname,
			 *target ? target : "?");
		free(v);
		return -1;
	}
	*out = v;
	return n;
}

int utarget_files(const struct probe_env *env, const char *tname, const char *target, struct loc loc,
		  bool all_mapped, struct ptrvec *out)
{
	char **v, err[PATH_MAX + 128];
	int n = target_files(env->pid, tname, target, all_mapped, &v, err, sizeof(err));
	if (n < 0) {
		diag_error(env->diag, loc, "%s", err);
		return -1;
	}
	for (int i = 0; i < n; i++)
		ptrvec_push(env->arena, out, arena_strdup(env->arena, v[i]));
	utarget_files_free(v);
	return 0;
}

int utarget_files_list(pid_t pid, const char *tname, const char *target, bool all_mapped, char ***v)
{
	char err[PATH_MAX + 128];
	int n = target_files(pid, tname, target, all_mapped, v, err, sizeof(err));
	if (n < 0)
		fprintf(stderr, "ERROR: %s\n", err);
	return n;
}

bool utarget_named_file(const char *rest, int ncolons)
{
	const char *colon = rest ? strchr(rest, ':') : NULL;
	if (!colon || colon == rest || (ncolons == 1 && strchr(colon + 1, ':')))
		return false;
	char path[PATH_MAX];
	if ((size_t)(colon - rest) >= sizeof(path))
		return false;
	memcpy(path, rest, (size_t)(colon - rest));
	path[colon - rest] = 0;
	return !has_wildcard(path) && is_file(path);
}

void utarget_files_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* ---- attaching --------------------------------------------------------------- */

/* "config:0" / "config:32-63" in a PMU format file: the first bit, -1 if unreadable. */
static int pmu_format_bit(const char *file)
{
	char path[128], buf[64];
	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/uprobe/format/%s", file);
	FILE *f = fopen(path, "re");
	int bit = -1;
	if (f) {
		if (fgets(buf, sizeof(buf), f) && !strncmp(buf, "config:", 7))
			bit = atoi(buf + 7);
		fclose(f);
	}
	return bit;
}

int uprobe_pmu_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd,
		      struct rt_links *links, char *err, size_t errlen)
{
	static int type = -2, retbit = -1, refbit = -1;
	if (type == -2) {
		FILE *f = fopen("/sys/bus/event_source/devices/uprobe/type", "re");
		type = -1;
		if (f) {
			if (fscanf(f, "%d", &type) != 1)
				type = -1;
			fclose(f);
		}
		retbit = pmu_format_bit("retprobe");
		refbit = pmu_format_bit("ref_ctr_offset");
	}
	const struct usite *s = ap->priv;
	if (type < 0 || (s->ret && retbit < 0)) {
		snprintf(err, errlen, "Error attaching probe: %s: the kernel has no uprobe PMU "
			 "(/sys/bus/event_source/devices/uprobe: CONFIG_UPROBE_EVENTS is not set)", ap->name);
		return -1;
	}
	if (s->ref_ctr && refbit < 0) {
		snprintf(err, errlen, "Error attaching probe: %s: the kernel cannot raise USDT semaphores "
			 "(no ref_ctr_offset in the uprobe PMU; Linux 4.20 or later needed)", ap->name);
		return -1;
	}
	struct perf_event_attr attr = {
		.type = (uint32_t)type,
		.config = (s->ret ? 1ull << retbit : 0) | (s->ref_ctr ? s->ref_ctr << refbit : 0),
		.config1 = (uint64_t)(uintptr_t)ap->target,     /* uprobe_path */
		.config2 = s->off,                              /* probe_offset */
		.sample_period = 1,
		.wakeup_events = 1,
	};
	/* With a target process only its threads hit the probe (the kernel
	 * installs the breakpoint in that mm alone, and follows exec). */
	pid_t pid = env->pid > 0 ? env->pid : -1;
	return probe_perf_attach(ap, &attr, pid, pid > 0 ? -1 : 0, prog_fd, links, err, errlen) < 0 ? -1 : 0;
}

/* ---- uprobe_multi: one link per file ------------------------------------------ */

bool uprobe_multi_ok(const char **why)
{
	static int known = -1;
	static char reason[160];
	const char *env = getenv("BPFSCRIPT_UPROBE_MULTI");
	if (env && (!strcmp(env, "0") || !strcmp(env, "1"))) {
		if (why)
			*why = "turned off by BPFSCRIPT_UPROBE_MULTI=0";
		return env[0] == '1';
	}
	if (known < 0) {
		/* As libbpf finds out: a uprobe_multi program loads, a link on
		 * "/" (no regular file) gets as far as the path (EBADF), and one
		 * with pid -1 is refused (EINVAL) by kernels that filter by
		 * process; the first ones (6.6 to 6.9) filtered -p by thread. */
		int prog = bpfsys_prog_load_empty(BPF_PROG_TYPE_KPROBE, (enum bpf_attach_type)BPFSYS_TRACE_UPROBE_MULTI,
						  "umulti_probe");
		known = 0;
		if (prog < 0) {
			snprintf(reason, sizeof(reason), "the kernel loads no uprobe_multi program (%s)", strerror(errno));
		} else {
			uint64_t off = 0;
			int link = bpfsys_uprobe_multi(prog, "/", &off, NULL, NULL, 1, 0, 0), e = errno;
			if (link >= 0)
				close(link);
			if (link >= 0 || e != EBADF) {
				snprintf(reason, sizeof(reason), "the kernel has no uprobe_multi links (%s)", strerror(e));
			} else {
				link = bpfsys_uprobe_multi(prog, "/", &off, NULL, NULL, 1, 0, (uint32_t)-1);
				e = errno;
				if (link >= 0)
					close(link);
				known = link < 0 && e == EINVAL;
				if (!known)
					snprintf(reason, sizeof(reason),
						 "the kernel's uprobe_multi links filter a pid by thread, not by process");
			}
			close(prog);
		}
	}
	if (!known && why)
		*why = reason;
	return known == 1;
}

int uprobe_load_opts(const struct probe_env *env, struct attach_point *const *aps, int naps,
		     struct bpf_prog_load_opts *o, char *err, size_t errlen)
{
	if (uprobe_multi_ok(NULL))
		o->expected_attach_type = (enum bpf_attach_type)BPFSYS_TRACE_UPROBE_MULTI;
	return 0;
}

/* "uprobe:/bin/bash:readline and 3 other probes" */
static const char *group_name(char *buf, size_t len, const struct attach_point *ap, int n)
{
	if (n == 1)
		return ap->name;
	snprintf(buf, len, "%s and %d other probe%s", ap->name, n - 1, n == 2 ? "" : "s");
	return buf;
}

/* The attach points of one program in one file: one link. */
struct ugroup {
	const char *path;
	uint64_t *offs, *refs, *cookies;
	int *who;               /* index in aps of each offset */
	int n;
	bool anyref;
	uint32_t flags, pid;
};

/* A link of the group's offsets [lo, hi). */
static int group_link(int prog_fd, const struct ugroup *g, int lo, int hi)
{
	return bpfsys_uprobe_multi(prog_fd, g->path, g->offs + lo, g->anyref ? g->refs + lo : NULL, g->cookies + lo,
				   (uint32_t)(hi - lo), g->flags, g->pid);
}

/* The kernel's ENOTSUPP (524, no errno name in user space): an instruction
 * it cannot put a uprobe on, such as a lock-prefixed one. */
#define UPROBE_ENOTSUPP 524

/* Which offset of a group whose link the kernel refused with ENOTSUPP it
 * refuses, bisecting with links of halves (a refused link costs nothing, a
 * created one a grace period on close: about a second for 7,000 offsets,
 * on this error only). -1 when no single one is refused. */
static int refused_offset(int prog_fd, const struct ugroup *g)
{
	int lo = 0, hi = g->n;   /* a refused offset is in [lo, hi) */
	while (hi - lo > 1) {
		int mid = lo + (hi - lo) / 2, fd = group_link(prog_fd, g, lo, mid);
		if (fd < 0 && errno == UPROBE_ENOTSUPP) {
			hi = mid;
			continue;
		}
		if (fd >= 0)
			close(fd);
		lo = mid;
	}
	int fd = group_link(prog_fd, g, lo, lo + 1);
	if (fd >= 0) {
		close(fd);
		return -1;
	}
	return errno == UPROBE_ENOTSUPP ? lo : -1;
}

static void link_error(const struct ugroup *g, struct attach_point *const *aps, int prog_fd, int e, char *err,
		       size_t errlen)
{
	char name[PATH_MAX + 64];
	const char *what = group_name(name, sizeof(name), aps[g->who[0]], g->n);
	int k;
	if (g->pid && e == ESRCH)
		snprintf(err, errlen, "Error attaching probe: %s: uprobe_multi link: no process %d", what, (int)g->pid);
	else if (e == UPROBE_ENOTSUPP && (k = g->n == 1 ? 0 : refused_offset(prog_fd, g)) >= 0)
		snprintf(err, errlen, "Error attaching probe: %s: the kernel cannot put a uprobe on the instruction at file offset 0x%llx (ENOTSUPP)",
			 aps[g->who[k]]->name, (unsigned long long)g->offs[k]);
	else
		snprintf(err, errlen, "Error attaching probe: %s: uprobe_multi link: %s", what,
			 e == UPROBE_ENOTSUPP ? "not supported by the kernel (ENOTSUPP)" : strerror(e));
}

/* The process (thread group) of thread pid: a uprobe_multi link filters by
 * process and wants its id, where -p may name any of its threads (a perf
 * uprobe of a thread fires in its whole process too: the kernel filters
 * perf uprobes by mm). pid itself when /proc does not say. */
static pid_t tgid_of(pid_t pid)
{
	char path[64], line[128];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	pid_t tgid = pid;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Tgid:", 5)) {
			tgid = (pid_t)atoi(line + 5);
			break;
		}
	if (f)
		fclose(f);
	return tgid > 0 ? tgid : pid;
}

int uprobe_attach_multi(const struct probe_env *env, struct attach_point *const *aps, int naps, int prog_fd,
			struct rt_links *links, char *err, size_t errlen)
{
	const char *why;
	if (!uprobe_multi_ok(&why)) {
		static bool told;
		if (env->verbose && !told)
			fprintf(stderr, "uprobe_multi: %s: attaching uprobes one by one\n", why);
		told = true;
		return 0;
	}
	struct ugroup g = { .pid = env->pid > 0 ? (uint32_t)tgid_of(env->pid) : 0 };
	g.offs = xmalloc(sizeof(*g.offs) * (size_t)naps * 3);
	g.refs = g.offs + naps;
	g.cookies = g.refs + naps;
	g.who = xmalloc(sizeof(*g.who) * (size_t)naps);
	bool *done = xcalloc((size_t)naps, sizeof(*done));
	int rc = 1;
	/* one link per file, its attach points in program order */
	for (int i = 0; i < naps && rc > 0; i++) {
		if (done[i])
			continue;
		g.path = aps[i]->target;
		g.n = 0;
		g.anyref = false;
		for (int k = i; k < naps; k++) {
			if (done[k] || strcmp(aps[k]->target, g.path))
				continue;
			const struct usite *s = aps[k]->priv;
			g.offs[g.n] = s->off;
			g.refs[g.n] = s->ref_ctr;
			g.cookies[g.n] = (uint64_t)aps[k]->id;
			g.who[g.n++] = k;
			g.anyref |= s->ref_ctr != 0;
			g.flags = s->ret ? BPFSYS_F_UPROBE_MULTI_RETURN : 0;
			done[k] = true;
		}
		int fd = group_link(prog_fd, &g, 0, g.n);
		if (fd < 0) {
			link_error(&g, aps, prog_fd, errno, err, errlen);
			rc = -1;
			break;
		}
		rt_links_add(links, fd);
		if (env->verbose) {
			const char *what = aps[i]->pt == &probe_usdt ? "usdt probe" : aps[i]->pt->name;
			fprintf(stderr, "uprobe_multi link: %d %s%s in %s\n", g.n, what, g.n == 1 ? "" : "s", g.path);
		}
	}
	free(done);
	free(g.who);
	free(g.offs);
	return rc;
}

/* ---- expansion ------------------------------------------------------------------ */

static struct attach_point *up_new(const struct probe_env *env, const struct probe_type *pt,
				   const char *path, const char *func, const char *shown, uint64_t off,
				   struct loc loc)
{
	struct attach_point *ap = arena_alloc(env->arena, sizeof(*ap));
	struct usite *s = arena_alloc(env->arena, sizeof(*s));
	s->off = off;
	s->ret = pt == &probe_uretprobe;
	ap->pt = pt;
	ap->target = path;
	ap->func = arena_strdup(env->arena, func);
	ap->name = arena_printf(env->arena, "%s:%s:%s", pt->name, path, shown);
	ap->loc = loc;
	ap->priv = s;
	return ap;
}

/* An attach point's function part: "func", "func+off" or an address. */
struct fspec {
	const char *func;       /* NULL for an address */
	uint64_t addr, off;
	bool has_off;
};

static int parse_fspec(const struct probe_env *env, const struct probe_type *pt, char *spec,
		       struct loc loc, struct fspec *fs)
{
	memset(fs, 0, sizeof(*fs));
	if (spec[0] >= '0' && spec[0] <= '9') {
		if (!probe_parse_uint(spec, &fs->addr)) {
			diag_error(env->diag, loc, "Invalid address for %s probe: %s", pt->name, spec);
			return -1;
		}
		return 0;
	}
	char *plus = strrchr(spec, '+');
	if (plus) {
		*plus = 0;
		if (!probe_parse_uint(plus + 1, &fs->off) || !*spec) {
			diag_error(env->diag, loc, "Invalid offset for %s probe: %s", pt->name, plus + 1);
			return -1;
		}
		fs->has_off = true;
		if (has_wildcard(spec)) {
			diag_error(env->diag, loc, "Offsets cannot be combined with wildcards: %s+%s", spec, plus + 1);
			return -1;
		}
		if (pt == &probe_uretprobe) {
			diag_error(env->diag, loc, "uretprobe probes cannot have an offset");
			return -1;
		}
	}
	if (!*spec) {
		diag_error(env->diag, loc, "%s probe must name a function", pt->name);
		return -1;
	}
	fs->func = spec;
	return 0;
}

/* Whether pat (a wildcard when wild) names the C++ function name through its
 * demangled form, whole ("ns::twice(int)") or without its parameter list
 * ("ns::twice": every overload), as bpftrace matches them. */
static bool cxx_match(const char *pat, bool wild, const char *name)
{
	char *d = cxx_demangle(name);
	if (!d)
		return false;
	bool m = wild ? glob_match(pat, d) : !strcmp(pat, d);
	if (!m) {
		cxx_strip_params(d);
		m = wild ? glob_match(pat, d) : !strcmp(pat, d);
	}
	free(d);
	return m;
}

/* ---- functions a library gets from the libraries it needs ---------------------- */

#define NEEDED_MAX 64

/* Path of DT_NEEDED soname `name`: /etc/ld.so.cache, then the directory of
 * the library that needs it. NULL when neither has it. */
static const char *needed_path(const struct probe_env *env, const char *name, const char *from)
{
	char buf[PATH_MAX];
	if (strchr(name, '/'))
		return access(name, R_OK) == 0 ? arena_strdup(env->arena, name) : NULL;
	if (elf_ldcache_lookup(NULL, name, buf, sizeof(buf)))
		return arena_strdup(env->arena, buf);
	const char *sl = strrchr(from, '/');
	const char *p = arena_printf(env->arena, "%.*s/%s", sl ? (int)(sl - from) : 1, sl ? from : ".", name);
	return access(p, R_OK) == 0 ? p : NULL;
}

/* Queues the libraries f (at path) needs that were not seen yet. */
static void queue_needed(const struct probe_env *env, struct elf_file *f, const char *path, const char **q,
			 int *nq)
{
	const char *names[NEEDED_MAX];
	int n = elf_file_needed(f, names, NEEDED_MAX);
	for (int i = 0; i < n && *nq < NEEDED_MAX; i++) {
		const char *p = needed_path(env, names[i], path);
		bool seen = !p;
		for (int k = 0; k < *nq && !seen; k++)
			seen = !strcmp(q[k], p);
		if (!seen)
			q[(*nq)++] = p;
	}
}

/* The library that gives func to the library at path, which does not
 * define it: its DT_NEEDED libraries breadth-first, the first that exports
 * func, as the dynamic linker binds the library's own references. glibc
 * 2.34 moved pthread_create & co. from libpthread.so.0 (a stub since) into
 * libc.so.6, and tools still say uprobe:libpthread:pthread_create. */
static const char *needed_provider(const struct probe_env *env, struct elf_file *f, const char *path,
				   const char *func)
{
	const char *q[NEEDED_MAX];
	int nq = 0;
	q[nq++] = path;
	queue_needed(env, f, path, q, &nq);
	char err[PATH_MAX + 64];
	for (int i = 1; i < nq; i++) {
		struct elf_file *g = elf_file_open(q[i], err, sizeof(err));
		if (!g)
			continue;
		bool has = elf_file_exports(g, func);
		if (!has)
			queue_needed(env, g, q[i], q, &nq);
		elf_file_close(g);
		if (has)
			return q[i];
	}
	return NULL;
}

/* Attaches to func where path's DT_NEEDED libraries provide it, with a
 * warning that says so. Returns 1 when it did, 0 when none provides it. */
static int via_needed(const struct probe_env *env, const struct probe_type *pt, struct elf_file *f,
		      const char *path, const struct fspec *fs, struct loc loc, struct ap_list *out)
{
	const char *lib = fs->func ? needed_provider(env, f, path, fs->func) : NULL;
	char err[PATH_MAX + 64];
	struct elf_file *g = lib ? elf_file_open(lib, err, sizeof(err)) : NULL;
	const struct elf_sym *s = g ? elf_file_func(g, fs->func) : NULL;
	uint64_t off;
	int rc = 0;
	if (s && elf_file_offset(g, s->addr, &off) && !(fs->has_off && s->size && fs->off >= s->size)) {
		diag_warn(env->diag, loc, "%s is not in %s: attaching to %s in %s, the library it needs that provides it",
			  fs->func, path, fs->func, lib);
		const char *shown = fs->has_off ? arena_printf(env->arena, "%s+%llu", s->name,
							       (unsigned long long)fs->off)
						: s->name;
		ap_list_push(env->arena, out, up_new(env, pt, lib, s->name, shown, off + fs->off, loc));
		rc = 1;
	}
	elf_file_close(g);
	return rc;
}

/* Attach points of one file; returns how many, -1 on error. */
static int expand_file(const struct probe_env *env, const struct probe_type *pt, const char *path,
		       const struct fspec *fs, struct loc loc, struct ap_list *out)
{
	char err[PATH_MAX + 64];
	struct elf_file *f = elf_file_open(path, err, sizeof(err));
	if (!f) {
		diag_error(env->diag, loc, "%s", err);
		return -1;
	}
	int found = 0, rc = 0;
	uint64_t off;
	if (!fs->func) {
		const struct elf_sym *s = elf_file_func_at(f, fs->addr);
		if (!s || !elf_file_offset(f, fs->addr, &off)) {
			diag_error(env->diag, loc, "Could not resolve address: %s:0x%llx", path,
				   (unsigned long long)fs->addr);
			rc = -1;
		} else {
			const char *shown = arena_printf(env->arena, "%llu", (unsigned long long)fs->addr);
			ap_list_push(env->arena, out, up_new(env, pt, path, s->name, shown, off, loc));
			found = 1;
		}
	} else if (has_wildcard(fs->func) || (!fs->has_off && !elf_file_func(f, fs->func))) {
		/* a wildcard, or a C++ name written demangled: every match */
		bool wild = has_wildcard(fs->func);
		const struct elf_sym *v;
		int n = elf_file_funcs(f, &v);
		for (int i = 0; i < n; i++) {
			if (!(wild && glob_match(fs->func, v[i].name)) && !cxx_match(fs->func, wild, v[i].name))
				continue;
			if (!elf_file_offset(f, v[i].addr, &off))
				continue;
			ap_list_push(env->arena, out, up_new(env, pt, path, v[i].name, v[i].name, off, loc));
			found++;
		}
		if (!wild && !found && !(found = via_needed(env, pt, f, path, fs, loc, out))) {
			diag_error(env->diag, loc, "Could not resolve symbol: %s:%s", path, fs->func);
			rc = PROBE_NO_SYMBOL;
		}
	} else {
		const struct elf_sym *s = elf_file_func(f, fs->func);
		if (!s && (found = via_needed(env, pt, f, path, fs, loc, out))) {
			/* attached where the libraries it needs provide it */
		} else if (!s || !elf_file_offset(f, s->addr, &off)) {
			diag_error(env->diag, loc, "Could not resolve symbol: %s:%s", path, fs->func);
			rc = PROBE_NO_SYMBOL;
		} else if (fs->has_off && s->size && fs->off >= s->size) {
			diag_error(env->diag, loc, "Offset outside the function bounds ('%s' size is %llu)", s->name,
				   (unsigned long long)s->size);
			rc = -1;
		} else {
			const char *shown = fs->has_off ? arena_printf(env->arena, "%s+%llu", s->name,
								       (unsigned long long)fs->off)
							: s->name;
			ap_list_push(env->arena, out, up_new(env, pt, path, s->name, shown, off + fs->off, loc));
			found = 1;
		}
	}
	elf_file_close(f);
	return rc < 0 ? rc : found;
}

static int up_expand(const struct probe_type *pt, const struct probe_env *env, const char *text,
		     struct loc loc, struct ap_list *out)
{
	char *parts[3];
	int np = split_colon(env->arena, text, parts, 3);
	const char *target;
	char *spec;
	if (np == 3) {
		target = parts[1];
		spec = parts[2];
	} else if (np == 2 && env->pid > 0) {
		target = "";            /* the -p process's executable */
		spec = parts[1];
	} else {
		diag_error(env->diag, loc, "%s probe type requires 2 arguments", pt->name);
		return -1;
	}
	if (np == 3 && !*target) {
		diag_error(env->diag, loc, "%s probe must name a file", pt->name);
		return -1;
	}
	struct fspec fs;
	if (parse_fspec(env, pt, spec, loc, &fs) < 0)
		return -1;
	struct ptrvec files = { 0 };
	if (utarget_files(env, pt->name, target, loc, false, &files) < 0)
		return -1;
	int found = 0;
	for (int i = 0; i < files.n; i++) {
		int n = expand_file(env, pt, files.v[i], &fs, loc, out);
		if (n < 0)
			return n;
		found += n;
	}
	if (!found) {
		diag_error(env->diag, loc, "No functions match %s:%s", files.n == 1 ? (char *)files.v[0] : target,
			   fs.func);
		return -1;
	}
	return 0;
}

/* ---- DWARF ------------------------------------------------------------------------ */

/* The DWARF of the file probed last: wildcards over one file ask for many
 * functions of it. Known by the file's identity (device, inode), not its
 * path: /proc/PID/root/x of two processes may be two files. */
static struct {
	char *path;
	dev_t dev;
	ino_t ino;
	struct udwarf *d;
	char err[256];
} dwarf_cache;

static void dwarf_cache_free(void)
{
	udwarf_close(dwarf_cache.d);
	free(dwarf_cache.path);
	memset(&dwarf_cache, 0, sizeof(dwarf_cache));
}

static struct udwarf *dwarf_of(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		st.st_dev = st.st_ino = 0;
	if (!dwarf_cache.path || !st.st_ino || st.st_dev != dwarf_cache.dev || st.st_ino != dwarf_cache.ino) {
		if (!dwarf_cache.path)
			atexit(dwarf_cache_free);
		udwarf_close(dwarf_cache.d);
		free(dwarf_cache.path);
		dwarf_cache.path = xstrdup(path);
		dwarf_cache.dev = st.st_dev;
		dwarf_cache.ino = st.st_ino;
		dwarf_cache.d = udwarf_open(path, dwarf_cache.err, sizeof(dwarf_cache.err));
	}
	return dwarf_cache.d;
}

/* args: the function's parameters, typed from DWARF (bpftrace: uprobes of
 * files with debug info). */
static struct type *up_args_type(const struct probe_env *env, struct attach_point *ap)
{
	struct usite *s = ap->priv;
	if (s->args_type || s->ret || s->args_failed)
		return s->args_type;
	char err[256];
	struct udwarf *d = dwarf_of(ap->target);
	if (d)
		s->args_type = udwarf_args_type(d, env->arena, ap->func, err, sizeof(err));
	if (!s->args_type) {
		if (d)
			diag_error(env->diag, ap->loc, "%s: args needs the DWARF of the function: %s", ap->name, err);
		else if (!udwarf_available(err, sizeof(err)))
			diag_error(env->diag, ap->loc, "No debuginfo found for %s: %s", ap->target, err);
		else    /* bpftrace's words when the file has none */
			diag_error(env->diag, ap->loc, "No debuginfo found for %s", ap->target);
		s->args_failed = true;
	}
	return s->args_type;
}

/* ---- listing ---------------------------------------------------------------------- */

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* rest: "file:funcpattern", or "funcpattern" with a pid: every file the
 * process maps, as latest bpftrace's `-l -p` searches its address space
 * (0.17 listed the executable alone). With a pid the files are listed in
 * path order, each /proc/PID/root/...; mapped files that are no ELF
 * (locale archives) are skipped silently. */
static int up_list_rest(const struct probe_type *pt, pid_t pid, const char *rest, bool verbose, FILE *out)
{
	struct arena a = { 0 };
	char *parts[2];
	int np = split_colon(&a, rest, parts, 2), rc = 0;
	const char *target = np == 2 ? parts[0] : "*", *fpat = np == 2 ? parts[1] : parts[0];
	if (np > 2 || (np == 1 && pid <= 0)) {
		fprintf(stderr, "ERROR: %s probe type requires 2 arguments\n", pt->name);
		arena_free(&a);
		return -1;
	}
	char **files;
	int n = utarget_files_list(pid, pt->name, target, false, &files);
	bool mapped = pid > 0 && (!*target || (has_wildcard(target) && !strchr(target, '/')));
	if (n > 1 && pid > 0)
		qsort(files, (size_t)n, sizeof(*files), cmp_path);
	for (int i = 0; i < n; i++) {
		char err[PATH_MAX + 64];
		struct elf_file *f = elf_file_open(files[i], err, sizeof(err));
		if (!f) {
			if (mapped)
				continue;
			fprintf(stderr, "ERROR: %s\n", err);
			rc = -1;
			continue;
		}
		const struct elf_sym *v;
		int ns = elf_file_funcs(f, &v);
		struct udwarf *d = verbose && pt == &probe_uprobe ? dwarf_of(files[i]) : NULL;
		if (verbose && pt == &probe_uprobe && !d)    /* bpftrace's words */
			fprintf(stderr, "WARNING: No DWARF found for \"%s\", cannot show parameter info\n", files[i]);
		for (int k = 0; k < ns; k++) {
			if (!glob_match(*fpat ? fpat : "*", v[k].name) && !cxx_match(fpat, has_wildcard(fpat), v[k].name))
				continue;
			fprintf(out, "%s:%s:%s\n", pt->name, files[i], v[k].name);
			if (d)       /* -lv: the parameters, when DWARF has them */
				udwarf_print_params(d, v[k].name, out);
		}
		elf_file_close(f);
	}
	utarget_files_free(files);
	arena_free(&a);
	return n < 0 ? -1 : rc;
}

static int up_list(const struct probe_type *pt, const char *pattern, bool verbose, FILE *out)
{
	const char *rest;
	/* only when named, or when a wildcard type names a file ('*:/bin/bash:read*'):
	 * `bpftrace -l` lists no user-space files */
	int how = probe_pattern_rest(pt, pattern, &rest);
	if (how == 1 && pt == &probe_uprobe && utarget_named_file(rest, 1))
		return up_list_rest(pt, 0, rest, verbose, out);
	if (how != 2 || !rest)
		return 0;
	return up_list_rest(pt, 0, rest, verbose, out);
}

/* -l -p PID: without a pattern the functions of the executable and of
 * every library it maps, as uprobes. */
static int up_list_pid(const struct probe_type *pt, pid_t pid, const char *pattern, bool verbose, FILE *out)
{
	const char *rest;
	int how = probe_pattern_rest(pt, pattern, &rest);
	if (!pattern)
		return pt == &probe_uprobe ? up_list_rest(pt, pid, "*:*", verbose, out) : 0;
	/* a wildcard type ('*:*', 'sys_*') searches the process too, but for
	 * return probes (latest bpftrace) */
	if (!how || (how == 1 && (pt != &probe_uprobe || (rest && strchr(rest, ':') &&
							  strchr(strchr(rest, ':') + 1, ':')))))
		return 0;
	return up_list_rest(pt, pid, rest ? rest : "*", verbose, out);
}

/* ---- context builtins ---------------------------------------------------------------- */

static struct type *up_ctx_type(const struct probe_env *env, struct attach_point *ap, const char *name)
{
	bool ret = ((const struct usite *)ap->priv)->ret;
	int i;
	if (!strcmp(name, "func"))
		return type_simple(env->arena, TY_FUNC, 8);
	if (ret)
		return !strcmp(name, "retval") ? type_int(8, false) : NULL;
	if ((i = probe_arg_index(name, "arg")) >= 0)
		return i < REGS.nargs ? type_int(8, false) : NULL;
	if (probe_arg_index(name, "sarg") >= 0)
		return type_int(8, false);
	return NULL;
}

static void *up_ctx_emit(struct cg *cg, struct attach_point *ap, const char *name)
{
	int i;
	if (!strcmp(name, "func")) {
		/* the attach point's id: known here when the program serves one,
		 * else the link's cookie */
		if (cg->ap)
			return cg_i64(cg, cg->ap->id);
		LLVMValueRef args[] = { cg->ctxarg };
		return cg_helper(cg, BPF_FUNC_get_attach_cookie, cg->i64, args, 1);
	}
	if (!strcmp(name, "retval"))
		return cg_load_int(cg, cg_gep(cg, cg->ctxarg, REGS.ret), 8, false);
	if ((i = probe_arg_index(name, "arg")) >= 0)
		return cg_load_int(cg, cg_gep(cg, cg->ctxarg, REGS.args[i]), 8, false);
	/* sargN: the N-th 8-byte slot of the stack arguments at entry (above
	 * the return address on x86-64) */
	i = probe_arg_index(name, "sarg");
	LLVMValueRef sp = cg_load_int(cg, cg_gep(cg, cg->ctxarg, REGS.sp), 8, false);
	LLVMValueRef addr = LLVMBuildAdd(cg->b, sp, cg_i64(cg, 8 * ((int64_t)i + REGS.sarg0)), "sarg_addr");
	LLVMValueRef tmp = cg_alloca(cg, 8, "sarg");
	cg_memset0(cg, tmp, 8);
	cg_probe_read(cg, tmp, 8, addr, AS_USER);
	return cg_load_int(cg, tmp, 8, false);
}

/* bpftrace 0.17's messages for the context builtins used where the probe
 * offers none (asked after ap's own type declined the name). */
const char *uprobe_ctx_misuse(struct arena *a, const struct attach_point *ap, const char *name)
{
	const char *used = ap ? ap->pt->name : "this";
	int i;
	if ((i = probe_arg_index(name, "arg")) >= 0) {
		if (ap && ap->pt == &probe_uprobe)
			return arena_printf(a, "%s doesn't support %s", arch_host()->name, name);
		if (ap && ap->pt == &probe_usdt)
			return arena_printf(a, "couldn't get argument %d for %s", i,
					    ap->name + strlen("usdt:"));
		return arena_printf(a, "The %s builtin can only be used with 'kprobes', 'uprobes' and 'usdt' probes",
				    name);
	}
	if (probe_arg_index(name, "sarg") >= 0)
		return arena_printf(a, "The %s builtin can only be used with 'kprobes' and 'uprobes' probes", name);
	if (!strcmp(name, "retval"))
		return arena_printf(a, "The retval builtin can only be used with 'kretprobe' and 'uretprobe' and "
				    "'kfunc' probes%s",
				    ap && !strcmp(used, "tracepoint") ? " (try to use args->ret instead)" : "");
	if (!strcmp(name, "func"))
		return arena_printf(a, "The func builtin can not be used with '%s' probes", used);
	return NULL;
}

static const char *const uprobe_aliases[] = { "u", NULL };
static const char *const uretprobe_aliases[] = { "ur", NULL };

const struct probe_type probe_uprobe = {
	.name = "uprobe",
	.aliases = uprobe_aliases,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.expand = up_expand,
	.list = up_list,
	.list_pid = up_list_pid,
	.args_type = up_args_type,
	.ctx_type = up_ctx_type,
	.ctx_emit = up_ctx_emit,
	.ctx_misuse = uprobe_ctx_misuse,
	.attach = uprobe_pmu_attach,
	.load_opts = uprobe_load_opts,
	.attach_multi = uprobe_attach_multi,
	.user_mem = true,
};

const struct probe_type probe_uretprobe = {
	.name = "uretprobe",
	.aliases = uretprobe_aliases,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.expand = up_expand,
	.list = up_list,
	.list_pid = up_list_pid,
	.ctx_type = up_ctx_type,
	.ctx_emit = up_ctx_emit,
	.ctx_misuse = uprobe_ctx_misuse,
	.attach = uprobe_pmu_attach,
	.load_opts = uprobe_load_opts,
	.attach_multi = uprobe_attach_multi,
	.user_mem = true,
};
