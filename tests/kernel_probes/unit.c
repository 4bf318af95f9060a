/* unit.c - unit tests of the kernel-side probe types, BTF conversion and
 * symbol tables (tests/kernel_probes.cmake); no root needed.
 *
 *   bpfscript_kernel_probes_test FIXTURE
 *
 * FIXTURE is the fixture tracefs of tests/probes (for the "try ..."
 * suggestions). Vmlinux BTF and /proc/kallsyms are read from the running
 * kernel (both are world-readable; kallsyms addresses only as root, so
 * address checks run only when they are visible). Exit status 0 when every
 * check passed. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "probes/kernel.h"
#include "ast/probe.h"
#include "sys/btf.h"
#include "sys/ksyms.h"
#include "sys/tracefs.h"
#include "sys/usyms.h"
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
	if (strcmp(expect, got ? got : "(null)")) {
		failures++;
		fprintf(stderr, "FAIL %s\n--- expected\n%s\n--- got\n%s\n---\n", what, expect, got ? got : "(null)");
	}
}

/* ---- expansion ------------------------------------------------------------- */

/* Expands text ("TEXT { }" as a program) with env.pid = pid; returns the
 * attach point names, one per line, or the diagnostics. */
static char *expand(struct arena *a, const char *text, pid_t pid, int *rc)
{
	char *prog = arena_printf(a, "%s { }", text);
	struct source src = { .name = "stdin", .text = prog, .len = (int)strlen(prog) };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct diag d;
	diag_init(&d, &src, f);
	struct probe_env env = { .arena = a, .diag = &d, .pid = pid };
	struct loc loc = { 1, 1, 1, (int)strlen(text) };
	struct ap_list l = { 0 };
	const char *colon = strchr(text, ':');
	char *tname = arena_strndup(a, text, colon ? (size_t)(colon - text) : strlen(text));
	const struct probe_type *pt = probe_type_find(tname);
	*rc = pt ? pt->expand(pt, &env, text, loc, &l) : -2;
	for (int i = 0; *rc == 0 && i < l.n && i < 5; i++)
		fprintf(f, "%s\n", l.v[i]->name);
	fclose(f);
	char *r = arena_strdup(a, buf ? buf : "");
	free(buf);
	return r;
}

static void expect_names(struct arena *a, const char *text, pid_t pid, const char *names)
{
	int rc;
	char *got = expand(a, text, pid, &rc);
	CHECK(rc == 0, "%s: expansion failed: %s", text, got);
	check_text(text, names, got);
}

static void expect_error(struct arena *a, const char *text, pid_t pid, const char *msg)
{
	int rc;
	char *got = expand(a, text, pid, &rc);
	CHECK(rc < 0, "%s: expanded: %s", text, got);
	CHECK(strstr(got, msg) != NULL, "%s: message \"%s\" not in:\n%s", text, msg, got);
}

