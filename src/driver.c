/* driver.c - runs one bpfscript invocation through the ordered pass table
 * (pass_table, below):
 *
 *   parse [-d ast] -> sema [-d types] -> units -> maps (and the -c child,
 *   stopped) -> codegen or the object cache [-d codegen, codegen-opt, asm]
 *   -> load [-d libbpf, verifier] -> run
 *
 * Every pass reports through the diagnostics sink and the run stops after
 * the first pass with errors. All compile-time memory is in drv->arena. */
#define _GNU_SOURCE
#include "driver.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>
#include <libgen.h>
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
#include "runtime/metrics.h"
#include "runtime/outstream.h"
#include "util/rfile.h"

/* Reads a whole script (or stdin for "-"): a regular file (never a FIFO or
 * a device: util/rfile.h) of at most RFILE_MAX_SCRIPT bytes; NUL bytes are
 * kept so that the lexer can report them. */
static char *read_all(struct driver *drv, const char *path, int *len)
{
	char err[PATH_MAX + 128];
	size_t n = 0;
	char *buf = NULL;
	if (!strcmp(path, "-")) {
		buf = rfile_read_fd(0, "stdin", RFILE_MAX_SCRIPT, &n, err, sizeof(err));
	} else {
		int fd = rfile_open(path, RFILE_MAX_SCRIPT, NULL, err, sizeof(err));
		if (fd < 0 && !strncmp(err, "cannot open ", 12)) {
			diag_plain(&drv->diag, "failed to open file '%s': %s", path, strerror(errno));
			return NULL;
		}
		if (fd >= 0) {
			buf = rfile_read_fd(fd, path, RFILE_MAX_SCRIPT, &n, err, sizeof(err));
			close(fd);
		}
	}
	if (!buf) {
		diag_plain(&drv->diag, "failed to read %s", err);
		return NULL;
	}
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

/* A probe type marked exclusive (iter) runs alone: one attach point and no
 * other probes but BEGIN and END. */
static int check_exclusive(struct driver *drv)
{
	const struct ap_list *l = &drv->prog.aps;
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
	rt->printfs = (struct rt_printf **)drv->prog.printfs.v;
	rt->nprintfs = drv->prog.printfs.n;
	rt->values = (struct type **)drv->prog.values.v;
	rt->nvalues = drv->prog.values.n;
	rt->nprobes = drv->prog.aps.n;
	rt->probe_names = arena_alloc(&drv->arena, sizeof(char *) * (size_t)(rt->nprobes + 1));
	rt->probe_funcs = arena_alloc(&drv->arena, sizeof(char *) * (size_t)(rt->nprobes + 1));
	for (int i = 0; i < rt->nprobes; i++) {
		const struct attach_point *ap = drv->prog.aps.v[i];
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

/* BPFTRACE_MAX_PROBES and BPFTRACE_MAX_BPF_PROGS, in bpftrace's words. */
static int check_limits(struct driver *drv, int nunits)
{
	const struct settings *o = &drv->prog.set;
	if (o->max_probes > 0 && drv->prog.aps.n > o->max_probes) {
		diag_plain(&drv->diag, "Can't attach to %d probes because it exceeds the current limit of %d probes.\n"
			   "You can increase the limit through the BPFTRACE_MAX_PROBES environment variable, "
			   "but BE CAREFUL since a high number of probes attached can cause your system to crash.",
			   drv->prog.aps.n, o->max_probes);
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

/* ---- the passes -------------------------------------------------------------
 *
 * Each pass runs one stage over the driver's state and returns PASS_NEXT,
 * PASS_DONE (the run is over: drv->rc is its status) or PASS_FAIL (after a
 * diagnostic: status 1). A pass's `dump` names what -d can print at its end
 * (a comma list, in order); the run stops after the last pass whose stage
 * -d asked for. */
enum pass_result { PASS_NEXT, PASS_DONE, PASS_FAIL };

struct pass {
	const char *name;
	enum pass_result (*run)(struct driver *drv);
	const char *dump;
};

static const struct pass *passes(void);

/* Does the run go on past pass `name` (-d asks for a later stage, or no -d)? */
static bool runs_past(const struct driver *drv, const char *name)
{
	const char *dump = drv->opt->dump;
	if (!dump)
		return true;
	const struct pass *p = passes();
	while (p->name && strcmp(p->name, name))
		p++;
	for (p += p->name != NULL; p->name; p++)
		for (const char *d = p->dump; d && *d; d += strcspn(d, ",")) {
			d += *d == ',';
			char stage[32];
			snprintf(stage, sizeof(stage), "%.*s", (int)strcspn(d, ","), d);
			if (driver_dumps(dump, stage))
				return true;
		}
	return false;
}

/* source -> AST: read the program, parse it, expand #include of headers. */
static enum pass_result pass_parse(struct driver *drv)
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
			return PASS_FAIL;
	}
	drv->src.len = len;
	drv->prog.root = parse_program(&drv->arena, &drv->diag, &drv->src);
	if (!drv->prog.root || drv->diag.errors)
		return PASS_FAIL;
	/* bpftrace defines BPFTRACE_HAVE_BTF when it finds the kernel's BTF */
	bool have_btf = access(o->btf ? o->btf : "/sys/kernel/btf/vmlinux", R_OK) == 0;
	drv->nheaders = include_expand(&drv->arena, &drv->diag, drv->prog.root,
				       o->file && strcmp(o->file, "-") ? o->file : NULL, o->include_dirs,
				       o->include_files, have_btf, &drv->sys_headers);
	if (drv->nheaders < 0)
		return PASS_FAIL;
	if (driver_dumps(o->dump, "ast"))
		ast_dump(stdout, drv->prog.root, false, &drv->arena);
	return PASS_NEXT;
}

/* The settings that shape compilation, from the command line and the
 * environment; the config block may change them (sema). */
static void init_settings(struct driver *drv)
{
	const struct options *o = drv->opt;
	drv->prog.set = (struct settings){
		.strlen = o->strlen, .map_keys_max = o->map_keys_max,
		.stack_keys_max = o->stack_keys_max, .perf_rb_pages = o->perf_rb_pages,
		.stack_mode = o->stack_mode, .unsafe = o->unsafe, .warning_level = o->warning_level,
		.has_cmd = o->cmd != NULL, .pid = o->pid, .params = o->params, .nparams = o->nparams,
		.cat_bytes_max = o->cat_bytes_max, .max_probes = o->max_probes, .max_bpf_progs = o->max_bpf_progs,
		.log_size = 1000000, .missing_probes = MISSING_ERROR, .print_maps_on_exit = true,
		.str_trunc_trailer = "..",
	};
}

/* AST -> typed program: attach points, names, types, maps, formats. */
static enum pass_result pass_sema(struct driver *drv)
{
	struct options *o = drv->opt;
	/* Attach point expansion reads tracefs, which needs root: say so first.
	 * A run that stops at -d types needs none for BEGIN/END and BTF types
	 * (/sys/kernel/btf/vmlinux is world-readable): the type golden tests. */
	if (geteuid() != 0 && runs_past(drv, "sema")) {
		diag_plain(&drv->diag, "bpfscript currently only supports running as the root user.");
		return PASS_FAIL;
	}
	if (o->pid > 0 && kill(o->pid, 0) < 0 && errno == ESRCH) {
		diag_plain(&drv->diag, "process %d does not exist (-p)", (int)o->pid);
		return PASS_FAIL;
	}
	init_settings(drv);
	if (sema_run(&drv->penv, &drv->prog) < 0 || check_exclusive(drv) < 0)
		return PASS_FAIL;
	/* what the config block decided for the run */
	drv->rt.cat_bytes_max = drv->prog.set.cat_bytes_max;
	drv->rt.no_maps_on_exit = !drv->prog.set.print_maps_on_exit;
	drv->rt.missing_probes = drv->prog.set.missing_probes;
	/* --metrics wins over the environment and the config block */
	drv->metrics = o->metrics ? o->metrics : drv->prog.set.metrics;
	char host[256], err[512];
	int port;
	if (drv->metrics && metrics_parse(drv->metrics, host, sizeof(host), &port, err, sizeof(err)) < 0) {
		diag_plain(&drv->diag, "%s", err);
		return PASS_FAIL;
	}
	if (driver_dumps(o->dump, "types"))
		ast_dump(stdout, drv->prog.root, true, &drv->arena);
	return PASS_NEXT;
}

/* Typed program -> program units, each typed for its attach points (-l
 * with a program lists the attach points instead). */
static enum pass_result pass_units(struct driver *drv)
{
	if (drv->opt->list) {
		for (int i = 0; i < drv->prog.aps.n; i++)
			printf("%s\n", drv->prog.aps.v[i]->name);
		return PASS_DONE;
	}
	if (sema_units(&drv->penv, &drv->prog) < 0 || check_limits(drv, drv->prog.nunits) < 0)
		return PASS_FAIL;
	return PASS_NEXT;
}

/* Does this run attach probes (not only compile, dump or check)? */
static bool attaches(const struct driver *drv)
{
	const struct options *o = drv->opt;
	return !o->dump && !o->check && !o->emit_elf && !o->ir_only;
}

static struct loader loader_of(struct driver *drv)
{
	return (struct loader){ .env = &drv->penv, .prog = &drv->prog, .rt = &drv->rt, .diag = &drv->diag,
				.start_ns = drv->start_ns, .cpid = drv->child,
				.dump_verifier = driver_dumps(drv->opt->dump, "verifier") };
}

/* The kernel maps (their fds go into the code) and the -c child, stopped. */
static enum pass_result pass_maps(struct driver *drv)
{
	struct options *o = drv->opt;
	/* Only a run that attaches needs the -c child. */
	if (o->cmd && attaches(drv) && spawn_child(drv, &drv->go_fd, &drv->ack_fd) < 0)
		return PASS_FAIL;
	if (drv->child > 0 && !o->pid)
		drv->penv.pid = drv->child;   /* attach hooks see the -c child as the target */
	struct loader l = loader_of(drv);
	return load_maps(&l) < 0 ? PASS_FAIL : PASS_NEXT;
}

/* Program units -> BPF ELF object: from the object cache, or compiled. */
static enum pass_result pass_codegen(struct driver *drv)
{
	struct options *o = drv->opt;
	/* A cached object skips codegen, and LLVM is then never loaded. The -k
	 * sites table (rt.helper_errs) is made by codegen: -k always compiles;
	 * so does a program that read headers (the key does not cover them). */
	drv->rt.diag = &drv->diag;
	if (o->warning_level == 2 || drv->nheaders > 0) {
		if (o->verbose)
			fprintf(stderr, "cache: off (%s)\n", drv->nheaders > 0 ? "a program that reads C headers always compiles"
										: "-k always compiles");
	} else {
		drv->cache = cache_open(drv);
	}
	int hit = drv->cache ? cache_lookup(drv->cache, drv, &drv->obj, &drv->objlen) : 0;
	if (hit < 0)
		return PASS_FAIL;
	drv->cache_hit = hit;
	struct cg_opts co = { .dump_ir = driver_dumps(o->dump, "codegen"),
			      .dump_ir_opt = driver_dumps(o->dump, "codegen-opt"),
			      .dump_asm = driver_dumps(o->dump, "asm"), .emit_llvm = o->emit_llvm,
			      .ir_only = o->ir_only };
	if (!hit && (cg_plugin_load(&drv->diag, o->verbose) < 0 ||
		     cg_compile(&drv->penv, &drv->prog, &drv->rt, &co, &drv->obj, &drv->objlen) < 0))
		return PASS_FAIL;
	if (o->emit_elf) {
		drv->rc = write_file(drv, o->emit_elf, drv->obj, drv->objlen) < 0 ? 1 : 0;
		return PASS_DONE;
	}
	if (o->ir_only)
		return PASS_DONE;
	return PASS_NEXT;
}

/* BPF object -> loaded programs (the verifier), then the runtime's tables. */
static enum pass_result pass_load(struct driver *drv)
{
	struct loader l = loader_of(drv);
	if (load_programs(&l, drv->obj, drv->objlen) < 0)
		return PASS_FAIL;
	if (drv->cache && !drv->cache_hit)
		cache_store(drv->cache, drv, drv->obj, drv->objlen);
	fill_tables(drv);
	return drv->opt->check ? PASS_DONE : PASS_NEXT;
}

/* Attach, BEGIN, events, END, maps. */
static enum pass_result pass_run(struct driver *drv)
{
	const struct options *o = drv->opt;
	struct run_opts ro = {
		.env = &drv->penv, .child_go_fd = drv->go_fd, .child_ack_fd = drv->ack_fd,
		.child_pid = drv->child, .target_pid = o->pid, .quiet = o->quiet, .dry_run = o->dry_run,
		.verbose = o->verbose, .metrics = drv->metrics, .mode = o->mode,
	};
	const char *ba = getenv("BPFSCRIPT_BEGIN_AFTER_ATTACH");
	ro.begin_after_attach = ba && strcmp(ba, "0") != 0 && ba[0];
	drv->go_fd = drv->ack_fd = -1;
	drv->rc = rt_run(&drv->rt, &ro);
	return PASS_DONE;
}

static const struct pass pass_table[] = {
	{ "parse", pass_parse, "ast" },
	{ "sema", pass_sema, "types" },
	{ "units", pass_units, NULL },
	{ "maps", pass_maps, NULL },
	{ "codegen", pass_codegen, "codegen,codegen-opt,asm" },
	{ "load", pass_load, "libbpf,verifier" },
	{ "run", pass_run, NULL },
	{ NULL, NULL, NULL },
};

static const struct pass *passes(void)
{
	return pass_table;
}

const char *const *driver_dump_stages(void)
{
	static const char *stages[16];
	if (!stages[0]) {
		int n = 0;
		for (const struct pass *p = pass_table; p->name; p++)
			for (const char *d = p->dump; d && *d && n < 15; d += strcspn(d, ",")) {
				d += *d == ',';
				size_t len = strcspn(d, ",");
				static char names[16][16];
				snprintf(names[n], sizeof(names[n]), "%.*s", (int)len, d);
				stages[n] = names[n];
				n++;
			}
	}
	return stages;
}

/* Runs the passes in order until one ends the run; then releases what they
 * made (the -c child is killed if it never ran, every fd is closed). */
static int run(struct driver *drv)
{
	drv->go_fd = drv->ack_fd = -1;
	int rc = 0;
	for (const struct pass *p = pass_table; p->name; p++) {
		enum pass_result r = p->run(drv);
		if (r == PASS_FAIL) {
			rc = 1;
			break;
		}
		if (r == PASS_DONE) {
			rc = drv->rc;
			break;
		}
		if (!runs_past(drv, p->name))
			break;   /* -d: the last stage asked for is dumped */
	}
	cache_close(drv->cache);
	if (drv->go_fd >= 0)
		close(drv->go_fd);
	if (drv->ack_fd >= 0)
		close(drv->ack_fd);
	free(drv->obj);
	reap_child(drv);
	load_close(&drv->rt);
	return rc;
}

/* -o FILE. Running as root, the tracer must not be tricked into writing
 * where someone else chose, whatever fs.protected_symlinks and
 * fs.protected_regular say:
 *  - a symbolic link is followed only when it belongs to the user running
 *    bpfscript (root's own, /dev/stdout and the like) or, in a sticky
 *    directory, to the directory's owner, and it must still be that link
 *    once the file is open;
 *  - in a sticky directory that others can write to (/tmp), an existing
 *    file is written only when it belongs to that user or to the
 *    directory's owner (another user's file there may be a trap: a FIFO,
 *    a file the attacker reads back), checked again on the open file; the
 *    open does not block there (a FIFO without a reader is an error).
 * The file is truncated only once it passed (O_TRUNC would do it before
 * the checks). A new file is created as usual. */
static bool shared_sticky_dir(const char *path, struct stat *dir)
{
	char *copy = xstrdup(path);
	bool r = stat(dirname(copy), dir) == 0 && (dir->st_mode & S_ISVTX) && (dir->st_mode & (S_IWOTH | S_IWGRP));
	free(copy);
	return r;
}

static void output_refused(const char *path, const char *why, unsigned uid, const char *dir)
{
	if (dir)
		fprintf(stderr, "ERROR: Failed to open output file: \"%s\": %s (uid %u) in the sticky directory %s; "
			"refusing to write to it\n", path, why, uid, dir);
	else
		fprintf(stderr, "ERROR: Failed to open output file: \"%s\": %s (uid %u); refusing to follow it\n",
			path, why, uid);
}

static int open_output(const char *path)
{
	struct stat dir, ls, st;
	bool sticky = shared_sticky_dir(path, &dir);
	uid_t me = geteuid();
	char *dname = xstrdup(path);
	const char *dn = dirname(dname);
	bool exists = lstat(path, &ls) == 0, link = exists && S_ISLNK(ls.st_mode);
	int fd = -1;
	if (link && ls.st_uid != me && !(sticky && ls.st_uid == dir.st_uid)) {
		output_refused(path, "it is a symbolic link owned by another user", (unsigned)ls.st_uid, NULL);
		goto out;
	}
	if (exists && !link && sticky && ls.st_uid != me && ls.st_uid != dir.st_uid) {
		output_refused(path, "it belongs to another user", (unsigned)ls.st_uid, dn);
		goto out;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (link ? 0 : O_NOFOLLOW) | (sticky ? O_NONBLOCK : 0), 0644);
	if (fd < 0) {
		if (errno == ELOOP)   /* a link put there since the lstat */
			fprintf(stderr, "ERROR: Failed to open output file: \"%s\": it changed while being opened\n", path);
		else
			fprintf(stderr, "ERROR: Failed to open output file: \"%s\": %s\n", path, strerror(errno));
		goto out;
	}
	struct stat ls2;
	if (link && (lstat(path, &ls2) < 0 || ls2.st_dev != ls.st_dev || ls2.st_ino != ls.st_ino)) {
		fprintf(stderr, "ERROR: Failed to open output file: \"%s\": it changed while being opened\n", path);
		goto fail;
	}
	if (fstat(fd, &st) < 0)
		goto fail_errno;
	if (!link && sticky && st.st_uid != me && st.st_uid != dir.st_uid) {
		output_refused(path, "it belongs to another user", (unsigned)st.st_uid, dn);
		goto fail;
	}
	if (sticky && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		goto fail_errno;
	if (S_ISREG(st.st_mode) && ftruncate(fd, 0) < 0)
		goto fail_errno;
	goto out;
fail_errno:
	fprintf(stderr, "ERROR: Failed to open output file: \"%s\": %s\n", path, strerror(errno));
fail:
	close(fd);
	fd = -1;
out:
	free(dname);
	return fd;
}

int driver_run(struct options *opt)
{
	struct driver drv;
	memset(&drv, 0, sizeof(drv));
	drv.opt = opt;
	drv.rt.ringbuf_fd = drv.rt.globals_fd = -1;
	drv.rt.out = stdout;
	drv.rt.format = opt->format;
	drv.rt.escape_ctl = !opt->output && opt->format != OUT_JSON && isatty(STDOUT_FILENO);
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	drv.start_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	diag_init(&drv.diag, &drv.src, stderr);
	drv.diag.quiet_warnings = opt->warning_level == 0;
	drv.rt.full_buffering = opt->buffering == BUF_FULL;
	drv.penv.arena = &drv.arena;
	drv.penv.diag = &drv.diag;
	drv.penv.pid = opt->pid;
	drv.penv.has_cmd = opt->cmd != NULL;
	drv.penv.verbose = opt->verbose;
	/* The program's output: every write checked (runtime/outstream.h). */
	struct out_stream os = { .fd = STDOUT_FILENO, .name = "stdout" };
	if (opt->output) {
		os = (struct out_stream){ .fd = open_output(opt->output), .owns_fd = true, .name = opt->output };
		if (os.fd < 0)
			return 1;
	} else if (fcntl(STDOUT_FILENO, F_GETFL) < 0) {
		fprintf(stderr, "ERROR: failed to write output to stdout: %s\n", strerror(errno));
		return 1;
	}
	drv.rt.out = out_stream_open(&os);
	if (!drv.rt.out) {
		fprintf(stderr, "ERROR: failed to set up the output to %s: %s\n", os.name, strerror(errno));
		if (os.owns_fd)
			close(os.fd);
		return 1;
	}
	drv.rt.out_state = &os;
	/* --flamegraph FILE: opened now, by -o's rules, so that a refused path
	 * stops the run before anything is traced */
	if (opt->flamegraph) {
		drv.rt.flamegraph = opt->flamegraph;
		drv.rt.flame_fd = open_output(opt->flamegraph);
		if (drv.rt.flame_fd < 0) {
			fclose(drv.rt.out);
			return 1;
		}
	}
	/* -B applies to stdout and to -o FILE alike; the default is line buffering. */
	setvbuf(drv.rt.out, NULL, opt->buffering == BUF_NONE ? _IONBF : opt->buffering == BUF_FULL ? _IOFBF : _IOLBF,
		BUFSIZ);
	int rc = run(&drv);
	fclose(drv.rt.out);
	if (opt->flamegraph)
		close(drv.rt.flame_fd);
	arena_free(&drv.arena);
	return rc;
}
