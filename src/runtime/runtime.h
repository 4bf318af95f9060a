/* runtime.h - what the compiled program hands to the runtime, and the
 * runtime's entry points. The runtime never sees LLVM; it sees map fds,
 * program fds, attach points and the tables that turn events into text. */
#ifndef BPFSCRIPT_RUNTIME_H
#define BPFSCRIPT_RUNTIME_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "ast/diag.h"
#include "ast/type.h"
#include "abi/format.h"

struct attach_point;
struct out_stream;
struct metrics;

/* A BPF map that backs a script map (@x). */
struct rt_map {
	const char *name;        /* "@x" or "@" */
	int id;                  /* index in rt.maps */
	int fd;
	struct type *key;        /* TY_TUPLE of the key fields, NULL for a scalar map */
	struct type *val;        /* value type: an int/str/tuple, or an aggregation kind */
	int key_size;            /* kernel key size (scalar maps: 8, hist: user key + 8) */
	int val_size;            /* kernel value size (per CPU for percpu maps) */
	int max_entries;
	int type;                /* BPF_MAP_TYPE_* */
	bool percpu;
	/* A scalar count/hist/lhist map that the program only aggregates into
	 * lives in a BPF_MAP_TYPE_PERCPU_ARRAY indexed by bucket (a u32; 0 for
	 * count): an in-place add with no hash lookup (load.c: map_as_array).
	 * key_size stays the script-side size the printer expects; an element
	 * whose counts are all zero reads as absent unless `zeroed`. */
	bool array;
	bool zeroed;             /* zero() kept the key: print it with zero counts */
};


/* One loaded program and where it attaches. */
struct rt_prog {
	struct attach_point *ap;   /* first attach point (for messages) */
	struct attach_point **aps; /* every attach point this program serves */
	int naps;
	const char *section;       /* ELF section holding it */
	int fd;
};

/* -f: OUT_FOLDED prints stack maps as folded stacks (folded.h), the rest as text */
enum output_format { OUT_TEXT, OUT_JSON, OUT_FOLDED };

/* -k: a helper call whose errors are reported at run time (EV_HELPER_ERROR):
 * the helper's name as bpftrace says it and where the script called it. */
struct rt_helper_err {
	const char *helper;      /* "map_update_elem", "probe_read_user_str", ... */
	struct loc loc;
};

/* A kernel map that backs no script map (stack traces, pid sets...):
 * created on first request by name (load.h: load_extra_map), closed with
 * the others. */
struct rt_extra_map {
	char name[32];
	int fd;
	int type, key_size, val_size, max_entries;
};

struct rt {
	bool escape_ctl;          /* text output to a terminal: control bytes of strings are escaped */
	bool no_maps_on_exit;     /* config print_maps_on_exit = false */
	int missing_probes;       /* enum missing_probes: an attach point that fails to attach */
	struct rt_map **maps;   int nmaps;
	struct rt_printf **printfs; int nprintfs;
	struct type **values;   int nvalues;   /* EV_PRINT_VALUE types */
	struct rt_prog *progs;  int nprogs;
	const char **probe_names; int nprobes; /* TY_PROBE id -> name */
	const char **probe_funcs;               /* TY_FUNC id -> function (ap->func, or the name) */
	int ringbuf_fd;
	bool ring_events;       /* the programs send events other than exit(): a full-size ring */
	int globals_fd;         /* ARRAY: start ns, cpid, lost events (abi/event_abi.h G_*) */
	int scratch_fd;         /* ARRAY per CPU: values too big for the BPF stack (cg.c) */
	struct rt_extra_map *extra; int nextra;
	struct rt_helper_err **helper_errs; int nhelper_errs; /* -k sites (codegen) */
	struct diag *diag;      /* -k warnings point into the script through it */
	FILE *out;              /* stdout or -o FILE */
	struct out_stream *out_state;   /* out's write errors (runtime/outstream.h); NULL: unchecked */
	enum output_format format;
	const char *flamegraph;   /* --flamegraph FILE: drawn at exit to flame_fd (folded.h) */
	int flame_fd;
	int ncpus;              /* possible CPUs: per-CPU value count */
	int cat_bytes_max;      /* cat(): bytes printed at most (BPFTRACE_CAT_BYTES_MAX) */
	bool full_buffering;    /* -B full: out is flushed when its buffer fills and at exit only */
	/* state while running */
	struct metrics *metrics; /* --metrics: the maps served over HTTP (runtime/metrics.h) */
	volatile int exiting;
	bool exit_seen;         /* exit() ran: later events of other probes are dropped (bpftrace) */
	bool in_end;            /* END is running: its events are printed */
	bool in_iter;           /* an iterator's events: printed after its exit() too */
	int exit_code;
	uint64_t lost_events;
	uint64_t helper_errors;  /* EV_HELPER_ERROR events seen (-k): a test with any fails */
};

/* ---- printing (runtime/print.c, runtime/format.c) ---- */

