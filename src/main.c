/* main.c - command line of bpfscript; all work happens in driver.c. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "driver.h"
#include "probes/probe.h"
#include "runtime/tracefs.h"

static const char usage_text[] =
	"USAGE:\n"
	"    bpfscript [options] filename\n"
	"    bpfscript [options] - <stdin input>\n"
	"    bpfscript [options] -e 'program'\n"
	"\n"
	"OPTIONS:\n"
	"    -B MODE        output buffering mode ('line', 'full', 'none')\n"
	"    -f FORMAT      output format ('text', 'json')\n"
	"    -o file        redirect bpfscript output to file\n"
	"    -e 'program'   execute this program\n"
	"    -h, --help     show this help message\n"
	"    -I DIR         add the directory to the include search path\n"
	"    --include FILE add an #include file before preprocessing\n"
	"    -l [search]    list probes\n"
	"    -p PID         enable USDT probes on PID\n"
	"    -c 'CMD'       run CMD and enable USDT probes on resulting process\n"
	"    --unsafe       allow unsafe builtin functions\n"
	"    -q             keep messages quiet\n"
	"    --info         Print information about kernel BPF support\n"
	"    -k             emit a warning when a bpf helper returns an error (except read functions)\n"
	"    -V, --version  bpfscript version\n"
	"    --no-warnings  disable all warning messages\n"
	"\n"
	"TROUBLESHOOTING OPTIONS:\n"
	"    -v                      verbose messages\n"
	"    -d STAGE                debug dump and exit: ast, types, codegen, codegen-opt, asm\n"
	"    --dry-run               parse, load and attach, then exit at once\n"
	"    --check                 parse, compile and load into the verifier; attach nothing\n"
	"\n"
	"ENVIRONMENT:\n"
	"    BPFTRACE_STRLEN             [default: 64] bytes on BPF stack per str()\n"
	"    BPFTRACE_MAP_KEYS_MAX       [default: 4096] max keys in a map\n"
	"\n"
	"EXAMPLES:\n"
	"bpfscript -l '*sleep*'\n"
	"    list probes containing \"sleep\"\n"
	"bpfscript -e 'tracepoint:syscalls:sys_enter_nanosleep { printf(\"PID %d sleeping...\\n\", pid); }'\n"
	"    trace processes calling sleep\n"
	"bpfscript -e 'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }'\n"
	"    count syscalls by process name\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

/* Reads an integer environment setting (BPFTRACE_X or BPFSCRIPT_X). */
static int env_int(const char *name, int def, int min, int max)
{
	char bt[64], bs[64];
	snprintf(bt, sizeof(bt), "BPFTRACE_%s", name);
	snprintf(bs, sizeof(bs), "BPFSCRIPT_%s", name);
	const char *v = getenv(bs) ? getenv(bs) : getenv(bt);
	if (!v)
		return def;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || *end || n < min || n > max) {
		fprintf(stderr, "ERROR: env var %s must be an integer between %d and %d, not '%s'\n",
			getenv(bs) ? bs : bt, min, max, v);
		exit(1);
	}
	return (int)n;
}

enum { OPT_INCLUDE = 256, OPT_UNSAFE, OPT_INFO, OPT_NO_WARNINGS, OPT_DRY_RUN, OPT_CHECK };

int main(int argc, char **argv)
{
	struct options o = { 0 };
	bool list = false;
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "include", required_argument, NULL, OPT_INCLUDE },
		{ "unsafe", no_argument, NULL, OPT_UNSAFE },
		{ "info", no_argument, NULL, OPT_INFO },
		{ "no-warnings", no_argument, NULL, OPT_NO_WARNINGS },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "+e:lvp:c:qd:o:f:B:I:khV", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': o.program = optarg; break;
		case 'l': list = true; break;
		case 'v': o.verbose = true; break;
		case 'q': o.quiet = true; break;
		case 'c': o.cmd = optarg; break;
		case 'd': o.dump = optarg; break;
		case 'o': o.output = optarg; break;
		case 'k': break;
		case 'I': break;
		case OPT_INCLUDE: break;
		case OPT_UNSAFE: o.unsafe = true; break;
		case OPT_NO_WARNINGS: break;
		case OPT_DRY_RUN: o.dry_run = true; break;
		case OPT_CHECK: o.check = true; break;
		case 'p': {
			char *end;
			long pid = strtol(optarg, &end, 10);
			if (*optarg == 0 || *end || pid <= 0 || pid > INT_MAX) {
				fprintf(stderr, "ERROR: pid '%s' is not a valid process id\n", optarg);
				return 1;
			}
			o.pid = (pid_t)pid;
			break;
		}
		case 'f':
			if (!strcmp(optarg, "text"))
				o.format = OUT_TEXT;
			else if (!strcmp(optarg, "json"))
				o.format = OUT_JSON;
			else {
				fprintf(stderr, "ERROR: Invalid output format \"%s\"\nValid formats: 'text', 'json'\n", optarg);
				return 1;
			}
			break;
		case 'B':
			if (strcmp(optarg, "line") && strcmp(optarg, "full") && strcmp(optarg, "none")) {
				fprintf(stderr, "ERROR: -B must be either 'line', 'full', or 'none'\n");
				return 1;
			}
			if (!strcmp(optarg, "full"))
				setvbuf(stdout, NULL, _IOFBF, 0);
			else if (!strcmp(optarg, "none"))
				setvbuf(stdout, NULL, _IONBF, 0);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("bpfscript v%s\n", BPFSCRIPT_VERSION);
			return 0;
		case OPT_INFO:
			fprintf(stderr, "ERROR: --info is not implemented yet\n");
			return 1;
		default:
			usage(stderr);
			return 1;
		}
	}
	o.strlen = env_int("STRLEN", 64, 1, 200);
	o.map_keys_max = env_int("MAP_KEYS_MAX", 4096, 1, 1 << 24);
	tracefs_set_strlen(o.strlen);
	if (list) {
		if (optind + 1 < argc) {
			fprintf(stderr, "ERROR: -l takes at most one search pattern\n");
			return 1;
		}
		const char *pattern = optind < argc ? argv[optind] : NULL;
		int rc = probes_list(pattern, o.verbose, stdout);
		tracefs_cleanup();
		return rc < 0 ? 1 : 0;
	}
	if (!o.program) {
		if (optind >= argc) {
			usage(stderr);
			return 1;
		}
		o.file = argv[optind++];
	}
	o.params = argv + optind;
	o.nparams = argc - optind;
	if (o.cmd && o.pid) {
		fprintf(stderr, "ERROR: -c and -p cannot be used together\n");
		return 1;
	}
	int rc = driver_run(&o);
	tracefs_cleanup();
	return rc;
}
