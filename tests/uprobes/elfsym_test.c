/* elfsym_test.c - unit tests of ELF symbol and USDT note reading
 * (sys/elfsym.c) and of uprobe/usdt attach point expansion
 * (probes/uprobe.c, probes/usdt.c). No root needed. See tests/uprobes.cmake.
 *
 *   elfsym_test unit USDT_TARGET UPROBE_TARGET
 *       argument spec parsing, registers, symbols, offsets and notes of the
 *       two test targets, ld.so.cache parsing of synthetic caches, expansion
 *       of attach points and their diagnostics (golden text)
 *   elfsym_test fuzz USDT_TARGET
 *       every accessor over truncated and bit-flipped copies of the target:
 *       no crash, no read outside the file (run under valgrind or ASan)
 *
 * Exit status 0 when every check passed; failures print what was expected. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ast/probe.h"
#include "ast/type.h"
#include "sys/elfsym.h"
#include "sys/demangle.h"
#include "sys/udwarf.h"
#include "util/arch.h"
#include "util/arena.h"

static int failures, checks;

#define CHECK(cond, ...)                                                              \
	do {                                                                          \
		checks++;                                                             \
		if (!(cond)) {                                                        \
			failures++;                                                   \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                 \
			fputc('\n', stderr);                                          \
		}                                                                     \
	} while (0)

static void check_text(const char *what, const char *expect, const char *got)
{
	checks++;
	if (strcmp(expect, got)) {
		failures++;
		fprintf(stderr, "FAIL %s\n--- expected\n%s--- got\n%s---\n", what, expect, got);
	}
}

/* ---- argument specs ----------------------------------------------------- */

static void test_specs(void)
{
	struct usdt_arg a[8];
	char err[256];
	int n = usdt_parse_args("-4@%edi -8@%rsi 1@%dl -2@%cx", a, 8, err, sizeof(err));
	CHECK(n == 4, "n=%d %s", n, err);
	static const int roff[] = { 112, 104, 96, 88 }, size[] = { 4, 8, 1, 2 };
	static const bool sign[] = { true, true, false, true };
	for (int i = 0; i < 4 && n == 4; i++) {
		CHECK(a[i].kind == USDT_ARG_REG && a[i].reg_off == roff[i] && a[i].size == size[i] &&
			      a[i].is_signed == sign[i] && a[i].reg_shift == 0,
		      "arg %d: kind %d off %d size %d signed %d", i, a[i].kind, a[i].reg_off, a[i].size,
		      a[i].is_signed);
	}
	n = usdt_parse_args("  8@-16(%rbp)\t-4@$77 4@(%rax) -8@0x10(%r14) 2@$-3 ", a, 8, err, sizeof(err));
	CHECK(n == 5, "n=%d %s", n, err);
	if (n == 5) {
		CHECK(a[0].kind == USDT_ARG_MEM && a[0].reg_off == 32 && a[0].val == -16 && a[0].size == 8 &&
			      !a[0].is_signed, "mem");
		CHECK(a[1].kind == USDT_ARG_CONST && a[1].val == 77 && a[1].size == 4 && a[1].is_signed, "const");
		CHECK(a[2].kind == USDT_ARG_MEM && a[2].reg_off == 80 && a[2].val == 0, "mem no disp");
		CHECK(a[3].kind == USDT_ARG_MEM && a[3].reg_off == 8 && a[3].val == 16 && a[3].is_signed, "hex disp");
		CHECK(a[4].kind == USDT_ARG_CONST && a[4].val == -3, "negative const");
	}
	n = usdt_parse_args("%rax", a, 8, err, sizeof(err));
	CHECK(n == 1 && a[0].size == 8 && !a[0].is_signed && a[0].reg_off == 80, "no size prefix");
	n = usdt_parse_args("", a, 8, err, sizeof(err));
	CHECK(n == 0, "empty spec: %d", n);
	n = usdt_parse_args("1@%ah -1@%bh", a, 8, err, sizeof(err));
	CHECK(n == 2 && a[0].reg_off == 80 && a[0].reg_shift == 8 && a[1].reg_off == 40, "high bytes");

	static const struct {
		const char *spec, *err;
	} bad[] = {
		{ "8@%xyz", "unsupported USDT argument spec: 8@%xyz" },
		{ "3@%rax", "unsupported USDT argument spec: 3@%rax" },
		{ "8@foo(%rip)", "unsupported USDT argument spec: 8@foo(%rip)" },
		{ "8@8(%rip)", "unsupported USDT argument spec: 8@8(%rip)" },
		{ "8@(%rax,%rbx,8)", "unsupported USDT argument spec: 8@(%rax,%rbx,8)" },
		{ "8@$", "unsupported USDT argument spec: 8@$" },
		{ "x@%rax", "unsupported USDT argument spec: x@%rax" },
		{ "8@%rax 8@%rbx 8@%rcx", "too many arguments in USDT argument spec: 8@%rcx" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		n = usdt_parse_args(bad[i].spec, a, 2, err, sizeof(err));
		CHECK(n == -1, "%s parsed (%d)", bad[i].spec, n);
		check_text(bad[i].spec, bad[i].err, err);
	}

	static const struct {
		const char *name;
		int off, shift;
	} regs[] = {
		{ "rdi", 112, 0 }, { "edi", 112, 0 }, { "di", 112, 0 }, { "dil", 112, 0 },
		{ "r8", 72, 0 }, { "r8d", 72, 0 }, { "r8w", 72, 0 }, { "r8b", 72, 0 },
		{ "r15d", 0, 0 }, { "rsp", 152, 0 }, { "rip", 128, 0 }, { "dh", 96, 8 },
		{ "eax", 80, 0 }, { "r9", 64, 0 }, { "rbx", 40, 0 }, { "xmm0", -1, 0 },
	};
	const struct arch *x86 = arch_named("x86_64");
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		int shift = -1, off = arch_usdt_reg_offset(x86, regs[i].name, &shift);
		CHECK(off == regs[i].off && (off < 0 || shift == regs[i].shift), "%s: %d shift %d", regs[i].name,
		      off, shift);
	}

	/* the x86-64 syntax explicitly, whatever the host */
	n = usdt_parse_args_arch(x86, "-4@%edi 8@-16(%rbp)", a, 8, err, sizeof(err));
	CHECK(n == 2 && a[0].reg_off == 112 && a[1].kind == USDT_ARG_MEM && a[1].reg_off == 32, "x86 by name");
}

