/* cpp.c - a small C preprocessor for system headers (cpp.h).
 *
 * It does what clang's preprocessor does with directives, and nothing with
 * the rest of a header: logical lines (backslash-newline joined, comments
 * replaced by a space), #define/#undef (object-like and function-like
 * macros), #if/#ifdef/#ifndef/#elif/#else/#endif with `defined` and
 * __has_include, #include and #include_next through the standard search
 * path (a header that is not there is skipped: compiler headers such as
 * <stddef.h> hold no constants a probe needs), #pragma once. Macro
 * expansion follows the C standard's rescanning rules with hide sets
 * (Prosser's algorithm, with the simplification that a function-like
 * macro's hide set is that of its name): # and ## work, __VA_ARGS__ too.
 * #error, #warning, #line and other #pragmas are ignored.
 *
 * Everything lives in the preprocessor's own arena, released by cpp_free. */
#include "parser/cpp.h"
#include "parser/cppexpr.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/arch.h"
#include "util/arena.h"
#include "util/rfile.h"

#define CPP_HASH 1024
#define CPP_MAX_DEPTH 200      /* nested #include */
#define CPP_MAX_COND 256       /* nested #if */
#define CPP_MAX_EXPANSIONS 100000

/* A preprocessing token. */
struct ptok {
	const char *s;
	int len;
	char k;                    /* 'i' identifier, 'n' pp-number, 'c' char, 's' string, 'p' punctuator */
	const struct hs *hs;       /* macros that must not expand it again */
};

struct hs {
	const struct macro *m;
	const struct hs *next;
};

struct tv {
	struct ptok *v;
	int n, cap;
};

struct macro {
	const char *name;
	struct macro *next;        /* hash chain */
	bool defined, fn, variadic, from_header;
	int nparams;
	const char **params;       /* __VA_ARGS__ last for `...` */
	struct tv body;
};

/* An enumeration constant of a header. */
struct enumc {
	const char *name;
	int64_t v;
	struct enumc *next;
};

struct cpp {
	struct arena a;
	struct macro *tab[CPP_HASH];
	struct enumc *enums[CPP_HASH];
	struct tv text;            /* the tokens outside directives, active regions */
	bool enums_done;           /* text scanned for enums */
	struct ptrvec once;        /* realpaths of headers with #pragma once */
	struct ptrvec files;       /* every header read */
	int depth;
	int expansions;
	const char *const *sys_dirs;       /* the target's system include directories */
};

/* ------------------------------------------------------------------ */
/* Tokens                                                               */

static void tv_push(struct cpp *c, struct tv *t, struct ptok k)
{
	if (t->n == t->cap) {
		int nc = t->cap ? t->cap * 2 : 16;
		t->v = arena_realloc(&c->a, t->v, (size_t)t->cap * sizeof(*t->v), (size_t)nc * sizeof(*t->v));
		t->cap = nc;
	}
	t->v[t->n++] = k;
}

