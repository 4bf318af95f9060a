/* kprobe.c - kprobe:func, kprobe:func+off, kprobe:module:func and
 * wildcards (alias k); kretprobe:... (alias kr), without offsets.
 *
 * Functions come from available_filter_functions, or from the text symbols
 * of /proc/kallsyms when that is unreadable (probes/kernel.c); wildcards
 * skip the functions on the kprobe blacklist (bpftrace 0.18) and, for
 * kretprobe, those bpftrace bans because a return probe on them may lock up
 * the machine. Programs are BPF_PROG_TYPE_KPROBE; the context is struct
 * pt_regs, so argN are the argument registers (x86-64: arg0..arg5, retval
 * ax; arm64: arg0..arg7, retval x0; util/arch.h) and func the traced
 * function's address (bpf_get_func_ip), printed as its symbol.
 *
 * A program serving wildcard matches (or several functions) attaches with
 * one kprobe_multi link to all of them where the kernel has kprobe_multi
 * (as bpftrace does): one BPF_TRACE_KPROBE_MULTI program, one link, a BPF
 * cookie per function for the `probe` builtin. Otherwise every function is
 * attached on its own, trying in order whatever the kernel offers: the
 * kprobe PMU (perf_event_open with the function name), a legacy
 * kprobe_events entry in tracefs (removed again at exit), or a one-function
 * kprobe_multi link (the program is then loaded for it, since the other two
 * are known to be missing at load time). A kernel with none of them
 * (CONFIG_KPROBES=n) gets one line naming the missing feature and the
 * nearest tracepoint. Loading does not depend on any of this, so --check
 * works everywhere. */
#define _GNU_SOURCE
#include "probes/probes_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "codegen/cg.h"
#include "probes/kernel.h"
#include "sys/btf.h"
#include "sys/tracefs.h"
#include "util/arch.h"

extern const struct probe_type probe_kprobe, probe_kretprobe;

/* argN, retval and sargN come from struct pt_regs: the argument, return
 * value and stack pointer registers of bpfscript's architecture (util/arch.h) */
#define REGS (arch_host()->regs)
#define MAX_ARGS (REGS.nargs)

struct kp {
	const char *module;    /* NULL when not given */
	uint64_t off;
	bool ret;
	bool wild;             /* a match of a wildcard */
};

/* bpftrace's banned_kretprobes: a return probe on these may lock up the
 * machine (not marked notrace in the kernel). */
static bool banned_kretprobe(const char *func)
{
	static const char *const banned[] = {
		"_raw_spin_lock", "_raw_spin_lock_irqsave", "_raw_spin_unlock_irqrestore",
		"queued_spin_lock_slowpath", NULL,
	};
	for (int i = 0; banned[i]; i++)
		if (!strcmp(banned[i], func))
			return true;
	return false;
}

static bool is_ret(const struct attach_point *ap)
{
	return ap->pt == &probe_kretprobe;
}

static struct attach_point *kp_new(const struct probe_env *env, const struct probe_type *pt,
				   const char *module, const char *func, uint64_t off, struct loc loc)
{
	struct attach_point *ap = arena_alloc(env->arena, sizeof(*ap));
	struct kp *k = arena_alloc(env->arena, sizeof(*k));
	k->module = module ? arena_strdup(env->arena, module) : NULL;
	k->off = off;
	k->ret = pt == &probe_kretprobe;
	ap->pt = pt;
	ap->target = k->module;
	ap->func = arena_strdup(env->arena, func);
	if (module && off)
		ap->name = arena_printf(env->arena, "%s:%s:%s+%llu", pt->name, module, func, (unsigned long long)off);
	else if (module)
		ap->name = arena_printf(env->arena, "%s:%s:%s", pt->name, module, func);
	else if (off)
		ap->name = arena_printf(env->arena, "%s:%s+%llu", pt->name, func, (unsigned long long)off);
	else
		ap->name = arena_printf(env->arena, "%s:%s", pt->name, func);
	ap->loc = loc;
	ap->priv = k;
	return ap;
}