/* Print one value of type t stored at data the way bpftrace prints map keys,
 * map values and print(value): ints in decimal, strings raw, tuples "(a, b)". */
void rt_value_print(struct rt *rt, FILE *out, const struct type *t, const uint8_t *data);
/* Print one map in bpftrace's exit format (sorted; hist bars; trailing blank
 * lines as bpftrace prints them). top/div as for print(@m, top, div); 0 = none. */
int rt_map_print(struct rt *rt, FILE *out, struct rt_map *m, int64_t top, int64_t div);
/* All maps at exit: two blank lines... as bpftrace. */
void rt_maps_print_all(struct rt *rt, FILE *out);
int rt_map_clear(struct rt *rt, struct rt_map *m);
int rt_map_zero(struct rt *rt, struct rt_map *m);

/* printf formats (the grammar and the compile-time check: abi/format.h).
 * Formats the payload of one printf event into out. */
void fmt_print(struct rt *rt, FILE *out, const struct rt_printf *pf, const uint8_t *payload);

/* Added by the output work (print.c, value.c, format.c): */
/* One printf-like event as bpftrace prints it: the text (fmt_print) or, with
 * -f json, {"type": "<json_type>", "data": "<text>"}; json_type is "printf",
 * "time", "cat", "join" or "syscall". */
void fmt_print_event(struct rt *rt, FILE *out, const struct rt_printf *pf, const uint8_t *payload,
		     const char *json_type);
/* print(value): the value and a newline, or {"type": "value", "data": ...}. */
void rt_value_event(struct rt *rt, FILE *out, const struct type *t, const uint8_t *data);
/* {"type": "<type>", "data": "<escaped text>"} and a newline. */
void rt_json_message(FILE *out, const char *type, const char *text, size_t len);
/* Optional hook for kinds that need symbol tables (TY_KSYM, TY_USYM,
 * TY_KSTACK, TY_USTACK, TY_TIMESTAMP). Declared weak: whoever implements
 * symbol resolution defines it; without it ksym/usym print as addresses,
 * stacks as nothing, timestamps as numbers. in_key: a map key element (0.17
 * indents stack frames by 4 there, 8 elsewhere). Returns 0 if it printed.
 * A weak reference does not pull an object out of the static library: the
 * file that defines it must be linked in for some other reason. */
int rt_format_special(struct rt *rt, FILE *out, const struct type *t, const uint8_t *data,
		      bool in_key) __attribute__((weak));

/* Optional hook for ring buffer events of kinds run.c does not know
 * (event_abi.h: EV_PID_SEEN ...). Weak, like rt_format_special. */
void rt_event_hook(struct rt *rt, uint32_t kind, uint32_t id, const uint8_t *payload,
		   size_t size) __attribute__((weak));

/* ---- running (runtime/run.c) ---- */

/* Attaches every program, runs BEGIN, polls events until exit/signal/child
 * exit, detaches, runs END, prints maps. Returns the process exit code. */
struct probe_env;
/* run: attach and trace (test and bench probes are ignored); test: run the
 * test probes only; bench: time the bench probes only (runtime/testbench.c). */
enum run_mode { RUN_MODE_RUN, RUN_MODE_TEST, RUN_MODE_BENCH };
struct run_opts {
	const struct probe_env *env;
	int child_go_fd;         /* -c: write end of the pipe that releases the child */
	int child_ack_fd;        /* -c: read end of the child's "traced?" pipe */
	pid_t child_pid;         /* -c: the child, started stopped; 0 if none */
	pid_t target_pid;        /* -p */
	bool quiet;              /* -q */
	bool dry_run;
	bool verbose;             /* -v: name each attach point as it is attached */
	bool begin_after_attach;  /* BPFSCRIPT_BEGIN_AFTER_ATTACH=1: BEGIN runs after attaching, as in 0.17 */
	const char *metrics;      /* --metrics [HOST:]PORT (or config metrics): serve the maps; NULL: no */
	enum run_mode mode;       /* --mode run|test|bench (--test, --bench) */
};
/* RT_BROKEN_PIPE: the output's reader went away; everything is detached and
 * the caller ends the process by SIGPIPE, as bpftrace ends (status 141). */
#define RT_BROKEN_PIPE (-13)
int rt_run(struct rt *rt, const struct run_opts *o);
/* Handles one ring buffer record; used by rt_run and by BEGIN/END draining. */
int rt_handle_event(struct rt *rt, const void *data, size_t size);

/* ---- test and bench modes (runtime/testbench.c) ---- */
struct ring_buffer;
/* --test: runs every test probe once, in declaration order, each one's
 * output held back unless it fails; one PASS/FAIL line each and a summary.
 * Returns the exit status: 0 when all passed, 1 otherwise. */
int rt_run_tests(struct rt *rt, struct ring_buffer *rb, bool quiet);
/* --bench: runs every bench probe repeatedly and prints the table of their
 * average cost in ns. Returns the exit status. */
int rt_run_bench(struct rt *rt, struct ring_buffer *rb, bool quiet);

#endif
