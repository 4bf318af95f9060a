/* usdt.c - usdt:file:probe, usdt:file:provider:probe (alias U).
 *
 * A USDT probe is a `.note.stapsdt` note of the file (sys/elfsym.c):
 * provider, name, the site's address, an optional semaphore and the
 * argument specs ("-4@%edi 8@-16(%rbp)"). One probe can have several
 * sites, each with its own specs, so every site is one attach point, and
 * a probe using arg0..argN has one program per site (ctx_per_ap): they are
 * decoded at compile time for the site the program serves. A probe that
 * uses none has one program for all its sites, attached with one
 * uprobe_multi link per file. Wildcards apply to the provider and the
 * name; without a provider every provider matches. With -p PID, a
 * two-part `usdt:probe` (or a wildcard file) searches every file the
 * process maps.
 *
 * The site is a uprobe at the note's file offset: in a uprobe_multi link of
 * its program where the kernel has them (uprobe_attach_multi), else a perf
 * uprobe of its own (uprobe_pmu_attach); a semaphore is passed as the uprobe's
 * ref_ctr_offset, so the kernel raises it in every process that maps the
 * file (or the -p/-c one) while the probe is attached, and lowers it again
 * on detach.
 *
 * arg0..argN are uint64 as in bpftrace 0.17, holding the value sign- or
 * zero-extended from its size (a -4@ argument of -1 is 2^64 - 1, printed
 * as -1 by %d). */
#define _GNU_SOURCE
#include "probes/uprobe_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "codegen/cg.h"

#define USDT_MAX_ARGS 32

static struct attach_point *site_new(const struct probe_type *pt, const struct probe_env *env,
				     const char *path, struct elf_file *f, const struct usdt_note *n,
				     struct loc loc, char *err, size_t errlen)
{
	uint64_t off, ref = 0;
	if (!elf_file_offset(f, n->pc, &off) || (n->sema && !elf_file_offset(f, n->sema, &ref))) {
		snprintf(err, errlen, "usdt probe %s:%s of %s: address 0x%llx is in no loaded segment",
			 n->provider, n->name, path, (unsigned long long)(n->sema ? n->sema : n->pc));
		return NULL;
	}
	struct usdt_arg args[USDT_MAX_ARGS];
	char why[256];
	int na = usdt_parse_args(n->args, args, USDT_MAX_ARGS, why, sizeof(why));
	if (na < 0) {
		snprintf(err, errlen, "usdt probe %s:%s of %s: %s", n->provider, n->name, path, why);
		return NULL;
	}
	struct attach_point *ap = arena_alloc(env->arena, sizeof(*ap));
	struct usite *s = arena_alloc(env->arena, sizeof(*s));
	s->off = off;
	s->ref_ctr = ref;
	s->nargs = na;
	s->args = arena_alloc(env->arena, sizeof(*s->args) * (size_t)(na ? na : 1));
	memcpy(s->args, args, sizeof(*args) * (size_t)na);
	ap->pt = pt;
	ap->target = path;
	ap->func = arena_strdup(env->arena, n->name);
	ap->name = arena_printf(env->arena, "usdt:%s:%s:%s", path, n->provider, n->name);
	ap->loc = loc;
	ap->priv = s;
	return ap;
}

struct site_ref {
	const struct usdt_note *note;
	int index;              /* note order, for a stable sort */
};

static int cmp_site(const void *pa, const void *pb)
{
	const struct site_ref *a = pa, *b = pb;
	int c = strcmp(a->note->provider, b->note->provider);
	if (!c)
		c = strcmp(a->note->name, b->note->name);
	return c ? c : a->index - b->index;
}