static bool is_id(char ch)
{
	return ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static bool tok_is(const struct ptok *t, const char *s)
{
	return (int)strlen(s) == t->len && !memcmp(t->s, s, (size_t)t->len);
}

/* Splits s[0, n) into tokens. */
static void lex(struct cpp *c, const char *s, int n, struct tv *out)
{
	static const char *const punct3[] = { "<<=", ">>=", "...", NULL };
	static const char *const punct2[] = { "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "##", "->", "++",
					      "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", NULL };
	int i = 0;
	while (i < n) {
		char ch = s[i];
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v' || ch == '\n') {
			i++;
			continue;
		}
		struct ptok t = { .s = s + i };
		int j = i + 1;
		if (is_id(ch) && !(ch >= '0' && ch <= '9')) {
			while (j < n && is_id(s[j]))
				j++;
			t.k = 'i';
		} else if ((ch >= '0' && ch <= '9') || (ch == '.' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')) {
			while (j < n && (is_id(s[j]) || s[j] == '.' ||
					 ((s[j] == '+' || s[j] == '-') && strchr("eEpP", s[j - 1]))))
				j++;
			t.k = 'n';
		} else if (ch == '"' || ch == '\'') {
			while (j < n && s[j] != ch)
				j += s[j] == '\\' ? 2 : 1;
			j = j < n ? j + 1 : n;
			t.k = ch == '"' ? 's' : 'c';
		} else {
			t.k = 'p';
			for (int k = 0; punct3[k]; k++)
				if (i + 3 <= n && !memcmp(s + i, punct3[k], 3))
					j = i + 3;
			for (int k = 0; punct2[k] && j == i + 1; k++)
				if (i + 2 <= n && !memcmp(s + i, punct2[k], 2))
					j = i + 2;
		}
		t.len = j - i;
		tv_push(c, out, t);
		i = j;
	}
}

/* ------------------------------------------------------------------ */
/* Macro table                                                          */

static unsigned hash(const char *s, int len)
{
	unsigned h = 5381;
	for (int i = 0; i < len; i++)
		h = h * 33 + (unsigned char)s[i];
	return h % CPP_HASH;
}

static struct macro *lookup(struct cpp *c, const char *s, int len, bool create)
{
	unsigned h = hash(s, len);
	for (struct macro *m = c->tab[h]; m; m = m->next)
		if ((int)strlen(m->name) == len && !memcmp(m->name, s, (size_t)len))
			return m->defined || create ? m : NULL;
	if (!create)
		return NULL;
	struct macro *m = arena_alloc(&c->a, sizeof(*m));
	m->name = arena_strndup(&c->a, s, (size_t)len);
	m->next = c->tab[h];
	c->tab[h] = m;
	return m;
}

/* #define's text after the directive name: "NAME body" or "NAME(params) body". */
static void define(struct cpp *c, const char *s, int n, bool from_header)
{
	int i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	int name = i;
	while (i < n && is_id(s[i]))
		i++;
	if (i == name)
		return;
	struct macro *m = lookup(c, s + name, i - name, true);
	m->defined = true;
	m->from_header = from_header;
	m->fn = m->variadic = false;
	m->nparams = 0;
	m->params = NULL;
	m->body = (struct tv){ 0 };
	struct tv rest = { 0 };
	bool fn = i < n && s[i] == '(';
	lex(c, s + i, n - i, &rest);
	int k = 0;
	if (fn) {
		m->fn = true;
		m->params = arena_alloc(&c->a, (size_t)(rest.n + 1) * sizeof(*m->params));
		for (k = 1; k < rest.n && !tok_is(&rest.v[k], ")"); k++) {
			struct ptok *t = &rest.v[k];
			if (t->k == 'i') {
				m->params[m->nparams++] = arena_strndup(&c->a, t->s, (size_t)t->len);
			} else if (tok_is(t, "...")) {
				/* `...` alone is __VA_ARGS__; `args...` (GNU) names it */
				if (!(k > 1 && rest.v[k - 1].k == 'i'))
					m->params[m->nparams++] = "__VA_ARGS__";
				m->variadic = true;
			}
		}
		k++;
	}
	for (; k < rest.n; k++)
		tv_push(c, &m->body, rest.v[k]);
}

static int param_index(const struct macro *m, const struct ptok *t)
{
	if (t->k != 'i')
		return -1;
	for (int i = 0; i < m->nparams; i++)
		if (tok_is(t, m->params[i]))
			return i;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Expansion                                                            */

static bool hs_has(const struct hs *h, const struct macro *m)
{
	for (; h; h = h->next)
		if (h->m == m)
			return true;
	return false;
}

static const struct hs *hs_add(struct cpp *c, const struct hs *h, const struct macro *m)
{
	if (hs_has(h, m))
		return h;
	struct hs *n = arena_alloc(&c->a, sizeof(*n));
	n->m = m;
	n->next = h;
	return n;
}

static void expand(struct cpp *c, struct tv in, struct tv *out);

/* Glues two tokens into one (##); when the text is not one token, both stay. */
static void paste(struct cpp *c, struct tv *out, struct ptok r)
{
	if (out->n == 0) {
		tv_push(c, out, r);
		return;
	}
	struct ptok *l = &out->v[out->n - 1];
	char *s = arena_alloc(&c->a, (size_t)(l->len + r.len + 1));
	memcpy(s, l->s, (size_t)l->len);
	memcpy(s + l->len, r.s, (size_t)r.len);
	struct tv t = { 0 };
	lex(c, s, l->len + r.len, &t);
	if (t.n == 1) {
		t.v[0].hs = l->hs;
		*l = t.v[0];
	} else {
		tv_push(c, out, r);
	}
}

static struct ptok stringize(struct cpp *c, struct tv arg)
{
	size_t n = 3;
	for (int i = 0; i < arg.n; i++)
		n += (size_t)arg.v[i].len * 2 + 1;
	char *s = arena_alloc(&c->a, n);
	size_t k = 0;
	s[k++] = '"';
	for (int i = 0; i < arg.n; i++) {
		if (i)
			s[k++] = ' ';
		for (int j = 0; j < arg.v[i].len; j++) {
			char ch = arg.v[i].s[j];
			if ((ch == '"' || ch == '\\') && arg.v[i].k != 'p')
				s[k++] = '\\';
			s[k++] = ch;
		}
	}
	s[k++] = '"';
	return (struct ptok){ .s = s, .len = (int)k, .k = 's' };
}

/* The body of m with its arguments put in, every token given hide set hs. */
static struct tv subst(struct cpp *c, const struct macro *m, struct tv *args, int nargs, const struct hs *hs)
{
	struct tv out = { 0 };
	const struct tv *b = &m->body;
	for (int i = 0; i < b->n; i++) {
		const struct ptok *t = &b->v[i];
		int p = m->fn ? param_index(m, t) : -1;
		if (m->fn && tok_is(t, "#") && i + 1 < b->n && param_index(m, &b->v[i + 1]) >= 0) {
			int q = param_index(m, &b->v[++i]);
			tv_push(c, &out, stringize(c, q < nargs ? args[q] : (struct tv){ 0 }));
			continue;
		}
		if (tok_is(t, "##") && i + 1 < b->n) {
			const struct ptok *r = &b->v[++i];
			int q = m->fn ? param_index(m, r) : -1;
			if (q < 0) {
				paste(c, &out, *r);
				continue;
			}
			struct tv a = q < nargs ? args[q] : (struct tv){ 0 };
			/* GNU: `, ## __VA_ARGS__` drops the comma when there are none */
			if (a.n == 0 && m->variadic && q == m->nparams - 1 && out.n && tok_is(&out.v[out.n - 1], ","))
				out.n--;
			for (int k = 0; k < a.n; k++) {
				if (k == 0)
					paste(c, &out, a.v[0]);
				else
					tv_push(c, &out, a.v[k]);
			}
			continue;
		}
		if (p >= 0) {
			struct tv a = p < nargs ? args[p] : (struct tv){ 0 };
			if (i + 1 < b->n && tok_is(&b->v[i + 1], "##")) {
				for (int k = 0; k < a.n; k++)
					tv_push(c, &out, a.v[k]);
			} else {
				expand(c, a, &out);
			}
			continue;
		}
		tv_push(c, &out, *t);
	}
	for (int i = 0; i < out.n; i++) {
		const struct hs *h = hs;
		for (const struct hs *x = out.v[i].hs; x; x = x->next)
			h = hs_add(c, h, x->m);
		out.v[i].hs = h;
	}
	return out;
}

/* in with in[from, to) replaced by r. */
static struct tv splice(struct cpp *c, struct tv r, struct tv in, int to)
{
	struct tv t = { 0 };
	for (int i = 0; i < r.n; i++)
		tv_push(c, &t, r.v[i]);
	for (int i = to; i < in.n; i++)
		tv_push(c, &t, in.v[i]);
	return t;
}

/* Macro-expands in onto out. */
static void expand(struct cpp *c, struct tv in, struct tv *out)
{
	int i = 0;
	while (i < in.n) {
		struct ptok t = in.v[i];
		struct macro *m = t.k == 'i' ? lookup(c, t.s, t.len, false) : NULL;
		if (!m || hs_has(t.hs, m) || ++c->expansions > CPP_MAX_EXPANSIONS) {
			tv_push(c, out, t);
			i++;
			continue;
		}
		if (!m->fn) {
			in = splice(c, subst(c, m, NULL, 0, hs_add(c, t.hs, m)), in, i + 1);
			i = 0;
			continue;
		}
		if (i + 1 >= in.n || !tok_is(&in.v[i + 1], "(")) {
			tv_push(c, out, t);
			i++;
			continue;
		}
		/* the arguments, up to the matching `)` */
		struct tv *args = arena_alloc(&c->a, (size_t)(m->nparams + 1) * sizeof(*args));
		int cur = 0, depth = 0, j;
		for (j = i + 2; j < in.n; j++) {
			struct ptok *a = &in.v[j];
			if (tok_is(a, "(") || tok_is(a, "[") || tok_is(a, "{")) {
				depth++;
			} else if (tok_is(a, ")") || tok_is(a, "]") || tok_is(a, "}")) {
				if (depth == 0)
					break;
				depth--;
			} else if (depth == 0 && tok_is(a, ",") && !(m->variadic && cur >= m->nparams - 1)) {
				cur++;
				continue;
			}
			if (cur < m->nparams)
				tv_push(c, &args[cur], *a);
		}
		if (j >= in.n) {                 /* no `)`: not a call */
			tv_push(c, out, t);
			i++;
			continue;
		}
		in = splice(c, subst(c, m, args, m->nparams, hs_add(c, t.hs, m)), in, j + 1);
		i = 0;
	}
}

/* ------------------------------------------------------------------ */
/* Constant expressions                                                 */

/* An #if condition (or an enum constant's value) is parsed here from its
 * tokens; what its operators do is cppexpr.c's, which the include step
 * uses for the script's own #if too. */

struct ev {
	struct cpp *c;
	const struct ptok *t;
	int n, i;
	bool strict;               /* an identifier is an error, not 0 */
	bool err;
};

static struct cpp_val cond(struct ev *e);

static const struct ptok *peek(struct ev *e)
{
	return e->i < e->n ? &e->t[e->i] : NULL;
}

static bool accept(struct ev *e, const char *s)
{
	const struct ptok *t = peek(e);
	if (t && t->k == 'p' && tok_is(t, s)) {
		e->i++;
		return true;
	}
	return false;
}

static struct cpp_val number(struct ev *e, const struct ptok *t)
{
	char buf[64];
	if (t->len >= (int)sizeof(buf)) {
		e->err = true;
		return (struct cpp_val){ 0 };
	}
	memcpy(buf, t->s, (size_t)t->len);
	buf[t->len] = 0;
	int base = 10;
	const char *p = buf;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
		base = 2;
		p += 2;
	} else if (p[0] == '0') {
		base = 8;
	}
	char *end;
	unsigned long long v = strtoull(p, &end, base);
	struct cpp_val r = { (int64_t)v, v > (unsigned long long)INT64_MAX };
	for (; *end; end++) {
		if (*end == 'u' || *end == 'U')
			r.u = true;
		else if (*end != 'l' && *end != 'L')
			e->err = true;          /* a float, or junk */
	}
	if (end == p && base != 8)
		e->err = true;
	return r;
}

static struct cpp_val charlit(struct ev *e, const struct ptok *t)
{
	const char *s = t->s + 1;
	int n = t->len - 2;
	if (n <= 0 || t->s[0] != '\'') {
		e->err = true;
		return (struct cpp_val){ 0 };
	}
	if (s[0] != '\\')
		return (struct cpp_val){ (signed char)s[0], false };
	static const char esc[] = "n\nt\tr\rv\va\ab\bf\f\\\\''\"\"??";
	for (int i = 0; esc[i]; i += 2)
		if (s[1] == esc[i])
			return (struct cpp_val){ esc[i + 1], false };
	bool hex = s[1] == 'x';
	char buf[16];
	snprintf(buf, sizeof(buf), "%.*s", n - (hex ? 2 : 1), s + (hex ? 2 : 1));
	return (struct cpp_val){ (signed char)strtol(buf, NULL, hex ? 16 : 8), false };
}

/* `(unsigned int)` and friends at e->i (after the `(`): the width in bytes
 * and signedness of the type, or 0 when it is not an integer type name. */
static int cast_type(struct ev *e, bool *is_unsigned)
{
	static const struct { const char *name; int size; bool u; } names[] = {
		{ "int8_t", 1, false }, { "int16_t", 2, false }, { "int32_t", 4, false }, { "int64_t", 8, false },
		{ "uint8_t", 1, true }, { "uint16_t", 2, true }, { "uint32_t", 4, true }, { "uint64_t", 8, true },
		{ "__s8", 1, false }, { "__s16", 2, false }, { "__s32", 4, false }, { "__s64", 8, false },
		{ "__u8", 1, true }, { "__u16", 2, true }, { "__u32", 4, true }, { "__u64", 8, true },
		{ "size_t", 8, true }, { "ssize_t", 8, false },
	};
	int j = e->i, size = 0, longs = 0;
	bool u = false, any = false;
	for (; j < e->n && e->t[j].k == 'i'; j++) {
		const struct ptok *t = &e->t[j];
		any = true;
		if (tok_is(t, "unsigned"))
			u = true;
		else if (tok_is(t, "signed") || tok_is(t, "__signed__") || tok_is(t, "const"))
			;
		else if (tok_is(t, "char"))
			size = 1;
		else if (tok_is(t, "short"))
			size = 2;
		else if (tok_is(t, "int"))
			size = size ? size : 4;
		else if (tok_is(t, "long"))
			longs++;
		else {
			bool found = false;
			for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
				if (tok_is(t, names[k].name)) {
					size = names[k].size;
					u = names[k].u;
					found = true;
				}
			if (!found)
				return 0;
		}
	}
	if (!any || j >= e->n || !tok_is(&e->t[j], ")"))
		return 0;
	if (longs)
		size = 8;
	if (!size)
		size = 4;       /* `unsigned` alone */
	e->i = j + 1;
	*is_unsigned = u;
	return size;
}

static struct cpp_val unary(struct ev *e)
{
	const struct ptok *t = peek(e);
	if (!t) {
		e->err = true;
		return (struct cpp_val){ 0 };
	}
	if (accept(e, "-"))
		return cpp_unary(CPP_NEG, unary(e));
	if (accept(e, "+"))
		return cpp_unary(CPP_PLUS, unary(e));
	if (accept(e, "~"))
		return cpp_unary(CPP_BNOT, unary(e));
	if (accept(e, "!"))
		return cpp_unary(CPP_NOT, unary(e));
	if (accept(e, "(")) {
		bool u = false;
		int size = cast_type(e, &u);
		if (size) {
			struct cpp_val v = unary(e);
			if (size < 8) {
				uint64_t mask = (1ull << (size * 8)) - 1;
				uint64_t x = (uint64_t)v.v & mask;
				if (!u && (x >> (size * 8 - 1)) & 1)
					x |= ~mask;
				v.v = (int64_t)x;
			}
			v.u = u;
			return v;
		}
		struct cpp_val v = cond(e);
		while (accept(e, ","))
			v = cond(e);
		if (!accept(e, ")"))
			e->err = true;
		return v;
	}
	e->i++;
	if (t->k == 'n')
		return number(e, t);
	if (t->k == 'c')
		return charlit(e, t);
	if (t->k == 'i' && !e->strict)
		return (struct cpp_val){ 0 };
	if (t->k == 'i') {
		for (struct enumc *x = e->c->enums[hash(t->s, t->len)]; x; x = x->next)
			if (tok_is(t, x->name))
				return (struct cpp_val){ x->v, false };
	}
	e->err = true;
	return (struct cpp_val){ 0 };
}

struct binop {
	const char *s;
	enum cpp_op op;
	int prec;
};

/* The binary operator t is, or NULL. */
static const struct binop *binop(const struct ptok *t)
{
	static const struct binop ops[] = {
		{ "*", CPP_MUL, 10 }, { "/", CPP_DIV, 10 }, { "%", CPP_MOD, 10 }, { "+", CPP_ADD, 9 },
		{ "-", CPP_SUB, 9 }, { "<<", CPP_SHL, 8 }, { ">>", CPP_SHR, 8 }, { "<", CPP_LT, 7 },
		{ ">", CPP_GT, 7 }, { "<=", CPP_LE, 7 }, { ">=", CPP_GE, 7 }, { "==", CPP_EQ, 6 },
		{ "!=", CPP_NE, 6 }, { "&", CPP_BAND, 5 }, { "^", CPP_BXOR, 4 }, { "|", CPP_BOR, 3 },
		{ "&&", CPP_LAND, 2 }, { "||", CPP_LOR, 1 },
	};
	if (!t || t->k != 'p')
		return NULL;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (tok_is(t, ops[i].s))
			return &ops[i];
	return NULL;
}

static struct cpp_val binary(struct ev *e, int min)
{
	struct cpp_val x = unary(e);
	for (;;) {
		const struct binop *op = binop(peek(e));
		if (!op || op->prec < min || e->err)
			return x;
		e->i++;
		struct cpp_val y = binary(e, op->prec + 1);
		x = cpp_binary(op->op, x, y, &e->err);
	}
}

static struct cpp_val cond(struct ev *e)
{
	struct cpp_val c = binary(e, 1);
	if (!accept(e, "?"))
		return c;
	struct cpp_val a = cond(e);
	if (!accept(e, ":"))
		e->err = true;
	struct cpp_val b = cond(e);
	return c.v ? a : b;
}

/* ------------------------------------------------------------------ */
/* Files                                                                */

static bool is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Header `name` searched from c->sys_dirs[from] on; *dir gets the index. */
static const char *search(struct cpp *c, const char *name, int from, int *dir)
{
	if (name[0] == '/')
		return is_file(name) ? name : NULL;
	for (int i = from; c->sys_dirs[i]; i++) {
		const char *p = arena_printf(&c->a, "%s/%s", c->sys_dirs[i], name);
		if (is_file(p)) {
			if (dir)
				*dir = i;
			return p;
		}
	}
	return NULL;
}

const char *cpp_find(struct cpp *c, const char *name)
{
	return search(c, name, 0, NULL);
}

/* Index of the system directory path is in (for #include_next), or -1:
 * the longest one that is a prefix (the arch directory inside /usr/include). */
static int dir_index(const struct cpp *c, const char *path)
{
	const char *const *sys_dirs = c->sys_dirs;
	int best = -1;
	for (int i = 0; sys_dirs[i]; i++) {
		size_t n = strlen(sys_dirs[i]);
		if (!strncmp(path, sys_dirs[i], n) && path[n] == '/' &&
		    (best < 0 || n > strlen(sys_dirs[best])))
			best = i;
	}
	return best;
}

/* "<a/b.h>" or "\"a/b.h\"" at the start of s (after spaces): the name, with
 * *quoted set; NULL when there is none. */
static const char *header_name(struct cpp *c, const char *s, int n, bool *quoted)
{
	int i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i >= n || (s[i] != '<' && s[i] != '"'))
		return NULL;
	char close = s[i] == '<' ? '>' : '"';
	*quoted = close == '"';
	int j = i + 1;
	while (j < n && s[j] != close)
		j++;
	return j < n ? arena_strndup(&c->a, s + i + 1, (size_t)(j - i - 1)) : NULL;
}