/* arm64's USDT specs, as GNU as writes them (whatever the host): registers
 * x0..x30, w0..w30 and sp; memory [reg, off] with a blank inside; constants
 * without '$'. */
static void test_specs_arm64(void)
{
	const struct arch *arm = arch_named("aarch64");
	struct usdt_arg a[8];
	char err[256];
	int n = usdt_parse_args_arch(arm, "-4@x0 8@x1 -4@w19 8@[sp, 16] -4@[x29, -8] 8@[x2] 4@5 -8@-3", a, 8, err,
				     sizeof(err));
	CHECK(n == 8, "arm64: n=%d %s", n, err);
	if (n == 8) {
		CHECK(a[0].kind == USDT_ARG_REG && a[0].reg_off == 0 && a[0].size == 4 && a[0].is_signed, "x0");
		CHECK(a[1].kind == USDT_ARG_REG && a[1].reg_off == 8 && a[1].size == 8 && !a[1].is_signed, "x1");
		CHECK(a[2].kind == USDT_ARG_REG && a[2].reg_off == 19 * 8 && a[2].reg_shift == 0, "w19");
		CHECK(a[3].kind == USDT_ARG_MEM && a[3].reg_off == 248 && a[3].val == 16, "[sp, 16]: %d %lld",
		      a[3].reg_off, (long long)a[3].val);
		CHECK(a[4].kind == USDT_ARG_MEM && a[4].reg_off == 29 * 8 && a[4].val == -8 && a[4].is_signed,
		      "[x29, -8]");
		CHECK(a[5].kind == USDT_ARG_MEM && a[5].reg_off == 16 && a[5].val == 0, "[x2]");
		CHECK(a[6].kind == USDT_ARG_CONST && a[6].val == 5 && a[6].size == 4, "4@5");
		CHECK(a[7].kind == USDT_ARG_CONST && a[7].val == -3 && a[7].is_signed, "-8@-3");
	}
	n = usdt_parse_args_arch(arm, "8@[x1,#24] 8@x30", a, 8, err, sizeof(err));
	CHECK(n == 2 && a[0].reg_off == 8 && a[0].val == 24 && a[1].reg_off == 240, "arm64 #imm: %d %s", n, err);

	static const struct {
		const char *spec, *err;
	} bad[] = {
		{ "8@x31", "unsupported USDT argument spec: 8@x31" },
		{ "8@%rax", "unsupported USDT argument spec: 8@%rax" },
		{ "8@$5", "unsupported USDT argument spec: 8@$5" },
		{ "8@[x1, 8", "unsupported USDT argument spec: 8@[x1, 8" },
		{ "8@[x1, x2]", "unsupported USDT argument spec: 8@[x1, x2]" },
		{ "8@x01", "unsupported USDT argument spec: 8@x01" },
		{ "8@v0", "unsupported USDT argument spec: 8@v0" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		n = usdt_parse_args_arch(arm, bad[i].spec, a, 2, err, sizeof(err));
		CHECK(n == -1, "arm64: %s parsed (%d)", bad[i].spec, n);
		check_text(bad[i].spec, bad[i].err, err);
	}

	static const struct {
		const char *name;
		int off;
	} regs[] = {
		{ "x0", 0 }, { "w0", 0 }, { "x7", 56 }, { "x29", 232 }, { "x30", 240 }, { "w30", 240 },
		{ "sp", 248 }, { "wsp", 248 }, { "x31", -1 }, { "rax", -1 }, { "x", -1 }, { "pc", -1 },
	};
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		int shift = -1, off = arch_usdt_reg_offset(arm, regs[i].name, &shift);
		CHECK(off == regs[i].off && (off < 0 || shift == 0), "arm64 %s: %d shift %d", regs[i].name, off, shift);
	}
}

