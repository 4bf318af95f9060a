/* probes_test.c - tests of the probe types and tracefs (tests/probes.cmake).
 *
 *   probes_test unit FIXTURE   expansion, names, diagnostics (golden text) and
 *                              format parsing against a fixture tracefs; no root
 *   probes_test formats        the live formats of syscalls:sys_enter_openat and
 *                              sched:sched_switch (root: tracefs may need mounting)
 *   probes_test runtime        hand-written BPF programs attached to a tracepoint,
 *                              interval, profile and software events, counted,
 *                              detached, fds checked (root)
 *   probes_test hardware       hardware attach fails with the clear message (root)
 *   probes_test list [-v] PAT  prints probes_list(PAT) (for list_compare.sh)
 *
 * Exit status 0 when every check passed; failures are printed with the
 * expected and actual text. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include "probes/probes_int.h"
#include "sys/tracefs.h"
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

/* ---- expansion ----------------------------------------------------------- */

/* Expands `text` as the whole program line "TEXT { }" would; returns either
 * the attach points, one per line, or the diagnostics printed. */
static char *expand_text(struct arena *a, const char *text, int *rc)
{
	char *prog = arena_printf(a, "%s { }", text);
	struct source src = { .name = "stdin", .text = prog, .len = (int)strlen(prog) };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct diag d;
	diag_init(&d, &src, f);
	struct probe_env env = { .arena = a, .diag = &d };
	struct loc loc = { 1, 1, 1, (int)strlen(text) };
	struct ap_list l = { 0 };
	const char *colon = strchr(text, ':');
	char *tname = arena_strndup(a, text, colon ? (size_t)(colon - text) : strlen(text));
	const struct probe_type *pt = probe_type_find(tname);
	if (!pt) {
		probe_report_unknown(&d, tname, loc);
		*rc = -1;
	} else {
		*rc = pt->expand(pt, &env, text, loc, &l);
	}
	for (int i = 0; *rc == 0 && i < l.n; i++) {
		struct attach_point *ap = l.v[i];
		fprintf(f, "%s", ap->name);
		if (ap->pt != pt)
			fprintf(f, " WRONG-TYPE");
		if (ap->period)
			fprintf(f, " period=%llu", (unsigned long long)ap->period);
		if (ap->freq)
			fprintf(f, " freq=%llu", (unsigned long long)ap->freq);
		fputc('\n', f);
	}
	fclose(f);
	char *r = arena_strdup(a, buf);
	free(buf);
	return r;
}

struct expand_case {
	const char *text;
	int rc;
	const char *out;
};

