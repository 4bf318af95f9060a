/* arch.c - the per-architecture description (arch.h): x86-64 and arm64. */
#include "util/arch.h"

#include <string.h>

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "bpfscript knows x86-64 and arm64 only: add this architecture's table to src/util/arch.c \
(and its struct pt_regs tables: src/sys/elfsym.c, src/sys/udwarf.c, src/probes/, src/builtins/symbols.c)"
#endif

/* What clang 14 (bpftrace 0.17's) predefines on x86-64 Linux, as far as
 * headers test it. */
static const char *const x86_64_predef[] = {
	"__x86_64__ 1", "__x86_64 1", "__amd64__ 1", "__amd64 1", "__linux__ 1", "__linux 1",
	"__gnu_linux__ 1", "__unix__ 1", "__unix 1", "__ELF__ 1", "__GNUC__ 4", "__GNUC_MINOR__ 2",
	"__GNUC_PATCHLEVEL__ 1", "__GNUC_STDC_INLINE__ 1", "__clang__ 1", "__clang_major__ 14",
	"__clang_minor__ 0", "__clang_patchlevel__ 6", "__STDC__ 1", "__STDC_VERSION__ 201710L",
	"__STDC_HOSTED__ 1", "__CHAR_BIT__ 8", "__SIZEOF_SHORT__ 2", "__SIZEOF_INT__ 4",
	"__SIZEOF_LONG__ 8", "__SIZEOF_LONG_LONG__ 8", "__SIZEOF_POINTER__ 8", "__SIZEOF_SIZE_T__ 8",
	"__SIZEOF_INT128__ 16", "__SIZEOF_FLOAT__ 4", "__SIZEOF_DOUBLE__ 8", "__SIZEOF_LONG_DOUBLE__ 16",
	"__SIZEOF_WCHAR_T__ 4", "__LP64__ 1", "_LP64 1", "__ORDER_LITTLE_ENDIAN__ 1234",
	"__ORDER_BIG_ENDIAN__ 4321", "__ORDER_PDP_ENDIAN__ 3412", "__BYTE_ORDER__ __ORDER_LITTLE_ENDIAN__",
	"__SCHAR_MAX__ 127", "__SHRT_MAX__ 32767", "__INT_MAX__ 2147483647",
	"__LONG_MAX__ 9223372036854775807L", "__LONG_LONG_MAX__ 9223372036854775807LL",
	"__WCHAR_MAX__ 2147483647", "__SIZE_MAX__ 18446744073709551615UL", NULL,
};

/* The same coverage for clang 14 on aarch64-linux-gnu: the architecture's
 * own names (__aarch64__, __ARM_64BIT_STATE, __ARM_ARCH ...), and where the
 * AAPCS64 differs from x86-64: plain char and wchar_t are unsigned, long
 * double is the 16-byte IEEE quad. */
static const char *const aarch64_predef[] = {
	"__aarch64__ 1", "__AARCH64EL__ 1", "__ARM_64BIT_STATE 1", "__ARM_ARCH 8",
	"__ARM_ARCH_ISA_A64 1", "__ARM_ARCH_PROFILE 'A'", "__ARM_PCS_AAPCS64 1",
	"__AARCH64_CMODEL_SMALL__ 1", "__CHAR_UNSIGNED__ 1", "__WCHAR_UNSIGNED__ 1",
	"__linux__ 1", "__linux 1",
	"__gnu_linux__ 1", "__unix__ 1", "__unix 1", "__ELF__ 1", "__GNUC__ 4", "__GNUC_MINOR__ 2",
	"__GNUC_PATCHLEVEL__ 1", "__GNUC_STDC_INLINE__ 1", "__clang__ 1", "__clang_major__ 14",
	"__clang_minor__ 0", "__clang_patchlevel__ 6", "__STDC__ 1", "__STDC_VERSION__ 201710L",
	"__STDC_HOSTED__ 1", "__CHAR_BIT__ 8", "__SIZEOF_SHORT__ 2", "__SIZEOF_INT__ 4",
	"__SIZEOF_LONG__ 8", "__SIZEOF_LONG_LONG__ 8", "__SIZEOF_POINTER__ 8", "__SIZEOF_SIZE_T__ 8",
	"__SIZEOF_INT128__ 16", "__SIZEOF_FLOAT__ 4", "__SIZEOF_DOUBLE__ 8", "__SIZEOF_LONG_DOUBLE__ 16",
	"__SIZEOF_WCHAR_T__ 4", "__LP64__ 1", "_LP64 1", "__ORDER_LITTLE_ENDIAN__ 1234",
	"__ORDER_BIG_ENDIAN__ 4321", "__ORDER_PDP_ENDIAN__ 3412", "__BYTE_ORDER__ __ORDER_LITTLE_ENDIAN__",
	"__SCHAR_MAX__ 127", "__SHRT_MAX__ 32767", "__INT_MAX__ 2147483647",
	"__LONG_MAX__ 9223372036854775807L", "__LONG_LONG_MAX__ 9223372036854775807LL",
	"__WCHAR_MAX__ 4294967295U", "__SIZE_MAX__ 18446744073709551615UL", NULL,
};

/* Where clang looks for <...> headers: /usr/local/include, the multiarch
 * directory, /usr/include. */
static const char *const x86_64_include[] = {
	"/usr/local/include", "/usr/include/x86_64-linux-gnu", "/usr/include", NULL,
};
static const char *const aarch64_include[] = {
	"/usr/local/include", "/usr/include/aarch64-linux-gnu", "/usr/include", NULL,
};

/* Where shared libraries are: the multiarch directories, then (x86-64:
 * the ABI's own /lib64) the plain ones. arm64's loader is
 * /lib/ld-linux-aarch64.so.1: the ABI has no lib64. */
static const char *const x86_64_lib[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib", NULL,
};
static const char *const aarch64_lib[] = {
	"/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib", "/usr/lib", NULL,
};

/* glibc's ldconfig.h: FLAG_ELF_LIBC6 0x0003, FLAG_X8664_LIB64 0x0300,
 * FLAG_AARCH64_LIB64 0x0a00 */
static const struct arch arches[] = {
	{ "x86_64", "x86_64-linux-gnu", x86_64_predef, x86_64_include, x86_64_lib, 0x0303 },
	{ "aarch64", "aarch64-linux-gnu", aarch64_predef, aarch64_include, aarch64_lib, 0x0a03 },
};

const struct arch *arch_host(void)
{
#if defined(__x86_64__)
	return &arches[0];
#else
	return &arches[1];
#endif
}

const struct arch *arch_named(const char *name)
{
	if (!name)
		return NULL;
	if (!strcmp(name, "amd64"))
		name = "x86_64";
	else if (!strcmp(name, "arm64"))
		name = "aarch64";
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (!strcmp(arches[i].name, name))
			return &arches[i];
	return NULL;
}
