/* driver.h - one run of bpfscript: owns the arena, the source, the
 * diagnostics sink, the parsed program and the compiled result, and runs
 * the ordered pass table. main.c only fills struct options. */
#ifndef BPFSCRIPT_DRIVER_H
#define BPFSCRIPT_DRIVER_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "ast/ast.h"
#include "ast/diag.h"
#include "probes/probe.h"
#include "runtime/runtime.h"

struct options {
	const char *program;      /* -e text, or NULL */
	const char *file;         /* script path, "-" for stdin */
	char **params;            /* positional parameters $1..$N */
	int nparams;
	const char *cmd;          /* -c */
	pid_t pid;                /* -p */
	bool quiet;               /* -q */
	bool verbose;             /* -v */
	const char *dump;         /* -d STAGE: ast, types, codegen, codegen-opt, asm */
	bool dry_run;             /* --dry-run: attach then exit at once */
	bool check;               /* --check: load only, attach nothing */
	const char *output;       /* -o FILE */
	enum output_format format;
	bool unsafe;
	int strlen;               /* BPFTRACE_STRLEN */
	int map_keys_max;         /* BPFTRACE_MAP_KEYS_MAX */
};

struct map_info;
struct printf_info;

/* Everything that sema decided and codegen needs; filled by sema. */
struct program_info {
	struct ptrvec maps;        /* struct map_info * */
	struct ptrvec printfs;     /* struct rt_printf * */
	struct ptrvec values;      /* struct type * for print(value) */
	struct ap_list aps;        /* every attach point, indexed by ap->id */
	bool uses_elapsed, uses_cpid;
};

struct driver {
	struct arena arena;
	struct source src;
	struct diag diag;
	struct options *opt;
	struct probe_env penv;
	struct node *root;
	struct program_info info;
	struct rt rt;
	pid_t child;               /* -c child, stopped until tracing starts */
	uint64_t start_ns;         /* CLOCK_BOOTTIME at start: `elapsed` base */
};

int driver_run(struct options *opt);

#endif