static const struct expand_case expand_cases[] = {
	/* names are canonical: the type's full name, not the alias */
	{ "BEGIN", 0, "BEGIN\n" },
	{ "END", 0, "END\n" },
	{ "begin", 0, "BEGIN\n" },
	{ "BEGIN:x", -1,
	  "stdin:1:1: ERROR: BEGIN probe type requires 0 arguments\nBEGIN:x { }\n^~~~~~~\n" },
	{ "t:syscalls:sys_enter_openat", 0, "tracepoint:syscalls:sys_enter_openat\n" },
	{ "tracepoint:sched:sched_switch", 0, "tracepoint:sched:sched_switch\n" },
	{ "t:sched:*", 0, "tracepoint:sched:sched_process_exec\ntracepoint:sched:sched_switch\n" },
	{ "tracepoint:syscalls:sys_enter_*", 0,
	  "tracepoint:syscalls:sys_enter_execve\ntracepoint:syscalls:sys_enter_openat\n" },
	{ "tracepoint:*:sys_enter_openat", 0, "tracepoint:syscalls:sys_enter_openat\n" },
	{ "t:*sys*:sys_enter*", 0,
	  "tracepoint:raw_syscalls:sys_enter\ntracepoint:syscalls:sys_enter_execve\n"
	  "tracepoint:syscalls:sys_enter_openat\n" },
	{ "t:sched:sched_?witch", 0, "tracepoint:sched:sched_switch\n" },
	{ "t:nosuch:foo", -1,
	  "stdin:1:1: ERROR: tracepoint not found: nosuch:foo\nt:nosuch:foo { }\n^~~~~~~~~~~~\n" },
	{ "t:syscall:sys_enter_openat", -1,
	  "stdin:1:1: ERROR: tracepoint not found: syscall:sys_enter_openat\n"
	  "t:syscall:sys_enter_openat { }\n^~~~~~~~~~~~~~~~~~~~~~~~~~\n"
	  "HINT: did you mean 'syscalls:sys_enter_openat'?\n" },
	{ "t:sched:sched_swich", -1,
	  "stdin:1:1: ERROR: tracepoint not found: sched:sched_swich\n"
	  "t:sched:sched_swich { }\n^~~~~~~~~~~~~~~~~~~\n"
	  "HINT: did you mean 'sched:sched_switch'?\n" },
	{ "t:sched:nosuch*", -1,
	  "stdin:1:1: ERROR: tracepoints not found: sched:nosuch*\nt:sched:nosuch* { }\n^~~~~~~~~~~~~~~\n" },
	{ "t:sched", -1,
	  "stdin:1:1: ERROR: tracepoint probe type requires 2 arguments\nt:sched { }\n^~~~~~~\n" },
	{ "tracepoint", -1,
	  "stdin:1:1: ERROR: tracepoint probe type requires 2 arguments\ntracepoint { }\n^~~~~~~~~~\n" },
	{ "t:../sched:sched_switch", -1,
	  "stdin:1:1: ERROR: tracepoint not found: ../sched:sched_switch\n"
	  "t:../sched:sched_switch { }\n^~~~~~~~~~~~~~~~~~~~~~~\n" },
	/* interval / profile */
	{ "i:s:1", 0, "interval:s:1 period=1000000000\n" },
	{ "interval:ms:100", 0, "interval:ms:100 period=100000000\n" },
	{ "interval:us:250", 0, "interval:us:250 period=250000\n" },
	{ "interval:hz:10", 0, "interval:hz:10 freq=10\n" },
	{ "i:ms:010", 0, "interval:ms:8 period=8000000\n" },     /* bpftrace: octal */
	{ "i:ms:0x10", 0, "interval:ms:16 period=16000000\n" },
	{ "i:ms:1e2", 0, "interval:ms:100 period=100000000\n" },
	{ "i:ms:1_0", 0, "interval:ms:10 period=10000000\n" },
	{ "interval:1000000", 0, "interval:us:1000 period=1000000\n" },  /* latest: ns */
	{ "interval:10ms", 0, "interval:us:10000 period=10000000\n" },
	{ "interval:1s", 0, "interval:us:1000000 period=1000000000\n" },
	{ "interval:1m", 0, "interval:us:60000000 period=60000000000\n" },
	{ "interval:0x10ms", 0, "interval:us:16000 period=16000000\n" },  /* as a literal */
	{ "interval:0x1d", -1,   /* a hex digit, not days */
	  "stdin:1:1: ERROR: Invalid rate of interval probe. Minimum is 1000 or 1us. Found: 29 nanoseconds\n"
	  "interval:0x1d { }\n^~~~~~~~~~~~~\n" },
	{ "p:hz:99", 0, "profile:hz:99 freq=99\n" },
	{ "profile:ms:5", 0, "profile:ms:5 period=5000000\n" },
	{ "interval:foo:1", -1,
	  "stdin:1:1: ERROR: foo is not an accepted unit of time\ninterval:foo:1 { }\n^~~~~~~~~~~~~~\n" },
	{ "interval:s", -1,
	  "stdin:1:1: ERROR: interval probe type requires 2 arguments\ninterval:s { }\n^~~~~~~~~~\n" },
	{ "interval", -1,
	  "stdin:1:1: ERROR: interval probe type requires 1 or 2 arguments\ninterval { }\n^~~~~~~~\n" },
	{ "interval:s:1:2", -1,
	  "stdin:1:1: ERROR: interval probe type requires 1 or 2 arguments\ninterval:s:1:2 { }\n^~~~~~~~~~~~~~\n" },
	{ "interval:s:0", -1,
	  "stdin:1:1: ERROR: interval frequency should be a positive integer\ninterval:s:0 { }\n^~~~~~~~~~~~\n" },
	{ "profile:hz:0", -1,
	  "stdin:1:1: ERROR: profile frequency should be a positive integer\nprofile:hz:0 { }\n^~~~~~~~~~~~\n" },
	{ "interval:s:abc", -1,
	  "stdin:1:1: ERROR: Invalid rate of interval probe: abc\ninterval:s:abc { }\n^~~~~~~~~~~~~~\n" },
	{ "interval:s:-1", -1,
	  "stdin:1:1: ERROR: Invalid rate of interval probe: -1\ninterval:s:-1 { }\n^~~~~~~~~~~~~\n" },
	{ "interval::1", -1,
	  "stdin:1:1: ERROR: interval probe must have unit of time\ninterval::1 { }\n^~~~~~~~~~~\n" },
	{ "interval:500", -1,
	  "stdin:1:1: ERROR: Invalid rate of interval probe. Minimum is 1000 or 1us. Found: 500 nanoseconds\n"
	  "interval:500 { }\n^~~~~~~~~~~~\n" },
	{ "interval:s:99999999999999", -1,
	  "stdin:1:1: ERROR: Invalid rate of interval probe: 99999999999999s is too long\n"
	  "interval:s:99999999999999 { }\n^~~~~~~~~~~~~~~~~~~~~~~~~\n" },
	/* software / hardware: names keep the event as written */
	{ "software:cpu-clock", 0, "software:cpu-clock freq=1000000\n" },
	{ "s:cs", 0, "software:cs freq=1000\n" },
	{ "software:faults:10", 0, "software:faults:10 freq=10\n" },
	{ "software:cs:0", 0, "software:cs:0 freq=1000\n" },
	{ "software:cpu*", 0,
	  "software:cpu-clock freq=1000000\nsoftware:cpu-migrations freq=1\n" },
	{ "software:foo", -1,
	  "stdin:1:1: ERROR: foo is not a software probe\nsoftware:foo { }\n^~~~~~~~~~~~\n" },
	{ "software:page-fault", -1,
	  "stdin:1:1: ERROR: page-fault is not a software probe\nsoftware:page-fault { }\n"
	  "^~~~~~~~~~~~~~~~~~~\nHINT: did you mean 'page-faults'?\n" },
	{ "software", -1,
	  "stdin:1:1: ERROR: software probe type requires 1 or 2 arguments\nsoftware { }\n^~~~~~~~\n" },
	{ "software:cs:abc", -1,
	  "stdin:1:1: ERROR: Invalid count for software probe: abc\nsoftware:cs:abc { }\n^~~~~~~~~~~~~~~\n" },
	{ "software:", -1,
	  "stdin:1:1: ERROR: software probe must have a software event name\nsoftware: { }\n^~~~~~~~~\n" },
	{ "h:cycles", 0, "hardware:cycles freq=1000000\n" },
	{ "hardware:cache-misses:1000", 0, "hardware:cache-misses:1000 freq=1000\n" },
	{ "hardware:foo", -1,
	  "stdin:1:1: ERROR: foo is not a hardware probe\nhardware:foo { }\n^~~~~~~~~~~~\n" },
	/* unknown types */
	{ "tracepont:sched:sched_switch", -1,
	  "stdin:1:1: ERROR: Invalid probe type: tracepont\ntracepont:sched:sched_switch { }\n"
	  "^~~~~~~~~~~~~~~~~~~~~~~~~~~~\nHINT: did you mean 'tracepoint'?\n" },
	{ "foo:bar", -1, "stdin:1:1: ERROR: Invalid probe type: foo\nfoo:bar { }\n^~~~~~~\n" },
	{ "x:y", -1, "stdin:1:1: ERROR: Invalid probe type: x\nx:y { }\n^~~\n" },
};

