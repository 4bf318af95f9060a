/* sema.c - attach point expansion, name resolution and type checking.
 *
 * The program is checked twice. The first pass is silent and only learns
 * map types (a map may be read in a probe that comes before the one that
 * assigns it); the second pass reports every error. Scratch variables are
 * per probe; maps are global. See sema.h for the contract. */
#include "ast/sema.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "builtins/builtin.h"

struct sema {
	struct driver *drv;
	struct arena *a;
	bool final;
	int errors;
	struct node *probe;
	struct probe_sem *ps;
	struct attach_point *ap;
	bool retype;
	int loop_depth;
};

struct arena *sema_arena(struct sema *s) { return s->a; }
struct driver *sema_driver(struct sema *s) { return s->drv; }
struct attach_point *sema_ap(struct sema *s) { return s->ap; }
bool sema_is_final(struct sema *s) { return s->final; }
int sema_strlen(struct sema *s) { return s->drv->opt->strlen; }

void sema_error(struct sema *s, struct loc loc, const char *fmt, ...)
{
	s->errors++;
	if (!s->final)
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	diag_error(&s->drv->diag, loc, "%s", buf);
}

static const char *tn(struct sema *s, const struct type *t)
{
	return type_name(s->a, t);
}

struct type *sema_norm(struct sema *s, struct type *t)
{
	if (!t)
		return t;
	switch (t->kind) {
	case TY_INT:
		return type_int(8, t->is_signed);
	case TY_BOOL:
		return type_int(8, false);
	case TY_TUPLE: {
		struct type **el = arena_alloc(s->a, sizeof(*el) * (size_t)(t->nfields + 1));
		for (int i = 0; i < t->nfields; i++)
			el[i] = sema_norm(s, t->fields[i].type);
		return type_tuple(s->a, el, t->nfields);
	}
	default:
		return t;
	}
}

/* Merges a new use's type into a stored type. Ints keep the stored sign;
 * strings grow to the larger size; tuples merge element-wise. Returns the
 * merged type, or NULL when the two cannot be stored in one slot. */
static struct type *unify(struct sema *s, struct type *old, struct type *new)
{
	if (!old)
		return new;
	if (old->kind != new->kind)
		return NULL;
	switch (old->kind) {
	case TY_INT:
		return old;
	case TY_STR:
		return new->size > old->size ? new : old;
	case TY_BUF:
		return new->size > old->size ? new : old;
	case TY_TUPLE: {
		if (old->nfields != new->nfields)
			return NULL;
		bool same = true;
		struct type **el = arena_alloc(s->a, sizeof(*el) * (size_t)old->nfields);
		for (int i = 0; i < old->nfields; i++) {
			el[i] = unify(s, old->fields[i].type, new->fields[i].type);
			if (!el[i])
				return NULL;
			same &= el[i] == old->fields[i].type;
		}
		return same ? old : type_tuple(s->a, el, old->nfields);
	}
	default:
		return type_equal(old, new) ? old : NULL;
	}
}

/* ------------------------------------------------------------------ */
/* Maps and variables                                                  */

static struct map_info *map_get(struct sema *s, struct node *m, bool create)
{
	struct ptrvec *pv = &s->drv->info.maps;
	for (int i = 0; i < pv->n; i++) {
		struct map_info *mi = pv->v[i];
		if (!strcmp(mi->name, m->str))
			return mi;
	}
	if (!create)
		return NULL;
	struct map_info *mi = arena_alloc(s->a, sizeof(*mi));
	mi->name = m->str;
	mi->id = pv->n;
	mi->first = m->loc;
	ptrvec_push(s->a, pv, mi);
	return mi;
}

/* "[int64, string[4]]": key types as bpftrace lists them in messages. */
static const char *key_names(struct sema *s, const struct type *k)
{
	char *out = "[";
	for (int i = 0; i < k->nfields; i++)
		out = arena_printf(s->a, "%s%s%s", out, i ? ", " : "", tn(s, k->fields[i].type));
	return arena_printf(s->a, "%s]", out);
}