/* ---- the test targets ----------------------------------------------------- */

static void test_usdt_target(const char *path)
{
	char err[512];
	struct elf_file *f = elf_file_open(path, err, sizeof(err));
	CHECK(f, "%s", err);
	if (!f)
		return;
	const struct elf_sym *s = elf_file_func(f, "u_regs");
	CHECK(s && s->size > 0, "u_regs");
	if (s) {
		const struct elf_sym *in = elf_file_func_at(f, s->addr + 1);
		CHECK(in == s, "func_at(u_regs+1) = %s", in ? in->name : "NULL");
		CHECK(elf_file_func_at(f, s->addr) == s, "func_at(u_regs)");
		uint64_t off;
		CHECK(elf_file_offset(f, s->addr, &off), "offset of u_regs");
		CHECK(!elf_file_func(f, "u_sink"), "u_sink is an object, not a function");
	}
	CHECK(!elf_file_func(f, "nosuch"), "nosuch");
	CHECK(elf_file_func(f, "main") && elf_file_func(f, "u_many"), "main, u_many");
	const struct elf_sym *v;
	int n = elf_file_funcs(f, &v);
	CHECK(n > 5, "%d functions", n);
	for (int i = 1; i < n; i++)
		CHECK(strcmp(v[i - 1].name, v[i].name) < 0, "order: %s, %s", v[i - 1].name, v[i].name);
	uint64_t off;
	CHECK(!elf_file_offset(f, 0xffffffffffff0000ull, &off), "far address");

	const struct usdt_note *u;
	n = elf_file_usdt(f, &u);
	CHECK(n == 4, "%d notes", n);
	if (n == 4) {
		char got[1024] = "";
		for (int i = 0; i < n; i++) {
			char line[256];
			snprintf(line, sizeof(line), "%s:%s [%s]\n", u[i].provider, u[i].name, u[i].args);
			strcat(got, line);
		}
		check_text("usdt_target notes",
			   "bpfscript_usdt:regs [-4@%edi -8@%rsi 1@%dl -2@%cx]\n"
			   "bpfscript_usdt:multi [-4@%edi]\n"
			   "bpfscript_usdt:multi [-4@$77]\n"
			   "bpfscript_usdt:sem [-4@%edi]\n",
			   got);
		CHECK(u[1].sema && u[1].sema == u[2].sema, "multi sites share a semaphore");
		CHECK(u[0].sema && u[3].sema && u[0].sema != u[3].sema, "semaphores");
		CHECK(u[1].pc != u[2].pc, "two sites");
		const struct elf_sym *a = elf_file_func_at(f, u[1].pc), *b = elf_file_func_at(f, u[2].pc);
		CHECK(a && !strcmp(a->name, "u_multi_a"), "site 1 in %s", a ? a->name : "NULL");
		CHECK(b && !strcmp(b->name, "u_multi_b"), "site 2 in %s", b ? b->name : "NULL");
		CHECK(elf_file_offset(f, u[0].sema, &off), "semaphore offset");
	}
	elf_file_close(f);

	f = elf_file_open("/nonexistent/file", err, sizeof(err));
	CHECK(!f, "nonexistent opened");
	check_text("nonexistent", "cannot open /nonexistent/file: No such file or directory", err);
	char tmp[] = "/tmp/elfsym_test_XXXXXX";
	int fd = mkstemp(tmp);
	if (fd >= 0) {
		if (write(fd, "#!/bin/sh\necho not an elf file, but long enough to read a header\n", 66) != 66)
			perror("write");
		close(fd);
		f = elf_file_open(tmp, err, sizeof(err));
		CHECK(!f, "a script opened");
		char want[128];
		snprintf(want, sizeof(want), "%s is not an ELF file (64-bit little-endian ELF expected)", tmp);
		check_text("script", want, err);
		unlink(tmp);
	}
}

