/* btf.c - vmlinux BTF: lookups, -lv declarations and the minimal BTF to
 * struct type conversion described in btf.h.
 *
 * Converted types are cached by BTF id for the life of the process in an
 * arena of this file (freed at exit): the type cache every run shares.
 * Conversion is on demand: a struct or union is a shell (name, size) until
 * a program looks inside it, when its `complete` hook (type.h) converts its
 * members, again shallowly. A program touching task_struct->real_parent
 * converts two records, not the thousands task_struct reaches; cycles end
 * because shells are cached before anything else happens. */
#include "sys/btf.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
#include "util/prefault.h"
#include <sys/mman.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "util/arena.h"
#include "util/rfile.h"
#include "util/strmap.h"

static struct btf *vmlinux;
static int vmlinux_err;
static const char *btf_file;         /* BPFTRACE_BTF, or NULL for the kernel's */
static struct btf *file_btf;         /* its BTF, parsed by btf_set_file */
static struct arena types_arena;
static struct type **cache;          /* by BTF id */
static unsigned ncache;
/* FUNC name -> id (the lowest of its ids, as btf__find_by_name_kind gives),
 * built at the first function lookup: libbpf's lookup walks every type, and
 * a wildcard over thousands of functions would cost seconds. In types_arena. */
static struct strmap funcs;
static bool funcs_built;
/* Every enumerator of vmlinux by name -> its enum's BTF id (built on first use). */
static struct strmap enumerators;
static bool enumerators_built;

static void btf_cleanup(void)
{
	btf__free(vmlinux);
	vmlinux = NULL;
	arena_free(&types_arena);
	enumerators = (struct strmap){ 0 };
	enumerators_built = false;
	free(cache);
	cache = NULL;
	ncache = 0;
	memset(&funcs, 0, sizeof(funcs));
	funcs_built = false;
}

bool btf_set_file(const char *path, char *err, size_t errlen)
{
	/* opened as files others control are (util/rfile.h: a FIFO or a device
	 * is refused, never waited on); libbpf parses that very file through
	 * /proc/self/fd, whatever is put at path meanwhile */
	int fd = rfile_open(path, RFILE_MAX_BTF, NULL, err, errlen);
	if (fd < 0) {
		if (!strncmp(err, "cannot open ", 12))
			snprintf(err, errlen, "cannot read BTF file '%s': %s", path, strerror(errno));
		return false;
	}
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	errno = 0;
	struct btf *b = btf__parse(self, NULL);
	long e = b ? libbpf_get_error(b) : -(errno ? errno : EINVAL);
	libbpf_set_print(old);
	close(fd);
	if (!b || e) {
		char msg[128];
		libbpf_strerror((int)e, msg, sizeof(msg));
		snprintf(err, errlen, "'%s' is not a BTF file: %s", path, msg);
		return false;
	}
	btf_file = path;
	file_btf = b;
	return true;
}

/* /sys/kernel/btf/vmlinux in one piece: mapped where the kernel allows it
 * (6.16 and later), else read in large blocks. libbpf 1.1's btf__parse()
 * reads it through a 4 KiB stdio buffer: ~1,500 read(2) calls and copies
 * for its ~6 MiB, a third of what `-l` cost. NULL: use libbpf's search
 * (its other locations, its error). */
static struct btf *load_sysfs_vmlinux(void)
{
	char err[128];
	uint64_t size;
	int fd = rfile_open("/sys/kernel/btf/vmlinux", RFILE_MAX_BTF, &size, err, sizeof(err));
	if (fd < 0)
		return NULL;
	struct btf *b = NULL;
	if (!size)
		goto out;
	size_t len = (size_t)size;
	void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	/* libbpf copies the data (len) and indexes its types (a few bytes a type):
	 * len plus a quarter covers both */
	heap_prefault(len + len / 4);
	if (m != MAP_FAILED) {
		b = btf__new(m, (__u32)len);
		munmap(m, len);
	} else {
		char *buf = malloc(len);
		size_t got = 0;
		ssize_t r;
		while (buf && got < len && (r = read(fd, buf + got, len - got)) > 0)
			got += (size_t)r;
		if (buf && got == len)
			b = btf__new(buf, (__u32)len);
		free(buf);
	}
	if (b && libbpf_get_error(b))
		b = NULL;
out:
	close(fd);
	return b;
}