static int usdt_expand(const struct probe_type *pt, const struct probe_env *env, const char *text,
		       struct loc loc, struct ap_list *out)
{
	char *parts[4];
	int np = split_colon(env->arena, text, parts, 4);
	const char *target, *prov = "*", *name;
	if (np == 4) {
		target = parts[1];
		prov = parts[2];
		name = parts[3];
	} else if (np == 3) {
		target = parts[1];
		name = parts[2];
	} else if (np == 2 && env->pid > 0) {
		target = "";            /* every file of the -p process */
		name = parts[1];
	} else {
		diag_error(env->diag, loc, "usdt probe type requires 2 or 3 arguments");
		return -1;
	}
	if (!*name || !*prov || (np > 2 && !*target)) {
		diag_error(env->diag, loc, "usdt probe must name a file and a probe");
		return -1;
	}
	struct ptrvec files = { 0 };
	if (utarget_files(env, "usdt", target, loc, true, &files) < 0)
		return -1;
	int found = 0;
	for (int i = 0; i < files.n; i++) {
		const char *path = files.v[i];
		char err[PATH_MAX + 256];
		struct elf_file *f = elf_file_open(path, err, sizeof(err));
		if (!f) {
			if (np == 2)
				continue;       /* a mapping of the process that is no ELF file */
			diag_error(env->diag, loc, "%s", err);
			return -1;
		}
		const struct usdt_note *v;
		int n = elf_file_usdt(f, &v), m = 0;
		/* the matching sites, those of one probe next to each other (sema
		 * gives consecutive attach points of one name one probe id) */
		struct site_ref *refs = xmalloc(sizeof(*refs) * (size_t)(n ? n : 1));
		for (int k = 0; k < n; k++)
			if (glob_match(prov, v[k].provider) && glob_match(name, v[k].name))
				refs[m++] = (struct site_ref){ &v[k], k };
		qsort(refs, (size_t)m, sizeof(*refs), cmp_site);
		for (int k = 0; k < m; k++) {
			struct attach_point *ap = site_new(pt, env, path, f, refs[k].note, loc, err, sizeof(err));
			if (!ap) {
				diag_error(env->diag, loc, "%s", err);
				free(refs);
				elf_file_close(f);
				return -1;
			}
			ap_list_push(env->arena, out, ap);
			found++;
		}
		free(refs);
		elf_file_close(f);
	}
	if (!found) {
		const char *where = files.n == 1 ? files.v[0] : *target ? target : "the process";
		if (has_wildcard(prov) && strcmp(prov, "*") == 0)
			diag_error(env->diag, loc, "usdt probe%s not found: %s:%s", has_wildcard(name) ? "s" : "",
				   where, name);
		else
			diag_error(env->diag, loc, "usdt probe%s not found: %s:%s:%s",
				   has_wildcard(name) || has_wildcard(prov) ? "s" : "", where, prov, name);
		return -1;
	}
	return 0;
}

/* ---- listing ----------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every probe (not site) of each file matching rest ("file[:provider]:name"
 * patterns, or "file" alone for all), sorted by provider:name per file. */
static int usdt_list_rest(pid_t pid, const char *rest, FILE *out)
{
	struct arena a = { 0 };
	char *parts[3];
	int np = split_colon(&a, rest, parts, 3), rc = 0;
	const char *target = parts[0], *prov = "*", *name = "*";
	if (np == 3) {
		prov = parts[1];
		name = parts[2];
	} else if (np == 2) {
		name = parts[1];
	} else if (np > 3) {
		fprintf(stderr, "ERROR: usdt probe type requires 2 or 3 arguments\n");
		arena_free(&a);
		return -1;
	}
	if (pid > 0 && np == 1 && !strchr(target, '/') && !has_wildcard(target)) {
		/* -l -p PID 'usdt:probe' */
		name = target;
		target = "";
	}
	char **files;
	int nf = utarget_files_list(pid, "usdt", target, true, &files);
	for (int i = 0; i < nf; i++) {
		char err[PATH_MAX + 64];
		struct elf_file *f = elf_file_open(files[i], err, sizeof(err));
		if (!f) {
			if (!*target || has_wildcard(target))
				continue;
			fprintf(stderr, "ERROR: %s\n", err);
			rc = -1;
			continue;
		}
		const struct usdt_note *v;
		int n = elf_file_usdt(f, &v), k = 0;
		const char **lines = xmalloc(sizeof(*lines) * (size_t)(n ? n : 1));
		for (int j = 0; j < n; j++)
			if (glob_match(prov, v[j].provider) && glob_match(name, v[j].name))
				lines[k++] = arena_printf(&a, "usdt:%s:%s:%s", files[i], v[j].provider, v[j].name);
		qsort(lines, (size_t)k, sizeof(*lines), cmp_str);
		for (int j = 0; j < k; j++)
			if (!j || strcmp(lines[j], lines[j - 1]))
				fprintf(out, "%s\n", lines[j]);
		free(lines);
		elf_file_close(f);
	}
	utarget_files_free(files);
	arena_free(&a);
	return nf < 0 ? -1 : rc;
}