static void test_uprobe_target(const char *path)
{
	char err[512];
	struct elf_file *f = elf_file_open(path, err, sizeof(err));
	CHECK(f, "%s", err);
	if (!f)
		return;
	const struct usdt_note *u;
	int n = elf_file_usdt(f, &u);
	CHECK(n == 4, "%d notes", n);
	for (int i = 0; i < n; i++) {
		/* -O0: arguments are memory operands; only `guarded` has a semaphore */
		bool guarded = !strcmp(u[i].name, "guarded");
		CHECK(!!u[i].sema == guarded, "%s semaphore %llx", u[i].name, (unsigned long long)u[i].sema);
		struct usdt_arg a[4];
		CHECK(usdt_parse_args(u[i].args, a, 4, err, sizeof(err)) >= 0, "%s: %s", u[i].name, err);
	}
	static const char *const funcs[] = { "ut_add", "ut_mul", "ut_nested", "ut_leaf", "ut_fire_guarded" };
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		CHECK(elf_file_func(f, funcs[i]), "%s", funcs[i]);
	elf_file_close(f);
}

/* ---- ld.so.cache ---------------------------------------------------------------- */

static void put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* A cache in the new format (after an old-format part when `old`), with
 * entries {flags, key, value}. */
static void write_cache(const char *path, bool old)
{
	unsigned char buf[1024] = { 0 };
	size_t h = 0;
	if (old) {
		memcpy(buf, "ld.so-1.7.0", 11);
		put32(buf + 12, 1);     /* one old entry, 12 bytes */
		h = (16 + 12 + 7) & ~(size_t)7;
	}
	unsigned char *n = buf + h;
	memcpy(n, "glibc-ld.so.cache1.1", 20);
	static const struct {
		int32_t flags;
		const char *key, *value;
	} e[] = {
		{ 0x0303, "libfoo.so.2", "/opt/lib64/libfoo.so.2" },
		{ 0x0003, "libbar.so.1", "/opt/lib32/libbar.so.1" },   /* neither x86-64 nor arm64 */
		{ 0x0a03, "libbar.so.1", "/opt/arm64/libbar.so.1" },   /* FLAG_AARCH64_LIB64 */
		{ 0x0303, "libbar.so.1", "/opt/lib64/libbar.so.1" },   /* FLAG_X8664_LIB64 */
		{ 0x0303, "libfoobar.so", "/opt/lib64/libfoobar.so" },
		{ 0x0a03, "libarm.so.1", "/opt/arm64/libarm.so.1" },
	};
	enum { N = sizeof(e) / sizeof(e[0]) };
	put32(n + 20, N);
	size_t str = 48 + N * 24;
	for (int i = 0; i < N; i++) {
		unsigned char *ent = n + 48 + i * 24;
		put32(ent, (uint32_t)e[i].flags);
		put32(ent + 4, (uint32_t)str);
		strcpy((char *)n + str, e[i].key);
		str += strlen(e[i].key) + 1;
		put32(ent + 8, (uint32_t)str);
		strcpy((char *)n + str, e[i].value);
		str += strlen(e[i].value) + 1;
	}
	FILE *f = fopen(path, "w");
	if (f) {
		fwrite(buf, 1, h + str, f);
		fclose(f);
	}
}

