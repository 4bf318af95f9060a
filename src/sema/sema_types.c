/* sema_types.c - C types: names, script definitions, members, addresses.
 *
 * Where C types come from, first match wins:
 *  1. the script's own `struct` / `union` / `enum` definitions (N_CDEF
 *     items of the preamble), parsed here with C layout rules (members
 *     aligned to their alignment, unions overlaid, GCC bitfield packing);
 *  2. vmlinux BTF (sys/btf.h), converted on first use.
 * `#include <...>` lines are accepted and ignored: every kernel type comes
 * from BTF, as in bpftrace on a kernel with BTF.
 *
 * Address spaces. A pointer read goes through bpf_probe_read_kernel or
 * _user, chosen by the pointer's `as`: a cast takes the operand's address
 * space when it has one (kptr()/uptr()), else the probe's (user memory for
 * uprobe/uretprobe/usdt, kernel memory elsewhere); a member reached through
 * a pointer keeps that pointer's address space. */
#include "sema/sema_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "sys/btf.h"

enum addrspace sema_default_as(struct sema *s)
{
	return s->ap && s->ap->pt->user_mem ? AS_USER : AS_KERNEL;
}

/* ------------------------------------------------------------------ */
/* Alignment of C types (script layouts)                                */

static int c_align(struct type *t)
{
	switch (t->kind) {
	case TY_RECORD: {
		if (t->src_id == 0 && t->align > 0)
			return t->align;
		type_complete(t);
		int a = 1;
		for (int i = 0; i < t->nfields; i++) {
			int fa = c_align(t->fields[i].type);
			if (fa > a)
				a = fa;
		}
		return a;
	}
	case TY_ARRAY:
		return c_align(t->elem);
	case TY_STR:
		return 1;
	case TY_PTR:
		return 8;
	default:
		return t->size >= 8 ? 8 : t->size > 0 ? t->size : 1;
	}
}

/* ------------------------------------------------------------------ */
/* Script definitions: a small C declaration parser                     */

struct cparse {
	struct sema *s;
	const char *text;      /* the definition as written */
	const char *p;         /* next character */
	const char *tok;       /* start of the last word read (for errors) */
	struct loc loc;        /* of the definition */
	bool failed;
};

/* Reports at the last word read: its line and column counted from the
 * definition's start (the text is kept as written). */