const struct btf *btf_vmlinux(void)
{
	if (vmlinux)
		return vmlinux;
	if (vmlinux_err) {
		errno = vmlinux_err;
		return NULL;
	}
	struct btf *b = btf_file ? file_btf : load_sysfs_vmlinux();
	file_btf = NULL;   /* vmlinux owns it now */
	if (!b && !btf_file)
		b = btf__load_vmlinux_btf();
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

/* fn(name, value, arg) for every type of kind, in id order, until fn
 * returns non-zero; value is the type's own id, or with referenced the id
 * it refers to (a FUNC's prototype). */
static void each_of_kind(unsigned kind, bool referenced, int (*fn)(const char *name, int value, void *arg),
			 void *arg)
{
	const struct btf *b = btf_vmlinux();
	if (!b)
		return;
	unsigned n = btf__type_cnt(b);
	for (unsigned id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(b, id);
		if (!t || btf_kind(t) != kind)
			continue;
		if (fn(btf__name_by_offset(b, t->name_off), (int)(referenced ? t->type : id), arg))
			break;
	}
}

void btf_each_func(int (*fn)(const char *name, int proto, void *arg), void *arg)
{
	each_of_kind(BTF_KIND_FUNC, true, fn, arg);
}

void btf_each_struct(int (*fn)(const char *name, int id, void *arg), void *arg)
{
	each_of_kind(BTF_KIND_STRUCT, false, fn, arg);
}

/* ---- conversion --------------------------------------------------------- */

static struct type *convert(int id);

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

static void add_field(struct type *rec, int *cap, const char *name, struct type *ft, int boff, int bsize)
{
	if (rec->nfields == *cap) {
		int ncap = *cap ? *cap * 2 : 8;
		rec->fields = arena_realloc(&types_arena, rec->fields, sizeof(*rec->fields) * (size_t)*cap,
					    sizeof(*rec->fields) * (size_t)ncap);
		*cap = ncap;
	}
	struct type_field *f = &rec->fields[rec->nfields++];
	f->name = name && *name ? name : NULL;
	f->type = ft ? ft : type_int(8, false);
	if (bsize) {
		/* a bitfield: the byte holding its first bit, then bits from there */
		f->offset = boff / 8;
		f->bit_offset = boff % 8;
		f->bit_size = bsize;
	} else {
		f->offset = boff / 8;
	}
}

/* Appends the members of struct/union `id` to rec at bit offset base,
 * flattening anonymous struct and union members (their members are
 * reachable by name from the parent, as in C). Member types are converted
 * shallowly: records among them stay shells until used. */
static void add_members(struct type *rec, int id, int base, int *cap)
{
	const struct btf_type *t = btf__type_by_id(vmlinux, (__u32)id);
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(vmlinux, m->name_off);
		int boff = base + (int)btf_member_bit_offset(t, (__u32)i);
		int bsize = (int)btf_member_bitfield_size(t, (__u32)i);
		int mid = resolve_id((int)m->type);
		const struct btf_type *mt = btf__type_by_id(vmlinux, (__u32)mid);
		if ((!name || !*name) && mt && (btf_is_struct(mt) || btf_is_union(mt))) {
			add_members(rec, mid, boff, cap);
			continue;
		}
		add_field(rec, cap, name, convert((int)m->type), boff, bsize);
	}
}

/* The `complete` hook of BTF records (type.h): members on first use. */
static void complete_record(struct type *rec)
{
	int cap = 0;
	add_members(rec, rec->src_id, 0, &cap);
}

static struct type *convert_enum(const struct btf_type *t, int id)
{
	struct type *r = type_copy(&types_arena, int_of_size((int)t->size, btf_kflag(t)));
	const char *name = btf__name_by_offset(vmlinux, t->name_off);
	r->enum_name = name && *name ? arena_printf(&types_arena, "enum %s", name) : "enum";
	r->src_id = id;
	int n = btf_vlen(t);
	r->enumvals = arena_alloc(&types_arena, sizeof(*r->enumvals) * (size_t)(n ? n : 1));
	r->nenumvals = n;
	for (int i = 0; i < n; i++) {
		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t) + i;
			r->enumvals[i].name = btf__name_by_offset(vmlinux, e->name_off);
			r->enumvals[i].value = btf_kflag(t) ? (int64_t)e->val : (int64_t)(uint32_t)e->val;
		} else {
			const struct btf_enum64 *e = btf_enum64(t) + i;
			r->enumvals[i].name = btf__name_by_offset(vmlinux, e->name_off);
			r->enumvals[i].value = (int64_t)btf_enum64_value(e);
		}
	}
	return r;
}