static void test_ldcache(void)
{
	char path[] = "/tmp/elfsym_ldcache_XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return;
	close(fd);
	/* each architecture's entries, whatever the host (util/arch.h) */
	const struct arch *x86 = arch_named("x86_64"), *arm = arch_named("aarch64");
	CHECK(x86 && arm, "x86_64 and aarch64 tables");
	if (!x86 || !arm) {
		unlink(path);
		return;
	}
	for (int old = 0; old < 2; old++) {
		write_cache(path, old);
		char out[256] = "";
		CHECK(elf_ldcache_lookup_arch(path, x86, "foo", out, sizeof(out)) &&
			      !strcmp(out, "/opt/lib64/libfoo.so.2"), "foo -> %s", out);
		CHECK(elf_ldcache_lookup_arch(path, x86, "libfoo", out, sizeof(out)) &&
			      !strcmp(out, "/opt/lib64/libfoo.so.2"), "libfoo -> %s", out);
		CHECK(elf_ldcache_lookup_arch(path, x86, "bar", out, sizeof(out)) &&
			      !strcmp(out, "/opt/lib64/libbar.so.1"),
		      "bar -> %s (the 32-bit and arm64 entries must be skipped)", out);
		CHECK(elf_ldcache_lookup_arch(path, x86, "libfoobar.so", out, sizeof(out)) &&
			      !strcmp(out, "/opt/lib64/libfoobar.so"), "exact name -> %s", out);
		CHECK(!elf_ldcache_lookup_arch(path, x86, "baz", out, sizeof(out)), "baz found");
		CHECK(!elf_ldcache_lookup_arch(path, x86, "arm", out, sizeof(out)), "x86-64: arm64's libarm found");
		CHECK(!elf_ldcache_lookup_arch(path, x86, "foo", out, 8), "a path longer than out");

		CHECK(elf_ldcache_lookup_arch(path, arm, "bar", out, sizeof(out)) &&
			      !strcmp(out, "/opt/arm64/libbar.so.1"),
		      "arm64: bar -> %s (the 32-bit and x86-64 entries must be skipped)", out);
		CHECK(elf_ldcache_lookup_arch(path, arm, "libarm", out, sizeof(out)) &&
			      !strcmp(out, "/opt/arm64/libarm.so.1"), "arm64: libarm -> %s", out);
		CHECK(!elf_ldcache_lookup_arch(path, arm, "foo", out, sizeof(out)), "arm64: x86-64's foo found");

		/* without an architecture: the host's */
		char host[256] = "";
		bool a = elf_ldcache_lookup(path, "bar", out, sizeof(out));
		bool b = elf_ldcache_lookup_arch(path, arch_host(), "bar", host, sizeof(host));
		CHECK(a && b && !strcmp(out, host), "host: bar -> %s, %s", out, host);
	}
	/* truncated: no crash, nothing found */
	if (truncate(path, 60) == 0) {
		char out[256];
		CHECK(!elf_ldcache_lookup(path, "foo", out, sizeof(out)), "truncated cache");
	}
	unlink(path);
}

/* ---- expansion -------------------------------------------------------------------- */

/* The attach points of `text` ("uprobe:..."), one per line with their site,
 * or the diagnostics. TARGET in text and out stands for the target path. */