static void read_file(struct cpp *c, const char *path, int dir);

/* The tokens of an #if line with `defined X` and __has_include(...)
 * replaced by 0 or 1, then macro-expanded. */
static struct tv if_tokens(struct cpp *c, const char *s, int n, const char *cur_dir, int dir)
{
	struct tv raw = { 0 }, pre = { 0 }, out = { 0 };
	lex(c, s, n, &raw);
	for (int i = 0; i < raw.n; i++) {
		struct ptok *t = &raw.v[i];
		struct ptok one = { .s = "1", .len = 1, .k = 'n' }, zero = { .s = "0", .len = 1, .k = 'n' };
		if (t->k == 'i' && tok_is(t, "defined")) {
			int j = i + 1;
			bool paren = j < raw.n && tok_is(&raw.v[j], "(");
			if (paren)
				j++;
			if (j < raw.n && raw.v[j].k == 'i') {
				tv_push(c, &pre, lookup(c, raw.v[j].s, raw.v[j].len, false) ? one : zero);
				i = j + (paren && j + 1 < raw.n && tok_is(&raw.v[j + 1], ")") ? 1 : 0);
				continue;
			}
		}
		if (t->k == 'i' && (tok_is(t, "__has_include") || tok_is(t, "__has_include_next")) && i + 1 < raw.n &&
		    tok_is(&raw.v[i + 1], "(")) {
			bool next = tok_is(t, "__has_include_next");
			int j = i + 2;
			char name[PATH_MAX] = "";
			size_t k = 0;
			bool quoted = j < raw.n && raw.v[j].k == 's';
			if (quoted) {
				snprintf(name, sizeof(name), "%.*s", raw.v[j].len - 2, raw.v[j].s + 1);
				j++;
			} else if (j < raw.n && tok_is(&raw.v[j], "<")) {
				for (j++; j < raw.n && !tok_is(&raw.v[j], ">"); j++)
					if (k + (size_t)raw.v[j].len < sizeof(name)) {
						memcpy(name + k, raw.v[j].s, (size_t)raw.v[j].len);
						k += (size_t)raw.v[j].len;
						name[k] = 0;
					}
				j++;
			}
			while (j < raw.n && !tok_is(&raw.v[j], ")"))
				j++;
			bool found = false;
			if (name[0]) {
				if (quoted && cur_dir)
					found = is_file(arena_printf(&c->a, "%s/%s", cur_dir, name));
				found = found || search(c, name, next && dir >= 0 ? dir + 1 : 0, NULL);
			}
			tv_push(c, &pre, found ? one : zero);
			i = j;
			continue;
		}
		tv_push(c, &pre, *t);
	}
	c->expansions = 0;
	expand(c, pre, &out);
	return out;
}

