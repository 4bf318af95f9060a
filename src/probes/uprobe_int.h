/* uprobe_int.h - what uprobe.c (uprobe, uretprobe) and usdt.c share: the
 * resolved site of an attach point, target file resolution, attaching
 * through the perf uprobe PMU, and the context builtins' common parts.
 *
 * Both probe families put a probe on one instruction of a user-space file,
 * named by the file and the instruction's FILE offset (not its virtual
 * address). The program is BPF_PROG_TYPE_KPROBE and its context is the
 * struct pt_regs of the traced thread (util/arch.h). */
#ifndef BPFSCRIPT_UPROBE_INT_H
#define BPFSCRIPT_UPROBE_INT_H
#include <stdbool.h>
#include <stdint.h>
#include "probes/probes_int.h"
#include "sys/elfsym.h"

/* ap->priv of every uprobe, uretprobe and usdt attach point. ap->target is
 * the file, ap->func the function (uprobe) or probe name (usdt). */
struct usite {
	uint64_t off;            /* file offset of the probed instruction */
	uint64_t ref_ctr;        /* usdt: file offset of the semaphore, 0 if none */
	bool ret;                /* uretprobe */
	int nargs;               /* usdt: the site's arguments */
	struct usdt_arg *args;
	struct type *args_type;  /* uprobe: `args` from DWARF, once asked for */
	bool args_failed;        /* ... and reported missing */
};


/* The files `target` names for a probe of type tname ("uprobe", "usdt"):
 * a path, a glob over paths, or a library or program name (elfsym.h
 * elf_resolve_target). With env->pid, a file the process maps is named
 * /proc/PID/root/<path>, and an empty target is the process's executable
 * (uprobe) or every file it maps (usdt). Appends arena strings to *v;
 * reports its own error at loc and returns -1 when nothing matches. */
int utarget_files(const struct probe_env *env, const char *tname, const char *target, struct loc loc,
		  bool all_mapped, struct ptrvec *v);
/* The same for -l (no diagnostics sink: errors go to stderr as "ERROR: ...");
 * pid 0 when not listing for a process. */
int utarget_files_list(pid_t pid, const char *tname, const char *target, bool all_mapped, char ***v);
void utarget_files_free(char **v);
/* -l '*:FILE:...': rest ("FILE:func", "FILE:provider:name") names one
 * existing file, without wildcards, so a wildcard probe type lists the
 * user-space probes of that file too (latest bpftrace). ncolons: the
 * colons rest must have (1 for uprobe; 0 = any for usdt). */
bool utarget_named_file(const char *rest, int ncolons);

/* Opens the perf uprobe event of ap (entry, or return when site->ret) for
 * env->pid, or system-wide without one, and links prog_fd to it. */
int uprobe_pmu_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd,
		      struct rt_links *links, char *err, size_t errlen);

/* Whether uprobes go into uprobe_multi links (Linux 6.6, with -p filtering
 * by process: 6.10): found out once by trying, as libbpf does; the
 * environment variable BPFSCRIPT_UPROBE_MULTI=0 or 1 decides instead. When
 * not, *why (if why) says why in a few words. */
bool uprobe_multi_ok(const char **why);
/* Hooks (probe.h) of the three types: where uprobe_multi_ok, a program is
 * loaded for uprobe_multi (load_opts) and its attach points are attached
 * with one uprobe_multi link per file (attach_multi: return probes for
 * uretprobes, USDT semaphores as ref_ctr offsets, each attach point's id as
 * its BPF cookie, the -p/-c process as the link's pid); elsewhere
 * attach_multi says why under -v, once, and returns 0: uprobe_pmu_attach
 * then attaches them one by one. */
int uprobe_load_opts(const struct probe_env *env, struct attach_point *const *aps, int naps,
		     struct bpf_prog_load_opts *o, char *err, size_t errlen);
int uprobe_attach_multi(const struct probe_env *env, struct attach_point *const *aps, int naps, int prog_fd,
			struct rt_links *links, char *err, size_t errlen);

/* ctx_misuse shared by the three types (bpftrace 0.17's wording). */
const char *uprobe_ctx_misuse(struct arena *a, const struct attach_point *ap, const char *name);

#endif
