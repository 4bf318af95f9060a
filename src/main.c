/* main.c - the command line of bpfscript: options and environment
 * variables (bpftrace's names and wording), --help, --version and --info.
 * All work happens in driver.c; this file only fills struct options.
 * The option list here, in the usage text and in man/bpfscript.8 must
 * agree: tests/cli/help_man.py checks it. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "driver.h"
#include "codegen/plugin.h"
#include "ast/probe.h"
#include "sys/btf.h"
#include "sys/demangle.h"
#include "info.h"
#include "sys/tracefs.h"
#include "sys/usyms.h"
#include "runtime/stacks.h"

static const char usage_text[] =
	"USAGE:\n"
	"    bpfscript [options] filename\n"
	"    bpfscript [options] - <stdin input>\n"
	"    bpfscript [options] -e 'program'\n"
	"\n"
	"OPTIONS:\n"
	"    -B MODE        output buffering mode ('line', 'full', 'none')\n"
	"    -f FORMAT      output format ('text', 'json', 'folded': stack maps as folded stacks)\n"
	"    -o file        redirect bpfscript output to file\n"
	"    -e 'program'   execute this program\n"
	"    -h, --help     show this help message\n"
	"    -I DIR         add the directory to the include search path\n"
	"    --include FILE add an #include file before preprocessing\n"
	"    -l [search|filename]\n"
	"                   list probes, or the probes of a program\n"
	"    -p PID         filter probes to PID and enable USDT probes on PID\n"
	"    -c 'CMD'       run CMD and enable USDT probes on resulting process\n"
	"    --usdt-file-activation\n"
	"                   activate usdt semaphores based on file path\n"
	"    --unsafe       allow unsafe builtin functions\n"
	"    -q             keep messages quiet\n"
	"    --flamegraph FILE.svg\n"
	"                   at exit, draw the stack maps as an SVG flame graph into FILE.svg\n"
	"    --info         Print information about kernel BPF support\n"
	"    -k             emit a warning when a bpf helper returns an error (map updates, reads)\n"
	"    -V, --version  bpfscript version\n"
	"    --no-warnings  disable all warning messages\n"
	"    --no-cache     compile every time: do not use the compiled-object cache\n"
	"    --mode MODE    run (default): trace; test: run the test probes and report\n"
	"                   PASS/FAIL; bench: time the bench probes (ns per run)\n"
	"    --test         same as --mode test\n"
	"    --bench        same as --mode bench\n"
	"    --metrics [HOST:]PORT\n"
	"                   serve the maps live to Prometheus at http://HOST:PORT/metrics\n"
	"                   (HOST 127.0.0.1 unless given)\n"
	"\n"
	"    Long forms: --list (-l), --verbose (-v), --pid (-p), --cmd (-c),\n"
	"    --output (-o), --quiet (-q), --warnings (-k), --debug (-d)\n"
	"\n"
	"TROUBLESHOOTING OPTIONS:\n"
	"    -v                      verbose messages\n"
	"    -d STAGE                dump STAGE and stop after it; STAGE is a comma list of\n"
	"                            @STAGES@\n"
	"    --dry-run               parse, load and attach, then exit at once\n"
	"    --check                 parse, compile and load into the verifier; attach nothing\n"
	"    --emit-elf FILE         (dry run) generate ELF file with bpf programs and write to FILE\n"
	"    --emit-llvm FILE        write LLVM IR to FILE.original.ll and FILE.optimized.ll\n"
	"\n"
	"ENVIRONMENT:\n"
	"    BPFTRACE_MAX_STRLEN         [default: 64] bytes per str() (0.17: BPFTRACE_STRLEN)\n"
	"    BPFTRACE_CPP_DEMANGLE       [default: 1] demangle C++ symbols (0.17: BPFTRACE_NO_CPP_DEMANGLE)\n"
	"    BPFTRACE_MAX_MAP_KEYS       [default: 4096] max keys in a map (0.17: BPFTRACE_MAP_KEYS_MAX)\n"
	"    BPFTRACE_MAX_STACK_KEYS     [default: 131072] distinct stacks kept per kstack/ustack map\n"
	"    BPFTRACE_PERF_RB_PAGES      [default: 64] pages per CPU to allocate for the output ring buffer\n"
	"    BPFTRACE_MAX_CAT_BYTES      [default: 10k] maximum bytes read by cat builtin (0.17: BPFTRACE_CAT_BYTES_MAX)\n"
	"    BPFTRACE_MAX_PROBES         [default: 1024] max number of probes\n"
	"    BPFTRACE_MAX_BPF_PROGS      [default: 1024] max number of generated BPF programs\n"
	"    BPFTRACE_CACHE_USER_SYMBOLS [default: auto] enable user symbol cache\n"
	"    BPFTRACE_BTF                [default: none] BTF file\n"
	"    BPFTRACE_STACK_MODE         [default: bpftrace] kstack/ustack mode: bpftrace, perf or raw\n"
	"    BPFTRACE_LOG_SIZE           [default: 1000000] verifier log bytes kept for a rejected program\n"
	"    BPFTRACE_MISSING_PROBES     [default: error] a probe that cannot attach: error, warn or ignore\n"
	"    BPFTRACE_PRINT_MAPS_ON_EXIT [default: true] print the maps at exit\n"
	"    BPFTRACE_STR_TRUNC_TRAILER  [default: '..'] string truncation trailer\n"
	"    (every config variable of the config block, as BPFTRACE_ and its name in capitals)\n"
	"    BPFSCRIPT_CACHE_DIR         [default: ~/.cache/bpfscript] compiled-object cache directory\n"
	"    BPFSCRIPT_NO_CACHE          [default: 0] 1: do not use the compiled-object cache\n"
	"    BPFSCRIPT_BEGIN_AFTER_ATTACH [default: 0] 1: run BEGIN after attaching, as bpftrace 0.17 did\n"
	"    Each can also be given as BPFSCRIPT_* (BPFSCRIPT_STRLEN, ...), which wins.\n"
	"\n"
	"EXAMPLES:\n"
	"bpfscript -l '*sleep*'\n"
	"    list probes containing \"sleep\"\n"
	"bpfscript -e 'tracepoint:syscalls:sys_enter_nanosleep { printf(\"PID %d sleeping...\\n\", pid); }'\n"
	"    trace processes calling sleep\n"
	"bpfscript -e 'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }'\n"
	"    count syscalls by process name\n";

/* The help text; its list of -d stages comes from the driver's pass table. */
static void usage(FILE *f)
{
	const char *at = strstr(usage_text, "@STAGES@");
	fwrite(usage_text, 1, (size_t)(at - usage_text), f);
	for (const char *const *st = driver_dump_stages(); *st; st++)
		fprintf(f, "%s, ", *st);
	fputs("all", f);
	fputs(at + strlen("@STAGES@"), f);
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("ERROR: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* The value of environment setting NAME: BPFSCRIPT_NAME wins over
 * BPFTRACE_NAME; *used gets the variable's full name. */
static const char *env_get(const char *name, char *used, size_t usedlen)
{
	snprintf(used, usedlen, "BPFSCRIPT_%s", name);
	const char *v = getenv(used);
	if (!v) {
		snprintf(used, usedlen, "BPFTRACE_%s", name);
		v = getenv(used);
	}
	return v;
}

/* A positive integer setting, at most max (bpftrace's messages); name is
 * latest bpftrace's, "NEW|OLD" accepts 0.17's name too (the new one wins). */
static int env_uint(const char *name, int def, long max, const char *why)
{
	char used[64], first[48];
	const char *bar = strchr(name, '|');
	snprintf(first, sizeof(first), "%.*s", bar ? (int)(bar - name) : (int)strlen(name), name);
	const char *v = env_get(first, used, sizeof(used));
	if (!v && bar)
		v = env_get(bar + 1, used, sizeof(used));
	if (!v)
		return def;
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno == ERANGE)
		n = ULLONG_MAX;
	else if (errno || end == v || *end || n == 0 || strchr(v, '-'))
		die("Env var '%s' did not contain a valid uint64_t, or was zero-valued.", used);
	if (n > (unsigned long long)max)
		die("'%s' %s exceeds the current maximum of %ld%s", used, v, max, why);
	return (int)n;
}

/* -d STAGE[,STAGE...] -> a normalised comma list for driver_dumps(). */
static const char *parse_stages(const char *arg)
{
	const char *const *stages = driver_dump_stages();
	static char list[128];
	bool want[16] = { false };
	char *copy = strdup(arg), *save = NULL;
	if (!copy)
		die("out of memory");
	for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		if (!strcmp(s, "all")) {
			for (int i = 0; stages[i]; i++)
				want[i] = true;
			continue;
		}
		const char *name = !strcmp(s, "bpf") || !strcmp(s, "dis") ? "asm" : s;
		int i = 0;
		while (stages[i] && strcmp(stages[i], name))
			i++;
		if (!stages[i]) {
			fprintf(stderr, "ERROR: USAGE: invalid option for -d: %s\n", s);
			free(copy);
			exit(1);
		}
		want[i] = true;
	}
	free(copy);
	list[0] = 0;
	for (int i = 0; stages[i]; i++)
		if (want[i]) {
			if (list[0])
				strcat(list, ",");
			strcat(list, stages[i]);
		}
	if (!list[0])
		die("USAGE: invalid option for -d: %s", arg);
	return list;
}

