/* sema_expr.c - type checking of expressions.
 *
 * Integers follow C's conversion rules with int = 32 bits and long = 64
 * bits: bool and 8/16-bit values promote to int32 before arithmetic, and
 * two operands convert to their common type (sema_int_common). Integer
 * literals are int64 (uint64 from 2^63 on), so `$u8 - 10` is -5, not a
 * wrapped unsigned value. Comparisons and logical operators yield bool. */
#include "sema/sema_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool sema_is_cond(const struct type *t)
{
	return t && (type_is_int(t) || t->kind == TY_PTR);
}

struct type *sema_int_promote(const struct type *t)
{
	if (t->kind != TY_INT || t->size < 4)
		return type_int(4, true);
	return type_int(t->size, t->is_signed);
}

struct type *sema_int_common(const struct type *a, const struct type *b)
{
	struct type *x = sema_int_promote(a), *y = sema_int_promote(b);
	if (x->is_signed == y->is_signed)
		return x->size >= y->size ? x : y;
	struct type *u = x->is_signed ? y : x, *sg = x->is_signed ? x : y;
	/* the unsigned type wins unless the signed one is wider (and so holds
	 * every value of the unsigned one) */
	return u->size >= sg->size ? u : sg;
}

static const char *param(struct sema *s, int n)
{
	struct settings *o = &s->prog->set;
	return n >= 1 && n <= o->nparams ? o->params[n - 1] : NULL;
}

/* ------------------------------------------------------------------ */
/* Type names in casts, let declarations and sizeof                     */

static const struct { const char *name; int size; bool sign; } int_names[] = {
	{ "uint8", 1, false }, { "uint16", 2, false }, { "uint32", 4, false }, { "uint64", 8, false },
	{ "int8", 1, true }, { "int16", 2, true }, { "int32", 4, true }, { "int64", 8, true },
	{ "char", 1, true }, { "signed char", 1, true }, { "unsigned char", 1, false },
	{ "short", 2, true }, { "short int", 2, true }, { "unsigned short", 2, false },
	{ "unsigned short int", 2, false }, { "int", 4, true }, { "signed", 4, true },
	{ "signed int", 4, true }, { "unsigned int", 4, false }, { "unsigned", 4, false },
	{ "long", 8, true }, { "long int", 8, true }, { "unsigned long", 8, false },
	{ "unsigned long int", 8, false }, { "long long", 8, true }, { "long long int", 8, true },
	{ "unsigned long long", 8, false }, { "unsigned long long int", 8, false },
	{ "u8", 1, false }, { "u16", 2, false }, { "u32", 4, false }, { "u64", 8, false },
	{ "s8", 1, true }, { "s16", 2, true }, { "s32", 4, true }, { "s64", 8, true },
	{ "__u8", 1, false }, { "__u16", 2, false }, { "__u32", 4, false }, { "__u64", 8, false },
	{ "__s8", 1, true }, { "__s16", 2, true }, { "__s32", 4, true }, { "__s64", 8, true },
	{ "uint8_t", 1, false }, { "uint16_t", 2, false }, { "uint32_t", 4, false },
	{ "uint64_t", 8, false }, { "int8_t", 1, true }, { "int16_t", 2, true },
	{ "int32_t", 4, true }, { "int64_t", 8, true }, { "size_t", 8, false },
	{ "ssize_t", 8, true }, { "pid_t", 4, true }, { "uid_t", 4, false }, { "gid_t", 4, false },
};

/* Resolves "uint32", "int8 *", "uint8[4]", "string", "string[16]", "bool",
 * and C type names ("struct task_struct *", "enum pid_type", "u32") through
 * sema_c_named (sema_types.c). */
