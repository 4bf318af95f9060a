/* kernel.h - what the kernel-side probe files (kprobe, fentry,
 * rawtracepoint, iter) share: the traceable function list, the kernel
 * config, and the "try this instead" suggestion printed when a kernel
 * lacks a probe mechanism. */
#ifndef BPFSCRIPT_PROBES_KERNEL_H
#define BPFSCRIPT_PROBES_KERNEL_H
#include <stdbool.h>
#include <stddef.h>

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

/* A load of `size` bytes (1, 2, 4, 8) at byte `off` of the program's
 * context, naturally aligned (the verifier checks context accesses by
 * offset and size; a misaligned i64 load would be split into bytes), as an
 * i64 (LLVMValueRef). */
struct cg;
void *kctx_load(struct cg *cg, int off, int size, bool is_signed);

#endif
