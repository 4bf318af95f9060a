#ifndef BPFSCRIPT_ARCH_H
#define BPFSCRIPT_ARCH_H
/* arch.h - what bpfscript takes from the target architecture: when it reads
 * the system, the multiarch triplet, the macros clang predefines (for the
 * system headers the preprocessor reads), the standard include and library
 * directories and the ld.so.cache entry flags of its libraries; in the
 * programs it generates, the layout of struct pt_regs (argument, return
 * value, stack and program counter registers, reg()'s names, usermode),
 * the registers USDT argument specs name and the system call numbers.
 *
 * One table per architecture (x86-64, arm64); arch_host() is the one the
 * compiler built bpfscript for (a build for any other architecture stops
 * with #error in arch.c). Each table is reachable by name too, so the unit
 * tests check both whatever the host; so are the system call names of
 * syscall_name(). What stays per-architecture in its own file is -c's entry
 * breakpoint (runtime/run.c, with its own #error). */
#include <stdbool.h>

/* The probe context: struct pt_regs of the kernel, which kprobe, uprobe and
 * usdt programs receive (and perf events, first in bpf_perf_event_data). */
struct arch_regs {
	const char *const *names;       /* reg()'s names, in struct pt_regs order, 8 bytes each
	                                   (reg("name") is at 8 * index), NULL-terminated */
	int size;                       /* the size of its registers part (x86-64: the whole
	                                   struct; arm64: struct user_pt_regs) */
	const int *args;                /* offsets of the argument registers of the C ABI */
	int nargs;                      /* how many: x86-64 6 (SysV), arm64 8 (AAPCS64) */
	int ret;                        /* offset of the return value's register */
	int sp, ip;                     /* offsets of the stack pointer and program counter */
	int sarg0;                      /* sargN is the (N + sarg0)-th 8-byte slot at sp: on
	                                   x86-64 the return address is at sp (1), on arm64 it
	                                   is in a register (0) */
	int user;                       /* usermode: the word at this offset ... */
	unsigned long long user_mask, user_value;       /* ... & mask == value in user mode */
	bool large_by_ref;              /* an aggregate argument over 16 bytes: passed by a
	                                   pointer in the next register (AAPCS64), or in
	                                   memory, taking no register (SysV x86-64) */
};

struct arch {
	const char *name;               /* uname -m: "x86_64", "aarch64" */
	const char *triplet;            /* the Debian multiarch triplet: "x86_64-linux-gnu" */
	const char *const *predef;      /* "NAME VALUE" as in #define, NULL-terminated */
	const char *const *include_dirs;        /* system headers, in search order, NULL-terminated */
	const char *const *lib_dirs;    /* shared libraries, in search order, NULL-terminated */
	int ldcache_flags;              /* ld.so.cache entry flags of this architecture's
	                                   libraries: FLAG_ELF_LIBC6 | FLAG_<ARCH>_LIB64 */
	struct arch_regs regs;
	/* USDT argument specs are in the architecture's assembler syntax
	 * (elfsym.c usdt_parse_args): AT&T (%rdi, -8(%rbp), $5) or arm64's
	 * (x0, [sp, 8], 5) */
	bool usdt_att;
	/* syscall_name(): the system call names by number (NULL: none),
	 * nsyscalls of them (util/arch_syscalls.h) */
	const char *const *syscalls;
	int nsyscalls;
};

/* The ld.so.cache flag fields (glibc's sysdeps/generic/ldconfig.h): the
 * low byte is the type (FLAG_ELF_LIBC6 = 3), the second the ABI. */
#define ARCH_LDCACHE_TYPE_MASK 0x00ff
#define ARCH_LDCACHE_ABI_MASK 0xff00

/* The architecture bpfscript was compiled for. */
const struct arch *arch_host(void);
/* The table of the architecture named as uname -m names it ("x86_64",
 * "aarch64"; also "amd64", "arm64"), NULL for one without. */
const struct arch *arch_named(const char *name);

/* reg("name"): the offset of the named register in a's struct pt_regs,
 * -1 for a name it lacks. */
int arch_reg_offset(const struct arch *a, const char *name);
/* A register as a USDT argument spec names it (without AT&T's '%'): its
 * offset in struct pt_regs, or -1; *shift is 8 for x86's high-byte
 * registers (ah, bh, ch, dh), else 0. Every width's name of a register is
 * its low part, at the same offset (little-endian): eax, ax, al; arm64's w0. */
int arch_usdt_reg_offset(const struct arch *a, const char *name, int *shift);

#endif