/* Types the keys of an N_MAP and merges them into the map's key type. */
static int map_keys(struct sema *s, struct node *m, struct map_info *mi)
{
	int n = m->list.n;
	struct type *kt = NULL;
	if (n > 0) {
		struct type **el = arena_alloc(s->a, sizeof(*el) * (size_t)n);
		for (int i = 0; i < n; i++) {
			struct type *t = sema_expr(s, m->list.v[i]);
			if (!t)
				return -1;
			if (t->kind == TY_VOID || type_is_agg(t) || t->kind == TY_RECORD || t->kind == TY_CTX) {
				sema_error(s, m->list.v[i]->loc, "%s cannot be used as a map key", tn(s, t));
				return -1;
			}
			el[i] = sema_norm(s, t);
		}
		kt = type_tuple(s->a, el, n);
	}
	if (mi->key == NULL && !mi->assigned && !mi->val) {
		mi->key = kt;
		return 0;
	}
	if ((mi->key == NULL) != (kt == NULL)) {
		sema_error(s, m->loc, "Argument mismatch for %s: trying to access with %s when map expects %s",
			   mi->name, kt ? "arguments" : "no arguments", mi->key ? "arguments" : "no arguments");
		return -1;
	}
	if (!kt)
		return 0;
	struct type *u = unify(s, mi->key, kt);
	if (!u) {
		sema_error(s, m->loc, "Argument mismatch for %s: trying to access with arguments: %s when map expects arguments: %s",
			   mi->name, key_names(s, kt), key_names(s, mi->key));
		return -1;
	}
	mi->key = u;
	return 0;
}

struct map_info *sema_map_arg(struct sema *s, struct node *n, const char *func)
{
	if (n->kind != N_MAP) {
		sema_error(s, n->loc, "%s() expects a map argument", func);
		return NULL;
	}
	struct map_info *mi = map_get(s, n, true);
	n->sem = mi;
	if (n->list.n && map_keys(s, n, mi) < 0)
		return NULL;
	if (s->final && !mi->val) {
		sema_error(s, n->loc, "Undefined map: %s", n->str);
		return NULL;
	}
	n->type = mi->val;
	return mi;
}

static int map_set_val(struct sema *s, struct node *m, struct map_info *mi, struct type *t, struct loc loc)
{
	t = sema_norm(s, t);
	if (!mi->val) {
		mi->val = t;
		mi->assigned = true;
		return 0;
	}
	struct type *u = unify(s, mi->val, t);
	if (!u || (type_is_agg(t) != type_is_agg(mi->val))) {
		sema_error(s, loc, "Type mismatch for %s: trying to assign value of type '%s' when map already contains a value of type '%s'",
			   mi->name, tn(s, t), tn(s, mi->val));
		return -1;
	}
	mi->val = u;
	mi->assigned = true;
	(void)m;
	return 0;
}

int sema_map_set_val(struct sema *s, struct node *map, struct type *val)
{
	struct map_info *mi = map->sem;
	return map_set_val(s, map, mi, val, map->loc);
}

static struct var_info *var_get(struct sema *s, const char *name, bool create, struct loc loc)
{
	struct ptrvec *pv = &s->ps->vars;
	for (int i = 0; i < pv->n; i++) {
		struct var_info *v = pv->v[i];
		if (!strcmp(v->name, name))
			return v;
	}
	if (!create)
		return NULL;
	struct var_info *v = arena_alloc(s->a, sizeof(*v));
	v->name = name;
	v->first = loc;
	ptrvec_push(s->a, pv, v);
	return v;
}

/* ------------------------------------------------------------------ */
/* Expressions                                                          */

static bool is_int(const struct type *t)
{
	return t && (t->kind == TY_INT || t->kind == TY_BOOL);
}

static const char *param(struct sema *s, int n)
{
	struct options *o = s->drv->opt;
	return n >= 1 && n <= o->nparams ? o->params[n - 1] : NULL;
}

static struct type *expr_binop(struct sema *s, struct node *n)
{
	struct type *l = sema_expr(s, n->a);
	struct type *r = sema_expr(s, n->b);
	if (!l || !r)
		return NULL;
	if (l->kind == TY_STR && r->kind == TY_STR && (n->op == OP_EQ || n->op == OP_NE))
		return type_int(8, false);
	if (n->op == OP_LAND || n->op == OP_LOR) {
		if (!is_int(l) || !is_int(r)) {
			sema_error(s, n->loc, "Type mismatch for '%s': comparing '%s' with '%s'", op_name(n->op), tn(s, l), tn(s, r));
			return NULL;
		}
		return type_int(8, false);
	}
	if (l->kind == TY_PTR && is_int(r) && (n->op == OP_ADD || n->op == OP_SUB))
		return l;
	if (!is_int(l) || !is_int(r)) {
		switch (n->op) {
		case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
			sema_error(s, n->loc, "Type mismatch for '%s': comparing '%s' with '%s'", op_name(n->op), tn(s, l), tn(s, r));
			break;
		default:
			sema_error(s, n->loc, "The '%s' operator can not be used on expressions of types %s, %s",
				   op_name(n->op), tn(s, l), tn(s, r));
		}
		return NULL;
	}
	switch (n->op) {
	case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
		return type_int(8, false);
	default:
		return type_int(8, l->is_signed && r->is_signed && l->kind == TY_INT && r->kind == TY_INT);
	}
}