struct type *sema_type_from_name(struct sema *s, const char *name, struct loc loc, bool report)
{
	size_t len = strlen(name);
	/* trailing [N] */
	if (len && name[len - 1] == ']') {
		const char *lb = strrchr(name, '[');
		if (lb) {
			long n = strtol(lb + 1, NULL, 10);
			char *base = arena_strndup(s->a, name, (size_t)(lb - name));
			struct type *bt = sema_type_from_name(s, base, loc, report);
			if (!bt)
				return NULL;
			if (n <= 0 || n > 1 << 20) {
				if (report)
					sema_error(s, loc, "Invalid array size in type \"%s\"", name);
				return NULL;
			}
			if (bt->kind == TY_STR)
				return type_str(s->a, (int)n);
			return type_array(s->a, bt, (int)n);
		}
	}
	/* trailing '*' */
	if (len && name[len - 1] == '*') {
		size_t k = len - 1;
		while (k && name[k - 1] == ' ')
			k--;
		char *base = arena_strndup(s->a, name, k);
		struct type *bt = !strcmp(base, "void") ? type_int(1, true)
							 : sema_type_from_name(s, base, loc, report);
		if (!bt)
			return NULL;
		return type_ptr(s->a, bt, sema_default_as(s));
	}
	for (size_t i = 0; i < sizeof(int_names) / sizeof(int_names[0]); i++)
		if (!strcmp(name, int_names[i].name))
			return type_int(int_names[i].size, int_names[i].sign);
	if (!strcmp(name, "bool"))
		return type_bool();
	if (!strcmp(name, "string"))
		return type_str(s->a, sema_strlen(s));
	/* struct/union/enum and typedef names: the script's, then BTF's */
	return sema_c_named(s, name, loc, report);
}

/* ------------------------------------------------------------------ */
/* Operators                                                            */

/* Folds an integer constant expression (tuple indexes); false if not one. */
static bool const_int(struct node *n, int64_t *v)
{
	int64_t a, b;
	switch (n->kind) {
	case N_INT:
		*v = n->ival;
		return true;
	case N_UNOP:
		if (n->op != OP_NEG || !const_int(n->a, &a))
			return false;
		*v = -a;
		return true;
	case N_BINOP:
		if (!const_int(n->a, &a) || !const_int(n->b, &b))
			return false;
		switch (n->op) {
		case OP_ADD: *v = a + b; return true;
		case OP_SUB: *v = a - b; return true;
		case OP_MUL: *v = a * b; return true;
		case OP_DIV: *v = b ? a / b : 0; return true;
		case OP_MOD: *v = b ? a % b : 0; return true;
		default: return false;
		}
	default:
		return false;
	}
}

static bool is_cmp(enum op op)
{
	return op == OP_EQ || op == OP_NE || op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE;
}

/* Types that == and != compare byte for byte. */
static bool mem_comparable(const struct type *t)
{
	switch (t->kind) {
	case TY_STR: case TY_BUF: case TY_TUPLE:
		return true;
	case TY_ARRAY:
		return t->elem && type_is_int(t->elem);
	default:
		return false;
	}
}

static struct type *expr_binop(struct sema *s, struct node *n)
{
	struct type *l = sema_expr(s, n->a);
	struct type *r = sema_expr(s, n->b);
	if (!l || !r)
		return NULL;
	enum op op = n->op;
	if ((op == OP_EQ || op == OP_NE) && l->kind == r->kind && mem_comparable(l)) {
		if (l->kind == TY_TUPLE) {
			/* codegen compares both in this common layout */
			n->sem = sema_unify(s, sema_norm(s, l), sema_norm(s, r));
			if (!n->sem) {
				sema_error(s, n->loc, "Type mismatch for '%s': comparing '%s' with '%s'", op_name(op),
					   sema_tn(s, l), sema_tn(s, r));
				return NULL;
			}
		}
		if (l->kind == TY_BUF && l->size != r->size)
			n->sem = sema_unify(s, l, r);
		if (l->kind == TY_ARRAY && !type_equal(l, r)) {
			sema_error(s, n->loc, "Type mismatch for '%s': comparing '%s' with '%s'", op_name(op),
				   sema_tn(s, l), sema_tn(s, r));
			return NULL;
		}
		return type_bool();
	}
	if (op == OP_LAND || op == OP_LOR) {
		if (!sema_is_cond(l) || !sema_is_cond(r)) {
			sema_error(s, n->loc, "Type mismatch for '%s': comparing '%s' with '%s'", op_name(op),
				   sema_tn(s, l), sema_tn(s, r));
			return NULL;
		}
		return type_bool();
	}
	if (l->kind == TY_PTR || r->kind == TY_PTR) {
		if (l->kind == TY_PTR && type_is_int(r) && (op == OP_ADD || op == OP_SUB))
			return l;
		if (r->kind == TY_PTR && type_is_int(l) && op == OP_ADD)
			return r;
		if (l->kind == TY_PTR && r->kind == TY_PTR && op == OP_SUB)
			return type_int(8, true);
		if (is_cmp(op) && (type_is_int(l) || l->kind == TY_PTR) && (type_is_int(r) || r->kind == TY_PTR))
			return type_bool();
	}
	if (!type_is_int(l) || !type_is_int(r)) {
		if (is_cmp(op))
			sema_error(s, n->loc, "Type mismatch for '%s': comparing '%s' with '%s'", op_name(op),
				   sema_tn(s, l), sema_tn(s, r));
		else
			sema_error(s, n->loc, "The '%s' operator can not be used on expressions of types %s, %s",
				   op_name(op), sema_tn(s, l), sema_tn(s, r));
		return NULL;
	}
	if (is_cmp(op))
		return type_bool();
	if (op == OP_SHL || op == OP_SHR)
		return sema_int_promote(l);
	return sema_int_common(l, r);
}

