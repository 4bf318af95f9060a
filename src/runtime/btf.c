/* btf.c - vmlinux BTF: lookups, -lv declarations and the minimal BTF to
 * struct type conversion described in btf.h.
 *
 * Converted types are cached by BTF id for the life of the process in an
 * arena of this file (freed at exit). Struct members are converted through
 * a work list rather than by recursion, so that deep pointer chains
 * (task_struct -> mm_struct -> ...) cost no stack; a struct's shell is in
 * the cache before its members are, which also ends cycles. */
#include "runtime/btf.h"

#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "util/arena.h"
#include "util/strmap.h"

static struct btf *vmlinux;
static int vmlinux_err;
static const char *btf_file;         /* BPFTRACE_BTF, or NULL for the kernel's */
static struct arena types_arena;
static struct type **cache;          /* by BTF id */
static unsigned ncache;
/* FUNC name -> id (the lowest of its ids, as btf__find_by_name_kind gives),
 * built at the first function lookup: libbpf's lookup walks every type, and
 * a wildcard over thousands of functions would cost seconds. In types_arena. */
static struct strmap funcs;
static bool funcs_built;

static void btf_cleanup(void)
{
	btf__free(vmlinux);
	vmlinux = NULL;
	arena_free(&types_arena);
	free(cache);
	cache = NULL;
	ncache = 0;
	memset(&funcs, 0, sizeof(funcs));
	funcs_built = false;
}

void btf_set_file(const char *path)
{
	btf_file = path;
}

const struct btf *btf_vmlinux(void)
{
	if (vmlinux)
		return vmlinux;
	if (vmlinux_err) {
		errno = vmlinux_err;
		return NULL;
	}
	struct btf *b = btf_file ? btf__parse(btf_file, NULL) : btf__load_vmlinux_btf();
	if (!b || libbpf_get_error(b)) {
		vmlinux_err = errno ? errno : ENOENT;
		errno = vmlinux_err;
		return NULL;
	}
	vmlinux = b;
	ncache = btf__type_cnt(b);
	cache = xcalloc(ncache, sizeof(*cache));
	atexit(btf_cleanup);
	return vmlinux;
}

static int find_func(const struct btf *b, const char *name)
{
	if (!funcs_built) {
		unsigned n = btf__type_cnt(b);
		for (unsigned id = 1; id < n; id++) {
			const struct btf_type *t = btf__type_by_id(b, id);
			if (!t || !btf_is_func(t))
				continue;
			const char *fn = btf__name_by_offset(b, t->name_off);
			if (fn && *fn && !strmap_get(&funcs, fn))
				strmap_put(&types_arena, &funcs, fn, (void *)(uintptr_t)id);
		}
		funcs_built = true;
	}
	return (int)(uintptr_t)strmap_get(&funcs, name);
}

int btf_find(const char *name, int kind)
{
	const struct btf *b = btf_vmlinux();
	if (!b)
		return -1;
	if (kind == BTF_KIND_FUNC) {
		int fid = find_func(b, name);
		return fid > 0 ? fid : -1;
	}
	int id = btf__find_by_name_kind(b, name, (__u32)kind);
	return id > 0 ? id : -1;
}

int btf_find_func(const char *name, int *proto)
{
	int id = btf_find(name, BTF_KIND_FUNC);
	if (id < 0)
		return -1;
	const struct btf_type *t = btf__type_by_id(vmlinux, (__u32)id);
	const struct btf_type *p = t ? btf__type_by_id(vmlinux, t->type) : NULL;
	if (!p || !btf_is_func_proto(p))
		return -1;
	if (proto)
		*proto = (int)t->type;
	return id;
}

static const struct btf_type *proto_of(int proto)
{
	const struct btf_type *t = btf_vmlinux() && proto > 0 ? btf__type_by_id(vmlinux, (__u32)proto) : NULL;
	return t && btf_is_func_proto(t) ? t : NULL;
}

int btf_proto_nparams(int proto)
{
	const struct btf_type *t = proto_of(proto);
	return t ? btf_vlen(t) : 0;
}

int btf_proto_param(int proto, int i, const char **name)
{
	const struct btf_type *t = proto_of(proto);
	if (!t || i < 0 || i >= btf_vlen(t))
		return -1;
	const struct btf_param *p = btf_params(t) + i;
	if (name)
		*name = btf__name_by_offset(vmlinux, p->name_off);
	return (int)p->type;
}

int btf_proto_ret(int proto)
{
	const struct btf_type *t = proto_of(proto);
	return t ? (int)t->type : 0;
}

