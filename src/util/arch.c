/* arch.c - the per-architecture description (arch.h): x86-64 and arm64. */
#include "util/arch.h"

#include <stdlib.h>
#include <string.h>

#include "util/arch_syscalls.h"

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "bpfscript knows x86-64 and arm64 only: add this architecture's table to src/util/arch.c \
(predefined macros, directories, ld.so.cache flags, struct pt_regs, USDT registers), \
its system call names to src/util/arch_syscalls.h and -c's entry breakpoint to src/runtime/run.c"
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

/* x86-64's struct pt_regs (arch/x86/include/asm/ptrace.h), in bpftrace's
 * register names: 21 u64, 168 bytes. The SysV arguments are di si dx cx r8
 * r9; the return value is ax; usermode is (cs & 3) == 3. */
static const char *const x86_64_regs[] = {
	"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax",
	"cx", "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss", NULL,
};
static const int x86_64_args[] = { 112, 104, 96, 88, 72, 64 };

/* arm64's struct pt_regs starts with struct user_pt_regs
 * (arch/arm64/include/uapi/asm/ptrace.h): u64 regs[31], sp, pc, pstate,
 * 272 bytes; what follows (orig_x0, syscallno ...) varies with the kernel
 * version and is no register. Named as bpftrace's arch/aarch64 names them
 * (r0 ... r30, sp, pc, pstate), at the kernel's offsets: bpftrace's table
 * also lists an r31, which moves its sp, pc and pstate one slot too far.
 * The AAPCS64 arguments are x0 ... x7, the return value x0; user mode is
 * (pstate & PSR_MODE_MASK) == PSR_MODE_EL0t (0). */
static const char *const aarch64_regs[] = {
	"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11",
	"r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23",
	"r24", "r25", "r26", "r27", "r28", "r29", "r30", "sp", "pc", "pstate", NULL,
};
static const int aarch64_args[] = { 0, 8, 16, 24, 32, 40, 48, 56 };

/* glibc's ldconfig.h: FLAG_ELF_LIBC6 0x0003, FLAG_X8664_LIB64 0x0300,
 * FLAG_AARCH64_LIB64 0x0a00 */
static const struct arch arches[] = {
	{ "x86_64", "x86_64-linux-gnu", x86_64_predef, x86_64_include, x86_64_lib, 0x0303,
	  { x86_64_regs, 168, x86_64_args, 6, 80, 152, 128, 1, 136, 3, 3, false }, true,
	  x86_64_syscalls, (int)(sizeof(x86_64_syscalls) / sizeof(x86_64_syscalls[0])) },
	{ "aarch64", "aarch64-linux-gnu", aarch64_predef, aarch64_include, aarch64_lib, 0x0a03,
	  { aarch64_regs, 272, aarch64_args, 8, 0, 248, 256, 0, 264, 0xf, 0, true }, false,
	  aarch64_syscalls, (int)(sizeof(aarch64_syscalls) / sizeof(aarch64_syscalls[0])) },
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

int arch_reg_offset(const struct arch *a, const char *name)
{
	for (int i = 0; a->regs.names[i]; i++)
		if (!strcmp(a->regs.names[i], name))
			return 8 * i;
	return -1;
}

/* x86-64 in AT&T names: each register with its 32-, 16- and 8-bit names
 * (the low part is at the same offset, little-endian). */
static const struct {
	const char *names[4];
	int off;
} x86_64_usdt[] = {
	{ { "rax", "eax", "ax", "al" }, 80 },  { { "rbx", "ebx", "bx", "bl" }, 40 },
	{ { "rcx", "ecx", "cx", "cl" }, 88 },  { { "rdx", "edx", "dx", "dl" }, 96 },
	{ { "rsi", "esi", "si", "sil" }, 104 }, { { "rdi", "edi", "di", "dil" }, 112 },
	{ { "rbp", "ebp", "bp", "bpl" }, 32 }, { { "rsp", "esp", "sp", "spl" }, 152 },
	{ { "r8", "r8d", "r8w", "r8b" }, 72 }, { { "r9", "r9d", "r9w", "r9b" }, 64 },
	{ { "r10", "r10d", "r10w", "r10b" }, 56 }, { { "r11", "r11d", "r11w", "r11b" }, 48 },
	{ { "r12", "r12d", "r12w", "r12b" }, 24 }, { { "r13", "r13d", "r13w", "r13b" }, 16 },
	{ { "r14", "r14d", "r14w", "r14b" }, 8 }, { { "r15", "r15d", "r15w", "r15b" }, 0 },
	{ { "rip", "eip", "ip", NULL }, 128 },
};

static int x86_64_usdt_reg(const char *name, int *shift)
{
	static const struct { const char *name; int off; } high[] = {
		{ "ah", 80 }, { "bh", 40 }, { "ch", 88 }, { "dh", 96 },
	};
	for (size_t i = 0; i < sizeof(x86_64_usdt) / sizeof(x86_64_usdt[0]); i++)
		for (int k = 0; k < 4; k++)
			if (x86_64_usdt[i].names[k] && !strcmp(x86_64_usdt[i].names[k], name))
				return x86_64_usdt[i].off;
	for (size_t i = 0; i < sizeof(high) / sizeof(high[0]); i++)
		if (!strcmp(high[i].name, name)) {
			*shift = 8;
			return high[i].off;
		}
	return -1;
}

/* arm64: x0 ... x30 and their 32-bit halves w0 ... w30, sp (and wsp), as
 * GNU as writes them in USDT notes. */
static int aarch64_usdt_reg(const char *name, int *shift)
{
	(void)shift;
	if (!strcmp(name, "sp") || !strcmp(name, "wsp"))
		return 248;
	if ((name[0] != 'x' && name[0] != 'w') || name[1] < '0' || name[1] > '9')
		return -1;
	if (name[1] == '0' && name[2])
		return -1;    /* x01 */
	char *end;
	long n = strtol(name + 1, &end, 10);
	return !*end && n <= 30 ? (int)(8 * n) : -1;
}

int arch_usdt_reg_offset(const struct arch *a, const char *name, int *shift)
{
	*shift = 0;
	return a->usdt_att ? x86_64_usdt_reg(name, shift) : aarch64_usdt_reg(name, shift);
}