static pid_t parse_pid(const char *s)
{
	char *end;
	errno = 0;
	long long pid = strtoll(s, &end, 10);
	if (!*s || *end || errno)
		die("pid '%s' is not a valid decimal number", s);
	if (pid < 1 || pid > 4194304)
		die("pid '%s' out of valid pid range [1,4194304]", s);
	return (pid_t)pid;
}

/* Appends to a NULL-terminated array (freed by the OS at exit: main
 * returns straight after the run). */
static const char **push(const char **v, int *n, const char *s)
{
	v = realloc(v, sizeof(*v) * (size_t)(*n + 2));
	if (!v)
		die("out of memory");
	v[(*n)++] = s;
	v[*n] = NULL;
	return v;
}

/* -d libbpf: libbpf's own messages, prefixed by their level, on stdout. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	printf("[%s] ", level == LIBBPF_WARN ? "WARN" : level == LIBBPF_INFO ? "INFO" : "DEBUG");
	return vprintf(fmt, ap);
}

static void read_env(struct options *o)
{
	o->strlen = env_uint("MAX_STRLEN|STRLEN", 64, 1024, ".");
	o->map_keys_max = env_uint("MAX_MAP_KEYS|MAP_KEYS_MAX", 4096, 1 << 24, ".");
	o->stack_keys_max = env_uint("MAX_STACK_KEYS", STACK_KEYS_DEFAULT, 1 << 24, ".");
	o->perf_rb_pages = env_uint("PERF_RB_PAGES", 64, 1 << 16, ".");
	o->max_probes = env_uint("MAX_PROBES", 1024, 1 << 20, ".");
	o->max_bpf_progs = env_uint("MAX_BPF_PROGS", 1024, 1 << 20, ".");
	o->cat_bytes_max = env_uint("MAX_CAT_BYTES|CAT_BYTES_MAX", 10240, 1 << 24, ".");
	char used[64];
	const char *v = env_get("CACHE_USER_SYMBOLS", used, sizeof(used));
	o->cache_user_symbols = -1;
	if (v) {
		if (strcmp(v, "0") && strcmp(v, "1"))
			die("Env var '%s' did not contain a valid value (0 or 1).", used);
		o->cache_user_symbols = *v == '1';
	}
	o->btf = env_get("BTF", used, sizeof(used));
	char btf_err[PATH_MAX + 160];
	if (o->btf && !btf_set_file(o->btf, btf_err, sizeof(btf_err)))
		die("%s: %s", used, btf_err);
	usyms_set_cache(o->cache_user_symbols);
	/* cpp_demangle: 0.17's BPFTRACE_NO_CPP_DEMANGLE, latest's
	 * BPFTRACE_CPP_DEMANGLE (the latter wins; both win over the config
	 * block) */
	o->cpp_demangle = -1;
	static const char *const dm[] = { "NO_CPP_DEMANGLE", "CPP_DEMANGLE" };
	for (int i = 0; i < 2; i++) {
		v = env_get(dm[i], used, sizeof(used));
		if (!v)
			continue;
		if (strcmp(v, "0") && strcmp(v, "1"))
			die("Env var '%s' did not contain a valid value (0 or 1).", used);
		o->cpp_demangle = (*v == '1') != (i == 0);
	}
	if (o->cpp_demangle >= 0)
		cxx_demangle_set_output(o->cpp_demangle);
	/* the default mode of kstack/ustack (bpftrace 0.18) */
	o->stack_mode = -1;
	v = env_get("STACK_MODE", used, sizeof(used));
	if (v) {
		static const char *const modes[] = { "bpftrace", "perf", "raw" };
		for (int i = 0; i < 3; i++)
			if (!strcmp(v, modes[i]))
				o->stack_mode = i;
		if (o->stack_mode < 0)
			die("Env var '%s' did not contain a valid StackMode: %s", used, v);
	}
}