static void test_expand(void)
{
	for (size_t i = 0; i < sizeof(expand_cases) / sizeof(expand_cases[0]); i++) {
		const struct expand_case *c = &expand_cases[i];
		struct arena a = { 0 };
		int rc;
		char *out = expand_text(&a, c->text, &rc);
		char what[128];
		snprintf(what, sizeof(what), "expand '%s'", c->text);
		CHECK(rc == c->rc, "%s: rc %d, expected %d", what, rc, c->rc);
		check_text(what, c->out, out);
		arena_free(&a);
	}
}

static void test_registry(void)
{
	const struct probe_type *const *all = probe_types();
	int n = 0;
	for (; all[n]; n++)
		CHECK(probe_type_find(all[n]->name) == all[n], "%s not found by name", all[n]->name);
	CHECK(n >= 7, "%d probe types", n);   /* more land with other issues */
	static const char *const alias[][2] = { { "t", "tracepoint" }, { "i", "interval" },
						{ "p", "profile" }, { "s", "software" },
						{ "h", "hardware" }, { "Tracepoint", "tracepoint" },
						{ "end", "END" } };
	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++) {
		const struct probe_type *pt = probe_type_find(alias[i][0]);
		CHECK(pt && !strcmp(pt->name, alias[i][1]), "%s -> %s", alias[i][0],
		      pt ? pt->name : "NULL");
	}
	CHECK(!probe_type_find("T"), "aliases are case-sensitive");
	CHECK(probe_type_find("k") == probe_type_find("kprobe") && probe_type_find("kprobe"), "kprobe and k");
	CHECK(probe_type_find("BEGIN")->special == PS_BEGIN, "BEGIN special");
	CHECK(probe_type_find("END")->special == PS_END, "END special");
	CHECK(probe_type_find("BEGIN")->prog_type == BPF_PROG_TYPE_RAW_TRACEPOINT, "BEGIN prog type");
	CHECK(probe_type_find("t")->prog_type == BPF_PROG_TYPE_TRACEPOINT, "tp prog type");
	CHECK(probe_type_find("i")->prog_type == BPF_PROG_TYPE_PERF_EVENT, "interval prog type");
}

