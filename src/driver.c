/* driver.c - runs one bpfscript invocation through the ordered passes:
 *
 *   read source -> parse -> [dump ast] -> attach points + sema -> [dump types]
 *   -> start -c child (stopped) -> create maps -> codegen -> load -> run
 *
 * Every pass reports through the diagnostics sink and the run stops after
 * the first pass with errors. All compile-time memory is in drv->arena. */
#define _GNU_SOURCE
#include "driver.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>
#include <sys/stat.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include "sema/sema.h"
#include "codegen/cg.h"
#include "codegen/plugin.h"
#include "parser/parse.h"
#include "cache.h"
#include "sys/demangle.h"
#include "parser/include.h"
#include "runtime/load.h"

/* Reads a whole file (or stdin for "-"); NUL bytes are kept so that the
 * lexer can report them. */
static char *read_all(struct driver *drv, const char *path, int *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		diag_plain(&drv->diag, "failed to open file '%s': %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		diag_plain(&drv->diag, "failed to read %s: it is a directory", path);
		if (f != stdin)
			fclose(f);
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
		if (n + 1 == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	bool err = ferror(f);
	if (f != stdin)
		fclose(f);
	if (err) {
		diag_plain(&drv->diag, "failed to read %s: %s", path, strerror(errno));
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	char *s = arena_alloc(&drv->arena, n + 1);
	memcpy(s, buf, n + 1);
	free(buf);
	*len = (int)n;
	return s;
}

/* Starts the -c command stopped before exec: it waits for one byte on a
 * pipe, which rt_run writes once every probe is attached. Released, the
 * child asks to be traced and says on a second pipe whether that worked
 * ('T' or 'N'): a traced child stops at its exec, where rt_run reads its
 * mappings and symbols before letting it go (a command that exits at once
 * still gets user stacks with names). */
static int spawn_child(struct driver *drv, int *go_fd, int *ack_fd)
{
	wordexp_t we;
	if (wordexp(drv->opt->cmd, &we, WRDE_NOCMD) != 0 || we.we_wordc == 0) {
		diag_plain(&drv->diag, "failed to parse command: %s", drv->opt->cmd);
		return -1;
	}
	const char *cmd = we.we_wordv[0];
	char *path = NULL;
	if (strchr(cmd, '/')) {
		if (access(cmd, X_OK) == 0)
			path = xstrdup(cmd);
	} else {
		const char *env = getenv("PATH");
		char *dirs = xstrdup(env && *env ? env : "/usr/local/bin:/usr/bin:/bin"), *save = NULL;
		for (char *d = strtok_r(dirs, ":", &save); d && !path; d = strtok_r(NULL, ":", &save)) {
			char *cand = arena_printf(&drv->arena, "%s/%s", d, cmd);
			struct stat st;
			if (access(cand, X_OK) == 0 && stat(cand, &st) == 0 && S_ISREG(st.st_mode))
				path = xstrdup(cand);
		}
		free(dirs);
	}
	if (!path) {
		diag_plain(&drv->diag, "failed to run command '%s': no such executable", cmd);
		wordfree(&we);
		return -1;
	}
	int p[2], q[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		free(path);
		wordfree(&we);
		diag_plain(&drv->diag, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe2(q, O_CLOEXEC) < 0) {
		close(p[0]);
		close(p[1]);
		free(path);
		wordfree(&we);
		diag_plain(&drv->diag, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		wordfree(&we);
		free(path);
		diag_plain(&drv->diag, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		char c;
		close(p[1]);
		close(q[0]);
		signal(SIGINT, SIG_DFL);
		if (read(p[0], &c, 1) != 1)
			_exit(127);
		c = ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0 ? 'T' : 'N';
		if (write(q[1], &c, 1) != 1)
			_exit(127);
		execv(path, we.we_wordv);
		fprintf(stderr, "ERROR: failed to run %s: %s\n", we.we_wordv[0], strerror(errno));
		_exit(127);
	}
	wordfree(&we);
	free(path);
	close(p[0]);
	close(q[1]);
	drv->child = pid;
	*go_fd = p[1];
	*ack_fd = q[0];
	return 0;
}

static void reap_child(struct driver *drv)
{
	if (drv->child <= 0)
		return;
	int st;
	if (waitpid(drv->child, &st, WNOHANG) == 0) {
		kill(drv->child, SIGTERM);
		waitpid(drv->child, &st, 0);
	}
	drv->child = 0;
}

/* Groups each probe's attach points into programs: one program serves all
 * of a probe's attach points unless its body is typed per attach point. */
static struct prog_unit *build_units(struct driver *drv, int *nunits)
{
	struct node *root = drv->root;
	int cap = 0;
	for (int i = 0; i < root->list.n; i++)
		if (root->list.v[i]->kind == N_PROBE)
			cap += ((struct probe_sem *)root->list.v[i]->sem)->aps.n;
	struct prog_unit *u = arena_alloc(&drv->arena, sizeof(*u) * (size_t)(cap + 1));
	int n = 0;
	for (int i = 0; i < root->list.n; i++) {
		struct node *p = root->list.v[i];
		if (p->kind != N_PROBE)
			continue;
		struct probe_sem *ps = p->sem;
		/* One program per probe type among the probe's attach points (a
		 * program has one program type); one per attach point when the body
		 * is typed per attach point or the type binds its program to one
		 * kernel object at load (fentry, iter). */
		for (int k = 0; k < ps->aps.n; k++) {
			const struct probe_type *pt = ps->aps.v[k]->pt;
			int seen = 0;
			for (int j = 0; j < k && !seen; j++)
				seen = ps->aps.v[j]->pt == pt;
			if (seen)
				continue;
			if (ps->per_ap || pt->prog_per_ap) {
				for (int j = k; j < ps->aps.n; j++) {
					if (ps->aps.v[j]->pt != pt)
						continue;
					u[n] = (struct prog_unit){ .probe = p, .aps = &ps->aps.v[j], .naps = 1, .retype = true };
					u[n].section = arena_printf(&drv->arena, "s%d", n);
					n++;
				}
				continue;
			}
			struct attach_point **v = arena_alloc(&drv->arena, sizeof(*v) * (size_t)ps->aps.n);
			int nv = 0;
			for (int j = k; j < ps->aps.n; j++)
				if (ps->aps.v[j]->pt == pt)
					v[nv++] = ps->aps.v[j];
			u[n] = (struct prog_unit){ .probe = p, .aps = v, .naps = nv };
			u[n].section = arena_printf(&drv->arena, "s%d", n);
			n++;
		}
	}
	*nunits = n;
	return u;
}

/* A probe type marked exclusive (iter) runs alone: one attach point and no
 * other probes but BEGIN and END. */
static int check_exclusive(struct driver *drv)
{
	const struct ap_list *l = &drv->info.aps;
	const struct attach_point *ex = NULL;
	int others = 0;
	for (int i = 0; i < l->n; i++) {
		const struct attach_point *ap = l->v[i];
		if (ap->pt->exclusive && ex) {
			diag_error(&drv->diag, ap->loc, "Only single %s attach point is allowed.", ap->pt->name);
			return -1;
		}
		if (ap->pt->exclusive)
			ex = ap;
		else if (ap->pt->special == PS_NONE)
			others++;
	}
	if (ex && others) {
		diag_error(&drv->diag, ex->loc, "%s probes cannot be mixed with other probes (only BEGIN and END may be added)",
			   ex->pt->name);
		return -1;
	}
	return 0;
}

static void fill_tables(struct driver *drv)
{
	struct rt *rt = &drv->rt;
	rt->printfs = (struct rt_printf **)drv->info.printfs.v;
	rt->nprintfs = drv->info.printfs.n;
	rt->values = (struct type **)drv->info.values.v;
	rt->nvalues = drv->info.values.n;
	rt->nprobes = drv->info.aps.n;
	rt->probe_names = arena_alloc(&drv->arena, sizeof(char *) * (size_t)(rt->nprobes + 1));
	rt->probe_funcs = arena_alloc(&drv->arena, sizeof(char *) * (size_t)(rt->nprobes + 1));
	for (int i = 0; i < rt->nprobes; i++) {
		const struct attach_point *ap = drv->info.aps.v[i];
		rt->probe_names[i] = ap->name;
		rt->probe_funcs[i] = ap->func ? ap->func : ap->name;
		/* func of a uprobe in C++ code prints demangled, as bpftrace's
		 * usym of the function does (cpp_demangle) */
		char *d = ap->func ? cxx_demangle_output(ap->func) : NULL;
		if (d) {
			rt->probe_funcs[i] = arena_strdup(&drv->arena, d);
			free(d);
		}
	}
}

bool driver_dumps(const char *dump, const char *stage)
{
	size_t n = strlen(stage);
	for (const char *p = dump; p && *p; p += strcspn(p, ",")) {
		p += *p == ',';
		if (!strncmp(p, stage, n) && (p[n] == ',' || p[n] == 0))
			return true;
	}
	return false;
}

/* Is any stage after `stage` (in pass order) in the -d list? */
static bool dumps_after(const char *dump, const char *stage)
{
	static const char *const order[] = { "ast", "types", "codegen", "codegen-opt", "asm",
					     "libbpf", "verifier", NULL };
	int i = 0;
	while (order[i] && strcmp(order[i], stage))
		i++;
	if (!order[i])
		return false;
	for (i++; order[i]; i++)
		if (driver_dumps(dump, order[i]))
			return true;
	return false;
}

/* BPFTRACE_MAX_PROBES and BPFTRACE_MAX_BPF_PROGS, in bpftrace's words. */
static int check_limits(struct driver *drv, int nunits)
{
	struct options *o = drv->opt;
	if (o->max_probes > 0 && drv->info.aps.n > o->max_probes) {
		diag_plain(&drv->diag, "Can't attach to %d probes because it exceeds the current limit of %d probes.\n"
			   "You can increase the limit through the BPFTRACE_MAX_PROBES environment variable, "
			   "but BE CAREFUL since a high number of probes attached can cause your system to crash.",
			   drv->info.aps.n, o->max_probes);
		return -1;
	}
	if (o->max_bpf_progs > 0 && nunits > o->max_bpf_progs) {
		diag_plain(&drv->diag, "Your program is trying to generate more than %d BPF programs, "
			   "which exceeds the current limit of %d", nunits, o->max_bpf_progs);
		diag_hint(&drv->diag, "You can increase the limit through the BPFTRACE_MAX_BPF_PROGS environment variable.");
		return -1;
	}
	return 0;
}

static int write_file(struct driver *drv, const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		diag_plain(&drv->diag, "failed to write %s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	return 0;
}

static int run(struct driver *drv)
{
	struct options *o = drv->opt;
	int len = 0;
	if (o->program) {
		drv->src.name = "stdin";
		drv->src.text = o->program;
		len = (int)strlen(o->program);
	} else {
		drv->src.name = strcmp(o->file, "-") ? o->file : "stdin";
		drv->src.text = read_all(drv, o->file, &len);
		if (!drv->src.text)
			return 1;
	}
	drv->src.len = len;
	drv->root = parse_program(&drv->arena, &drv->diag, &drv->src);
	if (!drv->root || drv->diag.errors)
		return 1;
	/* bpftrace defines BPFTRACE_HAVE_BTF when it finds the kernel's BTF */
	bool have_btf = access(o->btf ? o->btf : "/sys/kernel/btf/vmlinux", R_OK) == 0;
	int nheaders = include_expand(&drv->arena, &drv->diag, drv->root,
				      o->file && strcmp(o->file, "-") ? o->file : NULL, o->include_dirs,
				      o->include_files, have_btf, &drv->sys_headers);
	if (nheaders < 0)
		return 1;
	if (driver_dumps(o->dump, "ast"))
		ast_dump(stdout, drv->root, false, &drv->arena);
	if (o->dump && !dumps_after(o->dump, "ast"))
		return 0;
	/* Attach point expansion reads tracefs, which needs root: say so first.
	 * A run that stops at -d types needs none for BEGIN/END and BTF types
	 * (/sys/kernel/btf/vmlinux is world-readable): the type golden tests. */
	if (geteuid() != 0 && !(o->dump && !dumps_after(o->dump, "types"))) {
		diag_plain(&drv->diag, "bpfscript currently only supports running as the root user.");
		return 1;
	}
	if (o->pid > 0 && kill(o->pid, 0) < 0 && errno == ESRCH) {
		diag_plain(&drv->diag, "process %d does not exist (-p)", (int)o->pid);
		return 1;
	}
	if (sema_run(drv) < 0 || check_exclusive(drv) < 0)
		return 1;
	if (driver_dumps(o->dump, "types"))
		ast_dump(stdout, drv->root, true, &drv->arena);
	if (o->dump && !dumps_after(o->dump, "types"))
		return 0;
	if (o->list) {
		for (int i = 0; i < drv->info.aps.n; i++)
			printf("%s\n", drv->info.aps.v[i]->name);
		return 0;
	}
	int nunits;
	struct prog_unit *units = build_units(drv, &nunits);
	if (check_limits(drv, nunits) < 0)
		return 1;
	/* Only a run that attaches needs the -c child. */
	bool attaches = !o->dump && !o->check && !o->emit_elf && !o->ir_only;
	int go_fd = -1, ack_fd = -1;
	if (o->cmd && attaches && spawn_child(drv, &go_fd, &ack_fd) < 0)
		return 1;
	if (drv->child > 0 && !o->pid)
		drv->penv.pid = drv->child;   /* attach hooks see the -c child as the target */
	int rc = 1;
	void *obj = NULL;
	size_t objlen = 0;
	struct cache *cache = NULL;
	if (load_maps(drv) < 0)
		goto out;
	/* A cached object skips codegen, and LLVM is then never loaded. The -k
	 * sites table (rt.helper_errs) is made by codegen: -k always compiles;
	 * so does a program that read headers (the key does not cover them). */
	drv->rt.diag = &drv->diag;
	if (o->warning_level == 2 || nheaders > 0) {
		if (o->verbose)
			fprintf(stderr, "cache: off (%s)\n", nheaders > 0 ? "a program that reads C headers always compiles"
									 : "-k always compiles");
	} else {
		cache = cache_open(drv);
	}
	int hit = cache ? cache_lookup(cache, drv, units, nunits, &obj, &objlen) : 0;
	if (hit < 0)
		goto out;
	if (!hit && (cg_plugin_load(&drv->diag, o->verbose) < 0 ||
		     cg_compile(drv, units, nunits, o->dump, &obj, &objlen) < 0))
		goto out;
	if (o->emit_elf) {
		rc = write_file(drv, o->emit_elf, obj, objlen) < 0 ? 1 : 0;
		goto out;
	}
	if (o->ir_only) {
		rc = 0;
		goto out;
	}
	if (o->dump && !dumps_after(o->dump, "asm")) {
		rc = 0;
		goto out;
	}
	if (load_programs(drv, obj, objlen, units, nunits) < 0)
		goto out;
	if (cache && !hit)
		cache_store(cache, drv, units, nunits, obj, objlen);
	fill_tables(drv);
	if (o->dump || o->check) {
		rc = 0;
		goto out;
	}
	struct run_opts ro = {
		.env = &drv->penv, .child_go_fd = go_fd, .child_ack_fd = ack_fd, .child_pid = drv->child,
		.target_pid = o->pid, .quiet = o->quiet, .dry_run = o->dry_run,
		.verbose = o->verbose,
	};
	go_fd = ack_fd = -1;
	rc = rt_run(&drv->rt, &ro);
out:
	cache_close(cache);
	if (go_fd >= 0)
		close(go_fd);
	if (ack_fd >= 0)
		close(ack_fd);
	free(obj);
	reap_child(drv);
	load_close(drv);
	return rc;
}

/* -o FILE. Running as root, the tracer must not be tricked into truncating
 * a file through a symbolic link someone else planted (/tmp/out -> /etc/passwd):
 * a symlink is followed only when it belongs to the user running bpfscript
 * (root's own, /dev/stdout and the like), and it must still be that link once
 * the file is open. The file is truncated only then (O_TRUNC would do it
 * before the check). A regular file or a new one is opened as usual. */
static FILE *open_output(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ELOOP) {
		struct stat ls, ls2;
		if (lstat(path, &ls) == 0 && S_ISLNK(ls.st_mode) && ls.st_uid != geteuid()) {
			fprintf(stderr, "ERROR: Failed to open output file: \"%s\": it is a symbolic link owned by "
				"another user (uid %u); refusing to follow it\n", path, (unsigned)ls.st_uid);
			return NULL;
		}
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0 && (lstat(path, &ls2) < 0 || ls2.st_dev != ls.st_dev || ls2.st_ino != ls.st_ino)) {
			close(fd);
			fprintf(stderr, "ERROR: Failed to open output file: \"%s\": it changed while being opened\n",
				path);
			return NULL;
		}
	}
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ftruncate(fd, 0) < 0) {
		close(fd);
		fd = -1;
	}
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		fprintf(stderr, "ERROR: Failed to open output file: \"%s\": %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return f;
}

int driver_run(struct options *opt)
{
	struct driver drv;
	memset(&drv, 0, sizeof(drv));
	drv.opt = opt;
	drv.rt.ringbuf_fd = drv.rt.globals_fd = -1;
	drv.rt.out = stdout;
	drv.rt.format = opt->format;
	drv.rt.escape_ctl = !opt->output && opt->format == OUT_TEXT && isatty(STDOUT_FILENO);
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	drv.start_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	diag_init(&drv.diag, &drv.src, stderr);
	drv.diag.quiet_warnings = opt->warning_level == 0;
	drv.rt.cat_bytes_max = opt->cat_bytes_max;
	drv.rt.full_buffering = opt->buffering == BUF_FULL;
	drv.penv.arena = &drv.arena;
	drv.penv.diag = &drv.diag;
	drv.penv.pid = opt->pid;
	drv.penv.has_cmd = opt->cmd != NULL;
	drv.penv.verbose = opt->verbose;
	if (opt->output) {
		drv.rt.out = open_output(opt->output);
		if (!drv.rt.out)
			return 1;
	}
	/* -B applies to stdout and to -o FILE alike; the default is line buffering. */
	setvbuf(drv.rt.out, NULL, opt->buffering == BUF_NONE ? _IONBF : opt->buffering == BUF_FULL ? _IOFBF : _IOLBF,
		BUFSIZ);
	int rc = run(&drv);
	if (drv.rt.out != stdout)
		fclose(drv.rt.out);
	arena_free(&drv.arena);
	return rc;
}