enum {
	OPT_INCLUDE = 256, OPT_UNSAFE, OPT_INFO, OPT_NO_WARNINGS, OPT_NO_CACHE, OPT_DRY_RUN, OPT_CHECK,
	OPT_EMIT_ELF, OPT_EMIT_LLVM, OPT_USDT_FILE_ACTIVATION,
	OPT_FLAMEGRAPH, OPT_METRICS, OPT_MODE, OPT_TEST, OPT_BENCH,
};

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "list", no_argument, NULL, 'l' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "pid", required_argument, NULL, 'p' },
	{ "cmd", required_argument, NULL, 'c' },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "warnings", no_argument, NULL, 'k' },
	{ "debug", required_argument, NULL, 'd' },
	{ "include", required_argument, NULL, OPT_INCLUDE },
	{ "unsafe", no_argument, NULL, OPT_UNSAFE },
	{ "info", no_argument, NULL, OPT_INFO },
	{ "no-warnings", no_argument, NULL, OPT_NO_WARNINGS },
	{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "emit-elf", required_argument, NULL, OPT_EMIT_ELF },
	{ "emit-llvm", required_argument, NULL, OPT_EMIT_LLVM },
	{ "usdt-file-activation", no_argument, NULL, OPT_USDT_FILE_ACTIVATION },
	{ "flamegraph", required_argument, NULL, OPT_FLAMEGRAPH },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "test", no_argument, NULL, OPT_TEST },
	{ "bench", no_argument, NULL, OPT_BENCH },
	{ NULL, 0, NULL, 0 },
};