static void test_helpers(void)
{
	CHECK(glob_match("sys_enter_*", "sys_enter_openat"), "glob *");
	CHECK(glob_match("*", ""), "glob * empty");
	CHECK(glob_match("a*b*c", "aXXbYYc"), "glob multi");
	CHECK(!glob_match("a*b*c", "aXXbYY"), "glob multi no");
	CHECK(glob_match("sched_?witch", "sched_switch"), "glob ?");
	CHECK(!glob_match("sched", "sched_switch"), "glob anchored");
	CHECK(glob_match("*open*", "sys_enter_openat"), "glob inner");
	CHECK(has_wildcard("a*") && has_wildcard("a?") && !has_wildcard("abc"), "has_wildcard");
	uint64_t v;
	CHECK(probe_parse_uint("0", &v) && v == 0, "0");
	CHECK(probe_parse_uint("010", &v) && v == 8, "octal");
	CHECK(probe_parse_uint("0x1F", &v) && v == 31, "hex");
	CHECK(probe_parse_uint("1_000", &v) && v == 1000, "underscore");
	CHECK(probe_parse_uint("5e3", &v) && v == 5000, "exp");
	CHECK(!probe_parse_uint("", &v) && !probe_parse_uint("-1", &v) && !probe_parse_uint("1x", &v) &&
	      !probe_parse_uint("08", &v) && !probe_parse_uint("0x", &v) &&
	      !probe_parse_uint("99999999999999999999", &v) && !probe_parse_uint("1e30", &v),
	      "bad numbers rejected");
	struct arena a = { 0 };
	char *p[3];
	CHECK(split_colon(&a, "a:b:c", p, 3) == 3 && !strcmp(p[2], "c"), "split 3");
	CHECK(split_colon(&a, "a:b:c:d", p, 3) == 4 && !strcmp(p[2], "c"), "split counts extra");
	CHECK(split_colon(&a, "u:\"/x:y\":f", p, 3) == 3 && !strcmp(p[1], "/x:y"), "split quotes");
	CHECK(split_colon(&a, "BEGIN", p, 3) == 1 && !strcmp(p[0], "BEGIN"), "split 1");
	CHECK(split_colon(&a, "a::", p, 3) == 3 && !*p[1] && !*p[2], "split empty");
	struct ap_list l = { 0 };
	struct attach_point aps[40];
	for (int i = 0; i < 40; i++)
		ap_list_push(&a, &l, &aps[i]);
	CHECK(l.n == 40 && l.v[39] == &aps[39], "ap_list grows");
	arena_free(&a);
	const char *rest;
	const struct probe_type *tp = probe_type_find("tracepoint");
	CHECK(probe_pattern_rest(tp, NULL, &rest) == 1 && !rest, "rest NULL");
	CHECK(probe_pattern_rest(tp, "t:sched:*", &rest) == 2 && !strcmp(rest, "sched:*"), "rest alias");
	CHECK(probe_pattern_rest(tp, "*:sched:*", &rest) == 1 && !strcmp(rest, "sched:*"), "rest wild");
	CHECK(probe_pattern_rest(tp, "sys_enter*", &rest) == 1 && !strcmp(rest, "sys_enter*"), "rest bare");
	CHECK(probe_pattern_rest(tp, "software:*", &rest) == 0, "rest other type");
	CHECK(probe_pattern_rest(tp, "tracepoint", &rest) == 2 && !rest, "rest type only");
}

/* ---- formats --------------------------------------------------------------- */