struct cond {
	bool active, taken, parent;
};

/* One directive: s[0, n) is the line after the `#`. */
/* The condition of #if / #elif (defined() and macros expanded); an error
 * in it makes it false. */
static bool if_true(struct cpp *c, const char *rest, int rn, const char *cur_dir, int dir)
{
	struct tv t = if_tokens(c, rest, rn, cur_dir, dir);
	struct ev e = { .c = c, .t = t.v, .n = t.n };
	return cond(&e).v != 0 && !e.err;
}

/* #include "name" (the including file's directory first), <name>, and
 * #include_next (the search path after the including file's entry). */
static void include(struct cpp *c, const char *rest, int rn, const char *cur_dir, int dir, bool next)
{
	bool quoted = false;
	const char *name = header_name(c, rest, rn, &quoted);
	if (!name)
		return;          /* #include MACRO: not used by the headers that matter */
	const char *p = NULL;
	int d = -1;
	if (quoted && name[0] != '/') {
		const char *q = arena_printf(&c->a, "%s/%s", cur_dir, name);
		if (is_file(q)) {
			p = q;
			d = dir;
		}
	}
	if (!p)
		p = search(c, name, next && dir >= 0 ? dir + 1 : 0, &d);
	if (p)
		read_file(c, p, d);
}

