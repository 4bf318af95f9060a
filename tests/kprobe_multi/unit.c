/* unit.c - unit tests of the kprobe_multi symbol list and the kprobe
 * blacklist parser (tests/kprobe_multi.cmake); pure user-space code, no root.
 *
 *   bpfscript_kprobe_multi_test
 *
 * Exit status 0 when every check passed. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "probes/kernel.h"
#include "util/arena.h"

static int failures, checks;

/* The list as "name=cookie name=cookie ...". */
static const char *joined(struct arena *a, const char **syms, const uint64_t *cookies, int n)
{
	const char *s = "";
	for (int i = 0; i < n; i++)
		s = arena_printf(a, "%s%s%s=%llu", s, i ? " " : "", syms[i], (unsigned long long)cookies[i]);
	return s;
}

static void expect(const char *what, const char *want, const char *got)
{
	checks++;
	if (strcmp(want, got)) {
		failures++;
		fprintf(stderr, "FAIL %s\n  expected: %s\n  got:      %s\n", what, want, got);
	}
}

static void test_kmulti_syms(struct arena *a)
{
	/* the traceable functions, sorted by (name, module) as kfuncs() gives them */
	static const struct kfunc avail[] = {
		{ "ksys_read", "vmlinux" },   { "ksys_write", "vmlinux" }, { "nfs_open", "nfs" },
		{ "nfs_open", "nfsv4" },      { "vfs_read", "vmlinux" },   { "vfs_readv", "vmlinux" },
		{ "vfs_write", "vmlinux" },
	};
	const int navail = (int)(sizeof(avail) / sizeof(avail[0]));
	static const char *const black[] = { "ksys_write", "vfs_readv" };
	const char **syms;
	uint64_t *cookies;

	/* attach-point order in, name order out; cookies follow their names */
	const char *n1[] = { "vfs_write", "ksys_read", "vfs_read" };
	uint64_t c1[] = { 7, 8, 9 };
	int n = kmulti_syms(a, n1, c1, 3, avail, navail, NULL, 0, &syms, &cookies);
	expect("sorted", "ksys_read=8 vfs_read=9 vfs_write=7", joined(a, syms, cookies, n));

	/* one name matched in two modules: one symbol, the first attach point's cookie */
	const char *n2[] = { "nfs_open", "vfs_read", "nfs_open" };
	uint64_t c2[] = { 3, 4, 5 };
	n = kmulti_syms(a, n2, c2, 3, avail, navail, NULL, 0, &syms, &cookies);
	expect("deduplicated", "nfs_open=3 vfs_read=4", joined(a, syms, cookies, n));

	/* names the traceable list lacks and blacklisted names are dropped */
	const char *n3[] = { "vfs_readv", "no_such_fn", "ksys_write", "vfs_read", "ksys_read" };
	uint64_t c3[] = { 1, 2, 3, 4, 5 };
	n = kmulti_syms(a, n3, c3, 5, avail, navail, black, 2, &syms, &cookies);
	expect("filtered", "ksys_read=5 vfs_read=4", joined(a, syms, cookies, n));

	/* no traceable list (navail < 0): nothing is dropped for its absence */
	n = kmulti_syms(a, n3, c3, 5, NULL, -1, black, 2, &syms, &cookies);
	expect("no list", "ksys_read=5 no_such_fn=2 vfs_read=4", joined(a, syms, cookies, n));

	/* everything filtered, and an empty input */
	const char *n4[] = { "ksys_write" };
	uint64_t c4[] = { 1 };
	n = kmulti_syms(a, n4, c4, 1, avail, navail, black, 2, &syms, &cookies);
	expect("all dropped", "", joined(a, syms, cookies, n));
	n = kmulti_syms(a, NULL, NULL, 0, avail, navail, black, 2, &syms, &cookies);
	expect("empty", "", joined(a, syms, cookies, n));
}

static void test_blacklist(struct arena *a)
{
	const char **v;
	/* the kernel's format: "0xSTART-0xEND<tab>name", "[module]" after module symbols */
	int n = kblacklist_parse(a,
				 "0xffffffff81001000-0xffffffff81001020\tdo_trap\n"
				 "0xffffffff81002000-0xffffffff81002040\tnmi_handle\n"
				 "0xffffffffc0001000-0xffffffffc0001010\tkvm_spurious_fault [kvm]\n"
				 "0xffffffff81001000-0xffffffff81001020\tdo_trap\n"
				 "\n"
				 "0xffffffff81003000-0xffffffff81003010\tasm_exc_int3",
				 &v);
	const char *s = "";
	for (int i = 0; i < n; i++)
		s = arena_printf(a, "%s%s%s", s, i ? " " : "", v[i]);
	expect("blacklist", "asm_exc_int3 do_trap kvm_spurious_fault nmi_handle", s);
	/* old kernels: one name per line */
	n = kblacklist_parse(a, "b_func\na_func\n", &v);
	s = "";
	for (int i = 0; i < n; i++)
		s = arena_printf(a, "%s%s%s", s, i ? " " : "", v[i]);
	expect("blacklist, names only", "a_func b_func", s);
	n = kblacklist_parse(a, "", &v);
	expect("blacklist, empty", "0", arena_printf(a, "%d", n));
}

int main(void)
{
	struct arena a = { 0 };
	test_kmulti_syms(&a);
	test_blacklist(&a);
	arena_free(&a);
	printf("%d checks, %d failed\n", checks, failures);
	return failures != 0;
}
