/* program.h - the program description: what sema decides about a parsed
 * program and every later stage works from (codegen, the loader, the
 * runtime, the object cache). Declared beside the AST it describes.
 *
 *   struct settings   the options that shape compilation, as the command
 *                     line and environment set them, then the script's
 *                     config block (sema)
 *   struct program    the AST, its attach points, maps, printf layouts and
 *                     C definitions (sema), and the program units
 *   struct prog_unit  one BPF program to generate: a probe body typed for
 *                     its attach points */
#ifndef BPFSCRIPT_PROGRAM_H
#define BPFSCRIPT_PROGRAM_H
#include <stdbool.h>
#include <sys/types.h>
#include "ast/ast.h"
#include "ast/probe.h"
#include "util/strmap.h"

struct diag;
struct rt_map;

/* config missing_probes: what an attach point that cannot attach does */
enum missing_probes { MISSING_ERROR, MISSING_WARN, MISSING_IGNORE };

struct settings {
	int strlen;               /* BPFTRACE_STRLEN, config max_strlen */
	int map_keys_max;         /* BPFTRACE_MAP_KEYS_MAX, config max_map_keys */
	int stack_keys_max;       /* BPFTRACE_MAX_STACK_KEYS, config max_stack_keys: stacks per stack map */
	int perf_rb_pages;        /* BPFTRACE_PERF_RB_PAGES, config perf_rb_pages */
	int stack_mode;           /* enum stack_mode, -1 unset (BPFTRACE_STACK_MODE, config) */
	int cat_bytes_max;        /* cat(): bytes printed at most (config max_cat_bytes) */
	int max_probes;           /* attach points at most (config max_probes) */
	int max_bpf_progs;        /* BPF programs at most (config max_bpf_progs) */
	int log_size;             /* verifier log bytes shown for a rejected program (config log_size) */
	int missing_probes;       /* enum missing_probes (config missing_probes) */
	bool print_maps_on_exit;  /* config print_maps_on_exit */
	const char *str_trunc_trailer; /* config str_trunc_trailer */
	const char *metrics;      /* config metrics = "[HOST:]PORT" (BPFTRACE_METRICS) */
	bool unsafe;              /* --unsafe */
	int warning_level;        /* 0 --no-warnings, 1 default, 2 -k */
	bool has_cmd;             /* -c: `cpid` exists */
	pid_t pid;                /* -p */
	char **params;            /* positional parameters $1..$N */
	int nparams;
};

struct map_info {
	const char *name;       /* "@x" */
	int id;
	struct type *key;       /* TY_TUPLE, or NULL for a scalar map */
	struct type *val;       /* normalised value type or aggregation kind */
	struct loc first;       /* first assignment, for messages */
	bool assigned;
	/* `let @m = lruhash(n);` (0 / 0 when undeclared: a hash, or a per-CPU
	 * hash for aggregations, with max_map_keys entries) */
	int map_type;           /* enum bpf_map_type */
	int max_entries;
	struct loc decl;
	/* The program does more with the map than aggregate into it: reads it,
	 * deletes from it, iterates or tests it (print, clear and zero run in
	 * user space and do not count). A scalar count/hist/lhist map without it
	 * can live in a per-CPU array (runtime/load.c: map_as_array). */
	bool bpf_used;
	struct rt_map *rt;      /* filled when the kernel map is created */
};

/* A helper call whose rejection by the verifier its builtin can explain at
 * the source (path(): bpf_d_path on a pointer this kernel does not trust).
 * Codegen records them in the order it emits them; the loader asks on a
 * failed load whose log stops at a call of that helper. */
struct verifier_site {
	int helper;             /* BPF_FUNC_* */
	struct node *call;
	/* Reports the error at the call when `why` (the verifier's lines after
	 * the call, `log` the whole log) is one it explains; true if it did. */
	bool (*explain)(const struct verifier_site *site, const char *log, const char *why, struct diag *d);
};

/* One BPF program to generate: a probe body for one or more attach points. */
struct prog_unit {
	struct node *probe;
	struct attach_point **aps;
	int naps;
	const char *section;
	bool retype;            /* sema_retype for aps[0] before generating code */
	struct ptrvec vsites;   /* struct verifier_site *, filled by codegen */
};

struct program {
	struct node *root;          /* N_PROGRAM */
	struct settings set;
	struct ptrvec maps;         /* struct map_info * */
	struct strmap map_names;    /* name -> struct map_info * (sema_map_get) */
	struct ptrvec printfs;      /* struct rt_printf * (abi/format.h) */
	struct ptrvec values;       /* struct type * for print(value) */
	struct ap_list aps;         /* every attach point, indexed by ap->id */
	/* the script's C definitions (sema_types.c): "struct S" / "union U" /
	 * "enum E" -> struct type *, and enumerator name -> its enum type */
	struct strmap ctypes, cenums;
	bool uses_elapsed, uses_cpid;
	/* set when the code bakes in a value of this run that the compiled-object
	 * cache's key does not cover (cache.h): such a run always compiles */
	bool no_cache;
	/* values of this system that sema resolved and the code bakes in
	 * ("cgroupid PATH=ID", "kaddr NAME=ADDR", ...): the cache key covers them,
	 * so a recreated cgroup or a reboot's new kernel addresses miss */
	struct ptrvec resolved;     /* char * */
	struct prog_unit *units;    /* sema_units */
	int nunits;
};

#endif
