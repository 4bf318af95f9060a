/* iter.c - iter:NAME and iter:NAME:PIN (alias it): BPF iterators over
 * kernel objects: task, task_file, task_vma and every other iterator the
 * kernel's BTF describes (a struct bpf_iter__NAME context and a
 * bpf_iter_NAME FUNC to attach to).
 *
 * The program is BPF_PROG_TYPE_TRACING with expected_attach_type
 * BPF_TRACE_ITER and attach_btf_id = bpf_iter_NAME, so it is bound at load
 * (prog_per_ap). `ctx` is a pointer to struct bpf_iter__NAME typed from BTF
 * (sys/btf.c: ctx->task->pid, ctx->file, ctx->fd ...). Attaching
 * creates the iterator link; running (after BEGIN) creates the iterator and
 * reads it to its end, which calls the program once per object and once
 * more with NULL at the end; then the run ends. With a PIN path the link
 * is pinned there instead and nothing is read. An iterator runs alone:
 * one attach point, no other probes but BEGIN and END (exclusive). */
#include "probes/probes_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "codegen/cg.h"
#include "sys/btf.h"

struct it {
	int func_id;        /* bpf_iter_NAME */
	int ctx_id;         /* struct bpf_iter__NAME */
	const char *pin;
	int link_fd;        /* set by attach, used by run */
};

/* The iterator's FUNC and context struct ids; false when the kernel has
 * no such iterator. */
static bool iter_ids(const char *name, int *func_id, int *ctx_id)
{
	char fn[160], st[160];
	snprintf(fn, sizeof(fn), "bpf_iter_%s", name);
	snprintf(st, sizeof(st), "bpf_iter__%s", name);
	*ctx_id = btf_find(st, BTF_KIND_STRUCT);
	*func_id = *ctx_id > 0 ? btf_find_func(fn, NULL) : -1;
	return *ctx_id > 0 && *func_id > 0;
}

static int it_expand(const struct probe_type *pt, const struct probe_env *env, const char *text,
		     struct loc loc, struct ap_list *out)
{
	char *parts[3];
	int np = split_colon(env->arena, text, parts, 3);
	if (np != 2 && np != 3) {
		diag_error(env->diag, loc, "iter probe type takes 2 arguments (1 optional)");
		return -1;
	}
	if (has_wildcard(parts[1]) || (np == 3 && has_wildcard(parts[2]))) {
		diag_error(env->diag, loc, "iter probe type does not support wildcards");
		return -1;
	}
	if (!*parts[1]) {
		diag_error(env->diag, loc, "iter should specify a iterator's name");
		return -1;
	}
	if (!btf_vmlinux()) {
		diag_error(env->diag, loc, "iter probes need kernel BTF (/sys/kernel/btf/vmlinux): %s",
			   strerror(errno));
		return -1;
	}
	int func_id, ctx_id;
	if (!iter_ids(parts[1], &func_id, &ctx_id)) {
		diag_error(env->diag, loc, "iter %s not available for your kernel version.", parts[1]);
		return -1;
	}
	struct attach_point *ap = arena_alloc(env->arena, sizeof(*ap));
	struct it *it = arena_alloc(env->arena, sizeof(*it));
	it->func_id = func_id;
	it->ctx_id = ctx_id;
	it->pin = np == 3 && *parts[2] ? parts[2] : NULL;
	it->link_fd = -1;
	ap->pt = pt;
	ap->func = parts[1];
	ap->target = it->pin;
	ap->name = it->pin ? arena_printf(env->arena, "iter:%s:%s", parts[1], it->pin)
			   : arena_printf(env->arena, "iter:%s", parts[1]);
	ap->loc = loc;
	ap->priv = it;
	ap_list_push(env->arena, out, ap);
	return 0;
}

struct iter_names {
	char **v;
	int n, cap;
};

static void names_push(struct iter_names *l, const char *name)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = xrealloc(l->v, sizeof(*l->v) * (size_t)l->cap);
	}
	l->v[l->n++] = xstrdup(name);
}

/* bpf_iter_NAME functions and bpf_iter__NAME structs: an iterator is a
 * NAME that has both (iter_ids), found in one pass over BTF each rather
 * than one search per iterator. */
static int collect_func(const char *name, int proto, void *arg)
{
	if (!strncmp(name, "bpf_iter_", 9) && name[9])
		names_push(arg, name + 9);
	return 0;
}