static int kp_expand(const struct probe_type *pt, const struct probe_env *env, const char *text,
		     struct loc loc, struct ap_list *out)
{
	char *parts[3];
	int np = split_ap_1or2(env, pt->name, text, loc, parts);
	if (np < 0)
		return -1;
	const char *module = np == 3 ? parts[1] : NULL;
	char *func = parts[np - 1];
	uint64_t off = 0;
	char *plus = strchr(func, '+');
	if (plus) {
		if (pt == &probe_kretprobe) {
			diag_error(env->diag, loc, "Offset not allowed");
			return -1;
		}
		if (strchr(plus + 1, '+')) {
			diag_error(env->diag, loc, "Cannot take more than one offset");
			return -1;
		}
		*plus = 0;
		if (!probe_parse_uint(plus + 1, &off) || !*func) {
			diag_error(env->diag, loc, "Invalid offset");
			return -1;
		}
	}
	if (!*func) {
		diag_error(env->diag, loc, "kprobes should be attached to a function");
		return -1;
	}
	bool wild = has_wildcard(func) || (module && has_wildcard(module));
	if (wild && off) {
		diag_error(env->diag, loc, "Offset not allowed with wildcards");
		return -1;
	}
	const struct kfunc *v;
	const char *src;
	if (!wild) {
		if (pt == &probe_kretprobe && banned_kretprobe(func)) {
			diag_error(env->diag, loc, "kretprobe:%s can't be used as it might lock up your system.", func);
			return -1;
		}
		if (kblacklisted(func)) {
			diag_error(env->diag, loc, "%s is on the kprobe blacklist (/sys/kernel/debug/kprobes/blacklist): the kernel refuses kprobes on it",
				   func);
			return -1;
		}
		/* Without a readable function list, trust the user: attaching will
		 * say whether the function exists. */
		if (kfunc_exists(func, module && strcmp(module, "vmlinux") ? module : NULL, &src) == 0) {
			diag_error(env->diag, loc, "%s%s%s is not a traceable kernel function (not in %s)",
				   module ? module : "", module ? ":" : "", func, src);
			return -1;
		}
		ap_list_push(env->arena, out, kp_new(env, pt, module, func, off, loc));
		return 0;
	}
	int n = kfuncs(&v, &src);
	if (n < 0) {
		diag_error(env->diag, loc, "cannot expand %s: kernel functions unreadable (%s)", text, strerror(errno));
		return -1;
	}
	int found = 0;
	for (int i = 0; i < n; i++) {
		if (!glob_match(func, v[i].name) || (module && !glob_match(module, v[i].module)))
			continue;
		if (kblacklisted(v[i].name) || (pt == &probe_kretprobe && banned_kretprobe(v[i].name)))
			continue;
		/* the same name in several modules: one attach point each */
		struct attach_point *ap = kp_new(env, pt, module ? v[i].module : NULL, v[i].name, 0, loc);
		((struct kp *)ap->priv)->wild = true;
		ap_list_push(env->arena, out, ap);
		found++;
	}
	if (!found) {
		diag_error(env->diag, loc, "No %s matches '%s%s%s'", pt->name, module ? module : "",
			   module ? ":" : "", func);
		return -1;
	}
	return 0;
}

/* -lv (latest bpftrace): the function's parameters from BTF as the
 * registers name them, "TYPE arg0" ... (floating-point parameters take no
 * argN register and are left out), or for kretprobe "TYPE retval" ("void").
 * Nothing for a function BTF does not know. */
static void list_params(FILE *out, const char *func, bool ret)
{
	int proto;
	const struct btf *b = btf_vmlinux();
	if (!b || btf_find_func(func, &proto) < 0)
		return;
	if (ret) {
		int rt = btf_proto_ret(proto);
		char *d = rt ? btf_decl(rt) : NULL;
		fprintf(out, "    %s%s\n", d ? d : "void", d ? " retval" : "");
		free(d);
		return;
	}
	int n = btf_proto_nparams(proto);
	for (int i = 0, argn = 0; i < n; i++) {
		int tid = btf_proto_param(proto, i, NULL);
		const struct btf_type *t = btf__type_by_id(b, (__u32)tid);
		if (t && btf_kind(t) == BTF_KIND_FLOAT)
			continue;
		char *d = btf_decl(tid);
		fprintf(out, "    %s arg%d\n", d, argn++);
		free(d);
	}
}

static bool kprobes_attach(char *why, size_t len);