static void directive(struct cpp *c, const char *s, int n, struct cond *st, int *nst, const char *path, int dir)
{
	int i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	int w = i;
	while (i < n && is_id(s[i]))
		i++;
	int wl = i - w;
	const char *word = s + w, *rest = s + i;
	int rn = n - i;
#define IS(x) (wl == (int)sizeof(x) - 1 && !memcmp(word, x, sizeof(x) - 1))
	bool active = *nst == 0 || st[*nst - 1].active;
	const char *sl = strrchr(path, '/');
	const char *cur_dir = sl ? arena_strndup(&c->a, path, (size_t)(sl - path)) : ".";
	if (IS("if") || IS("ifdef") || IS("ifndef")) {
		if (*nst >= CPP_MAX_COND)
			return;
		bool v = false;
		if (active && IS("if")) {
			v = if_true(c, rest, rn, cur_dir, dir);
		} else if (active) {
			struct tv t = { 0 };
			lex(c, rest, rn, &t);
			v = t.n && t.v[0].k == 'i' && lookup(c, t.v[0].s, t.v[0].len, false);
			if (IS("ifndef"))
				v = !v;
		}
		st[(*nst)++] = (struct cond){ .active = active && v, .taken = !active || v, .parent = active };
		return;
	}
	if (IS("elif") || IS("else")) {
		if (*nst == 0)
			return;
		struct cond *top = &st[*nst - 1];
		if (!top->parent || top->taken) {
			top->active = false;
			return;
		}
		bool v = true;
		if (IS("elif"))
			v = if_true(c, rest, rn, cur_dir, dir);
		top->active = v;
		top->taken = v;
		return;
	}
	if (IS("endif")) {
		if (*nst > 0)
			(*nst)--;
		return;
	}
	if (!active)
		return;
	if (IS("define")) {
		define(c, rest, rn, true);
	} else if (IS("undef")) {
		struct tv t = { 0 };
		lex(c, rest, rn, &t);
		struct macro *m = t.n && t.v[0].k == 'i' ? lookup(c, t.v[0].s, t.v[0].len, false) : NULL;
		if (m)
			m->defined = false;
	} else if (IS("include") || IS("include_next")) {
		include(c, rest, rn, cur_dir, dir, IS("include_next"));
	} else if (IS("pragma")) {
		struct tv t = { 0 };
		lex(c, rest, rn, &t);
		char real[PATH_MAX];
		if (t.n == 1 && tok_is(&t.v[0], "once") && realpath(path, real))
			ptrvec_push(&c->a, &c->once, arena_strdup(&c->a, real));
	}
#undef IS
}

