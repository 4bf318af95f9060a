/* fentry.c - fentry:func and fexit:func (aliases f / fr, and 0.17's names
 * kfunc / kretfunc), fentry:module:func, wildcards over the functions of
 * vmlinux BTF.
 *
 * A trampoline program is bound to its function at load time
 * (BPF_PROG_TYPE_TRACING, expected_attach_type BPF_TRACE_FENTRY/FEXIT,
 * attach_btf_id = the FUNC's BTF id), so every attach point gets its own
 * program (prog_per_ap). The context is u64 args[]: `args.name` is the
 * function's parameter in slot i (typed from the FUNC_PROTO), fexit's
 * `retval` sits in the slot after the last parameter, and `func` is
 * bpf_get_func_ip. A kernel that refuses trampolines altogether (EPERM
 * with an empty verifier log, as on this machine: lockdown/policy) gets
 * one line naming that and the nearest tracepoint. */
#include "probes/probes_int.h"

#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "codegen/cg.h"
#include "probes/kernel.h"
#include "sys/btf.h"

extern const struct probe_type probe_fexit;

struct fe {
	int func_id;   /* BTF FUNC */
	int proto;     /* its FUNC_PROTO */
};

static bool is_exit(const struct attach_point *ap)
{
	return ap->pt == &probe_fexit;
}

static struct attach_point *fe_new(const struct probe_type *pt, const struct probe_env *env, bool module,
				   const char *func, int id, int proto, struct loc loc)
{
	struct fe *f = arena_alloc(env->arena, sizeof(*f));
	f->func_id = id;
	f->proto = proto;
	return kbtf_ap_new(pt, env, module, func, loc, f);
}

struct match_ctx {
	const struct probe_env *env;
	const struct probe_type *pt;
	const char *pattern;
	bool module;
	struct loc loc;
	struct ap_list *out;
	int found;
};

static int match_func(const char *name, int proto, void *arg)
{
	struct match_ctx *m = arg;
	if (!glob_match(m->pattern, name))
		return 0;
	int id = btf_find_func(name, NULL);
	ap_list_push(m->env->arena, m->out, fe_new(m->pt, m->env, m->module, name, id, proto, m->loc));
	m->found++;
	return 0;
}

static int fe_expand(const struct probe_type *pt, const struct probe_env *env, const char *text,
		     struct loc loc, struct ap_list *out)
{
	static const struct kbtf_words words = { "fentry/fexit should specify a function", NULL, "functions" };
	const char *module, *func = kbtf_split(pt, env, text, loc, &words, &module);
	if (!func)
		return -1;
	if (!has_wildcard(func)) {
		int proto, id = btf_find_func(func, &proto);
		if (id < 0) {
			diag_error(env->diag, loc, "%s: no BTF for kernel function %s", text, func);
			return -1;
		}
		ap_list_push(env->arena, out, fe_new(pt, env, module != NULL, func, id, proto, loc));
		return 0;
	}
	struct match_ctx m = { env, pt, func, module != NULL, loc, out, 0 };
	btf_each_func(match_func, &m);
	if (!m.found) {
		diag_error(env->diag, loc, "No %s matches '%s'", pt->name, func);
		return -1;
	}
	return 0;
}

struct list_ctx {
	const struct probe_type *pt;
	const char *pattern;
	bool verbose;
	FILE *out;
};

static int list_func(const char *name, int proto, void *arg)
{
	struct list_ctx *l = arg;
	if (!glob_match(l->pattern, name))
		return 0;
	fprintf(l->out, "%s:vmlinux:%s\n", l->pt->name, name);
	if (l->verbose)
		btf_print_params(l->out, proto, 0, true);
	return 0;
}

/* -l: "fentry:vmlinux:func" as latest bpftrace lists them; -lv adds the
 * parameters and the return value. Listed only when asked by name (the
 * BTF has ~60,000 functions, kprobe lists the same ones). */
static int fe_list(const struct probe_type *pt, const char *pattern, bool verbose, FILE *out)
{
	const char *rest;
	if (probe_pattern_rest(pt, pattern, &rest) != 2)
		return 0;
	char fpat[256];
	if (!kbtf_list_pattern(rest, fpat, sizeof(fpat)))
		return 0;
	if (!btf_vmlinux()) {
		fprintf(stderr, "ERROR: %s: no kernel BTF: %s\n", pt->name, strerror(errno));
		return -1;
	}
	struct list_ctx l = { pt, fpat, verbose, out };
	btf_each_func(list_func, &l);
	return 0;
}

