/* kernel.c - the traceable kernel function list, the kernel config, the
 * nearest-tracepoint suggestion and the vmlinux BTF probe parts shared by
 * the kernel-side probe files. See kernel.h. */
#define _GNU_SOURCE
#include "probes/kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "sys/bpfsys.h"
#include <zlib.h>
#include "codegen/cg.h"
#include "probes/probes_int.h"
#include "sys/btf.h"
#include "sys/ksyms.h"
#include "sys/tracefs.h"
#include "util/arena.h"

static struct kfunc *funcs;
static int nfuncs = -1;
static const char *funcs_src;
static struct arena funcs_arena;

static void kfuncs_free(void)
{
	free(funcs);
	funcs = NULL;
	nfuncs = -1;
	arena_free(&funcs_arena);
}

static int cmp_kfunc(const void *a, const void *b)
{
	const struct kfunc *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->module, y->module);
}

/* Symbols the compiler or the kernel build made, never functions one
 * would trace: __pfx_ padding, __cfi_ stubs, .cold/.part/.isra clones. */
static bool synthetic(const char *name)
{
	return !strncmp(name, "__pfx_", 6) || !strncmp(name, "__cfi_", 6) || strchr(name, '.') != NULL;
}

static void push(int *cap, const char *name, size_t nl, const char *mod, size_t ml)
{
	if (nfuncs == *cap) {
		*cap = *cap ? *cap * 2 : 4096;
		funcs = xrealloc(funcs, sizeof(*funcs) * (size_t)*cap);
	}
	funcs[nfuncs].name = arena_strndup(&funcs_arena, name, nl);
	funcs[nfuncs].module = mod ? arena_strndup(&funcs_arena, mod, ml) : "vmlinux";
	nfuncs++;
}

/* available_filter_functions: "name" or "name [module]" per line. */
static int read_filter_functions(int *cap)
{
	char err[256];
	const char *root = tracefs_root(err, sizeof(err));
	if (!root)
		return -1;
	char path[512];
	snprintf(path, sizeof(path), "%s/available_filter_functions", root);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	errno = 0;
	while ((len = getline(&line, &lcap, f)) > 0) {
		size_t nl = strcspn(line, " \t\n");
		if (!nl || synthetic(line))
			continue;
		const char *mod = strchr(line + nl, '[');
		push(cap, line, nl, mod ? mod + 1 : NULL, mod ? strcspn(mod + 1, "]") : 0);
	}
	/* the file opens but reading it may still be refused (EPERM here) */
	int e = ferror(f) ? errno : 0;
	free(line);
	fclose(f);
	if (e || nfuncs == 0) {
		errno = e ? e : ENOENT;
		return -1;
	}
	return 0;
}

static int read_kallsyms(int *cap)
{
	int n = ksyms_load();
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		const struct ksym *k = ksyms_at(i);
		if ((k->type != 't' && k->type != 'T') || synthetic(k->name))
			continue;
		if (k->module && (!strcmp(k->module, "bpf") || !strncmp(k->module, "__builtin", 9)))
			continue;
		push(cap, k->name, strlen(k->name), k->module, k->module ? strlen(k->module) : 0);
	}
	return 0;
}

int kfuncs(const struct kfunc **v, const char **src)
{
	if (nfuncs < 0) {
		int cap = 0;
		nfuncs = 0;
		atexit(kfuncs_free);
		if (read_filter_functions(&cap) == 0) {
			funcs_src = "available_filter_functions";
		} else {
			nfuncs = 0;
			if (read_kallsyms(&cap) < 0) {
				int e = errno;
				nfuncs = -1;
				errno = e;
				return -1;
			}
			funcs_src = "/proc/kallsyms";
		}
		qsort(funcs, (size_t)nfuncs, sizeof(*funcs), cmp_kfunc);
		int k = 0;
		for (int i = 0; i < nfuncs; i++)
			if (!k || cmp_kfunc(&funcs[k - 1], &funcs[i]))
				funcs[k++] = funcs[i];
		nfuncs = k;
	}
	*v = funcs;
	if (src)
		*src = funcs_src;
	return nfuncs;
}