static struct type *cast_type(struct sema *s, struct node *n)
{
	static const struct { const char *name; int size; bool sign; } ints[] = {
		{ "uint8", 1, false }, { "uint16", 2, false }, { "uint32", 4, false }, { "uint64", 8, false },
		{ "int8", 1, true }, { "int16", 2, true }, { "int32", 4, true }, { "int64", 8, true },
		{ "char", 1, true }, { "unsigned char", 1, false }, { "short", 2, true },
		{ "unsigned short", 2, false }, { "int", 4, true }, { "unsigned int", 4, false },
		{ "unsigned", 4, false }, { "long", 8, true }, { "unsigned long", 8, false },
		{ "long long", 8, true }, { "unsigned long long", 8, false },
		{ "u8", 1, false }, { "u16", 2, false }, { "u32", 4, false }, { "u64", 8, false },
		{ "s8", 1, true }, { "s16", 2, true }, { "s32", 4, true }, { "s64", 8, true },
	};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (!strcmp(n->str, ints[i].name))
			return type_int(ints[i].size, ints[i].sign);
	sema_error(s, n->loc, "Cannot resolve unknown type \"%s\"", n->str);
	return NULL;
}

static struct type *expr_ident(struct sema *s, struct node *n)
{
	if (!strcmp(n->str, "args")) {
		struct attach_point *ap = s->ap;
		struct type *t = ap && ap->pt->args_type ? ap->pt->args_type(&s->drv->penv, ap) : NULL;
		if (!t) {
			sema_error(s, n->loc, "The args builtin can only be used with tracepoint/fentry/uprobe probes (%s used here)",
				   ap ? ap->pt->name : "?");
			return NULL;
		}
		s->ps->per_ap = true;
		return t;
	}
	struct attach_point *ap = s->ap;
	if (ap && ap->pt->ctx_type) {
		struct type *t = ap->pt->ctx_type(&s->drv->penv, ap, n->str);
		if (t) {
			n->sem = NULL;
			n->sem_id = SEM_CTX;
			return t;
		}
	}
	const struct builtin *b = builtin_find(n->str, B_VAR);
	if (!b) {
		/* a context builtin of another probe type says so in its words */
		const char *why = probe_ctx_misuse(s->a, ap, n->str);
		if (why)
			sema_error(s, n->loc, "%s", why);
		else
			sema_error(s, n->loc, "Unknown identifier: '%s'", n->str);
		return NULL;
	}
	n->sem = (void *)b;
	if (b->check(s, n) < 0)
		return NULL;
	return n->type;
}

static struct type *expr_call(struct sema *s, struct node *n)
{
	const struct builtin *b = builtin_find(n->str, B_FUNC);
	if (!b) {
		struct loc name = n->loc;
		name.last_line = name.first_line;
		name.last_column = name.first_column + (int)strlen(n->str) - 1;
		sema_error(s, name, "Unknown function: %s", n->str);
		/* suggest the closest name */
		if (s->final) {
			const struct builtin *const *all = builtin_all();
			const char *best = NULL;
			int bd = 3;
			for (int i = 0; all[i]; i++) {
				if (all[i]->kind != B_FUNC)
					continue;
				int d = diag_distance(n->str, all[i]->name);
				if (d < bd) {
					bd = d;
					best = all[i]->name;
				}
			}
			if (best)
				diag_hint(&s->drv->diag, "did you mean %s()?", best);
		}
		return NULL;
	}
	n->sem = (void *)b;
	int na = n->list.n;
	if (na < b->min_args || na > b->max_args) {
		/* bpftrace's wording (semantic_analyser check_nargs / check_varargs) */
		static const char *const words[] = { "no arguments", "one argument" };
		if (b->min_args == b->max_args && b->min_args < 2)
			sema_error(s, n->loc, "%s() requires %s (%d provided)", b->name, words[b->min_args], na);
		else if (b->min_args == b->max_args)
			sema_error(s, n->loc, "%s() requires %d arguments (%d provided)", b->name, b->min_args, na);
		else if (na < b->min_args)
			sema_error(s, n->loc, "%s() requires at least %d argument%s (%d provided)", b->name,
				   b->min_args, b->min_args == 1 ? "" : "s", na);
		else
			sema_error(s, n->loc, "%s() takes up to %d argument%s (%d provided)", b->name, b->max_args,
				   b->max_args == 1 ? "" : "s", na);
		return NULL;
	}
	if (b->check(s, n) < 0)
		return NULL;
	return n->type;
}