/* ---- context ------------------------------------------------------------- */

static struct type *fe_args_type(const struct probe_env *env, struct attach_point *ap)
{
	const struct fe *f = ap->priv;
	return btf_args_record(env->arena, f->proto, 0, false,
			       arena_printf(env->arena, "struct %s_args", ap->func));
}

/* Slot of the return value: after every parameter (a struct passed by value
 * takes one slot per 8 bytes). */
static int retval_slot(const struct fe *f)
{
	int n = btf_proto_nparams(f->proto), slots = 0;
	for (int i = 0; i < n; i++) {
		struct type *t = btf_type(btf_proto_param(f->proto, i, NULL));
		int sz = t && t->size > 8 ? t->size : 8;
		slots += (sz + 7) / 8;
	}
	return slots;
}

static struct type *fe_ctx_type(const struct probe_env *env, struct attach_point *ap, const char *name)
{
	const struct fe *f = ap->priv;
	if (!strcmp(name, "func"))
		return type_simple(env->arena, TY_KSYM, 8);
	if (!strcmp(name, "retval") && is_exit(ap)) {
		struct type *t = btf_type(btf_proto_ret(f->proto));
		if (!t || (t->kind != TY_INT && t->kind != TY_PTR))
			return type_int(8, false);
		return t;
	}
	return NULL;
}

static void *fe_ctx_emit(struct cg *cg, struct attach_point *ap, const char *name)
{
	const struct fe *f = ap->priv;
	if (!strcmp(name, "retval")) {
		struct type *t = fe_ctx_type(cg->env, ap, name);
		int sz = t->kind == TY_INT ? t->size : 8;
		return kctx_load(cg, 8 * retval_slot(f), sz, t->is_signed);
	}
	LLVMValueRef args[] = { cg->ctxarg };
	return cg_helper(cg, BPF_FUNC_get_func_ip, cg->i64, args, 1);
}

/* ---- load and attach ------------------------------------------------------- */

static int fe_load_opts(const struct probe_env *env, struct attach_point *const *aps, int naps,
			struct bpf_prog_load_opts *o, char *err, size_t errlen)
{
	struct attach_point *ap = aps[0];
	const struct fe *f = ap->priv;
	o->expected_attach_type = is_exit(ap) ? BPF_TRACE_FEXIT : BPF_TRACE_FENTRY;
	o->attach_btf_id = (__u32)f->func_id;
	return 0;
}

static bool fe_load_error(const struct attach_point *ap, int err, const char *log, char *msg, size_t len)
{
	if (err != EPERM || (log && log[0]))
		return false;
	/* refused before the verifier ran: trampolines are not allowed here */
	snprintf(msg, len, "%s: fentry/fexit programs are not permitted by this kernel (EPERM at load)", ap->name);
	ksuggest_append(msg, len, ap->func, is_exit(ap));
	return true;
}

static int fe_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd,
		     struct rt_links *links, char *err, size_t errlen)
{
	/* the trampoline is already bound; the raw tracepoint open call of
	 * 5.5+ attaches it (no cookie needed: one program per function) */
	return kbtf_link(ap, bpf_raw_tracepoint_open(NULL, prog_fd), links, err, errlen);
}

static const char *const fentry_aliases[] = { "f", "kfunc", NULL };
static const char *const fexit_aliases[] = { "fr", "kretfunc", NULL };

const struct probe_type probe_fentry = {
	.name = "fentry",
	.aliases = fentry_aliases,
	.prog_type = BPF_PROG_TYPE_TRACING,
	.expand = fe_expand,
	.list = fe_list,
	.args_type = fe_args_type,
	.ctx_type = fe_ctx_type,
	.ctx_emit = fe_ctx_emit,
	.attach = fe_attach,
	.load_opts = fe_load_opts,
	.load_error = fe_load_error,
	.prog_per_ap = true,
};

const struct probe_type probe_fexit = {
	.name = "fexit",
	.aliases = fexit_aliases,
	.prog_type = BPF_PROG_TYPE_TRACING,
	.expand = fe_expand,
	.list = fe_list,
	.args_type = fe_args_type,
	.ctx_type = fe_ctx_type,
	.ctx_emit = fe_ctx_emit,
	.attach = fe_attach,
	.load_opts = fe_load_opts,
	.load_error = fe_load_error,
	.prog_per_ap = true,
};