static struct type *expr_unop(struct sema *s, struct node *n)
{
	if (n->op == OP_ADDR)
		return sema_addr_of(s, n);
	struct type *x = sema_expr(s, n->a);
	if (!x)
		return NULL;
	switch (n->op) {
	case OP_DEREF:
		if (x->kind != TY_PTR || !x->elem) {
			sema_error(s, n->loc, "Can not dereference type '%s'", sema_tn(s, x));
			return NULL;
		}
		if (x->elem->kind == TY_VOID || (x->elem->kind == TY_RECORD && !type_complete(x->elem)->nfields &&
						 x->elem->size == 0)) {
			sema_error(s, n->loc, "Can not dereference type '%s': its pointee is incomplete", sema_tn(s, x));
			return NULL;
		}
		/* what *p yields keeps p's address space (a struct read whole) */
		if (x->elem->kind == TY_RECORD && x->elem->as != x->as) {
			struct type *c = type_copy(s->a, x->elem);
			c->as = x->as;
			return c;
		}
		return x->elem;
	case OP_ADDR:
		return NULL;   /* sema_addr_of, before the operand was typed */
	case OP_NOT:
		if (!sema_is_cond(x))
			break;
		return type_bool();
	default:
		if (!type_is_int(x))
			break;
		return sema_int_promote(x);
	}
	sema_error(s, n->loc, "The '%s' operator can not be used on expressions of type '%s'", op_name(n->op),
		   sema_tn(s, x));
	return NULL;
}

static struct type *expr_incdec(struct sema *s, struct node *n)
{
	struct node *lv = n->a;
	struct type *t;
	if (lv->kind == N_VAR) {
		struct var_info *v = sema_var_find(s, lv->str, (int)lv->ival);
		if (!v || !v->type) {
			sema_error(s, lv->loc, "Undefined or undeclared variable: %s", lv->str);
			return NULL;
		}
		lv->sem = v;
		t = v->type;
	} else if (lv->kind == N_MAP) {
		struct map_info *mi = sema_map_get(s, lv, true);
		lv->sem = mi;
		mi->bpf_used = true;
		if (sema_map_keys(s, lv, mi) < 0)
			return NULL;
		if (!mi->val)
			sema_map_store(s, mi, type_int(8, true), n->loc);
		t = mi->val;
	} else {
		sema_error(s, n->loc, "The %s operator must be applied to a map or variable", op_name(n->op));
		return NULL;
	}
	if (!type_is_int(t) && t->kind != TY_PTR) {
		sema_error(s, n->loc, "The %s operator can only be used on integers", op_name(n->op));
		return NULL;
	}
	lv->type = t;
	return t;
}

static struct type *expr_ternary(struct sema *s, struct node *n)
{
	struct type *c = sema_expr(s, n->a);
	struct type *x = n->b ? sema_expr(s, n->b) : c;
	struct type *y = sema_expr(s, n->c);
	if (!c || !x || !y)
		return NULL;
	if (!sema_is_cond(c)) {
		sema_error(s, n->a->loc, "Invalid condition in ternary: %s", sema_tn(s, c));
		return NULL;
	}
	if (type_is_int(x) && type_is_int(y))
		return x->kind == TY_BOOL && y->kind == TY_BOOL ? type_bool() : sema_int_common(x, y);
	if (x->kind == TY_PTR && (y->kind == TY_PTR || type_is_int(y)))
		return x;
	if (y->kind == TY_PTR && type_is_int(x))
		return y;
	if (x->kind == TY_VOID && y->kind == TY_VOID && n->b)
		return x;
	struct type *u = n->b ? sema_unify(s, sema_norm(s, x), sema_norm(s, y)) : NULL;
	if (!u || u->kind == TY_VOID || type_is_agg(u)) {
		sema_error(s, n->loc, "Ternary operator must return the same type: have '%s' and '%s'",
			   sema_tn(s, x), sema_tn(s, y));
		return NULL;
	}
	return u;
}

