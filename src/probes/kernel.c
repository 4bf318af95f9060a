/* kernel.c - the traceable kernel function list, the kernel config and
 * the nearest-tracepoint suggestion shared by the kernel-side probe files.
 * See kernel.h. */
#define _GNU_SOURCE
#include "probes/kernel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <zlib.h>
#include "codegen/cg.h"
#include "runtime/ksyms.h"
#include "runtime/tracefs.h"
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