static bool is_regular_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The -k / --no-warnings pair, in bpftrace's words when they conflict. */
static void set_warning_level(struct options *o, int level)
{
	if (level == 2 && o->warning_level == 2)
		die("USAGE: -kk has been deprecated. Use a single -k for runtime warnings for "
		    "errors in map lookups and probe reads.");
	if (o->warning_level != 1 && o->warning_level != level)
		die("USAGE: -k, --warnings conflicts with --no-warnings");
	o->warning_level = level;
}

static enum output_format parse_format(const char *arg)
{
	if (!strcmp(arg, "text"))
		return OUT_TEXT;
	if (!strcmp(arg, "json"))
		return OUT_JSON;
	if (!strcmp(arg, "folded"))
		return OUT_FOLDED;
	die("Invalid output format \"%s\"\nValid formats: 'text', 'json', 'folded'", arg);
}

/* --mode: run (the default), test (the test probes), bench (the bench probes). */
static enum run_mode parse_mode(const char *arg)
{
	if (!strcmp(arg, "run"))
		return RUN_MODE_RUN;
	if (!strcmp(arg, "test"))
		return RUN_MODE_TEST;
	if (!strcmp(arg, "bench"))
		return RUN_MODE_BENCH;
	die("Invalid mode \"%s\"\nValid modes: 'run', 'test', 'bench'", arg);
}

static enum buffer_mode parse_buffering(const char *arg)
{
	if (!strcmp(arg, "line"))
		return BUF_LINE;
	if (!strcmp(arg, "full"))
		return BUF_FULL;
	if (!strcmp(arg, "none"))
		return BUF_NONE;
	die("USAGE: -B must be either 'line', 'full', or 'none'.");
}

/* What the command line asks for besides running a program. */
struct modes {
	bool list, info;
	int exit_now;            /* -h, -V, a usage error: exit with this (>= 0) */
};

