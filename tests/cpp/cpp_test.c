/* cpp_test.c - unit tests of the system-header preprocessor (src/parser/cpp.c):
 * headers written to a temporary directory are read with cpp_read and the
 * values of their macros and enum constants checked against what clang
 * gives for the same text. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parser/cpp.h"
#include "util/arch.h"

static int failures;
static char dir[] = "/tmp/bpfscript-cpp-XXXXXX";

static void put(const char *name, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(p);
		exit(2);
	}
}

static void expect(struct cpp *c, const char *name, bool has, int64_t want, int line)
{
	int64_t v = 0;
	bool got = cpp_value(c, name, false, &v);
	if (got != has || (has && v != want)) {
		fprintf(stderr, "line %d: %s: want %s%" PRId64 ", got %s%" PRId64 "\n", line, name,
			has ? "" : "no value ", has ? want : 0, got ? "" : "no value ", got ? v : 0);
		failures++;
	}
}
#define VAL(c, n, v) expect(c, n, true, v, __LINE__)
#define NOVAL(c, n) expect(c, n, false, 0, __LINE__)
#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "line %d: %s\n", __LINE__, #cond);  \
			failures++;                                          \
		}                                                            \
	} while (0)

/* The predefined macros of each architecture's table (util/arch.h), whatever
 * the host: arch.h, read by a preprocessor for that architecture, defines
 * what its #if tests see. */
static void test_arches(void)
{
	put("arch.h",
	    "#if defined(__x86_64__) && defined(__amd64__) && !defined(__aarch64__)\n"
	    "# define IS_X86 1\n"
	    "#endif\n"
	    "#if defined(__aarch64__) && __ARM_64BIT_STATE && !defined(__x86_64__)\n"
	    "# define IS_ARM64 1\n"
	    "#endif\n"
	    "#if defined(__linux__) && defined(__ELF__) && __LP64__ && _LP64\n"
	    "# define LINUX64 1\n"
	    "#endif\n"
	    "#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__\n"
	    "# define LE 1\n"
	    "#endif\n"
	    "#ifdef __CHAR_UNSIGNED__\n"
	    "# define UCHAR 1\n"
	    "#else\n"
	    "# define UCHAR 0\n"
	    "#endif\n"
	    "#if __WCHAR_MAX__ > 0x7fffffff\n"
	    "# define UWCHAR 1\n"
	    "#else\n"
	    "# define UWCHAR 0\n"
	    "#endif\n"
	    "#define PTR __SIZEOF_POINTER__\n"
	    "#define LDBL __SIZEOF_LONG_DOUBLE__\n"
	    "#ifdef __ARM_ARCH\n"
	    "# define PROFILE __ARM_ARCH_PROFILE\n"
	    "# define ARMV __ARM_ARCH\n"
	    "#endif\n");
	char p[256];
	snprintf(p, sizeof(p), "%s/arch.h", dir);
	const struct arch *x86 = arch_named("x86_64"), *arm = arch_named("aarch64");
	CHECK(x86 && arm);
	if (!x86 || !arm)
		return;

	struct cpp *c = cpp_new_arch(x86, false);
	cpp_read(c, p);
	VAL(c, "IS_X86", 1);
	NOVAL(c, "IS_ARM64");
	VAL(c, "LINUX64", 1);
	VAL(c, "LE", 1);
	VAL(c, "UCHAR", 0);
	VAL(c, "UWCHAR", 0);
	VAL(c, "PTR", 8);
	VAL(c, "LDBL", 16);
	NOVAL(c, "PROFILE");
	cpp_free(c);

	c = cpp_new_arch(arm, true);
	cpp_read(c, p);
	NOVAL(c, "IS_X86");
	VAL(c, "IS_ARM64", 1);
	VAL(c, "LINUX64", 1);
	VAL(c, "LE", 1);
	VAL(c, "UCHAR", 1);
	VAL(c, "UWCHAR", 1);
	VAL(c, "PTR", 8);
	VAL(c, "LDBL", 16);
	VAL(c, "PROFILE", 'A');
	VAL(c, "ARMV", 8);
	CHECK(cpp_defined(c, "BPFTRACE_HAVE_BTF"));
	cpp_free(c);

	/* cpp_new is the host's table */
	c = cpp_new(false);
	cpp_read(c, p);
#if defined(__x86_64__)
	VAL(c, "IS_X86", 1);
#elif defined(__aarch64__)
	VAL(c, "IS_ARM64", 1);
#endif
	cpp_free(c);
}