/* A header's text in the arena: a regular file of at most
 * RFILE_MAX_SCRIPT bytes (util/rfile.h), or NULL. */
static char *slurp(struct cpp *c, const char *path, int *len)
{
	char err[PATH_MAX + 128];
	size_t n;
	char *buf = rfile_read(path, RFILE_MAX_SCRIPT, &n, err, sizeof(err));
	if (!buf)
		return NULL;
	char *s = arena_alloc(&c->a, n + 1);
	memcpy(s, buf, n + 1);
	free(buf);
	*len = (int)n;
	return s;
}

/* Preprocesses one file: logical lines, comments out, directives run. */
static void read_file(struct cpp *c, const char *path, int dir)
{
	char real[PATH_MAX];
	if (realpath(path, real))
		for (int i = 0; i < c->once.n; i++)
			if (!strcmp(c->once.v[i], real))
				return;
	if (c->depth >= CPP_MAX_DEPTH)
		return;
	int n = 0;
	const char *t = slurp(c, path, &n);
	if (!t)
		return;
	ptrvec_push(&c->a, &c->files, (void *)path);
	c->depth++;
	struct cond *st = malloc(CPP_MAX_COND * sizeof(*st));
	int nst = 0;
	char *line = malloc((size_t)n + 1);
	int i = 0;
	while (i < n) {
		/* one logical line into `line` */
		int k = 0;
		while (i < n && t[i] != '\n') {
			if (t[i] == '\\' && i + 1 < n && t[i + 1] == '\n') {
				i += 2;
			} else if (t[i] == '\\' && i + 2 < n && t[i + 1] == '\r' && t[i + 2] == '\n') {
				i += 3;
			} else if (t[i] == '/' && i + 1 < n && t[i + 1] == '*') {
				i += 2;
				while (i + 1 < n && !(t[i] == '*' && t[i + 1] == '/'))
					i++;
				i = i + 2 < n ? i + 2 : n;
				line[k++] = ' ';
			} else if (t[i] == '/' && i + 1 < n && t[i + 1] == '/') {
				while (i < n && t[i] != '\n')
					i++;
			} else if (t[i] == '"' || t[i] == '\'') {
				char q = t[i];
				line[k++] = t[i++];
				while (i < n && t[i] != q && t[i] != '\n') {
					if (t[i] == '\\' && i + 1 < n && t[i + 1] != '\n')
						line[k++] = t[i++];
					line[k++] = t[i++];
				}
				if (i < n && t[i] == q)
					line[k++] = t[i++];
			} else {
				line[k++] = t[i++];
			}
		}
		i++;
		int j = 0;
		while (j < k && (line[j] == ' ' || line[j] == '\t'))
			j++;
		if (j < k && line[j] == '#') {
			/* the directive's text must outlive the line buffer (macro bodies) */
			char *d = arena_strndup(&c->a, line + j + 1, (size_t)(k - j - 1));
			directive(c, d, k - j - 1, st, &nst, path, dir);
		} else if (j < k && (nst == 0 || st[nst - 1].active)) {
			char *d = arena_strndup(&c->a, line + j, (size_t)(k - j));
			lex(c, d, k - j, &c->text);
		}
	}
	free(line);
	free(st);
	c->depth--;
}