static char *dump_record(struct arena *a, const struct type *t)
{
	char *s = arena_printf(a, "%s size=%d%s\n", t->name, t->size, t->is_ctx_record ? " ctx" : "");
	for (int i = 0; i < t->nfields; i++) {
		const struct type_field *f = &t->fields[i];
		const struct type *ft = f->type;
		const char *as = ft->kind == TY_PTR ? (ft->as == AS_USER ? " user" : ft->as == AS_KERNEL ? " kernel" : " none") : "";
		s = arena_printf(a, "%s%d %s %s%s%s\n", s, f->offset, f->name, type_name(a, ft), as,
				 f->data_loc ? " data_loc" : "");
	}
	return s;
}

static const char *const openat_expect =
	"struct _tracepoint_syscalls_sys_enter_openat size=48 ctx\n"
	"0 common_type uint16\n"
	"2 common_flags uint8\n"
	"3 common_preempt_count uint8\n"
	"4 common_pid int32\n"
	"8 __syscall_nr int32\n"
	"16 dfd int32\n"
	"24 filename int8 * user\n"
	"32 flags int32\n"
	"40 mode uint16\n";

static const char *const switch_expect =
	"struct _tracepoint_sched_sched_switch size=64 ctx\n"
	"0 common_type uint16\n"
	"2 common_flags uint8\n"
	"3 common_preempt_count uint8\n"
	"4 common_pid int32\n"
	"8 prev_comm string[16]\n"
	"24 prev_pid int32\n"
	"28 prev_prio int32\n"
	"32 prev_state int64\n"
	"40 next_comm string[16]\n"
	"56 next_pid int32\n"
	"60 next_prio int32\n";

static void check_format(struct arena *a, const char *cat, const char *ev, const char *expect)
{
	const struct tp_format *f = tracefs_format(cat, ev);
	CHECK(f != NULL, "format %s:%s: %s", cat, ev, strerror(errno));
	if (!f)
		return;
	CHECK(f->id > 0, "id of %s:%s", cat, ev);
	CHECK(tracefs_format(cat, ev) == f, "formats are cached");
	char what[128];
	snprintf(what, sizeof(what), "args type of %s:%s", cat, ev);
	check_text(what, expect, dump_record(a, tracefs_args_type(a, f)));
}

static void test_fixture_formats(void)
{
	struct arena a = { 0 };
	check_format(&a, "syscalls", "sys_enter_openat", openat_expect);
	check_format(&a, "sched", "sched_switch", switch_expect);
	check_format(&a, "sched", "sched_process_exec",
		     "struct _tracepoint_sched_sched_process_exec size=20 ctx\n"
		     "0 common_type uint16\n2 common_flags uint8\n3 common_preempt_count uint8\n"
		     "4 common_pid int32\n"
		     "8 filename string[64] data_loc\n"
		     "12 pid int32\n"
		     "16 old_pid int32\n");
	check_format(&a, "raw_syscalls", "sys_enter",
		     "struct _tracepoint_raw_syscalls_sys_enter size=64 ctx\n"
		     "0 common_type uint16\n2 common_flags uint8\n3 common_preempt_count uint8\n"
		     "4 common_pid int32\n"
		     "8 id int64\n"
		     "16 args uint64[6]\n");
	check_format(&a, "syscalls", "sys_enter_execve",
		     "struct _tracepoint_syscalls_sys_enter_execve size=40 ctx\n"
		     "0 common_type uint16\n2 common_flags uint8\n3 common_preempt_count uint8\n"
		     "4 common_pid int32\n"
		     "8 __syscall_nr int32\n"
		     "16 filename int8 * user\n"
		     "24 argv int8 * * user\n"
		     "32 envp int8 * * user\n");
	check_format(&a, "test", "edge",
		     "struct _tracepoint_test_edge size=104 ctx\n"
		     "0 common_type uint16\n2 common_flags uint8\n3 common_preempt_count uint8\n"
		     "4 common_pid int32\n"
		     "8 argv int8 * * kernel\n"
		     "16 saddr uint8[4]\n"
		     "20 buf buffer[64] data_loc\n"
		     "24 mode uint16\n"
		     "32 pid uint64\n"
		     "40 ptr int8 * kernel\n"
		     "48 bar uint8[16]\n"
		     "64 flag uint8\n"
		     "68 kind uint32\n"
		     "72 name string[16]\n"
		     "88 iptr int32 * kernel\n"
		     "96 delta int64\n"
		     "104 mask uint64[0]\n");
	const struct tp_format *f = tracefs_format("sched", "sched_switch");
	int ncommon = 0;
	for (int i = 0; f && i < f->nfields; i++)
		ncommon += f->fields[i].common;
	CHECK(ncommon == 4, "4 common fields, got %d", ncommon);
	CHECK(f && !strcmp(f->fields[4].decl, "char prev_comm[16]"), "decl kept as written");
	tracefs_set_strlen(128);
	const struct tp_format *pe = tracefs_format("sched", "sched_process_exec");
	struct type *t = pe ? tracefs_args_type(&a, pe) : NULL;
	CHECK(t && t->fields[4].type->size == 128, "strlen setter");
	tracefs_set_strlen(0);
	CHECK(tracefs_strlen() == TRACEFS_STRLEN_DEFAULT, "strlen default");
	CHECK(tracefs_format("sched", "nosuch") == NULL, "missing format");
	CHECK(tracefs_format("..", "sched") == NULL, "no path escapes");
	const char *const *names;
	int n = tracefs_events(&names);
	CHECK(n == 6 && !strcmp(names[0], "raw_syscalls:sys_enter") && !strcmp(names[5], "test:edge"),
	      "sorted, deduplicated event list (%d)", n);
	arena_free(&a);
}

