/* kernel.h - what the kernel-side probe files (kprobe, fentry,
 * rawtracepoint, iter) share: the traceable function list, the kernel
 * config, the "try this instead" suggestion printed when a kernel lacks a
 * probe mechanism, and the parts of the vmlinux BTF probes (fentry/fexit,
 * rawtracepoint) that do not depend on what the name names. */
#ifndef BPFSCRIPT_PROBES_KERNEL_H
#define BPFSCRIPT_PROBES_KERNEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ast/probe.h"

struct arena;

/* One traceable kernel function. */
struct kfunc {
	const char *name;
	const char *module;   /* "vmlinux" for the kernel itself */
};

/* The traceable kernel functions, sorted by (name, module) without
 * duplicates: available_filter_functions when it is readable, else the text
 * symbols of /proc/kallsyms (without compiler-made symbols: __pfx_,
 * __cfi_, name.cold ...). Read once; returns the count, -1 with errno when
 * neither source can be read. *src names the source used. */
int kfuncs(const struct kfunc **v, const char **src);
/* The function called name (in module, or any module when NULL). */
const struct kfunc *kfunc_find(const char *name, const char *module);
/* Whether the traceable function name (in module, or any module when NULL)
 * exists, without reading every function into memory
 * when the list is not loaded yet: one pass over the same source kfuncs()
 * would use. 1 yes, 0 no, -1 with errno when neither source is readable;
 * *src names the source. */
int kfunc_exists(const char *name, const char *module, const char **src);

/* CONFIG_<name> of the running kernel from /proc/config.gz or
 * /boot/config-<release>: 1 set (y or m), 0 not set, -1 unknown. */
int kconfig(const char *name);

/* The tracepoint nearest to kernel function `func`: syscalls:sys_enter_X /
 * sys_exit_X (ret) for X = func without prefixes such as do_sys_, __x64_sys_,
 * vfs_, then an event named X, then the shortest event containing X.
 * Writes "tracepoint:cat:event" into buf and returns buf, or NULL. */
const char *ktracepoint_suggest(const char *func, bool ret, char *buf, size_t len);

/* Name of kernel function func with a trailing "; try <suggestion>" when
 * there is one: "...; try tracepoint:syscalls:sys_enter_read". Appends to
 * msg (NUL-terminated, capacity len). */
void ksuggest_append(char *msg, size_t len, const char *func, bool ret);

/* ---- kprobe_multi: one link for many functions ----------------------------- */

/* Can this kernel attach kprobe_multi links? Found out once, by trying as
 * libbpf does: a trivial program loaded for BPF_TRACE_KPROBE_MULTI and a
 * link to address 0, which a kernel with kprobe_multi refuses with EINVAL
 * (bad address) and one without (CONFIG_FPROBE=n) with EOPNOTSUPP. The
 * environment variable BPFSCRIPT_KPROBE_MULTI=0 turns kprobe_multi off
 * (bpftrace's --no-feature kprobe_multi), =1 turns it on without asking
 * the kernel (to try the multi path on a kernel without it). When false,
 * *why (may be NULL) is the errno that said no. */
bool kprobe_multi_ok(int *why);

/* The kprobe blacklist (/sys/kernel/debug/kprobes/blacklist: functions
 * marked NOKPROBE_SYMBOL; lines "0xSTART-0xEND\tname [module]", or just
 * "name" on old kernels), sorted, each name once; empty when unreadable
 * (no debugfs, or no kprobes at all). Read once. */
int kblacklist(const char *const **v);
bool kblacklisted(const char *name);
/* The parser behind kblacklist, for tests: text is the file's content. */
int kblacklist_parse(struct arena *a, const char *text, const char ***v);

/* The symbol list of one kprobe_multi link serving the functions names[i]
 * (the attach points' functions, any order) with BPF cookies cookies[i]:
 * sorted by name (the kernel looks the names up in sorted order), each name
 * once (one kernel symbol however many modules matched it: the first
 * cookie wins), without the names missing from the traceable functions
 * avail[0..navail) (sorted by name; navail < 0: no list, keep every name)
 * and without those on the blacklist black[0..nblack) (sorted). Writes
 * arena arrays into *syms and *scookies; returns their length. */
int kmulti_syms(struct arena *a, const char *const *names, const uint64_t *cookies, int n,
		const struct kfunc *avail, int navail, const char *const *black, int nblack,
		const char ***syms, uint64_t **scookies);

/* A load of `size` bytes (1, 2, 4, 8) at byte `off` of the program's
 * context, naturally aligned (the verifier checks context accesses by
 * offset and size; a misaligned i64 load would be split into bytes), as an
 * i64 (LLVMValueRef). */
struct cg;
void *kctx_load(struct cg *cg, int off, int size, bool is_signed);

/* ---- vmlinux BTF probes: type:[module:]name ---------------------------------
 * fentry/fexit name a kernel function, rawtracepoint a raw tracepoint, both
 * found in vmlinux BTF. Only vmlinux BTF is read, so the module may only be
 * vmlinux (or a wildcard matching it). */

/* How a type words kbtf_split's errors. */
struct kbtf_words {
	const char *no_name;    /* the name is empty */
	const char *no_btf;     /* the kernel has no BTF; NULL for "TYPE probes
	                           need kernel BTF (/sys/kernel/btf/vmlinux): why" */
	const char *what;       /* "functions": "TEXT: module BTF is not supported;
	                           only vmlinux functions can be traced" */
};

/* Splits the attach point text; checks, in this order, that the name is
 * not empty, that the kernel has BTF and that the module is vmlinux.
 * Returns the name (a wildcard maybe) and sets *module (NULL when the text
 * has none), or returns NULL after reporting at loc. */
const char *kbtf_split(const struct probe_type *pt, const struct probe_env *env, const char *text,
		       struct loc loc, const struct kbtf_words *w, const char **module);

/* An attach point of pt on name: "TYPE:name", or "TYPE:vmlinux:name" when
 * the text gave a module; target "vmlinux", func name, priv the type's. */
struct attach_point *kbtf_ap_new(const struct probe_type *pt, const struct probe_env *env, bool module,
				 const char *name, struct loc loc, void *priv);

/* -l: the name pattern in rest (what follows "TYPE:", NULL for all: "*")
 * into pat; false when rest names a module other than vmlinux. */
bool kbtf_list_pattern(const char *rest, char *pat, size_t len);

/* The end of an attach hook that opened one link: fd (or -1 with errno
 * set) is added to links, or "Error attaching probe: NAME: why" goes into
 * err and -1 is returned. */
int kbtf_link(const struct attach_point *ap, int fd, struct rt_links *links, char *err, size_t errlen);

#endif