/* -l: "kprobe:func", or "kprobe:module:func" when the pattern names a
 * module (latest bpftrace). kretprobe lists only when asked by name. Where
 * no kprobe can attach (kprobes_attach), nothing is listed: a pattern
 * naming the type gets one line on stderr saying why, a full `-l` or a
 * wildcard type skips them silently. */
static int kp_list(const struct probe_type *pt, const char *pattern, bool verbose, FILE *out)
{
	const char *rest;
	int how = probe_pattern_rest(pt, pattern, &rest);
	if (!how || (pt == &probe_kretprobe && how != 2))
		return 0;
	char why[160];
	if (!kprobes_attach(why, sizeof(why))) {
		if (how == 2)
			fprintf(stderr, "%ss are not available on this kernel (%s): not listed\n", pt->name, why);
		return 0;
	}
	char modpat[256] = "", fnpat[256] = "*";
	if (rest) {
		const char *colon = strchr(rest, ':');
		if (colon) {
			snprintf(modpat, sizeof(modpat), "%.*s", (int)(colon - rest), rest);
			snprintf(fnpat, sizeof(fnpat), "%s", colon + 1);
		} else {
			snprintf(fnpat, sizeof(fnpat), "%s", rest);
		}
	}
	const struct kfunc *v;
	const char *src;
	int n = kfuncs(&v, &src);
	if (n < 0) {
		/* like 0.17, which stops with an exception here; we only skip */
		if (how == 2)
			fprintf(stderr, "ERROR: cannot list kernel functions: %s\n", strerror(errno));
		return how == 2 ? -1 : 0;
	}
	const char *last = NULL;
	for (int i = 0; i < n; i++) {
		if (!glob_match(fnpat, v[i].name) || (modpat[0] && !glob_match(modpat, v[i].module)))
			continue;
		if (modpat[0]) {
			fprintf(out, "%s:%s:%s\n", pt->name, v[i].module, v[i].name);
		} else {
			if (last && !strcmp(last, v[i].name))
				continue;
			fprintf(out, "%s:%s\n", pt->name, v[i].name);
		}
		last = v[i].name;
		if (verbose && !strcmp(v[i].module, "vmlinux"))
			list_params(out, v[i].name, pt == &probe_kretprobe);
	}
	return 0;
}

/* ---- context builtins ------------------------------------------------------ */

static struct type *kp_ctx_type(const struct probe_env *env, struct attach_point *ap, const char *name)
{
	int i = probe_arg_index(name, "arg");
	if (i >= 0 && !is_ret(ap))
		return i < MAX_ARGS ? type_int(8, false) : NULL;
	if (!strcmp(name, "retval") && is_ret(ap))
		return type_int(8, false);
	if (probe_arg_index(name, "sarg") >= 0 && !is_ret(ap))
		return type_int(8, false);
	if (!strcmp(name, "func"))
		return type_simple(env->arena, TY_KSYM, 8);
	return NULL;
}

static void *kp_ctx_emit(struct cg *cg, struct attach_point *ap, const char *name)
{
	int i = probe_arg_index(name, "arg");
	if (i >= 0 && i < MAX_ARGS)
		return kctx_load(cg, REGS.args[i], 8, false);
	if (!strcmp(name, "retval"))
		return kctx_load(cg, REGS.ret, 8, false);
	if ((i = probe_arg_index(name, "sarg")) >= 0) {
		/* sargN (0.17): the N-th 8-byte slot of the stack arguments (above
		 * the return address on x86-64) */
		LLVMValueRef sp = kctx_load(cg, REGS.sp, 8, false);
		LLVMValueRef addr = LLVMBuildAdd(cg->b, sp, cg_i64(cg, 8 * ((int64_t)i + REGS.sarg0)), "sarg_addr");
		LLVMValueRef tmp = cg_alloca(cg, 8, "sarg");
		cg_memset0(cg, tmp, 8);
		cg_probe_read(cg, tmp, 8, addr, AS_KERNEL);
		return cg_load_int(cg, tmp, 8, false);
	}
	/* func: the traced function's address (kernel 5.15+); the kprobe's ip
	 * would be the probed instruction, which differs with an offset */
	LLVMValueRef args[] = { cg->ctxarg };
	return cg_helper(cg, BPF_FUNC_get_func_ip, cg->i64, args, 1);
}

/* bpftrace 0.17's words for argN beyond the argument registers; the other
 * misuses are worded by uprobe.c's hook, which knows them all. */
