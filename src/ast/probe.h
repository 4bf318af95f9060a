/* probe.h - probe type descriptors: the one place that knows a probe type.
 *
 * The interface that sema (expansion, context types), codegen (context
 * values) and the runtime (attach, run) call; each probe type implements it
 * in one file in src/probes/ and exports one const struct probe_type, which
 * probes/probes.def lists (order = -l order; the registry functions below
 * are defined in probes/probes.c). Adding a probe type touches no switch
 * elsewhere. Helpers shared by the probe files: probes/probes_int.h. */
#ifndef BPFSCRIPT_PROBE_H
#define BPFSCRIPT_PROBE_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/bpf.h>
#include "ast/diag.h"
#include "ast/type.h"
#include "util/arena.h"

struct probe_type;
struct cg;
struct bpf_prog_load_opts;

/* One concrete (wildcard-expanded) attach point. */
struct attach_point {
	const struct probe_type *pt;
	const char *name;        /* canonical text: "tracepoint:syscalls:sys_enter_openat",
	                            "interval:s:1", "BEGIN": the value of the `probe` builtin */
	const char *target;      /* tracepoint: category; uprobe: binary path */
	const char *func;        /* tracepoint: event; uprobe: function */
	uint64_t period;         /* interval/profile: period in ns (0 when freq is used) */
	uint64_t freq;           /* interval/profile/software: frequency in Hz or count */
	struct loc loc;          /* of the attach point text in the source */
	void *priv;              /* probe type's own data (e.g. parsed tracepoint format) */
	int id;                  /* index: value of the `probe` builtin (TY_PROBE) */
};

/* Collected by expand(); arena-owned. */
struct ap_list {
	struct attach_point **v;
	int n, cap;
};
void ap_list_push(struct arena *a, struct ap_list *l, struct attach_point *ap);

/* Everything a hook may need. */
enum { PROBE_NO_SYMBOL = -2 };   /* expand: see probe_type.expand */

struct probe_env {
	struct arena *arena;
	struct diag *diag;
	pid_t pid;               /* -p / -c target, 0 if none (the -c child's pid is
	                            known only from attach time on) */
	bool has_cmd;            /* -c given: a target process will exist at attach */
	bool verbose;            /* -v: attach hooks may say what they attach to */
};

/* Open file descriptors that keep a program attached; closing them detaches. */
struct rt_links {
	int *fds;
	int n, cap;
};
void rt_links_add(struct rt_links *l, int fd);
void rt_links_close(struct rt_links *l);   /* closes all, frees storage */

/* BEGIN, END, self:signal, test and bench run through BPF_PROG_TEST_RUN,
 * in bpfscript's own context: at start, at the end, when bpfscript receives
 * the signal; test and bench only in their modes (--test, --bench). */
enum probe_special { PS_NONE, PS_BEGIN, PS_END, PS_SIGNAL, PS_TEST, PS_BENCH };

/* Every hook learns which type it serves: expand, list and list_pid are
 * passed the descriptor (pt), the others find it as ap->pt. One hook can
 * so serve several types (kprobe and kretprobe) without a wrapper each. */