static struct type *expr_field(struct sema *s, struct node *n)
{
	struct type *bt = sema_expr(s, n->a);
	if (!bt)
		return NULL;
	struct type *rt = bt;
	if (rt->kind == TY_PTR && rt->elem && rt->elem->kind == TY_RECORD)
		rt = rt->elem;
	if (rt->kind != TY_RECORD) {
		sema_error(s, n->loc, "Can not access field '%s' on expression of type '%s'", n->str, tn(s, bt));
		return NULL;
	}
	for (int i = 0; i < rt->nfields; i++) {
		if (rt->fields[i].name && !strcmp(rt->fields[i].name, n->str)) {
			if (rt->is_ctx_record && rt->fields[i].offset < 8) {
				sema_error(s, n->loc, "BPF does not support accessing common tracepoint fields");
				return NULL;
			}
			n->sem = &rt->fields[i];
			return rt->fields[i].type;
		}
	}
	sema_error(s, n->loc, "Struct/union of type '%s' does not contain a field named '%s'", tn(s, rt), n->str);
	if (s->final) {
		const char *best = NULL;
		int bd = 3;
		for (int i = 0; i < rt->nfields; i++) {
			int d = rt->fields[i].name ? diag_distance(n->str, rt->fields[i].name) : 99;
			if (d < bd) {
				bd = d;
				best = rt->fields[i].name;
			}
		}
		if (best)
			diag_hint(&s->drv->diag, "did you mean '%s'?", best);
	}
	return NULL;
}

static struct type *expr_map_read(struct sema *s, struct node *n)
{
	struct map_info *mi = map_get(s, n, true);
	n->sem = mi;
	if (map_keys(s, n, mi) < 0)
		return NULL;
	if (!mi->val) {
		if (s->final)
			sema_error(s, n->loc, "Undefined map: %s", n->str);
		else
			s->errors++;
		return NULL;
	}
	if (type_is_agg(mi->val)) {
		if (mi->val->kind == TY_COUNT || mi->val->kind == TY_SUM || mi->val->kind == TY_MIN ||
		    mi->val->kind == TY_MAX)
			return type_int(8, mi->val->kind == TY_COUNT ? false : mi->val->is_signed);
		sema_error(s, n->loc, "Map value of type '%s' cannot be used in an expression", tn(s, mi->val));
		return NULL;
	}
	return mi->val;
}