static char *expand(struct arena *a, const char *text, const char *target)
{
	char *t = arena_strdup(a, "");
	for (const char *p = text; *p;) {
		const char *m = strstr(p, "TARGET");
		size_t n = m ? (size_t)(m - p) : strlen(p);
		t = arena_printf(a, "%s%.*s%s", t, (int)n, p, m ? target : "");
		p += n + (m ? 6 : 0);
	}
	char *prog = arena_printf(a, "%s { }", t);
	struct source src = { .name = "stdin", .text = prog, .len = (int)strlen(prog) };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct diag d;
	diag_init(&d, &src, f);
	struct probe_env env = { .arena = a, .diag = &d };
	struct loc loc = { 1, 1, 1, (int)strlen(t) };
	struct ap_list l = { 0 };
	const char *colon = strchr(t, ':');
	const struct probe_type *pt = probe_type_find(arena_strndup(a, t, (size_t)(colon - t)));
	int rc = pt ? pt->expand(pt, &env, t, loc, &l) : -1;
	for (int i = 0; rc == 0 && i < l.n; i++)
		fprintf(f, "%s %s\n", l.v[i]->name, l.v[i]->func);
	fclose(f);
	/* TARGET back in */
	char *r = arena_strdup(a, "");
	size_t tl = strlen(target);
	for (const char *p = buf; *p;) {
		const char *m = strstr(p, target);
		size_t n = m ? (size_t)(m - p) : strlen(p);
		r = arena_printf(a, "%s%.*s%s", r, (int)n, p, m ? "TARGET" : "");
		p += n + (m ? tl : 0);
	}
	free(buf);
	return r;
}

static void test_expand(const char *usdt, const char *uprobe)
{
	static const struct {
		int which;      /* 0: usdt_target, 1: uprobe_target */
		const char *text, *out;
	} cases[] = {
		{ 0, "uprobe:TARGET:u_regs", "uprobe:TARGET:u_regs u_regs\n" },
		{ 0, "u:TARGET:u_multi_*", "uprobe:TARGET:u_multi_a u_multi_a\nuprobe:TARGET:u_multi_b u_multi_b\n" },
		{ 0, "ur:TARGET:u_m?ny", "uretprobe:TARGET:u_many u_many\n" },
		{ 0, "uprobe:TARGET:u_regs+1", "uprobe:TARGET:u_regs+1 u_regs\n" },
		{ 0, "usdt:TARGET:multi", "usdt:TARGET:bpfscript_usdt:multi multi\nusdt:TARGET:bpfscript_usdt:multi multi\n" },
		{ 0, "U:TARGET:bpfscript_usdt:s*", "usdt:TARGET:bpfscript_usdt:sem sem\n" },
		{ 0, "usdt:TARGET:*:regs", "usdt:TARGET:bpfscript_usdt:regs regs\n" },
		{ 1, "usdt:TARGET:bpfscript_test:probe2", "usdt:TARGET:bpfscript_test:probe2 probe2\n" },
		{ 0, "uprobe:TARGET:nosuch",
		  "stdin:1:1: ERROR: Could not resolve symbol: TARGET:nosuch\nuprobe:TARGET:nosuch { }\n" },
		{ 0, "uprobe:TARGET:nosuch*",
		  "stdin:1:1: ERROR: No functions match TARGET:nosuch*\nuprobe:TARGET:nosuch* { }\n" },
		{ 0, "uprobe:TARGET:u_regs+100000",
		  "stdin:1:1: ERROR: Offset outside the function bounds ('u_regs' size is SIZE)\n" },
		{ 0, "uprobe:TARGET:u_*+1",
		  "stdin:1:1: ERROR: Offsets cannot be combined with wildcards: u_*+1\nuprobe:TARGET:u_*+1 { }\n" },
		{ 0, "uretprobe:TARGET:u_regs+1",
		  "stdin:1:1: ERROR: uretprobe probes cannot have an offset\nuretprobe:TARGET:u_regs+1 { }\n" },
		{ 0, "uprobe:TARGET:u_regs+x",
		  "stdin:1:1: ERROR: Invalid offset for uprobe probe: x\nuprobe:TARGET:u_regs+x { }\n" },
		{ 0, "uprobe:TARGET:0x1",
		  "stdin:1:1: ERROR: Could not resolve address: TARGET:0x1\nuprobe:TARGET:0x1 { }\n" },
		{ 0, "uprobe:u_regs", "stdin:1:1: ERROR: uprobe probe type requires 2 arguments\nuprobe:u_regs { }\n" },
		{ 0, "uprobe:/nonexistent/x:f",
		  "stdin:1:1: ERROR: uprobe target file '/nonexistent/x' does not exist or is not executable\n"
		  "uprobe:/nonexistent/x:f { }\n" },
		{ 0, "usdt:TARGET:nosuch", "stdin:1:1: ERROR: usdt probe not found: TARGET:nosuch\nusdt:TARGET:nosuch { }\n" },
		{ 0, "usdt:TARGET:bpfscript_usdt:no*",
		  "stdin:1:1: ERROR: usdt probes not found: TARGET:bpfscript_usdt:no*\nusdt:TARGET:bpfscript_usdt:no* { }\n" },
		{ 0, "usdt:TARGET:a:b:c",
		  "stdin:1:1: ERROR: usdt probe type requires 2 or 3 arguments\nusdt:TARGET:a:b:c { }\n" },
	};
	struct arena a = { 0 };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *target = cases[i].which ? uprobe : usdt;
		char *got = expand(&a, cases[i].text, target);
		/* compare the first lines only (the caret line is the diag's own) */
		const char *want = cases[i].out;
		if (strstr(want, "SIZE")) {
			CHECK(!strncmp(got, want, (size_t)(strstr(want, "SIZE") - want)), "%s: %s", cases[i].text, got);
			continue;
		}
		size_t wl = strlen(want);
		char *cut = arena_strndup(&a, got, wl);
		check_text(cases[i].text, want, cut);
	}
	arena_free(&a);
}