/* ------------------------------------------------------------------ */
/* Enumeration constants                                                */

static bool constant(struct cpp *c, struct tv in, int64_t *v)
{
	struct tv out = { 0 };
	c->expansions = 0;
	expand(c, in, &out);
	struct ev e = { .c = c, .t = out.v, .n = out.n, .strict = true };
	struct cpp_val r = cond(&e);
	if (e.err || e.i != e.n)
		return false;
	*v = r.v;
	return true;
}

/* `enum [tag] { A [= expr], ... }` in the headers' text: the constants go
 * into c->enums (a value that is not a constant ends that enum). */
static void scan_enums(struct cpp *c)
{
	c->enums_done = true;
	struct tv *t = &c->text;
	for (int i = 0; i < t->n; i++) {
		if (t->v[i].k != 'i' || !tok_is(&t->v[i], "enum"))
			continue;
		int j = i + 1;
		if (j < t->n && t->v[j].k == 'i')
			j++;
		if (j >= t->n || !tok_is(&t->v[j], "{"))
			continue;
		int64_t next = 0;
		for (j++; j < t->n && t->v[j].k == 'i';) {
			struct ptok *name = &t->v[j++];
			int64_t v = next;
			if (j < t->n && tok_is(&t->v[j], "=")) {
				struct tv ex = { 0 };
				int depth = 0;
				for (j++; j < t->n; j++) {
					if (tok_is(&t->v[j], "("))
						depth++;
					else if (tok_is(&t->v[j], ")"))
						depth--;
					else if (depth == 0 && (tok_is(&t->v[j], ",") || tok_is(&t->v[j], "}")))
						break;
					tv_push(c, &ex, t->v[j]);
				}
				if (!constant(c, ex, &v))
					break;
			}
			struct enumc *x = arena_alloc(&c->a, sizeof(*x));
			unsigned h = hash(name->s, name->len);
			x->name = arena_strndup(&c->a, name->s, (size_t)name->len);
			x->v = v;
			x->next = c->enums[h];
			c->enums[h] = x;
			next = v + 1;
			if (j < t->n && tok_is(&t->v[j], ","))
				j++;
		}
		i = j;
	}
}