const struct kfunc *kfunc_find(const char *name, const char *module)
{
	const struct kfunc *v;
	int n = kfuncs(&v, NULL);
	int lo = 0, hi = n - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		int c = strcmp(v[mid].name, name);
		if (c < 0)
			lo = mid + 1;
		else if (c > 0)
			hi = mid - 1;
		else {
			while (mid > 0 && !strcmp(v[mid - 1].name, name))
				mid--;
			for (; mid < n && !strcmp(v[mid].name, name); mid++)
				if (!module || !strcmp(v[mid].module, module))
					return &v[mid];
			return NULL;
		}
	}
	return NULL;
}

/* One name, streamed: a line "NAME" or "NAME [MODULE]" of
 * available_filter_functions, or "ADDR T NAME[\tMODULE]" of /proc/kallsyms
 * (text symbols only, as read_kallsyms keeps them). */
static bool line_is(const char *line, bool kallsyms, const char *name, size_t nl, const char *module)
{
	const char *p = line;
	if (kallsyms) {
		p = strchr(line, ' ');
		if (!p || (p[1] != 't' && p[1] != 'T') || p[2] != ' ')
			return false;
		p += 3;
	}
	if (strncmp(p, name, nl) || (p[nl] != '\n' && p[nl] != '\t' && p[nl] != ' ' && p[nl]))
		return false;
	const char *mod = strchr(p + nl, '[');
	size_t ml = mod ? strcspn(mod + 1, "]") : 0;
	if (mod && kallsyms && (!strncmp(mod + 1, "bpf]", 4) || !strncmp(mod + 1, "__builtin", 9)))
		return false;
	return !module || (mod && ml == strlen(module) && !strncmp(mod + 1, module, ml));
}

static int scan_for(const char *path, bool kallsyms, const char *name, const char *module)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char *line = NULL;
	size_t lcap = 0, nl = strlen(name);
	int found = 0;
	errno = 0;
	while (!found && getline(&line, &lcap, f) > 0)
		found = line_is(line, kallsyms, name, nl, module);
	int e = ferror(f) ? errno : 0;
	free(line);
	fclose(f);
	if (e) {
		errno = e;
		return -1;
	}
	return found;
}

int kfunc_exists(const char *name, const char *module, const char **src)
{
	if (nfuncs >= 0) {
		*src = funcs_src;
		return nfuncs > 0 && kfunc_find(name, module) ? 1 : 0;
	}
	char err[256], path[512];
	const char *root = tracefs_root(err, sizeof(err));
	int r = -1;
	if (root) {
		snprintf(path, sizeof(path), "%s/available_filter_functions", root);
		r = scan_for(path, false, name, module);
		*src = "available_filter_functions";
	}
	if (r < 0) {
		r = scan_for("/proc/kallsyms", true, name, module);
		*src = "/proc/kallsyms";
	}
	return r > 0 && synthetic(name) ? 0 : r;   /* compiler-made: never in kfuncs() */
}

/* ---- kernel config --------------------------------------------------------- */

static int config_scan(gzFile f, const char *name)
{
	char want_set[128], want_unset[128], line[512];
	snprintf(want_set, sizeof(want_set), "CONFIG_%s=", name);
	snprintf(want_unset, sizeof(want_unset), "# CONFIG_%s is not set", name);
	while (gzgets(f, line, sizeof(line))) {
		if (!strncmp(line, want_set, strlen(want_set)))
			return line[strlen(want_set)] == 'y' || line[strlen(want_set)] == 'm';
		if (!strncmp(line, want_unset, strlen(want_unset)))
			return 0;
	}
	return 0;   /* absent from a full config: not set */
}

