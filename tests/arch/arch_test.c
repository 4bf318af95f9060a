/* arch_test.c - unit tests of the per-architecture description
 * (src/util/arch.c): the x86-64 and the arm64 table, whatever the host:
 * predefined macros, directories, ld.so.cache flags, struct pt_regs
 * (reg() names, argument, return, stack and pc registers, usermode) and
 * the registers of USDT argument specs. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "util/arch.h"

static int failures;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "line %d: %s\n", __LINE__, #cond);  \
			failures++;                                          \
		}                                                            \
	} while (0)

static int count(const char *const *v)
{
	int n = 0;
	while (v && v[n])
		n++;
	return n;
}

static int index_of(const char *const *v, const char *s)
{
	for (int i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return i;
	return -1;
}

/* The value of predefined macro name ("NAME VALUE" in the list), or NULL. */
static const char *predef(const struct arch *a, const char *name)
{
	size_t n = strlen(name);
	for (int i = 0; a->predef[i]; i++)
		if (!strncmp(a->predef[i], name, n) && a->predef[i][n] == ' ')
			return a->predef[i] + n + 1;
	return NULL;
}

static int streq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* What both tables must have: the same coverage of what headers test. */
static void common(const struct arch *a)
{
	static const char *const both[] = {
		"__linux__", "__linux", "__gnu_linux__", "__unix__", "__unix", "__ELF__", "__GNUC__",
		"__GNUC_MINOR__", "__GNUC_PATCHLEVEL__", "__GNUC_STDC_INLINE__", "__clang__",
		"__clang_major__", "__clang_minor__", "__clang_patchlevel__", "__STDC__",
		"__STDC_VERSION__", "__STDC_HOSTED__", "__CHAR_BIT__", "__SIZEOF_SHORT__",
		"__SIZEOF_INT__", "__SIZEOF_LONG__", "__SIZEOF_LONG_LONG__", "__SIZEOF_POINTER__",
		"__SIZEOF_SIZE_T__", "__SIZEOF_INT128__", "__SIZEOF_FLOAT__", "__SIZEOF_DOUBLE__",
		"__SIZEOF_LONG_DOUBLE__", "__SIZEOF_WCHAR_T__", "__LP64__", "_LP64",
		"__ORDER_LITTLE_ENDIAN__", "__ORDER_BIG_ENDIAN__", "__ORDER_PDP_ENDIAN__",
		"__BYTE_ORDER__", "__SCHAR_MAX__", "__SHRT_MAX__", "__INT_MAX__", "__LONG_MAX__",
		"__LONG_LONG_MAX__", "__WCHAR_MAX__", "__SIZE_MAX__", NULL,
	};
	for (int i = 0; both[i]; i++)
		if (!predef(a, both[i])) {
			fprintf(stderr, "%s: %s not predefined\n", a->name, both[i]);
			failures++;
		}
	CHECK(streq(predef(a, "__LP64__"), "1"));
	CHECK(streq(predef(a, "__SIZEOF_LONG__"), "8"));
	CHECK(streq(predef(a, "__SIZEOF_POINTER__"), "8"));
	CHECK(streq(predef(a, "__BYTE_ORDER__"), "__ORDER_LITTLE_ENDIAN__"));

	/* /usr/local/include, /usr/include/<triplet>, /usr/include */
	char multi[128];
	snprintf(multi, sizeof(multi), "/usr/include/%s", a->triplet);
	CHECK(count(a->include_dirs) == 3);
	CHECK(index_of(a->include_dirs, "/usr/local/include") == 0);
	CHECK(index_of(a->include_dirs, multi) == 1);
	CHECK(index_of(a->include_dirs, "/usr/include") == 2);

	/* the multiarch library directories first, /lib and /usr/lib last */
	char lib[128], usrlib[128];
	snprintf(lib, sizeof(lib), "/lib/%s", a->triplet);
	snprintf(usrlib, sizeof(usrlib), "/usr/lib/%s", a->triplet);
	int n = count(a->lib_dirs);
	CHECK(index_of(a->lib_dirs, lib) == 0);
	CHECK(index_of(a->lib_dirs, usrlib) == 1);
	CHECK(n >= 4 && index_of(a->lib_dirs, "/lib") == n - 2 && index_of(a->lib_dirs, "/usr/lib") == n - 1);

	/* FLAG_ELF_LIBC6 in the type byte */
	CHECK((a->ldcache_flags & ARCH_LDCACHE_TYPE_MASK) == 0x0003);
}

