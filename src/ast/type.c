/* type.c - type constructors, equality and names; see type.h. */
#include "ast/type.h"

#include <stdio.h>
#include <string.h>
#include "util/arena.h"

const char *type_kind_name(enum type_kind k)
{
	static const char *const names[] = {
#define X(k, n) n,
		TYPE_KINDS(X)
#undef X
	};
	return names[k];
}

#define INT_T(b, s) { .kind = TY_INT, .size = b, .align = b, .is_signed = s }
static struct type ints[2][4] = {
	{ INT_T(1, false), INT_T(2, false), INT_T(4, false), INT_T(8, false) },
	{ INT_T(1, true), INT_T(2, true), INT_T(4, true), INT_T(8, true) },
};
static struct type t_bool = { .kind = TY_BOOL, .size = 1, .align = 1 };
static struct type t_void = { .kind = TY_VOID };
static struct type t_none = { .kind = TY_NONE };

struct type *type_int(int bytes, bool is_signed)
{
	int i = bytes == 1 ? 0 : bytes == 2 ? 1 : bytes == 4 ? 2 : 3;
	return &ints[is_signed][i];
}

struct type *type_bool(void) { return &t_bool; }
struct type *type_void(void) { return &t_void; }
struct type *type_none(void) { return &t_none; }

struct type *type_simple(struct arena *a, enum type_kind k, int size)
{
	struct type *t = arena_alloc(a, sizeof(*t));
	t->kind = k;
	t->size = size;
	t->align = size >= 8 ? 8 : size > 0 ? size : 1;
	return t;
}

struct type *type_str(struct arena *a, int size)
{
	struct type *t = type_simple(a, TY_STR, size);
	t->align = 1;
	return t;
}

struct type *type_ptr(struct arena *a, struct type *to, enum addrspace as)
{
	struct type *t = type_simple(a, TY_PTR, 8);
	t->elem = to;
	t->as = as;
	return t;
}

struct type *type_array(struct arena *a, struct type *elem, int n)
{
	struct type *t = type_simple(a, TY_ARRAY, elem->size * n);
	t->align = elem->align;
	t->elem = elem;
	t->nelem = n;
	return t;
}

struct type *type_tuple(struct arena *a, struct type **elems, int n)
{
	struct type *t = type_simple(a, TY_TUPLE, 0);
	t->fields = arena_alloc(a, sizeof(*t->fields) * (size_t)(n ? n : 1));
	t->nfields = n;
	int off = 0, align = 1;
	for (int i = 0; i < n; i++) {
		int al = elems[i]->align > 0 ? elems[i]->align : 1;
		off = (off + al - 1) / al * al;
		t->fields[i].type = elems[i];
		t->fields[i].offset = off;
		off += elems[i]->size;
		if (al > align)
			align = al;
	}
	t->align = 8;
	t->size = (off + 7) / 8 * 8;
	(void)align;
	return t;
}

struct type *type_agg(struct arena *a, enum type_kind k, bool is_signed)
{
	struct type *t = type_simple(a, k, 8);
	t->is_signed = is_signed;
	return t;
}

bool type_is_int(const struct type *t)
{
	return t && (t->kind == TY_INT || t->kind == TY_BOOL);
}

struct type *type_complete(struct type *t)
{
	if (t && t->kind == TY_RECORD && t->complete) {
		void (*fn)(struct type *) = t->complete;
		t->complete = NULL;
		fn(t);
	}
	return t;
}

struct type *type_copy(struct arena *a, const struct type *t)
{
	struct type *c = arena_alloc(a, sizeof(*c));
	*c = *t;
	return c;
}

const char *type_enum_name(const struct type *t, int64_t v)
{
	for (int i = 0; t && i < t->nenumvals; i++)
		if (t->enumvals[i].value == v)
			return t->enumvals[i].name;
	return NULL;
}

bool type_is_agg(const struct type *t)
{
	return t && t->kind >= TY_COUNT && t->kind <= TY_LHIST;
}

bool type_is_strlike(const struct type *t)
{
	switch (t->kind) {
	case TY_STR: case TY_BUF: case TY_PROBE: case TY_FUNC: case TY_KSTACK: case TY_USTACK:
	case TY_KSYM: case TY_USYM: case TY_USERNAME: case TY_TIMESTAMP: case TY_INET:
	case TY_MACADDR: case TY_STRERROR: case TY_CGROUP_PATH: case TY_TUPLE:
		return true;
	default:
		return false;
	}
}

bool type_equal(const struct type *a, const struct type *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->kind != b->kind)
		return false;
	switch (a->kind) {
	case TY_INT:
		return a->size == b->size && a->is_signed == b->is_signed;
	case TY_STR: case TY_BUF:
		return a->size == b->size;
	case TY_PTR:
		return type_equal(a->elem, b->elem);
	case TY_ARRAY:
		return a->nelem == b->nelem && type_equal(a->elem, b->elem);
	case TY_TUPLE:
		if (a->nfields != b->nfields)
			return false;
		for (int i = 0; i < a->nfields; i++)
			if (!type_equal(a->fields[i].type, b->fields[i].type))
				return false;
		return true;
	case TY_RECORD:
		return a->name && b->name && !strcmp(a->name, b->name);
	case TY_CGROUP_PATH:
		/* the hierarchy filter travels in the type, not in the value */
		return !strcmp(a->name ? a->name : "*", b->name ? b->name : "*");
	case TY_LHIST:
		return a->lmin == b->lmin && a->lmax == b->lmax && a->lstep == b->lstep;
	case TY_HIST:
		return a->hist_bits == b->hist_bits;
	default:
		return true;
	}
}

const char *type_name(struct arena *a, const struct type *t)
{
	if (!t)
		return "none";
	switch (t->kind) {
	case TY_INT:
		if (t->enum_name)
			return t->enum_name;
		return arena_printf(a, "%sint%d", t->is_signed ? "" : "u", t->size * 8);
	case TY_STR:
		return arena_printf(a, "string[%d]", t->size);
	case TY_BUF:
		return arena_printf(a, "buffer[%d]", t->size);
	case TY_PTR:
		return arena_printf(a, "%s *", type_name(a, t->elem));
	case TY_ARRAY:
		return arena_printf(a, "%s[%d]", type_name(a, t->elem), t->nelem);
	case TY_RECORD:
		if (!t->name && t->nfields && t->fields[0].name) {
			/* a script record: (a=int64,b=string[4]) */
			char *s = "(";
			for (int i = 0; i < t->nfields; i++)
				s = arena_printf(a, "%s%s%s=%s", s, i ? "," : "", t->fields[i].name,
						 type_name(a, t->fields[i].type));
			return arena_printf(a, "%s)", s);
		}
		return t->name ? t->name : "struct";
	case TY_TUPLE: {
		char *s = "(";
		for (int i = 0; i < t->nfields; i++)
			s = arena_printf(a, "%s%s%s", s, i ? "," : "", type_name(a, t->fields[i].type));
		return arena_printf(a, "%s)", s);
	}
	case TY_COUNT: case TY_SUM: case TY_MIN: case TY_MAX: case TY_AVG:
	case TY_STATS: case TY_HIST: case TY_LHIST:
		return arena_printf(a, "%s_t", type_kind_name(t->kind));
	case TY_CGROUP_PATH:
		if (t->name && strcmp(t->name, "*"))
			return arena_printf(a, "cgroup_path_t(\"%s\")", t->name);
		return "cgroup_path_t";
	default:
		return type_kind_name(t->kind);
	}
}