/* ------------------------------------------------------------------ */
/* The public side                                                      */

struct cpp *cpp_new(bool have_btf)
{
	return cpp_new_arch(arch_host(), have_btf);
}

struct cpp *cpp_new_arch(const struct arch *arch, bool have_btf)
{
	struct cpp *c = xcalloc(1, sizeof(*c));
	c->sys_dirs = arch->include_dirs;
	const char *const *predef = arch->predef;
	for (int i = 0; predef[i]; i++)
		define(c, predef[i], (int)strlen(predef[i]), false);
	if (have_btf) {
		define(c, "BPFTRACE_HAVE_BTF 1", 19, false);
		define(c, "_LINUX_TYPES_H 1", 16, false);
	}
	return c;
}

void cpp_free(struct cpp *c)
{
	if (!c)
		return;
	arena_free(&c->a);
	free(c);
}

void cpp_read(struct cpp *c, const char *path)
{
	read_file(c, path, dir_index(c, path));
}

int cpp_files(struct cpp *c, const char *const **files)
{
	*files = (const char *const *)c->files.v;
	return c->files.n;
}

bool cpp_defined(struct cpp *c, const char *name)
{
	return lookup(c, name, (int)strlen(name), false) != NULL;
}

bool cpp_value(struct cpp *c, const char *name, bool with_predefined, int64_t *v)
{
	if (!c->enums_done)
		scan_enums(c);
	int len = (int)strlen(name);
	struct macro *m = lookup(c, name, len, false);
	if (!m) {
		for (struct enumc *x = c->enums[hash(name, len)]; x; x = x->next)
			if (!strcmp(x->name, name)) {
				*v = x->v;
				return true;
			}
		return false;
	}
	if (m->fn || (!m->from_header && !with_predefined) || m->body.n == 0)
		return false;
	struct tv in = { 0 };
	tv_push(c, &in, (struct ptok){ .s = m->name, .len = len, .k = 'i' });
	return constant(c, in, v);
}