static struct type *convert(int id)
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
		r = convert_enum(t, id);
		break;
	case BTF_KIND_FLOAT:
		r = int_of_size((int)t->size, true);
		break;
	case BTF_KIND_PTR: {
		/* the pointer is cached first: a pointee may point back here */
		r = type_ptr(&types_arena, NULL, AS_KERNEL);
		cache[id] = r;
		r->elem = convert((int)t->type);
		if (!r->elem)
			r->elem = type_int(1, false);   /* void *, function pointers */
		return r;
	}
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		struct type *el = convert((int)a->type);
		if (!el)
			return NULL;
		/* char arrays are strings, as bpftrace types them */
		if (el->kind == TY_INT && el->size == 1 && !el->enum_name)
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
		r->is_union = btf_is_union(t);
		r->name = arena_printf(&types_arena, "%s %s", btf_is_union(t) ? "union" : "struct",
				       name && *name ? name : "(anonymous)");
		r->src_id = id;
		r->complete = complete_record;
		break;
	}
	case BTF_KIND_FWD: {
		/* a declaration without a body: the definition may exist under
		 * the same name elsewhere in BTF */
		const char *name = btf__name_by_offset(vmlinux, t->name_off);
		int def = btf_find(name, btf_kflag(t) ? BTF_KIND_UNION : BTF_KIND_STRUCT);
		if (def > 0)
			return cache[id] = convert(def);
		r = type_simple(&types_arena, TY_RECORD, 0);
		r->name = arena_printf(&types_arena, "%s %s", btf_kflag(t) ? "union" : "struct", name);
		break;
	}
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		r = convert((int)t->type);
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
	return convert(id);
}

int btf_member_offset(const char *name, const char *member)
{
	struct type *t = type_complete(btf_type(btf_find(name, BTF_KIND_STRUCT)));
	for (int i = 0; t && i < t->nfields; i++)
		if (t->fields[i].name && !strcmp(t->fields[i].name, member))
			return t->fields[i].offset;
	return -1;
}

struct type *btf_named_type(const char *name)
{
	if (!btf_vmlinux())
		return NULL;
	static const struct { const char *prefix; int kind; } tags[] = {
		{ "struct ", BTF_KIND_STRUCT }, { "union ", BTF_KIND_UNION }, { "enum ", BTF_KIND_ENUM },
	};
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		size_t n = strlen(tags[i].prefix);
		if (strncmp(name, tags[i].prefix, n))
			continue;
		int id = btf_find(name + n, tags[i].kind);
		if (id < 0 && tags[i].kind == BTF_KIND_ENUM)
			id = btf_find(name + n, BTF_KIND_ENUM64);
		return id < 0 ? NULL : btf_type(id);
	}
	int id = btf_find(name, BTF_KIND_TYPEDEF);
	if (id < 0)
		id = btf_find(name, BTF_KIND_INT);
	return id < 0 ? NULL : btf_type(id);
}

static int distance(const char *a, const char *b, int limit)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > lb + (size_t)limit || lb > la + (size_t)limit || lb >= 128)
		return limit + 1;
	int row[130];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int prev = row[0], best = row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cur = row[j];
			int v = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < v)
				v = row[j] + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			prev = cur;
			if (v < best)
				best = v;
		}
		if (best > limit)
			return limit + 1;
	}
	return row[lb];
}

const char *btf_near_name(const char *name, int limit)
{
	if (!btf_vmlinux())
		return NULL;
	const char *tag = !strncmp(name, "struct ", 7) ? "struct " : !strncmp(name, "union ", 6) ? "union "
			  : !strncmp(name, "enum ", 5) ? "enum " : NULL;
	if (!tag)
		return NULL;
	int kind = tag[0] == 's' ? BTF_KIND_STRUCT : tag[0] == 'u' ? BTF_KIND_UNION : BTF_KIND_ENUM;
	const char *bare = name + strlen(tag), *best = NULL;
	int bd = limit;
	unsigned n = btf__type_cnt(vmlinux);
	for (unsigned id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(vmlinux, id);
		if (!t)
			continue;
		int k = (int)btf_kind(t);
		if (k != kind && !(kind == BTF_KIND_ENUM && k == BTF_KIND_ENUM64))
			continue;
		const char *tn = btf__name_by_offset(vmlinux, t->name_off);
		if (!tn || !*tn)
			continue;
		int d = distance(bare, tn, bd - 1);
		if (d < bd) {
			bd = d;
			best = tn;
		}
	}
	return best ? arena_printf(&types_arena, "%s%s", tag, best) : NULL;
}


