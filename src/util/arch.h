#ifndef BPFSCRIPT_ARCH_H
#define BPFSCRIPT_ARCH_H
/* arch.h - what bpfscript takes from the target architecture when it reads
 * the system: the multiarch triplet, the macros clang predefines (for the
 * system headers the preprocessor reads), the standard include and library
 * directories and the ld.so.cache entry flags of its libraries.
 *
 * One table per architecture (x86-64, arm64); arch_host() is the one the
 * compiler built bpfscript for (a build for any other architecture stops
 * with #error in arch.c). Code whose values are per-architecture by nature
 * (struct pt_regs offsets, argument registers) keeps its own tables, marked
 * as such, beside the code that uses them. */

struct arch {
	const char *name;               /* uname -m: "x86_64", "aarch64" */
	const char *triplet;            /* the Debian multiarch triplet: "x86_64-linux-gnu" */
	const char *const *predef;      /* "NAME VALUE" as in #define, NULL-terminated */
	const char *const *include_dirs;        /* system headers, in search order, NULL-terminated */
	const char *const *lib_dirs;    /* shared libraries, in search order, NULL-terminated */
	int ldcache_flags;              /* ld.so.cache entry flags of this architecture's
	                                   libraries: FLAG_ELF_LIBC6 | FLAG_<ARCH>_LIB64 */
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

#endif