/* args_type through the probe type: same type for repeated calls. */
static void test_args_type(void)
{
	struct arena a = { 0 };
	struct diag d;
	diag_init(&d, NULL, stderr);
	struct probe_env env = { .arena = &a, .diag = &d };
	struct ap_list l = { 0 };
	const struct probe_type *tp = probe_type_find("t");
	struct loc loc = { 0 };
	CHECK(tp->expand(tp, &env, "t:sched:sched_switch", loc, &l) == 0 && l.n == 1, "expand");
	struct type *t1 = tp->args_type(&env, l.v[0]), *t2 = tp->args_type(&env, l.v[0]);
	CHECK(t1 && t1 == t2 && t1->kind == TY_RECORD, "args type stable");
	CHECK(probe_type_find("i")->args_type == NULL, "interval has no args");
	arena_free(&a);
}

static int run_unit(const char *fixture)
{
	tracefs_set_root(fixture);
	test_registry();
	test_helpers();
	test_expand();
	test_fixture_formats();
	test_args_type();
	tracefs_set_root(NULL);
	tracefs_cleanup();
	return 0;
}

static int run_formats(void)
{
	char err[256];
	CHECK(tracefs_root(err, sizeof(err)) != NULL, "tracefs: %s", err);
	struct arena a = { 0 };
	check_format(&a, "syscalls", "sys_enter_openat", openat_expect);
	check_format(&a, "sched", "sched_switch", switch_expect);
	const char *const *names;
	int n = tracefs_events(&names);
	CHECK(n > 100, "%d events", n);
	for (int i = 1; i < n; i++)
		if (strcmp(names[i - 1], names[i]) >= 0) {
			CHECK(0, "unsorted at %s", names[i]);
			break;
		}
	arena_free(&a);
	tracefs_cleanup();
	return 0;
}

/* ---- runtime ------------------------------------------------------------- */

/* A counter program: if (!pid || current tgid == pid) { v = map[0];
 * v->count++; v->cookie = bpf_get_attach_cookie(ctx); } return 0; */
#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

static int counter_prog(enum bpf_prog_type type, int map_fd, int pid)
{
	struct bpf_insn p[32];
	int n = 0, jfix1, jfix2;
	p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);              /* r6 = ctx */
	if (pid) {
		p[n++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_current_pid_tgid);
		p[n++] = INSN(BPF_ALU64 | BPF_RSH | BPF_K, 0, 0, 0, 32);
		jfix1 = n;
		p[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 0, pid);       /* -> out */
	} else {
		jfix1 = -1;
	}
	p[n++] = INSN(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0);              /* key = 0 */
	p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
	p[n++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
	p[n++] = INSN(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, map_fd);
	p[n++] = INSN(0, 0, 0, 0, 0);
	p[n++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	jfix2 = n;
	p[n++] = INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0, 0);               /* -> out */
	p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 7, 0, 0, 0);
	p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 1);
	p[n++] = INSN(BPF_STX | BPF_ATOMIC | BPF_DW, 7, 1, 0, BPF_ADD);      /* count++ */
	p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
	p[n++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_attach_cookie);
	p[n++] = INSN(BPF_STX | BPF_MEM | BPF_DW, 7, 0, 8, 0);              /* cookie */
	int out = n;
	p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	p[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	if (jfix1 >= 0)
		p[jfix1].off = (short)(out - jfix1 - 1);
	p[jfix2].off = (short)(out - jfix2 - 1);
	static char log[65536];
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log), .log_level = 1);
	int fd = bpf_prog_load(type, "probes_test", "GPL", p, (size_t)n, &o);
	if (fd < 0)
		fprintf(stderr, "bpf_prog_load: %s\n%s\n", strerror(errno), log);
	return fd;
}