struct probe_type {
	const char *name;              /* "tracepoint" */
	const char *const *aliases;    /* NULL-terminated list: { "t", NULL } */
	enum bpf_prog_type prog_type;
	enum probe_special special;    /* BEGIN/END run once through BPF_PROG_TEST_RUN */
	/* Parse `text` (the whole attach point, e.g. "t:syscalls:sys_enter_*"),
	 * expand wildcards and append one attach_point per match to `out`
	 * (each with ap->pt = pt). Reports its own errors at `loc` through
	 * env->diag; returns 0, or -1, or PROBE_NO_SYMBOL when the one error is
	 * a function the file lacks: in a probe with several attach points that
	 * one is skipped silently, as bpftrace 0.17 does (sema reports it only
	 * if no attach point is left). */
	int (*expand)(const struct probe_type *pt, const struct probe_env *env, const char *text,
		      struct loc loc, struct ap_list *out);
	/* -l: print every attach point matching `pattern` (already stripped of
	 * nothing: it is the full user pattern, NULL = all), one per line;
	 * verbose adds argument lists as bpftrace -lv does. */
	int (*list)(const struct probe_type *pt, const char *pattern, bool verbose, FILE *out);
	/* Type of `args` for this attach point, or NULL when the probe has none
	 * (sema then reports "args is not available for probe type X"). */
	struct type *(*args_type)(const struct probe_env *env, struct attach_point *ap);
	/* Attach a loaded program. On failure writes one line of reason into
	 * err (no trailing newline) and returns -1. */
	/* Context builtins of this probe type (arg0..argN, retval, func, sargN,
	 * reg(): whatever the probe's context offers). ctx_type returns the type
	 * of `name` at this attach point, or NULL when this probe type has no
	 * such builtin (sema then tries the global builtins). ctx_emit returns
	 * its value as an i64 (an LLVMValueRef) given the program's context
	 * pointer; it runs once per use. Either may be NULL. */
	struct type *(*ctx_type)(const struct probe_env *env, struct attach_point *ap, const char *name);
	void *(*ctx_emit)(struct cg *cg, struct attach_point *ap, const char *name);
	int (*attach)(const struct probe_env *env, struct attach_point *ap, int prog_fd,
		      struct rt_links *links, char *err, size_t errlen);
	/* ---- optional: programs bound to one kernel object at load time ----
	 * load_opts fills the load options of the program serving aps[0..naps) (expected
	 * attach type, attach BTF id); returns 0, or -1 with a one-line reason in
	 * err. load_error rewords a failed load (errno err, verifier log, maybe
	 * empty) as one line in msg and returns true, or returns false for the
	 * loader's generic report. prog_per_ap: every attach point gets its own
	 * program (sema re-types the body for each). */
	int (*load_opts)(const struct probe_env *env, struct attach_point *const *aps, int naps,
			 struct bpf_prog_load_opts *opts, char *err, size_t errlen);
	bool (*load_error)(const struct attach_point *ap, int err, const char *log, char *msg,
			   size_t len);
	bool prog_per_ap;
	/* ctx_per_ap: the context builtins are decoded per attach point (USDT's
	 * argN, from each site's argument specs): a probe whose body uses one
	 * gets a program per attach point, one that uses none a program for all
	 * its attach points of this type (so attach_multi can take them all). */
	bool ctx_per_ap;
	/* attach_multi attaches all naps attach points a program serves at
	 * once, with one link (kprobe_multi) or one per file (uprobe_multi),
	 * each attach point's id as its BPF cookie; returns 1 when it did, 0 when
	 * they are to be attached one by one with attach, -1 with one line in
	 * err. load_opts sees the same attach points, so both agree on how. */
	int (*attach_multi)(const struct probe_env *env, struct attach_point *const *aps, int naps,
			    int prog_fd, struct rt_links *links, char *err, size_t errlen);
	/* ---- optional: probes that run rather than wait for events (iter) ----
	 * run is called once after BEGIN, with the links attach created; the
	 * run ends (END, maps) once every such probe has returned. exclusive:
	 * the program may hold one attach point of this type and no other
	 * probes but BEGIN and END. */
	int (*run)(const struct probe_env *env, struct attach_point *ap, struct rt_links *links,
		   char *err, size_t errlen);
	bool exclusive;
	/* ---- optional: probes of user-space processes (uprobe, usdt) ----
	 * list_pid is -l with -p PID: like list, over the files that process
	 * maps; without a pattern only types with this hook list anything.
	 * ctx_misuse explains why `name` is no context builtin where it is used
	 * (at ap, whose own ctx_type declined it; ap may be NULL): one line in
	 * bpftrace's words, or NULL when this type knows no such builtin. Sema
	 * asks ap's type first, then every other type, before reporting an
	 * unknown identifier. */
	int (*list_pid)(const struct probe_type *pt, pid_t pid, const char *pattern, bool verbose,
			FILE *out);
	const char *(*ctx_misuse)(struct arena *a, const struct attach_point *ap, const char *name);
	/* Pointers this probe's programs see by default (casts, arguments)
	 * point into the traced process (bpf_probe_read_user), not the kernel. */
	bool user_mem;
	/* The probe file's own data for this type (an event table, a flag), for
	 * hooks that serve several types: they reach it as pt->data, or
	 * ap->pt->data. */
	const void *data;
};

/* Registry (probes.c). */
const struct probe_type *probe_type_find(const char *name_or_alias);
const struct probe_type *const *probe_types(void);   /* NULL-terminated */

/* "Invalid probe type: foo" at loc, with a "did you mean" hint over the
 * names and aliases of all probe types. For callers of probe_type_find. */
void probe_report_unknown(struct diag *d, const char *type, struct loc loc);

/* -l: lists every attach point matching pattern (NULL = all) in bpftrace's
 * format and order, dispatching on the pattern's type prefix ("t:...",
 * "tracepoint:...", "*:..."); a pattern without ':' is matched against the
 * last component of every type's attach points. Returns 0, -1 on error. */
int probes_list(const char *pattern, bool verbose, FILE *out);
/* -l -p PID: types with a list_pid hook list the process's probes; the
 * others list as probes_list does, but only for a pattern (NULL: only the
 * process's probes). */
int probes_list_pid(pid_t pid, const char *pattern, bool verbose, FILE *out);
/* The ctx_misuse answer for `name` used at ap (see struct probe_type), or
 * NULL. */
const char *probe_ctx_misuse(struct arena *a, const struct attach_point *ap, const char *name);

#endif