static void test_expansion(struct arena *a)
{
	expect_names(a, "kprobe:vfs_read", 0, "kprobe:vfs_read\n");
	expect_names(a, "k:vfs_read+0x10", 0, "kprobe:vfs_read+16\n");
	expect_names(a, "kr:vfs_read", 0, "kretprobe:vfs_read\n");
	expect_names(a, "kprobe:vmlinux:vfs_read", 0, "kprobe:vmlinux:vfs_read\n");
	expect_error(a, "kretprobe:vfs_read+8", 0, "Offset not allowed");
	expect_error(a, "kprobe:vfs_read+1+2", 0, "Cannot take more than one offset");
	expect_error(a, "kprobe:a:b:c", 0, "kprobe probe type requires 1 or 2 arguments");
	expect_error(a, "kprobe:no_such_function_5b", 0, "no_such_function_5b is not a traceable kernel function");
	expect_error(a, "kprobe:vfs_rea*+4", 0, "Offset not allowed with wildcards");
	int rc;
	char *w = expand(a, "kprobe:vfs_rea*", 0, &rc);
	CHECK(rc == 0 && strstr(w, "kprobe:vfs_read\n"), "kprobe wildcard: %s", w);

	expect_names(a, "fentry:vfs_read", 0, "fentry:vfs_read\n");
	expect_names(a, "kfunc:vfs_read", 0, "fentry:vfs_read\n");
	expect_names(a, "fr:vmlinux:vfs_read", 0, "fexit:vmlinux:vfs_read\n");
	expect_error(a, "fentry:no_such_function_5b", 0, "no BTF for kernel function no_such_function_5b");
	expect_error(a, "fentry:mymod:vfs_read", 0, "module BTF is not supported");

	expect_names(a, "rawtracepoint:sys_enter", 0, "rawtracepoint:sys_enter\n");
	expect_names(a, "rt:vmlinux:sched_switch", 0, "rawtracepoint:vmlinux:sched_switch\n");
	expect_error(a, "rawtracepoint:no_such_tp_5b", 0, "rawtracepoint not found: no_such_tp_5b");

	expect_names(a, "iter:task", 0, "iter:task\n");
	expect_names(a, "it:task_file", 0, "iter:task_file\n");
	expect_error(a, "iter:ta*", 0, "iter probe type does not support wildcards");
	expect_error(a, "iter:no_such_iter", 0, "iter no_such_iter not available for your kernel version.");
	expect_error(a, "iter:a:b:c", 0, "iter probe type takes 2 arguments (1 optional)");

	expect_names(a, "watchpoint:0x1000:8:w", 42, "watchpoint:0x1000:8:w\n");
	expect_names(a, "w:4096:4:wr", 42, "watchpoint:0x1000:4:rw\n");
	expect_names(a, "w:0x1000:1:x", 42, "watchpoint:0x1000:1:x\n");
	expect_error(a, "watchpoint:0x1000:8:w", 0, "-p PID or -c CMD required for watchpoint");
	expect_error(a, "watchpoint:0x1000:3:w", 42, "watchpoint length must be one of (1,2,4,8)");
	expect_error(a, "watchpoint:0x1000:8:r", 42, "invalid watchpoint mode: r");
	expect_error(a, "watchpoint:0x1000:8:r", 42, "HINT: supported modes: rw,w,x");
	expect_error(a, "watchpoint:0x1000:8:ww", 42, "watchpoint modes may not be duplicated");
	expect_error(a, "watchpoint:0x1000:8:q", 42, "watchpoint mode must be combination of (r,w,x)");
	expect_error(a, "watchpoint:0:8:w", 42, "watchpoint must be attached to a non-zero address");
	expect_error(a, "watchpoint:0x1000:8", 42, "watchpoint probe type requires 3 arguments");
}

/* ---- context builtins -------------------------------------------------------- */

static struct attach_point *one_ap(struct arena *a, const char *text)
{
	struct source src = { .name = "stdin", .text = text, .len = (int)strlen(text) };
	struct diag d;
	diag_init(&d, &src, stderr);
	struct probe_env env = { .arena = a, .diag = &d };
	struct loc loc = { 1, 1, 1, 1 };
	struct ap_list l = { 0 };
	char *tname = arena_strndup(a, text, strcspn(text, ":"));
	const struct probe_type *pt = probe_type_find(tname);
	if (!pt || pt->expand(pt, &env, text, loc, &l) < 0 || l.n < 1)
		return NULL;
	return l.v[0];
}

static struct type *ctx(struct arena *a, struct attach_point *ap, const char *name)
{
	struct diag d;
	struct source src = { .name = "x", .text = "", .len = 0 };
	diag_init(&d, &src, stderr);
	struct probe_env env = { .arena = a, .diag = &d };
	return ap && ap->pt->ctx_type ? ap->pt->ctx_type(&env, ap, name) : NULL;
}

