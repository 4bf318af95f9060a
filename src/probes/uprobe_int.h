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

/* Opens the perf uprobe event of ap (entry, or return when site->ret) for
 * env->pid, or system-wide without one, and links prog_fd to it. */
int uprobe_pmu_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd,
		      struct rt_links *links, char *err, size_t errlen);

/* ctx_misuse shared by the three types (bpftrace 0.17's wording). */
const char *uprobe_ctx_misuse(struct arena *a, const struct attach_point *ap, const char *name);

#endif