struct counter {
	uint64_t count, cookie;
};

static struct counter read_counter(int map_fd)
{
	struct counter c = { 0 };
	uint32_t key = 0;
	bpf_map_lookup_elem(map_fd, &key, &c);
	return c;
}

static void reset_counter(int map_fd)
{
	struct counter c = { 0 };
	uint32_t key = 0;
	bpf_map_update_elem(map_fd, &key, &c, BPF_ANY);
}

static int count_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 4096; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void busy_ms(int ms)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

/* Expands `text`, attaches prog to every attach point (ids from 100). */
static struct ap_list expand_one(struct probe_env *env, const char *text)
{
	struct ap_list l = { 0 };
	const char *colon = strchr(text, ':');
	char *tname = arena_strndup(env->arena, text, (size_t)(colon - text));
	const struct probe_type *pt = probe_type_find(tname);
	struct loc loc = { 0 };
	CHECK(pt && pt->expand(pt, env, text, loc, &l) == 0, "expand %s", text);
	for (int i = 0; i < l.n; i++)
		l.v[i]->id = 100 + i;
	return l;
}

/* Attach, run `work`, check the count with check(), detach, check that the
 * fds are closed and that nothing counts any more. */
static void attach_and_count(struct probe_env *env, const char *text, int map_fd, int pid,
			     void (*work)(void), uint64_t lo, uint64_t hi)
{
	struct ap_list l = expand_one(env, text);
	if (!l.n)
		return;
	struct attach_point *ap = l.v[0];
	int prog = counter_prog(ap->pt->prog_type, map_fd, pid);
	CHECK(prog >= 0, "load program for %s", text);
	if (prog < 0)
		return;
	int fds0 = count_fds();
	struct rt_links links = { 0 };
	char err[512] = "";
	reset_counter(map_fd);
	int rc = ap->pt->attach(env, ap, prog, &links, err, sizeof(err));
	CHECK(rc == 0, "attach %s: %s", text, err);
	CHECK(links.n > 0, "%s: links recorded", text);
	work();
	struct counter c = read_counter(map_fd);
	CHECK(c.count >= lo && c.count <= hi, "%s: count %llu not in [%llu, %llu]", text,
	      (unsigned long long)c.count, (unsigned long long)lo, (unsigned long long)hi);
	CHECK(c.count == 0 || c.cookie == 100, "%s: cookie %llu, expected 100", text,
	      (unsigned long long)c.cookie);
	printf("%s: %d fds, count %llu, cookie %llu\n", text, links.n, (unsigned long long)c.count,
	       (unsigned long long)c.cookie);
	int *fds = xmalloc(sizeof(int) * (size_t)(links.n + 1));
	int nfds = links.n;
	memcpy(fds, links.fds, sizeof(int) * (size_t)nfds);
	rt_links_close(&links);
	CHECK(links.n == 0 && links.fds == NULL, "%s: links emptied", text);
	for (int i = 0; i < nfds; i++)
		CHECK(fcntl(fds[i], F_GETFD) < 0 && errno == EBADF, "%s: fd %d still open", text, fds[i]);
	free(fds);
	CHECK(count_fds() == fds0, "%s: fd count %d after detach, %d before", text, count_fds(), fds0);
	reset_counter(map_fd);
	work();
	c = read_counter(map_fd);
	CHECK(c.count == 0, "%s: %llu hits after detach", text, (unsigned long long)c.count);
	close(prog);
}

#define N_GETPPID 25
static void do_getppid(void)
{
	for (int i = 0; i < N_GETPPID; i++)
		(void)getppid();
}

static void do_sleep(void) { sleep_ms(300); }
static void do_busy(void) { busy_ms(300); }