static void test_ctx(struct arena *a)
{
	struct attach_point *k = one_ap(a, "kprobe:vfs_read"), *kr = one_ap(a, "kretprobe:vfs_read");
	struct attach_point *fx = one_ap(a, "fexit:vfs_read"), *fe = one_ap(a, "fentry:vfs_read");
	struct attach_point *rt = one_ap(a, "rawtracepoint:sys_enter"), *it = one_ap(a, "iter:task");
	CHECK(k && kr && fx && fe && rt && it, "attach points");
	if (!k || !kr || !fx || !fe || !rt || !it)
		return;
	CHECK(ctx(a, k, "arg0") && ctx(a, k, "arg5"), "kprobe arg0..arg5");
	CHECK(!ctx(a, k, "arg6"), "kprobe: arg6 is beyond the x86-64 registers");
	CHECK(!ctx(a, k, "retval") && ctx(a, kr, "retval"), "retval only in kretprobe");
	CHECK(!ctx(a, kr, "arg0"), "kretprobe has no arguments");
	CHECK(ctx(a, k, "func") && ctx(a, k, "func")->kind == TY_KSYM, "kprobe func is a ksym");
	struct type *rv = ctx(a, fx, "retval");
	CHECK(rv && rv->kind == TY_INT && rv->size == 8 && rv->is_signed, "fexit vfs_read retval is ssize_t");
	CHECK(!ctx(a, fe, "retval"), "no retval in fentry");
	CHECK(ctx(a, rt, "arg0") && ctx(a, rt, "arg1") && !ctx(a, rt, "arg2"), "sys_enter has 2 arguments");
	struct type *c = ctx(a, it, "ctx");
	CHECK(c && c->kind == TY_PTR && c->elem->kind == TY_RECORD, "iter ctx is a record pointer");
	if (c && c->elem) {
		check_text("iter ctx name", "struct bpf_iter__task", c->elem->name);
		bool has_task = false;
		type_complete(c->elem);   /* BTF records get their members on first use */
		for (int i = 0; i < c->elem->nfields; i++)
			if (c->elem->fields[i].name && !strcmp(c->elem->fields[i].name, "task"))
				has_task = c->elem->fields[i].offset == 8 && c->elem->fields[i].type->kind == TY_PTR;
		CHECK(has_task, "ctx->task: the second member, through an anonymous union");
	}
	struct diag d;
	struct source src = { .name = "x", .text = "", .len = 0 };
	diag_init(&d, &src, stderr);
	struct probe_env env = { .arena = a, .diag = &d };
	struct type *args = fe->pt->args_type(&env, fe);
	CHECK(args && args->nfields == 4, "vfs_read has 4 args");
	if (args && args->nfields == 4) {
		check_text("arg 2", "count", args->fields[2].name);
		CHECK(args->fields[2].offset == 16, "count in slot 2");
		CHECK(args->fields[0].type->kind == TY_PTR, "file is a pointer");
	}
	struct type *ra = rt->pt->args_type(&env, rt);
	CHECK(ra && ra->nfields == 2, "sys_enter: regs, id");
	if (ra && ra->nfields == 2) {
		check_text("sys_enter arg 0", "regs", ra->fields[0].name);
		check_text("sys_enter arg 1", "id", ra->fields[1].name);
		CHECK(ra->fields[1].offset == 8, "id in slot 1");
	}
}

/* ---- BTF ------------------------------------------------------------------------ */

static void test_btf(void)
{
	int proto, id = btf_find_func("vfs_read", &proto);
	CHECK(id > 0 && btf_proto_nparams(proto) == 4, "vfs_read FUNC_PROTO");
	char *d = btf_decl(btf_proto_param(proto, 0, NULL));
	check_text("decl of file", "struct file *", d);
	free(d);
	d = btf_decl(btf_proto_ret(proto));
	check_text("decl of vfs_read's return", "ssize_t", d);
	free(d);
	struct type *t = btf_type(btf_find("task_struct", BTF_KIND_STRUCT));
	CHECK(t && t->kind == TY_RECORD && t->size > 1000, "task_struct");
	int pid_off = btf_member_offset("task_struct", "pid");
	bool comm = false, parent = false, pid = false;
	for (int i = 0; t && i < t->nfields; i++) {
		const struct type_field *f = &t->fields[i];
		if (!f->name)
			continue;
		if (!strcmp(f->name, "comm"))
			comm = f->type->kind == TY_STR && f->type->size == 16;
		if (!strcmp(f->name, "real_parent"))
			parent = f->type->kind == TY_PTR && f->type->elem == t;
		if (!strcmp(f->name, "pid"))
			pid = f->offset == pid_off && f->type->kind == TY_INT && f->type->size == 4;
	}
	CHECK(comm, "task_struct.comm is a string[16]");
	CHECK(parent, "task_struct.real_parent points back to task_struct (one cached type)");
	CHECK(pid && pid_off > 0, "task_struct.pid is an int at its offset");
}