static struct type *expr_ident(struct sema *s, struct node *n)
{
	if (!strcmp(n->str, "args")) {
		struct attach_point *ap = s->ap;
		struct type *t = ap && ap->pt->args_type ? ap->pt->args_type(s->env, ap) : NULL;
		if (!t) {
			/* (a probe type with args that has none here said why) */
			if (!ap || !ap->pt->args_type)
				sema_error(s, n->loc, "The args builtin can only be used with tracepoint/fentry/uprobe probes (%s used here)",
					   ap ? ap->pt->name : "?");
			return NULL;
		}
		s->ps->per_ap = true;
		return t;
	}
	struct attach_point *ap = s->ap;
	if (ap && ap->pt->ctx_type) {
		struct type *t = ap->pt->ctx_type(s->env, ap, n->str);
		if (t) {
			n->sem = NULL;
			n->sem_id = SEM_CTX;
			s->ps->uses_ctx = true;
			return t;
		}
	}
	const struct builtin *b = builtin_find(n->str, B_VAR);
	const char *why;
	const struct builtin *f = b ? NULL : builtin_find(n->str, B_FUNC);
	if (f && f->either_form && f->min_args == 0) {
		n->kind = N_CALL;   /* `ncpus` is `ncpus()` */
		return sema_call(s, n);
	}
	if (!b) {
		if (!strcmp(n->str, "_"))
			sema_error(s, n->loc, "_ can only be assigned to: `_ = expr;` discards a value");
		else if ((why = probe_ctx_misuse(s->a, ap, n->str)))
			sema_error(s, n->loc, "%s", why);
		else if (sema_enumerator(s, n))
			return n->type;   /* an enum's value: now an N_INT */
		else
			sema_error(s, n->loc, "Unknown identifier: '%s'", n->str);
		return NULL;
	}
	n->sem = (void *)b;
	if (b->check(s, n) < 0)
		return NULL;
	return n->type;
}

/* The hint for an unknown function: the closest builtin name. */
static void suggest_function(struct sema *s, const char *name)
{
	const struct builtin *const *all = builtin_all();
	const char *best = NULL;
	int bd = 3;
	for (int i = 0; all[i]; i++) {
		if (all[i]->kind != B_FUNC)
			continue;
		int d = diag_distance(name, all[i]->name);
		if (d < bd) {
			bd = d;
			best = all[i]->name;
		}
	}
	if (best)
		diag_hint(s->diag, "did you mean %s()?", best);
}