int main(void)
{
	const struct arch *x86 = arch_named("x86_64"), *arm = arch_named("aarch64");
	CHECK(x86 && arm && x86 != arm);
	if (!x86 || !arm)
		return 1;
	CHECK(arch_named("amd64") == x86);
	CHECK(arch_named("arm64") == arm);
	CHECK(arch_named("riscv64") == NULL);
	CHECK(arch_named("") == NULL);
	CHECK(arch_named(NULL) == NULL);

	/* x86-64 */
	common(x86);
	CHECK(streq(x86->name, "x86_64"));
	CHECK(streq(x86->triplet, "x86_64-linux-gnu"));
	CHECK(streq(predef(x86, "__x86_64__"), "1") && streq(predef(x86, "__amd64__"), "1"));
	CHECK(!predef(x86, "__aarch64__") && !predef(x86, "__CHAR_UNSIGNED__"));
	CHECK(streq(predef(x86, "__WCHAR_MAX__"), "2147483647"));
	CHECK(index_of(x86->lib_dirs, "/lib64") == 2 && index_of(x86->lib_dirs, "/usr/lib64") == 3);
	CHECK(count(x86->lib_dirs) == 6);
	CHECK(x86->ldcache_flags == 0x0303);    /* FLAG_ELF_LIBC6 | FLAG_X8664_LIB64 */

	/* arm64 */
	common(arm);
	CHECK(streq(arm->name, "aarch64"));
	CHECK(streq(arm->triplet, "aarch64-linux-gnu"));
	CHECK(streq(predef(arm, "__aarch64__"), "1") && streq(predef(arm, "__ARM_64BIT_STATE"), "1"));
	CHECK(streq(predef(arm, "__AARCH64EL__"), "1") && streq(predef(arm, "__ARM_ARCH"), "8"));
	CHECK(!predef(arm, "__x86_64__") && !predef(arm, "__amd64__"));
	CHECK(streq(predef(arm, "__CHAR_UNSIGNED__"), "1"));    /* AAPCS64: char is unsigned */
	CHECK(streq(predef(arm, "__WCHAR_MAX__"), "4294967295U"));
	CHECK(index_of(arm->lib_dirs, "/lib64") < 0 && index_of(arm->lib_dirs, "/usr/lib64") < 0);
	CHECK(count(arm->lib_dirs) == 4);
	CHECK(arm->ldcache_flags == 0x0a03);    /* FLAG_ELF_LIBC6 | FLAG_AARCH64_LIB64 */

	/* struct pt_regs: x86-64 (arch/x86/include/asm/ptrace.h) */
	const struct arch_regs *xr = &x86->regs, *ar = &arm->regs;
	CHECK(count(xr->names) == 21 && xr->size == 21 * 8);
	CHECK(arch_reg_offset(x86, "r15") == 0 && arch_reg_offset(x86, "ax") == 80);
	CHECK(arch_reg_offset(x86, "di") == 112 && arch_reg_offset(x86, "ip") == 128);
	CHECK(arch_reg_offset(x86, "cs") == 136 && arch_reg_offset(x86, "sp") == 152);
	CHECK(arch_reg_offset(x86, "ss") == 160 && arch_reg_offset(x86, "pc") == -1);
	CHECK(arch_reg_offset(x86, "r0") == -1 && arch_reg_offset(x86, "") == -1);
	/* SysV: di si dx cx r8 r9 */
	static const char *const sysv[] = { "di", "si", "dx", "cx", "r8", "r9" };
	CHECK(xr->nargs == 6);
	for (int i = 0; i < 6 && i < xr->nargs; i++)
		CHECK(xr->args[i] == arch_reg_offset(x86, sysv[i]));
	CHECK(xr->ret == arch_reg_offset(x86, "ax") && xr->sp == arch_reg_offset(x86, "sp"));
	CHECK(xr->ip == arch_reg_offset(x86, "ip") && xr->sarg0 == 1);
	CHECK(xr->user == arch_reg_offset(x86, "cs") && xr->user_mask == 3 && xr->user_value == 3);
	CHECK(!xr->large_by_ref && x86->usdt_att);

	/* arm64: user_pt_regs (arch/arm64/include/uapi/asm/ptrace.h): regs[31], sp, pc, pstate */
	CHECK(count(ar->names) == 34 && ar->size == 34 * 8);
	char rn[8];
	for (int i = 0; i <= 30; i++) {
		snprintf(rn, sizeof(rn), "r%d", i);
		CHECK(arch_reg_offset(arm, rn) == 8 * i);
	}
	CHECK(arch_reg_offset(arm, "r31") == -1);
	CHECK(arch_reg_offset(arm, "sp") == 248 && arch_reg_offset(arm, "pc") == 256);
	CHECK(arch_reg_offset(arm, "pstate") == 264);
	CHECK(arch_reg_offset(arm, "ax") == -1 && arch_reg_offset(arm, "ip") == -1);
	/* AAPCS64: x0 ... x7, the result in x0, the return address in x30 (not on the stack) */
	CHECK(ar->nargs == 8);
	for (int i = 0; i < 8 && i < ar->nargs; i++)
		CHECK(ar->args[i] == 8 * i);
	CHECK(ar->ret == 0 && ar->sp == 248 && ar->ip == 256 && ar->sarg0 == 0);
	/* user mode: PSR_MODE_EL0t in pstate's mode bits */
	CHECK(ar->user == 264 && ar->user_mask == 0xf && ar->user_value == 0);
	CHECK(ar->large_by_ref && !arm->usdt_att);

	/* USDT spec registers: AT&T names on x86-64, x/w on arm64 */
	int shift = -1;
	CHECK(arch_usdt_reg_offset(x86, "rdi", &shift) == 112 && shift == 0);
	CHECK(arch_usdt_reg_offset(x86, "ah", &shift) == 80 && shift == 8);
	CHECK(arch_usdt_reg_offset(x86, "x0", &shift) == -1);
	CHECK(arch_usdt_reg_offset(arm, "x3", &shift) == 24 && shift == 0);
	CHECK(arch_usdt_reg_offset(arm, "w3", &shift) == 24 && arch_usdt_reg_offset(arm, "sp", &shift) == 248);
	CHECK(arch_usdt_reg_offset(arm, "rdi", &shift) == -1 && arch_usdt_reg_offset(arm, "x31", &shift) == -1);

	/* syscall_name(): each architecture's numbers */
	CHECK(x86->nsyscalls == 548 && arm->nsyscalls == 470);
	CHECK(streq(x86->syscalls[0], "read") && streq(x86->syscalls[59], "execve"));
	CHECK(streq(x86->syscalls[257], "openat") && streq(x86->syscalls[435], "clone3"));
	CHECK(x86->syscalls[400] == NULL && streq(x86->syscalls[547], "pwritev2"));
	CHECK(streq(arm->syscalls[0], "io_setup") && streq(arm->syscalls[56], "openat"));
	CHECK(streq(arm->syscalls[63], "read") && streq(arm->syscalls[64], "write"));
	CHECK(streq(arm->syscalls[79], "newfstatat") && streq(arm->syscalls[80], "fstat"));
	CHECK(streq(arm->syscalls[221], "execve") && streq(arm->syscalls[222], "mmap"));
	CHECK(streq(arm->syscalls[163], "getrlimit") && streq(arm->syscalls[38], "renameat"));
	CHECK(arm->syscalls[244] == NULL && arm->syscalls[300] == NULL);   /* arch-specific, unused */
	CHECK(streq(arm->syscalls[435], "clone3") && streq(arm->syscalls[447], "memfd_secret"));
	/* every architecture numbers the same from 424 on */
	for (int i = 424; i < arm->nsyscalls && i < x86->nsyscalls; i++)
		CHECK(streq(arm->syscalls[i], x86->syscalls[i]) || (!arm->syscalls[i] && !x86->syscalls[i]));
	/* no name twice in one table (x86-64's x32 numbers from 512 aside) */
	for (int i = 0; i < arm->nsyscalls; i++)
		for (int j = i + 1; j < arm->nsyscalls && arm->syscalls[i]; j++)
			if (streq(arm->syscalls[i], arm->syscalls[j]))
				fprintf(stderr, "aarch64: %s twice (%d, %d)\n", arm->syscalls[i], i, j), failures++;

	/* the host: what the compiler targeted, and what uname says */
	const struct arch *host = arch_host();
	CHECK(host == x86 || host == arm);
#if defined(__x86_64__)
	CHECK(host == x86);
#elif defined(__aarch64__)
	CHECK(host == arm);
#endif
	struct utsname u;
	if (uname(&u) == 0)
		CHECK(arch_named(u.machine) == host);

	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	return failures != 0;
}