void btf_each_func(int (*fn)(const char *name, int proto, void *arg), void *arg)
{
	const struct btf *b = btf_vmlinux();
	if (!b)
		return;
	unsigned n = btf__type_cnt(b);
	for (unsigned id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(b, id);
		if (!t || !btf_is_func(t))
			continue;
		if (fn(btf__name_by_offset(b, t->name_off), (int)t->type, arg))
			break;
	}
}

/* ---- conversion --------------------------------------------------------- */

struct pending {
	struct type *rec;
	int id;
};
struct worklist {
	struct pending *v;
	int n, cap;
};

static struct type *convert(int id, struct worklist *wl);

static struct type *int_of_size(int size, bool is_signed)
{
	if (size == 1 || size == 2 || size == 4 || size == 8)
		return type_int(size, is_signed);
	return type_array(&types_arena, type_int(1, false), size > 0 ? size : 1);
}

static int resolve_id(int id)
{
	int r = btf__resolve_type(vmlinux, (__u32)id);
	return r < 0 ? id : r;
}

/* Appends the members of struct/union `id` to rec at byte offset base,
 * flattening anonymous struct and union members. */
static void add_members(struct type *rec, int id, int base, struct worklist *wl, int *cap)
{
	const struct btf_type *t = btf__type_by_id(vmlinux, (__u32)id);
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(vmlinux, m->name_off);
		int boff = (int)btf_member_bit_offset(t, (__u32)i);
		int bsize = (int)btf_member_bitfield_size(t, (__u32)i);
		int mid = resolve_id((int)m->type);
		const struct btf_type *mt = btf__type_by_id(vmlinux, (__u32)mid);
		if ((!name || !*name) && mt && (btf_is_struct(mt) || btf_is_union(mt))) {
			add_members(rec, mid, base + boff / 8, wl, cap);
			continue;
		}
		if (rec->nfields == *cap) {
			int ncap = *cap ? *cap * 2 : 8;
			rec->fields = arena_realloc(&types_arena, rec->fields, sizeof(*rec->fields) * (size_t)*cap,
						    sizeof(*rec->fields) * (size_t)ncap);
			*cap = ncap;
		}
		struct type_field *f = &rec->fields[rec->nfields++];
		f->name = name && *name ? name : NULL;
		f->type = convert((int)m->type, wl);
		if (!f->type)
			f->type = type_int(8, false);
		if (bsize) {
			f->offset = base + boff / 8;
			f->bit_offset = boff % 8;
			f->bit_size = bsize;
		} else {
			f->offset = base + boff / 8;
		}
	}
}

static struct type *convert(int id, struct worklist *wl)
{
	if (id <= 0 || (unsigned)id >= ncache)
		return NULL;
	if (cache[id])
		return cache[id];
	const struct btf_type *t = btf__type_by_id(vmlinux, (__u32)id);
	if (!t)
		return NULL;
	struct type *r = NULL;
	switch (btf_kind(t)) {
	case BTF_KIND_INT: {
		__u32 enc = btf_int_encoding(t);
		r = int_of_size((int)t->size, (enc & BTF_INT_SIGNED) != 0);
		break;
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		r = int_of_size((int)t->size, btf_kflag(t));
		break;
	case BTF_KIND_FLOAT:
		r = int_of_size((int)t->size, true);
		break;
	case BTF_KIND_PTR: {
		/* the pointer is cached first: a pointee may point back here */
		r = type_ptr(&types_arena, NULL, AS_KERNEL);
		cache[id] = r;
		r->elem = convert((int)t->type, wl);
		if (!r->elem)
			r->elem = type_int(1, false);   /* void *, function pointers */
		return r;
	}
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		struct type *el = convert((int)a->type, wl);
		if (!el)
			return NULL;
		if (el->kind == TY_INT && el->size == 1)
			r = type_str(&types_arena, (int)a->nelems ? (int)a->nelems : 1);
		else
			r = type_array(&types_arena, el, (int)a->nelems);
		break;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		const char *name = btf__name_by_offset(vmlinux, t->name_off);
		r = type_simple(&types_arena, TY_RECORD, (int)t->size);
		r->align = 8;
		r->as = AS_KERNEL;
		r->name = arena_printf(&types_arena, "%s %s", btf_is_union(t) ? "union" : "struct",
				       name && *name ? name : "(anonymous)");
		cache[id] = r;
		if (wl->n == wl->cap) {
			wl->cap = wl->cap ? wl->cap * 2 : 64;
			wl->v = xrealloc(wl->v, sizeof(*wl->v) * (size_t)wl->cap);
		}
		wl->v[wl->n++] = (struct pending){ r, id };
		return r;
	}
	case BTF_KIND_FWD: {
		const char *name = btf__name_by_offset(vmlinux, t->name_off);
		r = type_simple(&types_arena, TY_RECORD, 0);
		r->name = arena_printf(&types_arena, "%s %s", btf_kflag(t) ? "union" : "struct", name);
		break;
	}
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		r = convert((int)t->type, wl);
		break;
	default:
		/* FUNC_PROTO (behind function pointers), VAR, DATASEC ... */
		return NULL;
	}
	cache[id] = r;
	return r;
}