/* ---- DWARF ---------------------------------------------------------------------------- */

/* "name:type@offset" of each field */
static char *fields_text(struct arena *a, const struct type *t)
{
	char *s = arena_strdup(a, "");
	for (int i = 0; i < t->nfields; i++)
		s = arena_printf(a, "%s%s%s:%s@%d", s, i ? " " : "", t->fields[i].name,
				 type_name(a, t->fields[i].type), t->fields[i].offset);
	return s;
}

static void test_dwarf(const char *usdt, const char *uprobe)
{
	char err[256];
	struct arena a = { 0 };
	struct udwarf *d = udwarf_open(uprobe, err, sizeof(err));
	CHECK(d, "%s", err);
	if (d) {
		static const struct {
			const char *func, *fields;
		} cases[] = {
			{ "ut_add", "a:int32@112 b:int32@104" },
			{ "ut_mul", "a:int64@112 b:int64@104" },
			{ "ut_u64", "x:uint64@112" },
			{ "ut_str", "s:int8 *@112" },
			{ "ut_struct", "p:struct ut_point *@112" },
			{ "ut_void", "" },
		};
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct type *t = udwarf_args_type(d, &a, cases[i].func, err, sizeof(err));
			CHECK(t && t->is_ctx_record, "%s: %s", cases[i].func, err);
			if (t)
				check_text(cases[i].func, cases[i].fields, fields_text(&a, t));
		}
		struct type *t = udwarf_args_type(d, &a, "ut_struct", err, sizeof(err));
		if (t && t->nfields == 1) {
			const struct type *rec = t->fields[0].type->elem;
			CHECK(rec && rec->kind == TY_RECORD, "ut_point");
			if (rec && rec->kind == TY_RECORD)
				check_text("struct ut_point", "x:int32@0 y:int32@4 name:string[8]@8", fields_text(&a, rec));
		}
		CHECK(!udwarf_args_type(d, &a, "nosuch", err, sizeof(err)), "nosuch");
		check_text("nosuch", "no DWARF for function nosuch", err);
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		int n = udwarf_print_params(d, "ut_str", f) + udwarf_print_params(d, "ut_mul", f);
		fclose(f);
		CHECK(n == 3, "%d params", n);
		check_text("-lv params", "    const char* s\n    long int a\n    long int b\n", buf);
		free(buf);
		udwarf_close(d);
	}
	d = udwarf_open(usdt, err, sizeof(err));
	CHECK(d, "%s", err);
	if (d) {
		struct type *t = udwarf_args_type(d, &a, "u_regs", err, sizeof(err));
		CHECK(t, "%s", err);
		if (t)
			check_text("u_regs", "a:int32@112 b:int64@104 c:uint8@96 d:int16@88", fields_text(&a, t));
		t = udwarf_args_type(d, &a, "u_many", err, sizeof(err));
		/* only the six register arguments */
		CHECK(t && t->nfields == 6, "u_many: %d fields", t ? t->nfields : -1);
		udwarf_close(d);
	}
	arena_free(&a);
}