struct type *sema_expr(struct sema *s, struct node *n)
{
	struct type *t = NULL;
	switch (n->kind) {
	case N_INT:
		t = type_int(8, true);
		break;
	case N_STR:
		t = type_str(s->a, (int)n->ival + 1);
		break;
	case N_IDENT:
		t = expr_ident(s, n);
		break;
	case N_VAR: {
		struct var_info *v = var_get(s, n->str, false, n->loc);
		if (!v || !v->type) {
			sema_error(s, n->loc, "Undefined or undeclared variable: %s", n->str);
			return NULL;
		}
		n->sem = v;
		t = v->type;
		break;
	}
	case N_MAP:
		t = expr_map_read(s, n);
		break;
	case N_POSPARAM: {
		const char *p = param(s, (int)n->ival);
		if (p) {
			char *end;
			errno = 0;
			long long v = strtoll(p, &end, 0);
			if (*p == 0 || *end || errno) {
				sema_error(s, n->loc, "$%d used numerically but given \"%s\". Try using str($%d).",
					   (int)n->ival, p, (int)n->ival);
				return NULL;
			}
			n->sem_id = 1;
			n->b = NULL;
			n->c = NULL;
			n->op = OP_NONE;
			n->str = p;
			(void)v;
		}
		t = type_int(8, true);
		break;
	}
	case N_POSCOUNT:
		t = type_int(8, true);
		break;
	case N_CALL:
		t = expr_call(s, n);
		if (t && n->sem && ((const struct builtin *)n->sem)->is_agg) {
			sema_error(s, n->loc, "%s() should be directly assigned to a map", n->str);
			return NULL;
		}
		break;
	case N_BINOP:
		t = expr_binop(s, n);
		break;
	case N_UNOP: {
		struct type *x = sema_expr(s, n->a);
		if (!x)
			return NULL;
		if (n->op == OP_DEREF) {
			if (x->kind != TY_PTR || !x->elem) {
				sema_error(s, n->loc, "Can not dereference type '%s'", tn(s, x));
				return NULL;
			}
			t = x->elem;
			break;
		}
		if (!is_int(x)) {
			sema_error(s, n->loc, "The '%s' operator can not be used on expressions of type '%s'",
				   op_name(n->op), tn(s, x));
			return NULL;
		}
		t = n->op == OP_NOT ? type_int(8, false) : type_int(8, n->op == OP_NEG ? true : x->is_signed);
		break;
	}
	case N_INCDEC: {
		struct node *lv = n->a;
		if (lv->kind == N_VAR) {
			struct var_info *v = var_get(s, lv->str, false, lv->loc);
			if (!v || !v->type) {
				sema_error(s, lv->loc, "Undefined or undeclared variable: %s", lv->str);
				return NULL;
			}
			lv->sem = v;
			if (!is_int(v->type)) {
				sema_error(s, n->loc, "The %s operator can only be used on integers", op_name(n->op));
				return NULL;
			}
			lv->type = v->type;
			t = v->type;
		} else if (lv->kind == N_MAP) {
			struct map_info *mi = map_get(s, lv, true);
			lv->sem = mi;
			if (map_keys(s, lv, mi) < 0)
				return NULL;
			if (!mi->val)
				map_set_val(s, lv, mi, type_int(8, true), n->loc);
			if (!is_int(mi->val)) {
				sema_error(s, n->loc, "The %s operator can only be used on integers", op_name(n->op));
				return NULL;
			}
			lv->type = mi->val;
			t = mi->val;
		} else {
			sema_error(s, n->loc, "The %s operator must be applied to a map or variable", op_name(n->op));
			return NULL;
		}
		break;
	}
	case N_TERNARY: {
		struct type *c = sema_expr(s, n->a);
		struct type *x = n->b ? sema_expr(s, n->b) : c;
		struct type *y = sema_expr(s, n->c);
		if (!c || !x || !y)
			return NULL;
		if (!is_int(c)) {
			sema_error(s, n->a->loc, "Invalid condition in ternary: %s", tn(s, c));
			return NULL;
		}
		if (is_int(x) && is_int(y)) {
			t = type_int(8, x->is_signed && y->is_signed);
		} else if (x->kind == TY_STR && y->kind == TY_STR) {
			t = x->size >= y->size ? x : y;
		} else {
			sema_error(s, n->loc, "Ternary operator must return the same type: have '%s' and '%s'",
				   tn(s, x), tn(s, y));
			return NULL;
		}
		break;
	}
	case N_FIELD:
		t = expr_field(s, n);
		break;
	case N_TUPLE: {
		int k = n->list.n;
		struct type **el = arena_alloc(s->a, sizeof(*el) * (size_t)(k + 1));
		for (int i = 0; i < k; i++) {
			el[i] = sema_expr(s, n->list.v[i]);
			if (!el[i])
				return NULL;
			if (el[i]->kind == TY_VOID || type_is_agg(el[i])) {
				sema_error(s, n->list.v[i]->loc, "Invalid expression in tuple: %s", tn(s, el[i]));
				return NULL;
			}
			el[i] = sema_norm(s, el[i]);
		}
		t = type_tuple(s->a, el, k);
		break;
	}
	case N_TUPLE_INDEX: {
		struct type *x = sema_expr(s, n->a);
		if (!x)
			return NULL;
		if (x->kind != TY_TUPLE) {
			sema_error(s, n->loc, "Can not access index '%d' on expression of type '%s'", (int)n->ival, tn(s, x));
			return NULL;
		}
		if (n->ival < 0 || n->ival >= x->nfields) {
			sema_error(s, n->loc, "Invalid tuple index: %d. Found %d elements in tuple.", (int)n->ival, x->nfields);
			return NULL;
		}
		t = x->fields[n->ival].type;
		break;
	}
	case N_CAST: {
		struct type *x = sema_expr(s, n->a);
		if (!x)
			return NULL;
		t = cast_type(s, n);
		if (t && !is_int(x) && x->kind != TY_PTR) {
			sema_error(s, n->loc, "Cannot cast from \"%s\" to \"%s\"", tn(s, x), tn(s, t));
			return NULL;
		}
		break;
	}
	case N_SIZEOF:
		if (n->a) {
			struct type *x = sema_expr(s, n->a);
			if (!x)
				return NULL;
			n->ival = x->size;
		} else {
			struct node tmp = *n;
			struct type *x = cast_type(s, &tmp);
			if (!x)
				return NULL;
			n->ival = x->size;
		}
		t = type_int(8, false);
		break;
	default:
		sema_error(s, n->loc, "%s is not supported here", node_kind_name(n->kind));
		return NULL;
	}
	n->type = t;
	return t;
}