struct type *btf_enumerator(const char *name, int64_t *value)
{
	if (!btf_vmlinux())
		return NULL;
	if (!enumerators_built) {
		enumerators_built = true;
		unsigned n = btf__type_cnt(vmlinux);
		for (unsigned id = 1; id < n; id++) {
			const struct btf_type *t = btf__type_by_id(vmlinux, id);
			if (!t || !(btf_is_enum(t) || btf_is_enum64(t)))
				continue;
			for (int i = 0; i < btf_vlen(t); i++) {
				__u32 off = btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;
				const char *en = btf__name_by_offset(vmlinux, off);
				if (en && *en && !strmap_get(&enumerators, en))
					strmap_put(&types_arena, &enumerators, en, (void *)(uintptr_t)id);
			}
		}
	}
	int id = (int)(uintptr_t)strmap_get(&enumerators, name);
	struct type *t = id ? btf_type(id) : NULL;
	for (int i = 0; t && i < t->nenumvals; i++)
		if (!strcmp(t->enumvals[i].name, name)) {
			*value = t->enumvals[i].value;
			return t;
		}
	return NULL;
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

/* ---- -l 'struct NAME': type listing -------------------------------------- */

void btf_each_named_type(int (*fn)(const char *full, int id, void *arg), void *arg)
{
	if (!btf_vmlinux())
		return;
	unsigned n = btf__type_cnt(vmlinux);
	char full[512];
	for (unsigned id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(vmlinux, id);
		const char *kw = !t ? NULL : btf_is_struct(t) ? "struct" : btf_is_union(t) ? "union"
				 : btf_is_enum(t) ? "enum" : NULL;
		const char *name = kw ? btf__name_by_offset(vmlinux, t->name_off) : NULL;
		if (!name || !*name)
			continue;
		snprintf(full, sizeof(full), "%s %s", kw, name);
		if (fn(full, (int)id, arg))
			return;
	}
}

/* btf_dump's output, whole (lines may be longer than any fixed buffer). */
static void dump_printf(void *ctx, const char *fmt, va_list ap)
{
	struct strbuf *sb = ctx;
	va_list cp;
	va_copy(cp, ap);
	int k = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (k <= 0)
		return;
	sb->p = xrealloc(sb->p, sb->n + (size_t)k + 1);
	vsnprintf(sb->p + sb->n, (size_t)k + 1, fmt, ap);
	sb->n += (size_t)k;
}

struct def {
	const char *head;       /* "struct list_head {" */
	size_t hlen;
	const char *text;       /* from head to the end of its closing line */
	size_t len;
};

static int cmp_def(const void *a, const void *b)
{
	const struct def *x = a, *y = b;
	size_t n = x->hlen < y->hlen ? x->hlen : y->hlen;
	int c = memcmp(x->head, y->head, n);
	return c ? c : (x->hlen > y->hlen) - (x->hlen < y->hlen);
}

void btf_definitions(const int *ids, const char *const *names, int n, char **defs)
{
	for (int i = 0; i < n; i++)
		defs[i] = NULL;
	if (!n || !btf_vmlinux())
		return;
	struct strbuf sb = { 0 };
	struct btf_dump *d = btf_dump__new(vmlinux, dump_printf, &sb, NULL);
	if (!d || libbpf_get_error(d))
		return;
	/* one dump for all: each type is written once, after the types it
	 * needs whole, so every asked-for definition is somewhere in sb */
	for (int i = 0; i < n; i++)
		btf_dump__dump_type(d, (__u32)ids[i]);
	btf_dump__free(d);
	/* top-level definitions: a line ending in '{' at column 0 up to the
	 * next line starting with '}' ("};", "} __attribute__((packed));") */
	struct def *v = NULL;
	int nd = 0, cap = 0;
	for (char *p = sb.p; p && *p;) {
		char *eol = strchr(p, '\n');
		size_t l = eol ? (size_t)(eol - p) : strlen(p);
		if (l && p[l - 1] == '{' && p[0] != '\t' && p[0] != ' ') {
			char *q = eol;
			while (q && q[1] && q[1] != '}')
				q = strchr(q + 1, '\n');
			char *end = q ? strchr(q + 1, '\n') : NULL;
			if (!end)
				break;
			if (nd == cap)
				v = xrealloc(v, sizeof(*v) * (size_t)(cap = cap ? 2 * cap : 256));
			v[nd++] = (struct def){ p, l, p, (size_t)(end + 1 - p) };
			p = end + 1;
			continue;
		}
		p = eol ? eol + 1 : p + l;
	}
	qsort(v, (size_t)nd, sizeof(*v), cmp_def);
	for (int i = 0; i < n; i++) {
		char head[600];
		int hl = snprintf(head, sizeof(head), "%s {", names[i]);
		struct def key = { head, (size_t)hl, NULL, 0 };
		struct def *f = bsearch(&key, v, (size_t)nd, sizeof(*v), cmp_def);
		if (f) {
			defs[i] = xmalloc(f->len + 1);
			memcpy(defs[i], f->text, f->len);
			defs[i][f->len] = 0;
		}
	}
	free(v);
	free(sb.p);
}