/* ---- C++ names ------------------------------------------------------------------------ */

static void test_demangle(void)
{
	char *d = cxx_demangle("_ZN2ns5twiceEi");
	check_text("demangle", "ns::twice(int)", d ? d : "(null)");
	free(d);
	CHECK(!cxx_demangle("main"), "main is no C++ name");
	CHECK(!cxx_demangle("_Znot a name"), "bad mangling");
	static const struct {
		const char *in, *out;
	} strip[] = {
		{ "ns::twice(int)", "ns::twice" },
		{ "ns::Counter::bump(int) const", "ns::Counter::bump" },
		{ "std::vector<int (*)(int)>::push_back(int)", "std::vector<int (*)(int)>::push_back" },
		{ "Foo::operator()(int)", "Foo::operator()" },
		{ "plain", "plain" },
	};
	for (size_t i = 0; i < sizeof(strip) / sizeof(strip[0]); i++) {
		char buf[128];
		snprintf(buf, sizeof(buf), "%s", strip[i].in);
		cxx_strip_params(buf);
		check_text(strip[i].in, strip[i].out, buf);
	}
}

/* ---- fuzz ---------------------------------------------------------------------------- */

static void exercise(const char *path)
{
	char err[512];
	const struct elf_sym *v;
	/* the stack symbolizer's view (sys/usyms.c) */
	struct elf_file *f = elf_file_open_syms(path, err, sizeof(err));
	if (f) {
		const struct elf_load *l;
		elf_file_loads(f, &l);
		elf_file_syms(f, &v);
		elf_file_close(f);
	}
	f = elf_file_open(path, err, sizeof(err));
	if (!f)
		return;
	int n = elf_file_funcs(f, &v);
	for (int i = 0; i < n; i++) {
		uint64_t off;
		elf_file_func_at(f, v[i].addr + 1);
		elf_file_offset(f, v[i].addr, &off);
	}
	elf_file_func(f, "main");
	const struct usdt_note *u;
	n = elf_file_usdt(f, &u);
	for (int i = 0; i < n; i++) {
		struct usdt_arg a[16];
		usdt_parse_args(u[i].args, a, 16, err, sizeof(err));
	}
	elf_file_close(f);
}

static int fuzz(const char *path)
{
	FILE *in = fopen(path, "rb");
	if (!in) {
		perror(path);
		return 1;
	}
	static unsigned char buf[1 << 20];
	size_t len = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	char tmp[] = "/tmp/elfsym_fuzz_XXXXXX";
	int fd = mkstemp(tmp);
	if (fd < 0)
		return 1;
	close(fd);
	unsigned seed = 12345;
	int runs = 0;
	for (int round = 0; round < 400; round++) {
		static unsigned char copy[1 << 20];
		memcpy(copy, buf, len);
		size_t l = len;
		if (round % 4 == 0) {
			l = (size_t)rand_r(&seed) % len;        /* truncated */
		} else {
			for (int k = 0; k < 1 + round % 16; k++) /* bytes overwritten in the headers/tables */
				copy[(size_t)rand_r(&seed) % (round % 2 ? 4096 : len)] = (unsigned char)rand_r(&seed);
		}
		FILE *out = fopen(tmp, "wb");
		if (!out)
			break;
		fwrite(copy, 1, l, out);
		fclose(out);
		exercise(tmp);
		runs++;
	}
	unlink(tmp);
	printf("fuzz: %d mutated files read\n", runs);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "fuzz"))
		return fuzz(argv[2]);
	if (argc != 4 || strcmp(argv[1], "unit")) {
		fprintf(stderr, "usage: elfsym_test unit USDT_TARGET UPROBE_TARGET | fuzz FILE\n");
		return 2;
	}
	test_specs();
	test_specs_arm64();
	test_usdt_target(argv[2]);
	test_uprobe_target(argv[3]);
	test_ldcache();
	test_expand(argv[2], argv[3]);
	test_dwarf(argv[2], argv[3]);
	test_demangle();
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