#define N_PAGES 64
static void do_faults(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	volatile char *m = mmap(NULL, (size_t)(ps * N_PAGES), PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return;
	for (int i = 0; i < N_PAGES; i++)
		m[i * ps] = 1;
	munmap((void *)m, (size_t)(ps * N_PAGES));
}

static int run_runtime(void)
{
	struct arena a = { 0 };
	struct diag d;
	diag_init(&d, NULL, stderr);
	struct probe_env env = { .arena = &a, .diag = &d };
	int map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "probes_test", 4, sizeof(struct counter), 1, NULL);
	CHECK(map_fd >= 0, "map: %s", strerror(errno));
	if (map_fd < 0)
		return 1;
	int pid = getpid();
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? (int)sysconf(_SC_NPROCESSORS_ONLN) : 1;
	/* exactly N: the program counts only this process */
	attach_and_count(&env, "tracepoint:syscalls:sys_enter_getppid", map_fd, pid, do_getppid,
			 N_GETPPID, N_GETPPID);
	/* 10 ms on one CPU for 300 ms: about 30 */
	attach_and_count(&env, "interval:ms:10", map_fd, 0, do_sleep, 10, 45);
	/* 99 Hz on every CPU for 300 ms: about 30 per CPU (idle CPUs tick too) */
	attach_and_count(&env, "profile:hz:99", map_fd, 0, do_busy, 8, (uint64_t)(60 * ncpu));
	/* one sample per page fault of this process */
	attach_and_count(&env, "software:page-faults:1", map_fd, pid, do_faults, N_PAGES, N_PAGES + 32);

	/* A failed multi-CPU attach leaves nothing behind: a tracepoint-type
	 * program cannot be linked to a perf event. */
	struct ap_list l = expand_one(&env, "profile:hz:99");
	int bad = counter_prog(BPF_PROG_TYPE_TRACEPOINT, map_fd, 0);
	struct rt_links links = { 0 };
	rt_links_add(&links, dup(0));   /* an earlier attach point's fd stays */
	int fds0 = count_fds();
	char err[512] = "";
	int rc = l.n ? l.v[0]->pt->attach(&env, l.v[0], bad, &links, err, sizeof(err)) : 0;
	CHECK(rc < 0, "profile attach of a tracepoint program must fail");
	CHECK(links.n == 1, "half-attached: %d fds left", links.n);
	CHECK(count_fds() == fds0, "fds leaked by a failed attach");
	CHECK(strstr(err, "Error attaching probe: profile:hz:99:") == err, "error text: %s", err);
	rt_links_close(&links);
	close(bad);
	close(map_fd);
	arena_free(&a);
	tracefs_cleanup();
	return 0;
}

static int run_hardware(void)
{
	struct arena a = { 0 };
	struct diag d;
	diag_init(&d, NULL, stderr);
	struct probe_env env = { .arena = &a, .diag = &d };
	int map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "probes_test", 4, sizeof(struct counter), 1, NULL);
	struct ap_list l = expand_one(&env, "hardware:cycles");
	int prog = counter_prog(BPF_PROG_TYPE_PERF_EVENT, map_fd, 0);
	CHECK(prog >= 0, "load");
	struct rt_links links = { 0 };
	char err[512] = "";
	int fds0 = count_fds();
	int rc = l.n ? l.v[0]->pt->attach(&env, l.v[0], prog, &links, err, sizeof(err)) : 0;
	/* This machine has no CPU PMU (KERNEL-NOTES §5); where one exists the
	 * attach succeeds and the message check does not apply. */
	if (rc < 0) {
		check_text("hardware attach error",
			   "Error attaching probe: hardware:cycles: hardware events are not supported on "
			   "this machine (no PMU: perf_event_open gave ENOENT)\n",
			   arena_printf(&a, "%s\n", err));
		CHECK(links.n == 0 && count_fds() == fds0, "nothing left attached");
	} else {
		fprintf(stderr, "note: this machine has a PMU; hardware:cycles attached\n");
	}
	rt_links_close(&links);
	close(prog);
	close(map_fd);
	arena_free(&a);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "list")) {
		bool verbose = argc >= 3 && !strcmp(argv[2], "-v");
		const char *pat = argc > 2 + verbose ? argv[2 + verbose] : NULL;
		int rc = probes_list(pat, verbose, stdout);
		tracefs_cleanup();
		return rc < 0;
	}
	if (argc == 3 && !strcmp(argv[1], "unit"))
		run_unit(argv[2]);
	else if (argc == 2 && !strcmp(argv[1], "formats"))
		run_formats();
	else if (argc == 2 && !strcmp(argv[1], "runtime"))
		run_runtime();
	else if (argc == 2 && !strcmp(argv[1], "hardware"))
		run_hardware();
	else {
		fprintf(stderr, "usage: probes_test unit FIXTURE | formats | runtime | hardware | list [-v] [PATTERN]\n");
		return 2;
	}
	printf("%d checks, %d failed\n", checks, failures);
	return failures != 0;
}