/* ------------------------------------------------------------------ */
/* printf-like calls                                                    */

int sema_printf(struct sema *s, struct node *call, int first)
{
	struct node *f = call->list.v[first];
	if (f->kind != N_STR) {
		struct type *ft = sema_expr(s, f);
		sema_error(s, f->loc, "%s() expects a string literal (%s provided)", call->str,
			   ft ? (type_is_int(ft) ? "integer" : type_kind_name(ft->kind)) : "none");
		return -1;
	}
	int nargs = call->list.n - first - 1;
	struct type **args = arena_alloc(s->a, sizeof(*args) * (size_t)(nargs + 1));
	int *offs = arena_alloc(s->a, sizeof(int) * (size_t)(nargs + 1));
	int off = 0;
	for (int i = 0; i < nargs; i++) {
		struct node *an = call->list.v[first + 1 + i];
		struct type *t = sema_expr(s, an);
		if (!t)
			return -1;
		if (t->kind == TY_VOID || type_is_agg(t) || t->kind == TY_RECORD) {
			sema_error(s, an->loc, "%s() argument %d has an unprintable type: %s", call->str, i + 1, tn(s, t));
			return -1;
		}
		t = sema_norm(s, t);
		args[i] = t;
		off = (off + 7) / 8 * 8;
		offs[i] = off;
		off += t->size;
	}
	if (!s->final)
		return 0;
	char err[512];
	int bad = -1;
	if (fmt_check_fn(call->str, f->str, args, nargs, err, sizeof(err), &bad) < 0) {
		struct loc loc = bad >= 0 && first + 1 + bad < call->list.n ? call->list.v[first + 1 + bad]->loc : call->loc;
		sema_error(s, loc, "%s", err);
		return -1;
	}
	struct rt_printf *pf = arena_alloc(s->a, sizeof(*pf));
	pf->fmt = f->str;
	pf->nargs = nargs;
	pf->args = args;
	pf->offsets = offs;
	pf->size = (off + 7) / 8 * 8;
	call->sem_id = s->drv->info.printfs.n;
	ptrvec_push(s->a, &s->drv->info.printfs, pf);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Statements                                                           */

static void stmt(struct sema *s, struct node *n);

static void block(struct sema *s, struct node *b)
{
	for (int i = 0; b && i < b->list.n; i++)
		stmt(s, b->list.v[i]);
}

static void assign_var(struct sema *s, struct node *n)
{
	struct node *lv = n->a;
	struct var_info *v = var_get(s, lv->str, true, lv->loc);
	lv->sem = v;
	if (n->op != OP_ASSIGN) {
		if (!v->type) {
			sema_error(s, lv->loc, "Undefined or undeclared variable: %s", lv->str);
			return;
		}
		struct type *r = sema_expr(s, n->b);
		if (!r)
			return;
		if (!is_int(v->type) || !is_int(r)) {
			sema_error(s, n->loc, "The '%s=' operator can not be used on expressions of types %s, %s",
				   op_name(n->op), tn(s, v->type), tn(s, r));
			return;
		}
		lv->type = v->type;
		return;
	}
	struct type *r = sema_expr(s, n->b);
	if (!r)
		return;
	if (n->b->kind == N_CALL && n->b->sem && ((const struct builtin *)n->b->sem)->is_agg)
		return;
	if (r->kind == TY_VOID || type_is_agg(r) || r->kind == TY_RECORD) {
		sema_error(s, n->b->loc, "Value of type '%s' cannot be assigned to a variable", tn(s, r));
		return;
	}
	r = sema_norm(s, r);
	if (!v->type) {
		v->type = r;
	} else {
		struct type *u = unify(s, v->type, r);
		if (!u) {
			sema_error(s, n->loc, "Type mismatch for %s: trying to assign value of type '%s' when variable already contains a value of type '%s'",
				   lv->str, tn(s, r), tn(s, v->type));
			return;
		}
		v->type = u;
	}
	lv->type = v->type;
}

static void assign_map(struct sema *s, struct node *n)
{
	struct node *lv = n->a;
	struct map_info *mi = map_get(s, lv, true);
	lv->sem = mi;
	if (map_keys(s, lv, mi) < 0)
		return;
	struct node *rhs = n->b;
	if (rhs->kind == N_CALL && n->op == OP_ASSIGN) {
		const struct builtin *b = builtin_find(rhs->str, B_FUNC);
		if (b && b->is_agg) {
			/* the builtin's check types the call as the aggregation */
			if (!expr_call(s, rhs))
				return;
			if (map_set_val(s, lv, mi, rhs->type, n->loc) == 0)
				lv->type = mi->val;
			return;
		}
	}
	struct type *r = sema_expr(s, rhs);
	if (!r)
		return;
	if (n->op != OP_ASSIGN) {
		if (!mi->val)
			map_set_val(s, lv, mi, type_int(8, true), n->loc);
		if (!is_int(mi->val) || !is_int(r)) {
			sema_error(s, n->loc, "The '%s=' operator can not be used on expressions of types %s, %s",
				   op_name(n->op), tn(s, mi->val), tn(s, r));
			return;
		}
		lv->type = mi->val;
		return;
	}
	if (r->kind == TY_VOID || r->kind == TY_RECORD) {
		sema_error(s, rhs->loc, "Value of type '%s' cannot be assigned to a map", tn(s, r));
		return;
	}
	if (map_set_val(s, lv, mi, r, n->loc) == 0)
		lv->type = mi->val;
}

static void stmt(struct sema *s, struct node *n)
{
	switch (n->kind) {
	case N_EXPR_STMT:
		if (n->a->kind == N_MAP || n->a->kind == N_VAR || n->a->kind == N_INT || n->a->kind == N_STR) {
			/* bpftrace accepts and ignores bare values; type them anyway */
		}
		sema_expr(s, n->a);
		break;
	case N_ASSIGN:
		if (n->a->kind == N_VAR)
			assign_var(s, n);
		else if (n->a->kind == N_MAP)
			assign_map(s, n);
		else
			sema_error(s, n->a->loc, "Can only assign to a map or a scratch variable");
		break;
	case N_IF: {
		struct type *c = sema_expr(s, n->a);
		if (c && !is_int(c) && c->kind != TY_PTR)
			sema_error(s, n->a->loc, "Invalid condition in if(): %s", tn(s, c));
		block(s, n->b);
		if (n->c) {
			if (n->c->kind == N_IF)
				stmt(s, n->c);
			else
				block(s, n->c);
		}
		break;
	}
	case N_WHILE: {
		struct type *c = sema_expr(s, n->a);
		if (c && !is_int(c))
			sema_error(s, n->a->loc, "Invalid condition in while(): %s", tn(s, c));
		s->loop_depth++;
		block(s, n->b);
		s->loop_depth--;
		break;
	}
	case N_UNROLL: {
		struct node *c = n->a;
		int64_t k = -1;
		if (c->kind == N_INT)
			k = c->ival;
		else if (c->kind == N_POSPARAM && param(s, (int)c->ival))
			k = strtoll(param(s, (int)c->ival), NULL, 0);
		if (k < 1 || k > 100) {
			sema_error(s, c->loc, k < 0 && c->kind != N_INT && c->kind != N_POSPARAM
				   ? "unroll() requires an integer literal or positional parameter"
				   : k > 100 ? "unroll maximum value is 100" : "unroll minimum value is 1");
			return;
		}
		n->ival = k;
		block(s, n->b);
		break;
	}
	case N_BLOCK:
		block(s, n);
		break;
	case N_RETURN:
		if (n->a)
			sema_expr(s, n->a);
		break;
	case N_BREAK:
	case N_CONTINUE:
		if (!s->loop_depth)
			sema_error(s, n->loc, "%s statement is not allowed outside of a loop", node_kind_name(n->kind));
		break;
	default:
		sema_error(s, n->loc, "%s statements are not supported yet", node_kind_name(n->kind));
	}
}

/* ------------------------------------------------------------------ */
/* Attach points                                                        */

static int expand_probe(struct sema *s, struct node *p, struct probe_sem *ps)
{
	struct driver *drv = s->drv;
	int rc = 0;
	for (int i = 0; i < p->list.n; i++) {
		struct node *an = p->list.v[i];
		const char *text = an->str;
		const char *colon = strchr(text, ':');
		char *tname = arena_strndup(s->a, text, colon ? (size_t)(colon - text) : strlen(text));
		const struct probe_type *pt = probe_type_find(tname);
		if (!pt) {
			probe_report_unknown(&drv->diag, tname, an->loc);
			rc = -1;
			continue;
		}
		int before = ps->aps.n;
		if (pt->expand(&drv->penv, text, an->loc, &ps->aps) < 0) {
			rc = -1;
			continue;
		}
		for (int k = before; k < ps->aps.n; k++) {
			struct attach_point *ap = ps->aps.v[k];
			ap->id = drv->info.aps.n;
			ap_list_push(s->a, &drv->info.aps, ap);
		}
	}
	return rc;
}

static void check_probe(struct sema *s, struct node *p)
{
	s->probe = p;
	s->ps = p->sem;
	s->ap = s->ps->aps.n ? s->ps->aps.v[0] : NULL;
	for (int i = 0; i < s->ps->vars.n; i++) {
		struct var_info *v = s->ps->vars.v[i];
		(void)v;
	}
	if (p->a) {
		struct type *t = sema_expr(s, p->a);
		if (t && !is_int(t))
			sema_error(s, p->a->loc, "Invalid type for predicate: %s", tn(s, t));
	}
	block(s, p->b);
}

int sema_run(struct driver *drv)
{
	struct sema s = { .drv = drv, .a = &drv->arena };
	struct node *root = drv->root;
	int rc = 0;
	for (int i = 0; i < root->list.n; i++) {
		struct node *p = root->list.v[i];
		if (p->kind != N_PROBE)
			continue;
		struct probe_sem *ps = arena_alloc(s.a, sizeof(*ps));
		p->sem = ps;
		if (expand_probe(&s, p, ps) < 0)
			rc = -1;
	}
	if (rc < 0 || drv->diag.errors)
		return -1;
	/* Silent pass: learn map types in any order. */
	for (int i = 0; i < root->list.n; i++)
		if (root->list.v[i]->kind == N_PROBE)
			check_probe(&s, root->list.v[i]);
	/* Variables are re-learned per pass, in source order. */
	for (int i = 0; i < root->list.n; i++) {
		struct node *p = root->list.v[i];
		if (p->kind == N_PROBE)
			((struct probe_sem *)p->sem)->vars.n = 0;
	}
	s.final = true;
	s.errors = 0;
	for (int i = 0; i < root->list.n; i++)
		if (root->list.v[i]->kind == N_PROBE)
			check_probe(&s, root->list.v[i]);
	for (int i = 0; i < root->list.n; i++) {
		struct node *n = root->list.v[i];
		if (n->kind == N_CDEF || n->kind == N_INCLUDE || n->kind == N_DEFINE)
			continue;
		if (n->kind != N_PROBE) {
			diag_warn(&drv->diag, n->loc, "%s is not supported yet and was ignored", node_kind_name(n->kind));
		}
	}
	return s.errors || drv->diag.errors ? -1 : 0;
}

int sema_retype(struct driver *drv, struct node *probe, struct attach_point *ap)
{
	struct sema s = { .drv = drv, .a = &drv->arena, .final = true, .retype = true };
	struct probe_sem *ps = probe->sem;
	ps->vars.n = 0;
	s.probe = probe;
	s.ps = ps;
	s.ap = ap;
	if (probe->a)
		sema_expr(&s, probe->a);
	block(&s, probe->b);
	return s.errors ? -1 : 0;
}