static const char *kp_ctx_misuse(struct arena *a, const struct attach_point *ap, const char *name)
{
	if (ap && ap->pt == &probe_kprobe && probe_arg_index(name, "arg") >= MAX_ARGS)
		return arena_printf(a, "%s doesn't support %s", arch_host()->name, name);
	return NULL;
}

/* ---- attaching --------------------------------------------------------------- */

/* kprobe PMU type and the bit of its retprobe flag; -1 without the PMU. */
static int kprobe_pmu(int *retbit)
{
	char buf[64];
	int type = -1;
	FILE *f = fopen("/sys/bus/event_source/devices/kprobe/type", "re");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			type = atoi(buf);
		fclose(f);
	}
	*retbit = 0;
	f = fopen("/sys/bus/event_source/devices/kprobe/format/retprobe", "re");
	if (f) {
		if (fgets(buf, sizeof(buf), f) && !strncmp(buf, "config:", 7))
			*retbit = atoi(buf + 7);
		fclose(f);
	}
	return type;
}

static bool have_kprobe_events(void)
{
	char err[256], path[512];
	const char *root = tracefs_root(err, sizeof(err));
	if (!root)
		return false;
	snprintf(path, sizeof(path), "%s/kprobe_events", root);
	return access(path, W_OK) == 0;
}

/* Can a kprobe attach here, by any of kp_attach's ways: the kprobe PMU,
 * kprobe_events in tracefs, or a kprobe_multi link (kprobe_multi_ok)?
 * When none, why says so in a few words. Found out once. */
static bool kprobes_attach(char *why, size_t len)
{
	static int known = -1;
	static char reason[160];
	if (known < 0) {
		int retbit, merr = 0;
		known = kprobe_pmu(&retbit) >= 0 || have_kprobe_events() || kprobe_multi_ok(&merr);
		if (!known && kconfig("KPROBES") == 0)
			snprintf(reason, sizeof(reason), "CONFIG_KPROBES is not set");
		else if (!known)
			snprintf(reason, sizeof(reason), "no kprobe PMU, no kprobe_events in tracefs, no kprobe_multi: %s",
				 strerror(merr));
	}
	snprintf(why, len, "%s", reason);
	return known;
}

/* Legacy kprobe events this process created; removed at exit. */
static char **legacy;
static int nlegacy;

static void legacy_cleanup(void)
{
	char err[256], path[512];
	const char *root = tracefs_root(err, sizeof(err));
	for (int i = 0; i < nlegacy; i++) {
		if (root) {
			snprintf(path, sizeof(path), "%s/kprobe_events", root);
			int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
			if (fd >= 0) {
				char cmd[300];
				int l = snprintf(cmd, sizeof(cmd), "-:%s\n", legacy[i]);
				if (write(fd, cmd, (size_t)l) < 0) {
					/* nothing more to do at exit */
				}
				close(fd);
			}
		}
		free(legacy[i]);
	}
	free(legacy);
	legacy = NULL;
	nlegacy = 0;
}

static int attach_legacy(const struct attach_point *ap, const struct kp *k, int prog_fd,
			 struct rt_links *links, char *err, size_t errlen)
{
	char e[256], path[512], name[128], cmd[512];
	const char *root = tracefs_root(e, sizeof(e));
	snprintf(name, sizeof(name), "kprobes/bpfscript_%d_%d", (int)getpid(), ap->id);
	snprintf(path, sizeof(path), "%s/kprobe_events", root);
	int l = snprintf(cmd, sizeof(cmd), "%c:%s %s%s%s+%llu\n", k->ret ? 'r' : 'p', name,
			 k->module ? k->module : "", k->module ? ":" : "", ap->func, (unsigned long long)k->off);
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0 || write(fd, cmd, (size_t)l) != l) {
		int en = errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "Error attaching probe: %s: cannot add a kprobe event: %s", ap->name, strerror(en));
		return -1;
	}
	close(fd);
	if (!nlegacy)
		atexit(legacy_cleanup);
	legacy = xrealloc(legacy, sizeof(*legacy) * (size_t)(nlegacy + 1));
	legacy[nlegacy++] = xstrdup(name);
	snprintf(path, sizeof(path), "%s/events/%s/id", root, name);
	FILE *f = fopen(path, "re");
	int id = -1;
	if (f) {
		if (fscanf(f, "%d", &id) != 1)
			id = -1;
		fclose(f);
	}
	if (id < 0) {
		snprintf(err, errlen, "Error attaching probe: %s: cannot read the id of %s", ap->name, name);
		return -1;
	}
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.config = (uint64_t)id,
		.sample_period = 1,
		.wakeup_events = 1,
	};
	return probe_perf_attach(ap, &attr, -1, 0, prog_fd, links, err, errlen) < 0 ? -1 : 0;
}