static void cp_error(struct cparse *c, const char *fmt, const char *arg)
{
	if (!c->failed) {
		char msg[256];
		snprintf(msg, sizeof(msg), fmt, arg);
		struct loc l = c->loc;
		const char *at = c->tok ? c->tok : c->text;
		int line = l.first_line, col = l.first_column;
		for (const char *q = c->text; q < at; q++) {
			if (*q == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		int len = 0;
		while (at[len] && (isalnum((unsigned char)at[len]) || at[len] == '_'))
			len++;
		l.first_line = l.last_line = line;
		l.first_column = col;
		l.last_column = col + (len ? len : 1) - 1;
		sema_error(c->s, l, "%s", msg);
	}
	c->failed = true;
}

static void cp_skip(struct cparse *c)
{
	for (;;) {
		while (isspace((unsigned char)*c->p))
			c->p++;
		if (!strncmp(c->p, "__attribute__", 13)) {
			/* __attribute__((...)): skipped, balanced parentheses */
			c->p += 13;
			while (isspace((unsigned char)*c->p))
				c->p++;
			int depth = 0;
			do {
				if (*c->p == '(')
					depth++;
				else if (*c->p == ')')
					depth--;
				if (*c->p)
					c->p++;
			} while (depth > 0 && *c->p);
			continue;
		}
		return;
	}
}

/* The next identifier (arena copy), or NULL without consuming anything. */
static const char *cp_ident(struct cparse *c)
{
	cp_skip(c);
	const char *b = c->p;
	c->tok = b;
	if (!isalpha((unsigned char)*b) && *b != '_')
		return NULL;
	while (isalnum((unsigned char)*c->p) || *c->p == '_')
		c->p++;
	return arena_strndup(c->s->a, b, (size_t)(c->p - b));
}

static bool cp_peek_word(struct cparse *c, const char *w)
{
	cp_skip(c);
	size_t n = strlen(w);
	return !strncmp(c->p, w, n) && !isalnum((unsigned char)c->p[n]) && c->p[n] != '_';
}

static bool cp_accept(struct cparse *c, char ch)
{
	cp_skip(c);
	if (*c->p != ch)
		return false;
	c->p++;
	return true;
}

static bool cp_int(struct cparse *c, int64_t *v)
{
	cp_skip(c);
	bool neg = cp_accept(c, '-');
	cp_skip(c);
	char *end;
	long long x = strtoll(c->p, &end, 0);
	if (end == c->p)
		return false;
	c->p = end;
	while (*c->p == 'u' || *c->p == 'U' || *c->p == 'l' || *c->p == 'L')
		c->p++;
	*v = neg ? -x : x;
	return true;
}

static struct type *cp_record(struct cparse *c, bool is_union, const char *tag);
static struct type *cp_enum(struct cparse *c, const char *tag);

static bool c_type_word(const char *w)
{
	static const char *const words[] = { "unsigned", "signed", "int", "long", "short", "char",
					     "_Bool", "bool", "void", NULL };
	for (int i = 0; words[i]; i++)
		if (!strcmp(w, words[i]))
			return true;
	return false;
}

/* type_spec -> [const|volatile]... (struct|union|enum) [tag] [{...}] |
 *              C base-type words | a typedef name */
static struct type *cp_type_spec(struct cparse *c)
{
	const char *w;
	for (;;) {
		const char *save = c->p;
		w = cp_ident(c);
		if (!w) {
			cp_error(c, "expected a type in the definition of %s", "a struct");
			return NULL;
		}
		if (strcmp(w, "const") && strcmp(w, "volatile")) {
			if (!strcmp(w, "struct") || !strcmp(w, "union") || !strcmp(w, "enum"))
				break;
			c->p = save;
			break;
		}
	}
	if (!strcmp(w, "struct") || !strcmp(w, "union") || !strcmp(w, "enum")) {
		const char *tag = cp_ident(c);
		cp_skip(c);
		if (*c->p == '{') {
			c->p++;
			return !strcmp(w, "enum") ? cp_enum(c, tag) : cp_record(c, !strcmp(w, "union"), tag);
		}
		if (!tag) {
			cp_error(c, "expected a name after %s", w);
			return NULL;
		}
		const char *name = arena_printf(c->s->a, "%s %s", w, tag);
		struct type *t = sema_c_named(c->s, name, c->loc, false);
		if (!t) {
			/* only pointers may refer to a type defined later or nowhere */
			t = type_simple(c->s->a, !strcmp(w, "enum") ? TY_INT : TY_RECORD, 0);
			t->name = name;
		}
		return t;
	}
	/* base-type words, or one typedef name */
	char *text = "";
	const char *save = c->p;
	while ((w = cp_ident(c)) && c_type_word(w)) {
		text = arena_printf(c->s->a, "%s%s%s", text, *text ? " " : "", w);
		save = c->p;
	}
	c->p = save;
	if (!*text) {
		w = cp_ident(c);
		if (!w) {
			cp_error(c, "expected a type in the definition of %s", "a struct");
			return NULL;
		}
		text = (char *)w;
	}
	if (!strcmp(text, "void"))
		return type_void();
	if (!strcmp(text, "_Bool"))
		return type_int(1, false);
	struct type *t = sema_type_from_name(c->s, text, c->loc, false);
	if (!t) {
		cp_error(c, "Cannot resolve unknown type \"%s\"", text);
		return NULL;
	}
	return t;
}

/* Adds a member to a record being laid out. pos is the bit position of the
 * next member (structs). */
struct layout {
	struct type *rec;
	int cap;
	int64_t pos;     /* bits */
	int align;
};

static void lay_member(struct cparse *c, struct layout *l, const char *name, struct type *t, int bits)
{
	struct type *rec = l->rec;
	if (rec->nfields == l->cap) {
		int ncap = l->cap ? l->cap * 2 : 8;
		rec->fields = arena_realloc(c->s->a, rec->fields, sizeof(*rec->fields) * (size_t)l->cap,
					    sizeof(*rec->fields) * (size_t)ncap);
		l->cap = ncap;
	}
	int al = c_align(t);
	int64_t at;
	if (bits >= 0) {
		/* GCC: a bitfield stays in the current unit of its type's size
		 * if it fits there, else it starts the next aligned unit */
		int64_t unit = (int64_t)t->size * 8;
		at = l->pos;
		if (bits == 0) {
			l->pos = (l->pos + unit - 1) / unit * unit;
			return;
		}
		if (at / unit != (at + bits - 1) / unit)
			at = (at + unit - 1) / unit * unit;
		if (rec->is_union)
			at = 0;
	} else {
		at = rec->is_union ? 0 : (l->pos + al * 8 - 1) / (al * 8) * (al * 8);
	}
	struct type_field *f = &rec->fields[rec->nfields++];
	f->name = name;
	f->type = t;
	f->offset = (int)(at / 8);
	if (bits > 0) {
		f->bit_offset = (int)(at % 8);
		f->bit_size = bits;
	}
	int64_t end = at + (bits > 0 ? bits : (int64_t)t->size * 8);
	if (rec->is_union) {
		if (end > l->pos)
			l->pos = end;
	} else {
		l->pos = end;
	}
	if (al > l->align)
		l->align = al;
}

/* Flattens an anonymous struct/union member into the record, as BTF
 * records are (its members are reachable by name from the parent). */
static void lay_anon(struct cparse *c, struct layout *l, struct type *sub)
{
	int al = c_align(sub);
	int64_t at = l->rec->is_union ? 0 : (l->pos + al * 8 - 1) / (al * 8) * (al * 8);
	for (int i = 0; i < sub->nfields; i++) {
		struct type_field f = sub->fields[i];
		f.offset += (int)(at / 8);
		if (l->rec->nfields == l->cap) {
			int ncap = l->cap ? l->cap * 2 : 8;
			l->rec->fields = arena_realloc(c->s->a, l->rec->fields, sizeof(*l->rec->fields) * (size_t)l->cap,
						       sizeof(*l->rec->fields) * (size_t)ncap);
			l->cap = ncap;
		}
		l->rec->fields[l->rec->nfields++] = f;
	}
	int64_t end = at + (int64_t)sub->size * 8;
	if (!l->rec->is_union || end > l->pos)
		l->pos = end;
	if (al > l->align)
		l->align = al;
}

/* declarator -> '*'... name ('[' N ']')... [':' bits] */
static void cp_declarator(struct cparse *c, struct layout *l, struct type *base)
{
	struct type *t = base;
	while (cp_accept(c, '*')) {
		while (cp_peek_word(c, "const") || cp_peek_word(c, "volatile"))
			cp_ident(c);
		t = type_ptr(c->s->a, t->kind == TY_VOID ? type_int(1, false) : t, AS_NONE);
	}
	const char *name = cp_ident(c);
	if (!name) {
		cp_error(c, "expected a member name in %s", l->rec->name);
		return;
	}
	int64_t dims[8];
	int nd = 0;
	while (cp_accept(c, '[')) {
		int64_t n;
		if (!cp_int(c, &n) || n < 0 || n > (1 << 20) || !cp_accept(c, ']')) {
			cp_error(c, "invalid array size of member '%s'", name);
			return;
		}
		if (nd < 8)
			dims[nd++] = n;
	}
	for (int i = nd - 1; i >= 0; i--) {
		if (t->kind == TY_INT && t->size == 1 && !t->enum_name && i == nd - 1)
			t = type_str(c->s->a, (int)(dims[i] ? dims[i] : 1));   /* char[N]: a string */
		else
			t = type_array(c->s->a, t, (int)dims[i]);
	}
	int64_t bits = -1;
	if (cp_accept(c, ':')) {
		if (!cp_int(c, &bits) || bits < 0 || bits > (int64_t)t->size * 8 || !type_is_int(t)) {
			cp_error(c, "invalid bitfield width of member '%s'", name);
			return;
		}
	}
	if (t->kind == TY_VOID || (t->kind == TY_RECORD && t->size == 0 && !t->nfields && !t->complete)) {
		cp_error(c, "member '%s' has an incomplete type", name);
		return;
	}
	lay_member(c, l, name, t, (int)bits);
}

/* record body after '{': members up to '}' */
static struct type *cp_record(struct cparse *c, bool is_union, const char *tag)
{
	struct type *rec = type_simple(c->s->a, TY_RECORD, 0);
	rec->is_union = is_union;
	rec->name = arena_printf(c->s->a, "%s %s", is_union ? "union" : "struct", tag ? tag : "(anonymous)");
	rec->fields = NULL;
	struct layout l = { .rec = rec, .align = 1 };
	if (tag) {
		/* visible to its own members (struct node *next;) */
		strmap_put(c->s->a, &c->s->prog->ctypes, rec->name, rec);
	}
	while (!c->failed && !cp_accept(c, '}')) {
		if (!*c->p) {
			cp_error(c, "unterminated definition of %s", rec->name);
			break;
		}
		struct type *base = cp_type_spec(c);
		if (!base)
			break;
		cp_skip(c);
		if (*c->p == ';' && base->kind == TY_RECORD && strstr(base->name, "(anonymous)")) {
			c->p++;
			lay_anon(c, &l, base);
			continue;
		}
		if (*c->p == ';') {
			c->p++;
			continue;   /* a nested definition only */
		}
		do
			cp_declarator(c, &l, base);
		while (!c->failed && cp_accept(c, ','));
		if (!c->failed && !cp_accept(c, ';'))
			cp_error(c, "expected ';' after a member of %s", rec->name);
	}
	rec->align = l.align;
	int64_t bytes = (l.pos + 7) / 8;
	rec->size = (int)((bytes + l.align - 1) / l.align * l.align);
	return rec;
}

/* enum body after '{': NAME [= value], ... up to '}' */
static struct type *cp_enum(struct cparse *c, const char *tag)
{
	struct type *t = type_copy(c->s->a, type_int(4, false));
	t->enum_name = arena_printf(c->s->a, "enum %s", tag ? tag : "(anonymous)");
	int cap = 0;
	int64_t next = 0;
	bool neg = false;
	while (!c->failed && !cp_accept(c, '}')) {
		const char *name = cp_ident(c);
		if (!name) {
			cp_error(c, "expected an enumerator in %s", t->enum_name);
			break;
		}
		if (cp_accept(c, '=') && !cp_int(c, &next)) {
			cp_error(c, "invalid value of enumerator %s", name);
			break;
		}
		if (t->nenumvals == cap) {
			int ncap = cap ? cap * 2 : 8;
			t->enumvals = arena_realloc(c->s->a, t->enumvals, sizeof(*t->enumvals) * (size_t)cap,
						    sizeof(*t->enumvals) * (size_t)ncap);
			cap = ncap;
		}
		t->enumvals[t->nenumvals++] = (struct type_enumval){ name, next };
		neg |= next < 0;
		strmap_put(c->s->a, &c->s->prog->cenums, name, t);
		next++;
		if (!cp_accept(c, ',')) {
			if (!cp_accept(c, '}'))
				cp_error(c, "expected ',' or '}' in %s", t->enum_name);
			break;
		}
	}
	t->is_signed = neg;
	if (tag)
		strmap_put(c->s->a, &c->s->prog->ctypes, t->enum_name, t);
	return t;
}

/* One N_CDEF: `struct S { ... }`, `union U { ... };`, `enum E { ... }`. */
static void cdef(struct sema *s, struct node *n)
{
	struct cparse c = { .s = s, .text = n->str, .p = n->str, .loc = n->loc };
	struct type *t = cp_type_spec(&c);
	(void)t;
	cp_accept(&c, ';');
	cp_skip(&c);
	if (!c.failed && *c.p)
		cp_error(&c, "unexpected text after the definition: %.20s", c.p);
}

int sema_cdefs(struct sema *s)
{
	struct node *root = s->prog->root;
	bool was = s->final;
	s->final = true;
	int before = s->errors;
	for (int i = 0; i < root->list.n; i++)
		if (root->list.v[i]->kind == N_CDEF)
			cdef(s, root->list.v[i]);
	s->final = was;
	int errs = s->errors - before;
	s->errors = before;
	return errs ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Names                                                                */

/* The closest struct/union (or enum) name of BTF and the script to `name`
 * ("struct x", "union x", "enum x"). */
static const char *near_record(struct sema *s, const char *name)
{
	const char *best = NULL;
	int bd = 3;
	struct strmap *m = &s->prog->ctypes;
	for (int i = 0; i < m->cap; i++)
		if (m->keys && m->keys[i]) {
			int d = diag_distance(name, m->keys[i]);
			if (d < bd) {
				bd = d;
				best = m->keys[i];
			}
		}
	const char *b = btf_near_name(name, bd);
	return b ? arena_strdup(s->a, b) : best;
}

struct type *sema_c_named(struct sema *s, const char *name, struct loc loc, bool report)
{
	struct type *t = strmap_get(&s->prog->ctypes, name);
	if (!t)
		t = btf_named_type(name);
	if (t)
		return t;
	bool tagged = !strncmp(name, "struct ", 7) || !strncmp(name, "union ", 6);
	if (report && tagged) {
		sema_error(s, loc, "Unknown struct/union: '%s'", name);
		if (s->final) {
			const char *near = near_record(s, name);
			if (near)
				diag_hint(s->diag, "did you mean '%s'?", near);
		}
	} else if (report && !strncmp(name, "enum ", 5)) {
		sema_error(s, loc, "Unknown enum: '%s'", name);
		if (s->final) {
			const char *near = near_record(s, name);
			if (near)
				diag_hint(s->diag, "did you mean '%s'?", near);
		}
	} else if (report) {
		sema_error(s, loc, "Cannot resolve unknown type \"%s\"", name);
	}
	return NULL;
}

bool sema_enumerator(struct sema *s, struct node *n)
{
	struct type *t = strmap_get(&s->prog->cenums, n->str);
	int64_t v = 0;
	if (t) {
		for (int i = 0; i < t->nenumvals; i++)
			if (!strcmp(t->enumvals[i].name, n->str))
				v = t->enumvals[i].value;
	} else {
		t = btf_enumerator(n->str, &v);
	}
	if (!t)
		return false;
	n->kind = N_INT;
	n->ival = v;
	n->sem = t;
	n->type = t;
	return true;
}

/* ------------------------------------------------------------------ */
/* Members                                                              */

/* The type a member read through a chain in address space `as` has:
 * pointers (and records holding them) keep the chain's address space. */
static struct type *in_space(struct sema *s, struct type *t, enum addrspace as)
{
	if (!t || as == AS_NONE || t->as == as)
		return t;
	if (t->kind == TY_PTR || t->kind == TY_RECORD) {
		struct type *c = type_copy(s->a, type_complete(t));
		c->as = as;
		return c;
	}
	if (t->kind == TY_ARRAY && t->elem && t->elem->kind == TY_PTR) {
		struct type *c = type_copy(s->a, t);
		c->elem = in_space(s, t->elem, as);
		return c;
	}
	return t;
}

static void suggest_member(struct sema *s, struct type *rt, const char *name)
{
	const char *best = NULL;
	int bd = 3;
	for (int i = 0; i < rt->nfields; i++) {
		int d = rt->fields[i].name ? diag_distance(name, rt->fields[i].name) : 99;
		if (d < bd) {
			bd = d;
			best = rt->fields[i].name;
		}
	}
	if (best)
		diag_hint(s->diag, "did you mean '%s'?", best);
}

struct type *sema_field(struct sema *s, struct node *n)
{
	struct type *bt = sema_expr(s, n->a);
	if (!bt)
		return NULL;
	struct type *rt = bt;
	enum addrspace as = bt->as;
	if (rt->kind == TY_PTR && rt->elem && rt->elem->kind == TY_RECORD) {
		/* p->f, and p.f: `.` dereferences pointers (latest bpftrace) */
		rt = rt->elem;
	} else if (rt->kind == TY_PTR) {
		sema_error(s, n->loc, "Can not access field '%s' on type '%s'. It is not a pointer to a struct/union",
			   n->str, sema_tn(s, bt));
		return NULL;
	} else if (rt->kind != TY_RECORD) {
		sema_error(s, n->loc, "Can not access field '%s' on expression of type '%s'", n->str, sema_tn(s, bt));
		return NULL;
	}
	type_complete(rt);
	if (!rt->nfields && !rt->is_ctx_record && rt->size == 0) {
		sema_error(s, n->loc, "Struct/union of type '%s' is incomplete: it has no definition", sema_tn(s, rt));
		return NULL;
	}
	for (int i = 0; i < rt->nfields; i++) {
		if (rt->fields[i].name && !strcmp(rt->fields[i].name, n->str)) {
			if (rt->is_ctx_record && rt->fields[i].offset < 8) {
				sema_error(s, n->loc, "BPF does not support accessing common tracepoint fields");
				return NULL;
			}
			n->sem = &rt->fields[i];
			return rt->is_ctx_record ? rt->fields[i].type : in_space(s, rt->fields[i].type, as);
		}
	}
	sema_error(s, n->loc, "Struct/union of type '%s' does not contain a field named '%s'", sema_tn(s, rt),
		   n->str);
	if (s->final)
		suggest_member(s, rt, n->str);
	return NULL;
}

bool sema_is_remote(const struct node *n)
{
	switch (n->kind) {
	case N_FIELD:
		if (!n->a->type)
			return false;
		if (n->a->type->kind == TY_PTR)
			return true;
		return n->a->type->kind == TY_RECORD && !n->a->type->is_ctx_record && sema_is_remote(n->a);
	case N_UNOP:
		return n->op == OP_DEREF;
	case N_INDEX:
		if (!n->a->type)
			return false;
		if (n->a->type->kind == TY_PTR)
			return true;
		return (n->a->type->kind == TY_ARRAY || n->a->type->kind == TY_STR) && sema_is_remote(n->a);
	default:
		return false;
	}
}

/* The address space of the memory a remote expression denotes. */
enum addrspace sema_remote_as(const struct node *n)
{
	switch (n->kind) {
	case N_FIELD:
	case N_INDEX:
		return n->a->type->kind == TY_PTR ? n->a->type->as : sema_remote_as(n->a);
	case N_UNOP:
		return n->a->type->as;
	default:
		return AS_NONE;
	}
}

struct type *sema_addr_of(struct sema *s, struct node *n)
{
	struct type *x = sema_expr(s, n->a);
	if (!x)
		return NULL;
	if (!sema_is_remote(n->a)) {
		sema_error(s, n->loc, "The '&' operator can only take the address of a struct member, an array element or a dereferenced pointer");
		return NULL;
	}
	return type_ptr(s->a, x, sema_remote_as(n->a));
}

/* Fills every record reachable without a pointer (a struct printed whole). */
void sema_complete_deep(struct type *t)
{
	if (!t)
		return;
	if (t->kind == TY_ARRAY)
		sema_complete_deep(t->elem);
	if (t->kind != TY_RECORD || !t->complete)
		return;
	type_complete(t);
	for (int i = 0; i < t->nfields; i++)
		sema_complete_deep(t->fields[i].type);
}

/* offsetof(T, a.b.c): the byte offset of a member path. */
int sema_offsetof(struct sema *s, struct node *n, int64_t *off)
{
	struct node *tn = n->list.v[0];
	struct type *t;
	if (sema_is_typename(tn)) {
		t = sema_typename(s, tn);
	} else {
		t = sema_expr(s, tn);
	}
	if (!t)
		return -1;
	*off = 0;
	for (int k = 1; k < n->list.n; k++) {
		struct node *f = n->list.v[k];
		if (t->kind != TY_RECORD) {
			sema_error(s, f->loc, "offsetof() requires a struct/union type, '%s' is not one", sema_tn(s, t));
			return -1;
		}
		type_complete(t);
		struct type_field *fd = NULL;
		for (int i = 0; i < t->nfields && !fd; i++)
			if (t->fields[i].name && !strcmp(t->fields[i].name, f->str))
				fd = &t->fields[i];
		if (!fd) {
			sema_error(s, f->loc, "Struct/union of type '%s' does not contain a field named '%s'", sema_tn(s, t),
				   f->str);
			if (s->final)
				suggest_member(s, t, f->str);
			return -1;
		}
		*off += fd->offset;
		t = fd->type;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Type names and typeof                                                */

bool sema_is_typename(const struct node *n)
{
	return n && n->kind == N_CAST && !n->a;
}

/* typeof(name) of a name that is no builtin: a C type name (a typedef
 * such as size_t, else a struct), as latest bpftrace resolves casts and
 * typeof of a bare identifier; NULL when it names no type. */
static struct type *ident_type(struct sema *s, struct node *x)
{
	const struct probe_type *pt = s->ap ? s->ap->pt : NULL;
	if (builtin_find(x->str, B_VAR) || (pt && pt->ctx_type && pt->ctx_type(s->env, s->ap, x->str)))
		return NULL;
	struct type *t = sema_type_from_name(s, x->str, x->loc, false);
	if (!t)
		t = sema_c_named(s, arena_printf(s->a, "struct %s", x->str), x->loc, false);
	return x->type = t;
}

/* typeof(@m) of a map with keys is its key type (latest bpftrace); any
 * other operand is type-checked, never evaluated. */
static struct type *type_of(struct sema *s, struct node *x)
{
	if (sema_is_typename(x))
		return sema_typename(s, x);
	struct type *it = x->kind == N_IDENT ? ident_type(s, x) : NULL;
	if (it)
		return it;
	if (x->kind == N_MAP && !x->list.n) {
		struct map_info *mi = sema_map_get(s, x, false);
		if (mi && mi->key) {
			x->type = mi->key->nfields == 1 ? mi->key->fields[0].type : mi->key;
			return x->type;
		}
	}
	struct type *t = sema_expr(s, x);
	if (t && (t->kind == TY_NONE || t->kind == TY_VOID)) {
		sema_error(s, x->loc, "typeof() needs an expression with a value");
		return NULL;
	}
	return t;
}

struct type *sema_typename(struct sema *s, struct node *tn)
{
	struct type *t = tn->b ? type_of(s, tn->b) : sema_type_from_name(s, tn->str, tn->loc, true);
	tn->type = t;
	return t;
}