static int usdt_list(const struct probe_type *pt, const char *pattern, bool verbose, FILE *out)
{
	const char *rest;
	int how = probe_pattern_rest(pt, pattern, &rest);
	if (how == 1 && utarget_named_file(rest, 0))    /* '*:/bin/app:*' */
		return usdt_list_rest(0, rest, out);
	if (how != 2 || !rest)
		return 0;
	return usdt_list_rest(0, rest, out);
}

static int usdt_list_pid(const struct probe_type *pt, pid_t pid, const char *pattern, bool verbose,
			 FILE *out)
{
	const char *rest;
	if (!pattern)
		return usdt_list_rest(pid, "*:*:*", out);
	int how = probe_pattern_rest(pt, pattern, &rest);
	if (!how)
		return 0;
	if (how == 1 && rest && !strchr(rest, ':')) {
		/* a wildcard type ('*:*', 'sys_*'): the process's probes by name */
		struct arena a = { 0 };
		int rc = usdt_list_rest(pid, arena_printf(&a, "*:*:%s", rest), out);
		arena_free(&a);
		return rc;
	}
	return usdt_list_rest(pid, rest ? rest : "*:*:*", out);
}

/* ---- context builtins ----------------------------------------------------------------- */

static struct type *usdt_ctx_type(const struct probe_env *env, struct attach_point *ap, const char *name)
{
	int i = probe_arg_index(name, "arg");
	return i >= 0 && i < ((const struct usite *)ap->priv)->nargs ? type_int(8, false) : NULL;
}

/* Narrows an i64 to size bytes and extends it back, as the spec says. */
static LLVMValueRef extend(struct cg *cg, LLVMValueRef v, int size, bool is_signed)
{
	if (size >= 8)
		return v;
	LLVMTypeRef t = LLVMIntTypeInContext(cg->ctx, (unsigned)size * 8);
	LLVMValueRef n = LLVMBuildTrunc(cg->b, v, t, "");
	return is_signed ? LLVMBuildSExt(cg->b, n, cg->i64, "") : LLVMBuildZExt(cg->b, n, cg->i64, "");
}

static void *usdt_ctx_emit(struct cg *cg, struct attach_point *ap, const char *name)
{
	const struct usite *s = ap->priv;
	const struct usdt_arg *a = &s->args[probe_arg_index(name, "arg")];
	switch (a->kind) {
	case USDT_ARG_CONST: {
		uint64_t v = (uint64_t)a->val;
		if (a->size < 8) {
			uint64_t mask = (1ull << (a->size * 8)) - 1, sign = 1ull << (a->size * 8 - 1);
			v &= mask;
			if (a->is_signed && (v & sign))
				v |= ~mask;
		}
		return cg_i64(cg, (int64_t)v);
	}
	case USDT_ARG_REG: {
		LLVMValueRef r = cg_load_int(cg, cg_gep(cg, cg->ctxarg, a->reg_off), 8, false);
		if (a->reg_shift)
			r = LLVMBuildLShr(cg->b, r, cg_i64(cg, a->reg_shift), "");
		return extend(cg, r, a->size, a->is_signed);
	}
	case USDT_ARG_MEM: {
		LLVMValueRef base = cg_load_int(cg, cg_gep(cg, cg->ctxarg, a->reg_off), 8, false);
		LLVMValueRef addr = LLVMBuildAdd(cg->b, base, cg_i64(cg, a->val), "usdt_addr");
		LLVMValueRef tmp = cg_alloca(cg, 8, "usdt_arg");
		cg_memset0(cg, tmp, 8);
		cg_probe_read(cg, tmp, a->size, addr, AS_USER);
		return cg_load_int(cg, tmp, a->size, a->is_signed);
	}
	}
	return cg_i64(cg, 0);
}

static const char *const usdt_aliases[] = { "U", NULL };

const struct probe_type probe_usdt = {
	.name = "usdt",
	.aliases = usdt_aliases,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.expand = usdt_expand,
	.list = usdt_list,
	.list_pid = usdt_list_pid,
	.ctx_type = usdt_ctx_type,
	.ctx_emit = usdt_ctx_emit,
	.ctx_misuse = uprobe_ctx_misuse,
	.attach = uprobe_pmu_attach,
	.load_opts = uprobe_load_opts,
	.attach_multi = uprobe_attach_multi,
	.ctx_per_ap = true,
	.user_mem = true,
};