/* Parses the options into o; optind is left at the first operand. */
static struct modes parse_options(int argc, char **argv, struct options *o)
{
	struct modes m = { .exit_now = -1 };
	int ndirs = 0, nfiles = 0;
	int c, moved = 0;
again:
	while ((c = getopt_long(argc - moved, argv, "+e:lvp:c:qd:o:f:B:I:khV", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': o->program = optarg; break;
		case 'l': m.list = true; break;
		case 'v': o->verbose = true; break;
		case 'q': o->quiet = true; break;
		case 'c': o->cmd = optarg; break;
		case 'd': o->dump = parse_stages(optarg); break;
		case 'o': o->output = optarg; break;
		case 'p': o->pid = parse_pid(optarg); break;
		case OPT_UNSAFE: o->unsafe = true; break;
		case OPT_DRY_RUN: o->dry_run = true; break;
		case OPT_CHECK: o->check = true; break;
		case OPT_INFO: m.info = true; break;
		case OPT_EMIT_ELF: o->emit_elf = optarg; break;
		case OPT_EMIT_LLVM: o->emit_llvm = optarg; break;
		case OPT_USDT_FILE_ACTIVATION: o->usdt_file_activation = true; break;
		case OPT_FLAMEGRAPH: o->flamegraph = optarg; break;
		case OPT_METRICS: o->metrics = optarg; break;
		case OPT_MODE: o->mode = parse_mode(optarg); break;
		case OPT_TEST: o->mode = RUN_MODE_TEST; break;
		case OPT_BENCH: o->mode = RUN_MODE_BENCH; break;
		case 'k': set_warning_level(o, 2); break;
		case OPT_NO_WARNINGS: set_warning_level(o, 0); break;
		case OPT_NO_CACHE: o->no_cache = true; break;
		case 'I': {
			struct stat st;
			if (stat(optarg, &st) < 0 || !S_ISDIR(st.st_mode))
				fprintf(stderr, "WARNING: include directory '%s' is not a directory\n", optarg);
			o->include_dirs = push(o->include_dirs, &ndirs, optarg);
			break;
		}
		case OPT_INCLUDE:
			if (!is_regular_file(optarg))
				die("include file '%s' not found", optarg);
			o->include_files = push(o->include_files, &nfiles, optarg);
			break;
		case 'f': o->format = parse_format(optarg); break;
		case 'B': o->buffering = parse_buffering(optarg); break;
		case 'h':
			usage(stdout);
			m.exit_now = 0;
			return m;
		case 'V':
			printf("bpfscript v%s\n", BPFSCRIPT_VERSION);
			m.exit_now = 0;
			return m;
		default:
			usage(stderr);
			m.exit_now = 1;
			return m;
		}
	}
	/* Options stop at the first operand (a program's own arguments may
	 * look like options), but -l's operand is a pattern: `-l 'usdt:*' -p
	 * PID` reads the options after it too, as bpftrace does. The operand
	 * moves to the end, after the options still to read. */
	if (m.list && optind < argc - moved && strcmp(argv[optind - 1], "--")) {
		char *op = argv[optind];
		memmove(argv + optind, argv + optind + 1, sizeof(*argv) * (size_t)(argc - optind - 1));
		argv[argc - 1] = op;
		moved++;
		goto again;
	}
	if (argc == 1) {
		usage(stderr);
		m.exit_now = 1;
	} else if (o->cmd && o->pid) {
		fprintf(stderr, "ERROR: USAGE: Cannot use both -c and -p.\n");
		usage(stderr);
		m.exit_now = 1;
	}
	return m;
}

/* -l without a program: list the probes matching the operand (or all). */
static int list_probes(int argc, char **argv, const struct options *o)
{
	if (optind + 1 < argc) {
		usage(stderr);
		return 1;
	}
	const char *pattern = optind < argc ? argv[optind] : NULL;
	int rc = o->pid > 0 ? probes_list_pid(o->pid, pattern, o->verbose, stdout)
			    : probes_list(pattern, o->verbose, stdout);
	tracefs_cleanup();
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct options o = { .warning_level = 1 };
	struct modes m = parse_options(argc, argv, &o);
	if (m.exit_now >= 0)
		return m.exit_now;
	read_env(&o);
	tracefs_set_strlen(o.strlen);
	if (driver_dumps(o.dump, "libbpf"))
		libbpf_set_print(libbpf_print);
	if (m.info) {
		if (geteuid() != 0)
			die("bpfscript currently only supports running as the root user.");
		int rc = info_print(stdout);
		tracefs_cleanup();
		return rc < 0 ? 1 : 0;
	}
	if (m.list && !o.program && !(optind < argc && is_regular_file(argv[optind])))
		return list_probes(argc, argv, &o);
	o.list = m.list;
	if (!o.program) {
		if (optind >= argc)
			die("USAGE: filename or -e 'program' required.");
		o.file = argv[optind++];
	}
	o.params = argv + optind;
	o.nparams = argc - optind;
	int rc = driver_run(&o);
	tracefs_cleanup();
	free(o.include_dirs);
	free(o.include_files);
	if (rc == RT_BROKEN_PIPE) {
		/* the output's reader went away: everything is detached and closed;
		 * end as bpftrace does, by SIGPIPE (status 141 in a shell) */
		fflush(stderr);
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
		rc = 1;
	}
	/* Everything of ours is freed and closed. LLVM's static destructors
	 * (~2-3 ms of freeing option registries at exit) have nothing to
	 * write: a run that loaded the plugin leaves without them. */
	if (cg_plugin_loaded()) {
		fflush(NULL);
		_exit(rc);
	}
	return rc;
}