static struct cpp *read_main(bool btf)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/main.h", dir);
	struct cpp *c = cpp_new(btf);
	cpp_read(c, p);
	return c;
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	put("main.h",
	    "#ifndef MAIN_H\n"
	    "#define MAIN_H\n"
	    "#include \"sub.h\"\n"
	    "#include \"sub.h\"\n"
	    "#define A 1\n"
	    "#define B (A + 2) /* a comment */ * 3\n"
	    "#define LONG 1 + \\\n 2\n"
	    "#define HEX 0x10UL\n"
	    "#define OCT 010\n"
	    "#define CH 'A'\n"
	    "#define NL '\\n'\n"
	    "#define NEG -1\n"
	    "#define ADD(x, y) ((x) + (y))\n"
	    "#define TWICE(x) ADD(x, x)\n"
	    "#define CALLS TWICE(ADD(1, 2))\n"
	    "#define CAT(a, b) a ## b\n"
	    "#define PASTED CAT(1, 2)\n"
	    "#define VALUE_OF(n) CAT(V, n)\n"
	    "#define V7 70\n"
	    "#define INDIRECT VALUE_OF(7)\n"
	    "#define FIRST(x, ...) x\n"
	    "#define VA FIRST(5, 6, 7)\n"
	    "#define SELF SELF\n"
	    "#define P Q\n"
	    "#define Q P\n"
	    "#define FN_NAME ADD\n"
	    "#define LATE FN_NAME(3, 4)\n"
	    "#define STR \"text\"\n"
	    "#define EMPTY\n"
	    "#define FLOAT 1.5\n"
	    "#define CAST_U8 ((unsigned char)0x1ff)\n"
	    "#define CAST_INT ((int)0xffffffff)\n"
	    "#define TERN (A ? 10 : 20)\n"
	    "#define GONE 1\n"
	    "#undef GONE\n"
	    "#if defined(A) && defined B && !defined NOPE\n"
	    "# define IF1 1\n"
	    "#elif 1\n"
	    "# define IF1 2\n"
	    "#endif\n"
	    "#if 0\n"
	    "# if 1\n"
	    "#  define IF2 1\n"
	    "# else\n"
	    "#  define IF2 2\n"
	    "# endif\n"
	    "#elif ADD(1, 1) == 2 /* continues\n"
	    "   on the next line */ && -1 > 0u\n"
	    "# define IF2 3\n"
	    "#else\n"
	    "# define IF2 4\n"
	    "#endif\n"
	    "#if 1 / 0\n"
	    "# define IF3 1\n"
	    "#else\n"
	    "# define IF3 2\n"
	    "#endif\n"
	    "#ifdef UNDEFINED_NAME\n"
	    "# error not taken\n"
	    "#endif\n"
	    "#if __has_include(\"sub.h\") && !__has_include(<no/such/header.h>)\n"
	    "# define HAS 1\n"
	    "#endif\n"
	    "#if defined __x86_64__ && __GNUC__ >= 4 && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__\n"
	    "# define ARCH 1\n"
	    "#endif\n"
	    "#ifdef BPFTRACE_HAVE_BTF\n"
	    "# define BTF 1\n"
	    "#else\n"
	    "# define BTF 0\n"
	    "#endif\n"
	    "enum colour { RED, GREEN = 5, BLUE,\n"
	    "#define GREEN GREEN\n"
	    "  WHITE = B + BLUE };\n"
	    "typedef enum { E1 = 1 << 4 } e_t;\n"
	    "#if 0\n"
	    "enum { HIDDEN = 1 };\n"
	    "#endif\n"
	    "#endif\n");
	put("sub.h", "#pragma once\n#define SUB 40\n#define SUB_TWICE (SUB * 2)\n");

	struct cpp *c = read_main(true);
	VAL(c, "A", 1);
	VAL(c, "B", 9);
	VAL(c, "LONG", 3);
	VAL(c, "HEX", 16);
	VAL(c, "OCT", 8);
	VAL(c, "CH", 65);
	VAL(c, "NL", 10);
	VAL(c, "NEG", -1);
	VAL(c, "CALLS", 6);
	VAL(c, "PASTED", 12);
	VAL(c, "INDIRECT", 70);
	VAL(c, "VA", 5);
	VAL(c, "LATE", 7);
	VAL(c, "CAST_U8", 255);
	VAL(c, "CAST_INT", -1);
	VAL(c, "TERN", 10);
	VAL(c, "SUB", 40);
	VAL(c, "SUB_TWICE", 80);
	VAL(c, "IF1", 1);
	VAL(c, "IF2", 3);
	VAL(c, "IF3", 2);
	VAL(c, "HAS", 1);
	VAL(c, "ARCH", 1);
	VAL(c, "BTF", 1);
	VAL(c, "RED", 0);
	VAL(c, "GREEN", 5);
	VAL(c, "BLUE", 6);
	VAL(c, "WHITE", 15);
	VAL(c, "E1", 16);
	NOVAL(c, "HIDDEN");
	NOVAL(c, "SELF");
	NOVAL(c, "P");
	NOVAL(c, "ADD");
	NOVAL(c, "STR");
	NOVAL(c, "EMPTY");
	NOVAL(c, "FLOAT");
	NOVAL(c, "GONE");
	NOVAL(c, "NOPE");
	/* predefined macros are seen by #if, but are not the header's */
	NOVAL(c, "__x86_64__");
	int64_t v = 0;
	CHECK(cpp_value(c, "__x86_64__", true, &v) && v == 1);
	CHECK(cpp_defined(c, "BPFTRACE_HAVE_BTF") && cpp_defined(c, "_LINUX_TYPES_H"));
	CHECK(cpp_defined(c, "EMPTY") && !cpp_defined(c, "GONE"));
	/* main.h and sub.h: the second #include of sub.h is cut by #pragma once */
	const char *const *files;
	CHECK(cpp_files(c, &files) == 2);
	cpp_free(c);

	c = read_main(false);
	VAL(c, "BTF", 0);
	CHECK(!cpp_defined(c, "BPFTRACE_HAVE_BTF"));
	cpp_free(c);

	/* a real system header, where this machine has one */
	c = cpp_new(true);
	const char *sock = cpp_find(c, "sys/socket.h");
	if (sock) {
		cpp_read(c, sock);
		VAL(c, "AF_INET", 2);
		VAL(c, "AF_INET6", 10);
		VAL(c, "SOCK_STREAM", 1);
		VAL(c, "MSG_PEEK", 2);
	}
	CHECK(cpp_find(c, "no/such/header.h") == NULL);
	cpp_free(c);

	test_arches();

	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	else
		printf("cpp: all passed\n");
	return failures ? 1 : 0;
}