/* ---- symbols --------------------------------------------------------------------- */

__attribute__((noinline)) int unit_marker_fn(int x);
__attribute__((noinline)) int unit_marker_fn(int x)
{
	return x * 3 + 1;
}

static void test_syms(void)
{
	struct usym u;
	uint64_t at = (uint64_t)(uintptr_t)&unit_marker_fn;
	CHECK(usyms_resolve(getpid(), at + 4, &u), "resolve own function");
	check_text("usym name", "unit_marker_fn", u.name);
	CHECK(u.off == 4, "usym offset %llu", (unsigned long long)u.off);
	CHECK(u.module && strstr(u.module, "bpfscript_kernel_probes_test"), "usym module %s", u.module ? u.module : "-");
	uint64_t addr = 0, size = 0;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	CHECK(usyms_lookup(exe, "unit_marker_fn", &addr, &size) && size > 4, "uaddr lookup in the ELF file");
	CHECK(!usyms_resolve(getpid(), 8, &u), "an unmapped address has no symbol");

	CHECK(ksyms_load() > 1000, "kallsyms parsed");
	const struct ksym *k = ksyms_find("vfs_read");
	CHECK(k && (k->type == 't' || k->type == 'T'), "vfs_read in kallsyms");
	if (k && ksyms_have_addrs()) {
		uint64_t off;
		const struct ksym *r = ksyms_resolve(k->addr + 3, &off);
		CHECK(r && off == 3 && !strcmp(r->name, "vfs_read"), "resolve vfs_read+3");
	}
}

/* ---- suggestions (fixture tracefs) ------------------------------------------------- */

static void test_suggest(const char *fixture)
{
	tracefs_set_root(fixture);
	char buf[256];
	check_text("do_sys_openat", "tracepoint:syscalls:sys_enter_openat",
		   ktracepoint_suggest("do_sys_openat", false, buf, sizeof(buf)));
	check_text("__x64_sys_execve", "tracepoint:syscalls:sys_enter_execve",
		   ktracepoint_suggest("__x64_sys_execve", false, buf, sizeof(buf)));
	check_text("sched_switch", "tracepoint:sched:sched_switch",
		   ktracepoint_suggest("sched_switch", false, buf, sizeof(buf)));
	CHECK(!ktracepoint_suggest("do_sys_openat", true, buf, sizeof(buf)),
	      "no sys_exit_openat in the fixture, and an enter event is no answer for a return probe");
	CHECK(!ktracepoint_suggest("xyz", false, buf, sizeof(buf)), "nothing for xyz");
	char msg[256] = "kprobe:do_execve: no kprobes";
	ksuggest_append(msg, sizeof(msg), "do_execve", false);
	check_text("appended", "kprobe:do_execve: no kprobes; try tracepoint:syscalls:sys_enter_execve", msg);
	tracefs_set_root(NULL);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bpfscript_kernel_probes_test FIXTURE\n");
		return 2;
	}
	struct arena a = { 0 };
	if (!btf_vmlinux()) {
		fprintf(stderr, "FAIL: no vmlinux BTF (the probe types need it)\n");
		return 1;
	}
	test_suggest(argv[1]);
	test_btf();
	test_syms();
	test_expansion(&a);
	test_ctx(&a);
	arena_free(&a);
	tracefs_cleanup();
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