/* The one line for a kernel without any kprobe mechanism. */
static void no_kprobes(const struct attach_point *ap, int multi_err, char *err, size_t errlen)
{
	if (kconfig("KPROBES") == 0)
		snprintf(err, errlen, "%s: kprobes are not supported by this kernel (CONFIG_KPROBES is not set)",
			 ap->name);
	else
		snprintf(err, errlen,
			 "%s: kprobes are not available: no kprobe PMU, no kprobe_events in tracefs, and a kprobe_multi link failed (%s)",
			 ap->name, strerror(multi_err));
	ksuggest_append(err, errlen, ap->func, is_ret(ap));
}

static int kp_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd,
		     struct rt_links *links, char *err, size_t errlen)
{
	const struct kp *k = ap->priv;
	int retbit, pmu = kprobe_pmu(&retbit);
	if (pmu >= 0) {
		char fn[300];
		snprintf(fn, sizeof(fn), "%s%s%s", k->module ? k->module : "", k->module ? ":" : "", ap->func);
		struct perf_event_attr attr = {
			.type = (uint32_t)pmu,
			.config = k->ret ? 1ull << retbit : 0,
			.config1 = (uint64_t)(uintptr_t)fn,
			.config2 = k->off,
			.sample_period = 1,
			.wakeup_events = 1,
		};
		return probe_perf_attach(ap, &attr, -1, 0, prog_fd, links, err, errlen) < 0 ? -1 : 0;
	}
	if (have_kprobe_events())
		return attach_legacy(ap, k, prog_fd, links, err, errlen);
	/* kprobe_multi: by name, one function per link (no offsets) */
	const char *sym = ap->func;
	__u64 cookie = (__u64)ap->id;
	LIBBPF_OPTS(bpf_link_create_opts, o);
	o.kprobe_multi.syms = &sym;
	o.kprobe_multi.cnt = 1;
	o.kprobe_multi.cookies = &cookie;
	o.kprobe_multi.flags = k->ret ? BPF_F_KPROBE_MULTI_RETURN : 0;
	int fd = k->off ? -1 : bpf_link_create(prog_fd, 0, BPF_TRACE_KPROBE_MULTI, &o);
	if (fd >= 0) {
		rt_links_add(links, fd);
		return 0;
	}
	int e = k->off ? EOPNOTSUPP : errno;
	if (e == ESRCH || e == ENOENT) {
		snprintf(err, errlen, "Error attaching probe: %s: no such kernel function", ap->name);
		return -1;
	}
	no_kprobes(ap, e, err, errlen);
	return -1;
}

/* ---- kprobe_multi: one link for a program's functions ------------------ */

/* Does the program serving aps attach with one kprobe_multi link? When it
 * serves wildcard matches or several functions, none with an offset, and
 * the kernel has kprobe_multi. */
static bool kp_multi(struct attach_point *const *aps, int naps)
{
	bool many = naps > 1;
	for (int i = 0; i < naps; i++) {
		const struct kp *k = aps[i]->priv;
		if (k->off)
			return false;
		many |= k->wild;
	}
	return many && kprobe_multi_ok(NULL);
}

/* "kprobe:vfs_read and 3 other functions" */
static const char *multi_name(struct arena *a, const struct probe_type *pt, const char *const *syms, int n)
{
	if (n == 1)
		return arena_printf(a, "%s:%s", pt->name, syms[0]);
	return arena_printf(a, "%s:%s and %d other function%s", pt->name, syms[0], n - 1, n == 2 ? "" : "s");
}

