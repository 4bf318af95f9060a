/* driver.h - one run of bpfscript: owns the arena, the source, the
 * diagnostics sink, the program description and the runtime tables, and
 * runs the ordered pass table (driver.c) over them. main.c only fills
 * struct options. Nothing below the driver includes this header: each
 * stage takes what it uses (docs/ARCHITECTURE.md). */
#ifndef BPFSCRIPT_DRIVER_H
#define BPFSCRIPT_DRIVER_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "ast/ast.h"
#include "ast/diag.h"
#include "ast/probe.h"
#include "ast/program.h"
#include "runtime/runtime.h"
#include "util/strmap.h"

/* -B: how the output stream (stdout or -o FILE) is buffered. */
enum buffer_mode { BUF_LINE, BUF_FULL, BUF_NONE };

struct options {
	const char *program;      /* -e text, or NULL */
	const char *file;         /* script path, "-" for stdin */
	char **params;            /* positional parameters $1..$N */
	int nparams;
	const char *cmd;          /* -c */
	pid_t pid;                /* -p */
	bool quiet;               /* -q */
	bool verbose;             /* -v */
	bool list;                /* -l with a program: list its attach points */
	/* -d: the stages to dump as a comma list ("ast,types"); the run stops
	 * after the last one. Test a stage with driver_dumps(). */
	const char *dump;
	bool dry_run;             /* --dry-run: attach then exit at once */
	bool check;               /* --check: load only, attach nothing */
	enum run_mode mode;       /* --mode run|test|bench, --test, --bench */
	const char *output;       /* -o FILE */
	const char *flamegraph;   /* --flamegraph FILE.svg: the stack maps drawn there at exit */
	enum output_format format;
	enum buffer_mode buffering; /* -B */
	bool unsafe;
	bool no_cache;            /* --no-cache (or BPFSCRIPT_NO_CACHE=1): always compile */
	int warning_level;        /* 0 --no-warnings, 1 default, 2 -k */
	bool usdt_file_activation;
	const char **include_dirs;  /* -I DIR (NULL-terminated) */
	const char **include_files; /* --include FILE (NULL-terminated) */
	const char *emit_elf;     /* --emit-elf FILE: write the BPF ELF and stop */
	const char *emit_llvm;    /* --emit-llvm FILE: FILE.original.ll, FILE.optimized.ll */
	bool ir_only;             /* stop once the LLVM IR is built and verified (the front-end fuzzer) */
	int strlen;               /* BPFTRACE_STRLEN */
	int map_keys_max;         /* BPFTRACE_MAP_KEYS_MAX */
	int stack_keys_max;       /* BPFTRACE_MAX_STACK_KEYS */
	int perf_rb_pages;        /* BPFTRACE_PERF_RB_PAGES: output ring pages per CPU */
	int max_probes;           /* BPFTRACE_MAX_PROBES */
	int max_bpf_progs;        /* BPFTRACE_MAX_BPF_PROGS */
	int cat_bytes_max;        /* BPFTRACE_CAT_BYTES_MAX */
	int cache_user_symbols;   /* BPFTRACE_CACHE_USER_SYMBOLS: -1 auto, 0, 1 */
	int cpp_demangle;         /* BPFTRACE_[NO_]CPP_DEMANGLE: -1 unset, 0, 1 */
	int stack_mode;           /* BPFTRACE_STACK_MODE or config stack_mode: enum stack_mode, -1 unset */
	const char *btf;          /* BPFTRACE_BTF: BTF file instead of the kernel's */
	const char *metrics;      /* --metrics [HOST:]PORT (wins over config metrics) */
};

/* Is `stage` in the -d list `dump` (NULL = none)? */
bool driver_dumps(const char *dump, const char *stage);
/* The stages -d can dump, in pass order (NULL-terminated): from the pass
 * table, for the -d parser and the help text. */
const char *const *driver_dump_stages(void);

struct cache;

struct driver {
	struct arena arena;
	struct source src;
	struct diag diag;
	struct options *opt;
	struct probe_env penv;
	struct ptrvec sys_headers; /* system headers the include step read (the cache key covers them) */
	struct program prog;
	struct rt rt;
	pid_t child;               /* -c child, stopped until tracing starts */
	uint64_t start_ns;         /* CLOCK_BOOTTIME at start: `elapsed` base */
	/* between passes */
	int nheaders;              /* C headers the program read (then the cache is off) */
	int go_fd, ack_fd;         /* -c child's pipes, handed to the run */
	struct cache *cache;
	bool cache_hit;
	void *obj;                 /* the BPF ELF object (malloc'd) */
	size_t objlen;
	int rc;                    /* exit status when a pass ends the run early */
	const char *metrics;       /* --metrics, else BPFTRACE_METRICS or config metrics; NULL: none */
};

int driver_run(struct options *opt);

#endif