struct type *sema_call(struct sema *s, struct node *n)
{
	const struct builtin *b = builtin_find(n->str, B_FUNC);
	const struct builtin *v = b ? NULL : builtin_find(n->str, B_VAR);
	if (v && v->either_form)
		b = v;   /* `pid()` is `pid` (its arity: none) */
	struct attach_point *ap = s->ap;
	if (!b && !v && n->list.n == 0 && ap && ap->pt->ctx_type) {
		struct type *t = ap->pt->ctx_type(s->env, ap, n->str);
		if (t) {   /* `func()` is `func`, `retval()` is `retval` */
			n->kind = N_IDENT;
			n->sem = NULL;
			n->sem_id = SEM_CTX;
			s->ps->uses_ctx = true;
			return t;
		}
	}
	if (!b) {
		sema_error(s, sema_loc_head(n->loc, (int)strlen(n->str)), "Unknown function: %s", n->str);
		if (s->final)
			suggest_function(s, n->str);
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

/* ------------------------------------------------------------------ */
/* Fields, tuples, indexes                                              */

/* (a, b), (x,), () and records (name = a, size = b). */
static struct type *expr_tuple(struct sema *s, struct node *n)
{
	int k = n->list.n;
	bool record = k && n->list.v[0]->kind == N_ASSIGN;
	struct type **el = arena_alloc(s->a, sizeof(*el) * (size_t)(k + 1));
	for (int i = 0; i < k; i++) {
		struct node *e = n->list.v[i];
		if ((e->kind == N_ASSIGN) != record) {
			sema_error(s, e->loc, "Named and unnamed fields cannot be mixed in one tuple");
			return NULL;
		}
		if (record) {
			for (int j = 0; j < i; j++)
				if (!strcmp(n->list.v[j]->a->str, e->a->str)) {
					sema_error(s, e->a->loc, "Field '%s' already exists in this record", e->a->str);
					return NULL;
				}
			e = e->b;
		}
		el[i] = sema_expr(s, e);
		if (!el[i])
			return NULL;
		if (el[i]->kind == TY_VOID || type_is_agg(el[i]) || el[i]->kind == TY_CTX) {
			sema_error(s, e->loc, "Invalid expression in tuple: %s", sema_tn(s, el[i]));
			return NULL;
		}
		el[i] = sema_norm(s, el[i]);
		if (record)
			n->list.v[i]->type = el[i];
	}
	struct type *t = type_tuple(s->a, el, k);
	if (record) {
		t->kind = TY_RECORD;
		for (int i = 0; i < k; i++)
			t->fields[i].name = n->list.v[i]->a->str;
	}
	return t;
}

static struct type *tuple_elem(struct sema *s, struct node *n, struct type *x, int64_t i)
{
	if (i < 0 || i >= x->nfields) {
		sema_error(s, n->loc, "Invalid tuple index: %lld. Found %d elements in tuple.", (long long)i, x->nfields);
		return NULL;
	}
	return x->fields[i].type;
}

static struct type *expr_index(struct sema *s, struct node *n)
{
	struct type *x = sema_expr(s, n->a);
	struct type *it = sema_expr(s, n->b);
	if (!x || !it)
		return NULL;
	int64_t k = 0;
	bool konst = const_int(n->b, &k);
	if (x->kind == TY_TUPLE) {
		if (!konst) {
			sema_error(s, n->b->loc, "Tuple index must be an integer literal");
			return NULL;
		}
		n->ival = k;
		n->sem_id = 1;   /* constant index */
		return tuple_elem(s, n, x, k);
	}
	if (!type_is_int(it)) {
		sema_error(s, n->b->loc, "The array index operator [] expects an integer index (%s provided)",
			   sema_tn(s, it));
		return NULL;
	}
	n->sem_id = konst;
	n->ival = k;
	switch (x->kind) {
	case TY_ARRAY:
		if (konst && (k < 0 || k >= x->nelem)) {
			sema_error(s, n->loc, "the index %lld is out of bounds for array of size %d", (long long)k,
				   x->nelem);
			return NULL;
		}
		return x->elem;
	case TY_PTR:
		if (!x->elem || x->elem->kind == TY_RECORD || x->elem->size <= 0) {
			sema_error(s, n->loc, "The array index operator [] can not be used on expressions of type '%s'",
				   sema_tn(s, x));
			return NULL;
		}
		return x->elem;
	case TY_STR:
		if (konst && (k < 0 || k >= x->size)) {
			sema_error(s, n->loc, "the index %lld is out of bounds for %s", (long long)k, sema_tn(s, x));
			return NULL;
		}
		return type_int(1, true);
	default:
		sema_error(s, n->loc, "The array index operator [] can not be used on expressions of type '%s'",
			   sema_tn(s, x));
		return NULL;
	}
}

static struct type *expr_cast(struct sema *s, struct node *n)
{
	struct type *x = sema_expr(s, n->a);
	if (!x)
		return NULL;
	struct type *t = n->b ? sema_typename(s, n->b) : sema_type_from_name(s, n->str, n->loc, true);
	if (!t)
		return NULL;
	bool from_ok = type_is_int(x) || x->kind == TY_PTR;
	bool to_ok = type_is_int(t) || t->kind == TY_PTR;
	if (t->kind == TY_PTR && x->as != AS_NONE && x->as != t->as) {
		/* (struct S *)uptr(arg0): the operand's address space wins */
		t = type_copy(s->a, t);
		t->as = x->as;
	}
	if (!from_ok || !to_ok) {
		sema_error(s, n->loc, "Cannot cast from \"%s\" to \"%s\"", sema_tn(s, x), sema_tn(s, t));
		return NULL;
	}
	return t;
}

static struct type *expr_var(struct sema *s, struct node *n)
{
	struct var_info *v = sema_var_find(s, n->str, (int)n->ival);
	if (!v || !v->type) {
		sema_error(s, n->loc, "Undefined or undeclared variable: %s", n->str);
		return NULL;
	}
	n->sem = v;
	if (v->type->kind == TY_NONE) {
		/* its assignment failed and was reported */
		s->errors++;
		return NULL;
	}
	return v->type;
}

static struct type *expr_map_read(struct sema *s, struct node *n)
{
	struct map_info *mi = sema_map_get(s, n, true);
	n->sem = mi;
	mi->bpf_used = true;
	if (sema_map_keys(s, n, mi) < 0)
		return NULL;
	if (!mi->val && mi == s->self_map)
		return type_int(8, true);
	if (!mi->val) {
		if (s->final)
			sema_error(s, n->loc, "Undefined map: %s", n->str);
		else
			s->errors++;
		return NULL;
	}
	switch (mi->val->kind) {
	case TY_COUNT:
		return type_int(8, false);
	case TY_SUM: case TY_MIN: case TY_MAX: case TY_AVG:
		/* latest bpftrace reads these as integers (summed over the CPUs) */
		return type_int(8, mi->val->is_signed);
	case TY_STATS: case TY_HIST: case TY_LHIST:
		sema_error(s, n->loc, "Map value of type '%s' cannot be used in an expression", sema_tn(s, mi->val));
		return NULL;
	default:
		return mi->val;
	}
}

static struct type *expr_param(struct sema *s, struct node *n)
{
	const char *p = param(s, (int)n->ival);
	if (p) {
		char *end;
		errno = 0;
		(void)strtoll(p, &end, 0);
		if (*p == 0 || *end || errno) {
			sema_error(s, n->loc, "$%d used numerically but given \"%s\". Try using str($%d).",
				   (int)n->ival, p, (int)n->ival);
			return NULL;
		}
		n->sem_id = 1;
		n->str = p;
	}
	return type_int(8, true);
}

/* t.N: an element of a tuple. */
static struct type *expr_tuple_index(struct sema *s, struct node *n)
{
	struct type *x = sema_expr(s, n->a);
	if (!x)
		return NULL;
	if (x->kind != TY_TUPLE) {
		sema_error(s, n->loc, "Can not access index '%d' on expression of type '%s'", (int)n->ival,
			   sema_tn(s, x));
		return NULL;
	}
	return tuple_elem(s, n, x, n->ival);
}

/* sizeof(expr) or sizeof(TYPE): the size goes into n->ival. */
static struct type *expr_sizeof(struct sema *s, struct node *n)
{
	struct type *x = sema_is_typename(n->a) ? sema_typename(s, n->a)
		       : n->a		       ? sema_expr(s, n->a)
					       : sema_type_from_name(s, n->str, n->loc, true);
	if (!x)
		return NULL;
	n->ival = x->size;
	return type_int(8, false);
}

struct type *sema_expr(struct sema *s, struct node *n)
{
	struct type *t = NULL;
	switch (n->kind) {
	case N_INT:
		/* an enumerator (sema_enumerator) keeps its enum type */
		t = n->sem ? n->sem : type_int(8, n->ival >= 0);
		break;
	case N_STR:
		t = type_str(s->a, (int)n->ival + 1);
		break;
	case N_IDENT:
		t = expr_ident(s, n);
		break;
	case N_VAR:
		t = expr_var(s, n);
		break;
	case N_MAP:
		t = expr_map_read(s, n);
		break;
	case N_POSPARAM:
		t = expr_param(s, n);
		break;
	case N_POSCOUNT:
		t = type_int(8, true);
		break;
	case N_CALL:
		t = sema_call(s, n);
		if (t && n->sem && ((const struct builtin *)n->sem)->is_agg) {
			sema_error(s, n->loc, "%s() should be directly assigned to a map", n->str);
			return NULL;
		}
		break;
	case N_BINOP:
		t = expr_binop(s, n);
		break;
	case N_UNOP:
		t = expr_unop(s, n);
		break;
	case N_INCDEC:
		t = expr_incdec(s, n);
		break;
	case N_TERNARY:
		t = expr_ternary(s, n);
		break;
	case N_FIELD:
		t = sema_field(s, n);
		break;
	case N_TUPLE:
		t = expr_tuple(s, n);
		break;
	case N_TUPLE_INDEX:
		t = expr_tuple_index(s, n);
		break;
	case N_INDEX:
		t = expr_index(s, n);
		break;
	case N_CAST:
		t = expr_cast(s, n);
		break;
	case N_SIZEOF:
		t = expr_sizeof(s, n);
		break;
	case N_BLOCK:
		t = sema_block_expr(s, n);
		break;
	default:
		sema_error(s, n->loc, "%s is not supported here", node_kind_name(n->kind));
		return NULL;
	}
	n->type = t;
	return t;
}