int kconfig(const char *name)
{
	struct utsname u;
	char boot[300];
	const char *paths[2] = { "/proc/config.gz", NULL };
	if (uname(&u) == 0) {
		snprintf(boot, sizeof(boot), "/boot/config-%s", u.release);
		paths[1] = boot;
	}
	for (int i = 0; i < 2; i++) {
		if (!paths[i])
			continue;
		gzFile f = gzopen(paths[i], "rb");   /* reads plain files as well */
		if (!f)
			continue;
		int r = config_scan(f, name);
		gzclose(f);
		return r;
	}
	return -1;
}

/* ---- kprobe_multi ----------------------------------------------------------- */

bool kprobe_multi_ok(int *why)
{
	static int known = -1, err;
	const char *env = getenv("BPFSCRIPT_KPROBE_MULTI");
	if (env && (!strcmp(env, "0") || !strcmp(env, "1"))) {
		if (why)
			*why = EOPNOTSUPP;
		return env[0] == '1';
	}
	if (known < 0) {
		int prog = bpfsys_prog_load_empty(BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, "kmulti_probe");
		known = 0;
		err = errno;
		if (prog >= 0) {
			unsigned long addr = 0;
			LIBBPF_OPTS(bpf_link_create_opts, o, .kprobe_multi.addrs = &addr, .kprobe_multi.cnt = 1);
			int link = bpf_link_create(prog, 0, BPF_TRACE_KPROBE_MULTI, &o);
			err = errno;
			if (link >= 0)
				close(link);   /* not expected: address 0 is no function */
			known = link >= 0 || err == EINVAL;
			close(prog);
		}
	}
	if (!known && why)
		*why = err;
	return known == 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int kblacklist_parse(struct arena *a, const char *text, const char ***v)
{
	int n = 0, cap = 16;
	const char **out = arena_alloc(a, sizeof(*out) * (size_t)cap);
	for (const char *l = text; *l;) {
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);
		const char *p = l, *stop = l + len;
		if (len > 2 && !strncmp(p, "0x", 2)) {   /* "0xSTART-0xEND<tab>name" */
			while (p < stop && *p != ' ' && *p != '\t')
				p++;
			while (p < stop && (*p == ' ' || *p == '\t'))
				p++;
		}
		size_t nl = strcspn(p, " \t\n");
		if (p + nl > stop)
			nl = (size_t)(stop - p);
		if (nl) {
			if (n == cap) {
				const char **w = arena_alloc(a, sizeof(*w) * (size_t)cap * 2);
				memcpy(w, out, sizeof(*w) * (size_t)n);
				out = w;
				cap *= 2;
			}
			out[n++] = arena_strndup(a, p, nl);
		}
		l = end ? end + 1 : l + len;
	}
	qsort(out, (size_t)n, sizeof(*out), cmp_str);
	int k = 0;
	for (int i = 0; i < n; i++)
		if (!k || strcmp(out[k - 1], out[i]))
			out[k++] = out[i];
	*v = out;
	return k;
}

static const char **black;
static int nblack = -1;
static struct arena black_arena;

static void kblacklist_free(void)
{
	arena_free(&black_arena);
	black = NULL;
	nblack = -1;
}

int kblacklist(const char *const **v)
{
	if (nblack < 0) {
		nblack = 0;
		atexit(kblacklist_free);
		FILE *f = fopen("/sys/kernel/debug/kprobes/blacklist", "re");
		if (f) {
			char *text = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&text, &len);
			char buf[4096];
			size_t got;
			while (m && (got = fread(buf, 1, sizeof(buf), f)) > 0)
				fwrite(buf, 1, got, m);
			if (m) {
				fclose(m);
				const char **w;
				nblack = kblacklist_parse(&black_arena, text, &w);
				black = w;
			}
			free(text);
			fclose(f);
		}
	}
	*v = black;
	return nblack;
}