static int collect_struct(const char *name, int id, void *arg)
{
	if (name && !strncmp(name, "bpf_iter__", 10) && name[10])
		names_push(arg, name + 10);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(struct iter_names *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* The sorted, de-duplicated names of every iterator this kernel has. */
static struct iter_names iterators(void)
{
	struct iter_names f = { 0 }, st = { 0 }, both = { 0 };
	btf_each_func(collect_func, &f);
	btf_each_struct(collect_struct, &st);
	qsort(f.v, (size_t)f.n, sizeof(*f.v), cmp_str);
	qsort(st.v, (size_t)st.n, sizeof(*st.v), cmp_str);
	for (int i = 0, k = 0; i < f.n; i++) {
		if (i && !strcmp(f.v[i], f.v[i - 1]))
			continue;
		while (k < st.n && strcmp(st.v[k], f.v[i]) < 0)
			k++;
		if (k < st.n && !strcmp(st.v[k], f.v[i]))
			names_push(&both, f.v[i]);
	}
	names_free(&f);
	names_free(&st);
	return both;
}

/* -l: "iter:NAME" for every iterator, sorted; -lv adds the context's
 * fields as latest bpftrace prints them (the FUNC's parameters without
 * the leading meta). */
static int it_list(const struct probe_type *pt, const char *pattern, bool verbose, FILE *out)
{
	const char *rest;
	if (!probe_pattern_rest(pt, pattern, &rest))
		return 0;
	char pat[256] = "*";
	if (rest)
		snprintf(pat, sizeof(pat), "%.*s", (int)strcspn(rest, ":"), rest);
	if (!btf_vmlinux())
		return 0;
	struct iter_names l = iterators();
	for (int i = 0; i < l.n; i++) {
		if (glob_match(pat, l.v[i])) {
			fprintf(out, "iter:%s\n", l.v[i]);
			if (verbose) {
				char fn[160];
				int proto;
				snprintf(fn, sizeof(fn), "bpf_iter_%s", l.v[i]);
				if (btf_find_func(fn, &proto) >= 0)
					btf_print_params(out, proto, 1, false);
			}
		}
	}
	names_free(&l);
	return 0;
}

/* ---- context ----------------------------------------------------------------- */

static struct type *it_ctx_type(const struct probe_env *env, struct attach_point *ap, const char *name)
{
	const struct it *it = ap->priv;
	if (strcmp(name, "ctx"))
		return NULL;
	struct type *rec = btf_type(it->ctx_id);
	return rec ? type_ptr(env->arena, rec, AS_KERNEL) : NULL;
}

static void *it_ctx_emit(struct cg *cg, struct attach_point *ap, const char *name)
{
	return LLVMBuildPtrToInt(cg->b, cg->ctxarg, cg->i64, "ctx");
}

/* ---- load, attach, run ------------------------------------------------------- */

static int it_load_opts(const struct probe_env *env, struct attach_point *const *aps, int naps,
			struct bpf_prog_load_opts *o, char *err, size_t errlen)
{
	struct attach_point *ap = aps[0];
	const struct it *it = ap->priv;
	o->expected_attach_type = BPF_TRACE_ITER;
	o->attach_btf_id = (__u32)it->func_id;
	return 0;
}

static int it_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd,
		     struct rt_links *links, char *err, size_t errlen)
{
	struct it *it = ap->priv;
	int fd = bpf_link_create(prog_fd, 0, BPF_TRACE_ITER, NULL);
	if (fd < 0) {
		snprintf(err, errlen, "Error attaching probe: %s: %s", ap->name, strerror(errno));
		return -1;
	}
	if (it->pin && bpf_obj_pin(fd, it->pin) < 0) {
		snprintf(err, errlen, "Error attaching probe: %s: cannot pin to %s: %s", ap->name, it->pin,
			 strerror(errno));
		close(fd);
		return -1;
	}
	rt_links_add(links, fd);
	it->link_fd = fd;
	return 0;
}

static int it_run(const struct probe_env *env, struct attach_point *ap, struct rt_links *links, char *err,
		  size_t errlen)
{
	const struct it *it = ap->priv;
	if (it->pin) {
		fprintf(stderr, "Program pinned to %s\n", it->pin);
		return 0;
	}
	int fd = bpf_iter_create(it->link_fd);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create the iterator: %s", ap->name, strerror(errno));
		return -1;
	}
	/* The program's output goes through the ring buffer: what read()
	 * returns (seq_file output) is empty and dropped. */
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		;
	int e = errno;
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: reading the iterator failed: %s", ap->name, strerror(e));
		return -1;
	}
	return 0;
}

static const char *const it_aliases[] = { "it", NULL };

const struct probe_type probe_iter = {
	.name = "iter",
	.aliases = it_aliases,
	.prog_type = BPF_PROG_TYPE_TRACING,
	.expand = it_expand,
	.list = it_list,
	.ctx_type = it_ctx_type,
	.ctx_emit = it_ctx_emit,
	.attach = it_attach,
	.load_opts = it_load_opts,
	.prog_per_ap = true,
	.run = it_run,
	.exclusive = true,
};