struct type *btf_type(int id)
{
	if (!btf_vmlinux())
		return NULL;
	struct worklist wl = { 0 };
	struct type *r = convert(id, &wl);
	/* fill the structs met on the way (converting members may add more) */
	while (wl.n) {
		struct pending p = wl.v[--wl.n];
		int cap = 0;
		add_members(p.rec, p.id, 0, &wl, &cap);
	}
	free(wl.v);
	return r;
}

int btf_member_offset(const char *name, const char *member)
{
	struct type *t = btf_type(btf_find(name, BTF_KIND_STRUCT));
	for (int i = 0; t && i < t->nfields; i++)
		if (t->fields[i].name && !strcmp(t->fields[i].name, member))
			return t->fields[i].offset;
	return -1;
}

/* ---- declarations -------------------------------------------------------- */

struct strbuf {
	char *p;
	size_t n;
};

static void decl_printf(void *ctx, const char *fmt, va_list ap)
{
	struct strbuf *sb = ctx;
	char tmp[512];
	int k = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	if (k <= 0)
		return;
	if ((size_t)k >= sizeof(tmp))
		k = sizeof(tmp) - 1;
	sb->p = xrealloc(sb->p, sb->n + (size_t)k + 1);
	memcpy(sb->p + sb->n, tmp, (size_t)k);
	sb->n += (size_t)k;
	sb->p[sb->n] = 0;
}

char *btf_decl(int id)
{
	if (!btf_vmlinux())
		return xstrdup("?");
	if (id == 0)
		return xstrdup("void");
	struct strbuf sb = { 0 };
	struct btf_dump *d = btf_dump__new(vmlinux, decl_printf, &sb, NULL);
	if (!d || libbpf_get_error(d))
		return xstrdup("?");
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, o, .field_name = "");
	if (btf_dump__emit_type_decl(d, (__u32)id, &o) < 0 || !sb.p) {
		free(sb.p);
		sb.p = xstrdup("?");
	}
	btf_dump__free(d);
	return sb.p;
}

void btf_print_params(FILE *out, int proto, int skip, bool with_retval)
{
	int n = btf_proto_nparams(proto);
	for (int i = skip; i < n; i++) {
		const char *name = NULL;
		int tid = btf_proto_param(proto, i, &name);
		char *d = btf_decl(tid);
		fprintf(out, "    %s %s\n", d, name ? name : "");
		free(d);
	}
	int ret = btf_proto_ret(proto);
	if (with_retval && ret) {
		char *d = btf_decl(ret);
		fprintf(out, "    %s retval\n", d);
		free(d);
	}
}

struct type *btf_args_record(struct arena *a, int proto, int skip, bool with_retval, const char *name)
{
	int n = btf_proto_nparams(proto);
	int nf = n - skip + 1;
	struct type *r = type_simple(a, TY_RECORD, 0);
	r->name = arena_strdup(a, name);
	r->align = 8;
	r->fields = arena_alloc(a, sizeof(*r->fields) * (size_t)(nf > 0 ? nf : 1));
	int slot = 0;
	for (int i = skip; i < n; i++) {
		const char *pname = NULL;
		int tid = btf_proto_param(proto, i, &pname);
		struct type_field *f = &r->fields[r->nfields++];
		f->name = arena_strdup(a, pname && *pname ? pname : "");
		f->type = btf_type(tid);
		if (!f->type)
			f->type = type_int(8, false);
		f->offset = 8 * slot;
		int sz = f->type->size > 8 ? f->type->size : 8;
		slot += (sz + 7) / 8;
	}
	int ret = btf_proto_ret(proto);
	if (with_retval && ret) {
		struct type_field *f = &r->fields[r->nfields++];
		f->name = "retval";
		f->type = btf_type(ret);
		if (!f->type)
			f->type = type_int(8, false);
		f->offset = 8 * slot++;
	}
	r->size = 8 * slot;
	return r;
}