bool kblacklisted(const char *name)
{
	const char *const *v;
	int n = kblacklist(&v);
	return n > 0 && bsearch(&name, v, (size_t)n, sizeof(*v), cmp_str) != NULL;
}

/* A function name in avail (sorted by name, then module). */
static bool kfunc_in(const struct kfunc *avail, int n, const char *name)
{
	int lo = 0, hi = n - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2, c = strcmp(avail[mid].name, name);
		if (!c)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

struct kmulti_ent {
	const char *name;
	uint64_t cookie;
	int order;
};

static int cmp_kmulti(const void *a, const void *b)
{
	const struct kmulti_ent *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

int kmulti_syms(struct arena *a, const char *const *names, const uint64_t *cookies, int n,
		const struct kfunc *avail, int navail, const char *const *blk, int nblk,
		const char ***syms, uint64_t **scookies)
{
	struct kmulti_ent *e = arena_alloc(a, sizeof(*e) * (size_t)(n ? n : 1));
	for (int i = 0; i < n; i++)
		e[i] = (struct kmulti_ent){ names[i], cookies[i], i };
	qsort(e, (size_t)n, sizeof(*e), cmp_kmulti);
	const char **s = arena_alloc(a, sizeof(*s) * (size_t)(n ? n : 1));
	uint64_t *c = arena_alloc(a, sizeof(*c) * (size_t)(n ? n : 1));
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (i && !strcmp(e[i - 1].name, e[i].name))
			continue;
		if (navail >= 0 && !kfunc_in(avail, navail, e[i].name))
			continue;
		if (nblk > 0 && bsearch(&e[i].name, blk, (size_t)nblk, sizeof(*blk), cmp_str))
			continue;
		s[k] = e[i].name;
		c[k++] = e[i].cookie;
	}
	*syms = s;
	*scookies = c;
	return k;
}

/* ---- suggestions ------------------------------------------------------------ */

/* Prefixes that wrap a function around the event it implements. */
static const char *const prefixes[] = {
	"__x64_sys_", "__ia32_sys_", "__se_sys_", "__do_sys_", "__sys_", "do_sys_", "ksys_", "sys_",
	"__x64_", "do_", "vfs_", "__", NULL,
};

static const char *strip(const char *f)
{
	for (int again = 1; again;) {
		again = 0;
		for (int i = 0; prefixes[i]; i++) {
			size_t l = strlen(prefixes[i]);
			if (!strncmp(f, prefixes[i], l) && f[l]) {
				f += l;
				again = 1;
				break;
			}
		}
	}
	return f;
}

const char *ktracepoint_suggest(const char *func, bool ret, char *buf, size_t len)
{
	char err[256];
	if (!tracefs_root(err, sizeof(err)))
		return NULL;
	const char *base = strip(func);
	char ev[256];
	snprintf(ev, sizeof(ev), "%s%s", ret ? "sys_exit_" : "sys_enter_", base);
	if (tracefs_event_exists("syscalls", ev)) {
		snprintf(buf, len, "tracepoint:syscalls:%s", ev);
		return buf;
	}
	const char *const *names;
	int n = tracefs_events(&names);
	const char *best = NULL;
	size_t bestlen = (size_t)-1;
	for (int pass = 0; pass < 2 && !best; pass++) {
		const char *want = pass ? base : func;
		for (int i = 0; i < n; i++) {
			const char *e = strchr(names[i], ':');
			if (e && !strcmp(e + 1, want)) {
				best = names[i];
				break;
			}
		}
	}
	if (!best && strlen(base) >= 3) {
		for (int i = 0; i < n; i++) {
			const char *e = strchr(names[i], ':');
			if (!e || !strstr(e + 1, base))
				continue;
			/* a syscall event only in the right direction */
			if (!strncmp(names[i], "syscalls:", 9) &&
			    strncmp(e + 1, ret ? "sys_exit_" : "sys_enter_", ret ? 9 : 10))
				continue;
			if (strlen(names[i]) < bestlen) {
				best = names[i];
				bestlen = strlen(names[i]);
			}
		}
	}
	if (!best)
		return NULL;
	snprintf(buf, len, "tracepoint:%s", best);
	return buf;
}

void ksuggest_append(char *msg, size_t len, const char *func, bool ret)
{
	char tp[300];
	if (!ktracepoint_suggest(func, ret, tp, sizeof(tp)))
		return;
	size_t used = strlen(msg);
	if (used < len)
		snprintf(msg + used, len - used, "; try %s", tp);
}

void *kctx_load(struct cg *cg, int off, int size, bool is_signed)
{
	LLVMTypeRef t = size == 1 ? cg->i8 : size == 2 ? cg->i16 : size == 4 ? cg->i32 : cg->i64;
	LLVMValueRef v = LLVMBuildLoad2(cg->b, t, cg_gep(cg, cg->ctxarg, off), "ctx");
	LLVMSetAlignment(v, (unsigned)(size == 1 || size == 2 || size == 4 ? size : 8));
	if (t == cg->i64)
		return v;
	return is_signed ? LLVMBuildSExt(cg->b, v, cg->i64, "") : LLVMBuildZExt(cg->b, v, cg->i64, "");
}

/* ---- vmlinux BTF probes ------------------------------------------------------ */

const char *kbtf_split(const struct probe_type *pt, const struct probe_env *env, const char *text,
		       struct loc loc, const struct kbtf_words *w, const char **module)
{
	char *parts[3];
	int np = split_ap_1or2(env, pt->name, text, loc, parts);
	if (np < 0)
		return NULL;
	const char *name = parts[np - 1];
	*module = np == 3 ? parts[1] : NULL;
	if (!*name) {
		diag_error(env->diag, loc, "%s", w->no_name);
		return NULL;
	}
	if (!btf_vmlinux()) {
		if (w->no_btf)
			diag_error(env->diag, loc, "%s", w->no_btf);
		else
			diag_error(env->diag, loc, "%s probes need kernel BTF (/sys/kernel/btf/vmlinux): %s",
				   pt->name, strerror(errno));
		return NULL;
	}
	if (*module && !glob_match(*module, "vmlinux")) {
		diag_error(env->diag, loc, "%s: module BTF is not supported; only vmlinux %s can be traced", text,
			   w->what);
		return NULL;
	}
	return name;
}

struct attach_point *kbtf_ap_new(const struct probe_type *pt, const struct probe_env *env, bool module,
				 const char *name, struct loc loc, void *priv)
{
	struct attach_point *ap = arena_alloc(env->arena, sizeof(*ap));
	ap->pt = pt;
	ap->target = "vmlinux";
	ap->func = arena_strdup(env->arena, name);
	ap->name = module ? arena_printf(env->arena, "%s:vmlinux:%s", pt->name, name)
			  : arena_printf(env->arena, "%s:%s", pt->name, name);
	ap->loc = loc;
	ap->priv = priv;
	return ap;
}

bool kbtf_list_pattern(const char *rest, char *pat, size_t len)
{
	snprintf(pat, len, "*");
	if (!rest)
		return true;
	const char *colon = strchr(rest, ':');
	char mod[128];
	snprintf(mod, sizeof(mod), "%.*s", colon ? (int)(colon - rest) : 0, rest);
	if (colon && !glob_match(mod, "vmlinux"))
		return false;
	snprintf(pat, len, "%s", colon ? colon + 1 : rest);
	return true;
}

int kbtf_link(const struct attach_point *ap, int fd, struct rt_links *links, char *err, size_t errlen)
{
	if (fd < 0) {
		snprintf(err, errlen, "Error attaching probe: %s: %s", ap->name, strerror(errno));
		return -1;
	}
	rt_links_add(links, fd);
	return 0;
}