static int kp_attach_multi(const struct probe_env *env, struct attach_point *const *aps, int naps,
			   int prog_fd, struct rt_links *links, char *err, size_t errlen)
{
	if (!kp_multi(aps, naps))
		return 0;
	struct arena a = { 0 };
	const char **names = arena_alloc(&a, sizeof(*names) * (size_t)naps);
	uint64_t *cookies = arena_alloc(&a, sizeof(*cookies) * (size_t)naps);
	for (int i = 0; i < naps; i++) {
		names[i] = aps[i]->func;
		cookies[i] = (uint64_t)aps[i]->id;
	}
	const struct kfunc *avail;
	const char *const *blk;
	int navail = kfuncs(&avail, NULL), nblk = kblacklist(&blk);
	const char **syms;
	uint64_t *scookies;
	int n = kmulti_syms(&a, names, cookies, naps, avail, navail, blk, nblk, &syms, &scookies);
	int rc = 1;
	if (!n) {
		snprintf(err, errlen, "Error attaching probe: %s: none of the functions is traceable",
			 multi_name(&a, aps[0]->pt, names, naps));
		rc = -1;
		goto out;
	}
	if (env->verbose) {   /* as bpftrace -v */
		fprintf(stderr, "Attaching to %d function%s\n", n, n == 1 ? "" : "s");
		for (int i = 0; i < n; i++)
			fprintf(stderr, " %s\n", syms[i]);
	}
	LIBBPF_OPTS(bpf_link_create_opts, o);
	o.kprobe_multi.syms = syms;
	o.kprobe_multi.cnt = (__u32)n;
	o.kprobe_multi.cookies = (const __u64 *)scookies;
	o.kprobe_multi.flags = is_ret(aps[0]) ? BPF_F_KPROBE_MULTI_RETURN : 0;
	int fd = bpf_link_create(prog_fd, 0, BPF_TRACE_KPROBE_MULTI, &o);
	if (fd >= 0) {
		rt_links_add(links, fd);
		goto out;
	}
	int e = errno;
	rc = -1;
	const char *what = multi_name(&a, aps[0]->pt, syms, n);
	if (e == EOPNOTSUPP && kconfig("FPROBE") == 0)
		snprintf(err, errlen, "%s: kprobe_multi is not supported by this kernel (CONFIG_FPROBE is not set)", what);
	else if (e == EOPNOTSUPP)
		snprintf(err, errlen, "%s: kprobe_multi is not supported by this kernel (%s)", what, strerror(e));
	else if (e == ESRCH || e == ENOENT)
		snprintf(err, errlen, "Error attaching probe: %s: a function is not in the kernel (%s)", what, strerror(e));
	else
		snprintf(err, errlen, "Error attaching probe: %s: kprobe_multi link: %s", what, strerror(e));
	if (e == EOPNOTSUPP)
		ksuggest_append(err, errlen, syms[0], is_ret(aps[0]));
out:
	arena_free(&a);
	return rc;
}

/* The program is loaded for kprobe_multi when it attaches with one link
 * (kp_multi), or when no other mechanism is left: without the PMU and
 * kprobe_events only a one-function kprobe_multi link can attach. */
static int kp_load_opts(const struct probe_env *env, struct attach_point *const *aps, int naps,
			struct bpf_prog_load_opts *o, char *err, size_t errlen)
{
	int retbit;
	if (kp_multi(aps, naps) || (kprobe_pmu(&retbit) < 0 && !have_kprobe_events()))
		o->expected_attach_type = BPF_TRACE_KPROBE_MULTI;
	return 0;
}

static const char *const kprobe_aliases[] = { "k", NULL };
static const char *const kretprobe_aliases[] = { "kr", NULL };

const struct probe_type probe_kprobe = {
	.name = "kprobe",
	.aliases = kprobe_aliases,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.expand = kp_expand,
	.list = kp_list,
	.ctx_type = kp_ctx_type,
	.ctx_emit = kp_ctx_emit,
	.attach = kp_attach,
	.load_opts = kp_load_opts,
	.attach_multi = kp_attach_multi,
	.ctx_misuse = kp_ctx_misuse,
};

const struct probe_type probe_kretprobe = {
	.name = "kretprobe",
	.aliases = kretprobe_aliases,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.expand = kp_expand,
	.list = kp_list,
	.ctx_type = kp_ctx_type,
	.ctx_emit = kp_ctx_emit,
	.attach = kp_attach,
	.load_opts = kp_load_opts,
	.attach_multi = kp_attach_multi,
	.ctx_misuse = kp_ctx_misuse,
};
