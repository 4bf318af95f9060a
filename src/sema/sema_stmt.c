/* sema_stmt.c - type checking of statements: assignments and declarations,
 * control flow (if, while, unroll, for), block expressions, and the payload
 * layout of printf-like calls. Scoping rules: sema_int.h. */
#include "sema/sema_int.h"
#include "abi/event_abi.h"

#include <stdlib.h>
#include <string.h>

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
		if (t->kind == TY_VOID || type_is_agg(t) || (t->kind == TY_RECORD && t->is_ctx_record)) {
			sema_error(s, an->loc, "%s() argument %d has an unprintable type: %s", call->str, i + 1,
				   sema_tn(s, t));
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
	call->sem_id = s->prog->printfs.n;
	ptrvec_push(s->a, &s->prog->printfs, pf);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Assignments and declarations                                         */

static bool is_agg_call(struct node *n)
{
	return n->kind == N_CALL && n->sem && ((const struct builtin *)n->sem)->is_agg;
}

static bool in_scope_chain(struct sema *s, struct var_info *v)
{
	for (struct scope *sc = s->scope; sc; sc = sc->up)
		for (int i = 0; i < sc->vars.n; i++)
			if (sc->vars.v[i] == v)
				return true;
	return false;
}

/* The type a variable keeps for a value of type t: integers keep their
 * width, tuples are laid out as everywhere else (8-byte integers). */
static struct type *var_type(struct sema *s, struct type *t)
{
	return t->kind == TY_TUPLE ? sema_norm(s, t) : t;
}

static bool storable(const struct type *t)
{
	return t->kind != TY_VOID && t->kind != TY_NONE && !type_is_agg(t) && t->kind != TY_CTX &&
	       !(t->kind == TY_RECORD && t->is_ctx_record);
}

/* A compound assignment (+= ...) to an integer (or a pointer: += -=). */
static bool compound_ok(enum op op, const struct type *lt, const struct type *rt)
{
	if (type_is_int(lt) && type_is_int(rt))
		return true;
	return lt->kind == TY_PTR && type_is_int(rt) && (op == OP_ADD || op == OP_SUB);
}

static void assign_var(struct sema *s, struct node *n)
{
	struct node *lv = n->a;
	if (n->op != OP_ASSIGN) {
		struct var_info *v = sema_var_find(s, lv->str, (int)lv->ival);
		struct type *r = sema_expr(s, n->b);
		if (v && !v->type && v->decl && r && type_is_int(r)) {
			/* `let $x;` then `$x += n`: $x starts at 0 */
			v->type = r->kind == TY_BOOL ? type_int(8, true) : r;
			v->decl->type = v->type;
		}
		if (!v || !v->type) {
			sema_error(s, lv->loc, "Undefined or undeclared variable: %s", lv->str);
			return;
		}
		lv->sem = v;
		if (!r || v->type->kind == TY_NONE)
			return;
		if (!compound_ok(n->op, v->type, r)) {
			sema_error(s, n->loc, "The '%s=' operator can not be used on expressions of types %s, %s",
				   op_name(n->op), sema_tn(s, v->type), sema_tn(s, r));
			return;
		}
		lv->type = v->type;
		return;
	}
	struct type *r = sema_expr(s, n->b);
	struct var_info *v = sema_var_find(s, lv->str, (int)lv->ival);
	if (r && !storable(r)) {
		sema_error(s, n->b->loc, "Value of type '%s' cannot be assigned to a variable", sema_tn(s, r));
		r = NULL;
	}
	if (!r) {
		/* remember the variable so that its uses report nothing more */
		if (!v) {
			v = sema_var_new(s, lv, false);
			v->type = type_none();
		}
		lv->sem = v;
		return;
	}
	r = var_type(s, r);
	if (!v) {
		v = sema_var_new(s, lv, false);
		v->type = r;
	} else if (!v->type || v->type->kind == TY_NONE) {
		v->type = r;
	} else {
		struct type *u = sema_unify(s, v->type, r);
		if (!u && !v->is_let && !in_scope_chain(s, v)) {
			/* its block ended: this is a new variable (latest bpftrace) */
			v = sema_var_new(s, lv, false);
			u = r;
		}
		if (!u) {
			sema_error(s, n->loc, "Type mismatch for %s: trying to assign value of type '%s' when variable already contains a value of type '%s'",
				   lv->str, sema_tn(s, r), sema_tn(s, v->type));
			lv->sem = v;
			return;
		}
		v->type = u;
	}
	lv->sem = v;
	lv->type = v->type;
	if (v->decl)
		v->decl->type = v->type;
}

/* let $x;  let $x = e;  let $x: T;  let $x: T = e; */
static void declare_var(struct sema *s, struct node *n)
{
	struct node *lv = n->a;
	struct type *decl = NULL, *r = NULL;
	if (n->c) {
		decl = sema_typename(s, n->c);
	}
	if (n->b) {
		r = sema_expr(s, n->b);
		if (r && !storable(r)) {
			sema_error(s, n->b->loc, "Value of type '%s' cannot be assigned to a variable", sema_tn(s, r));
			r = NULL;
		}
	}
	if (decl && r) {
		bool ok = (type_is_int(decl) && type_is_int(r)) || (decl->kind == TY_STR && r->kind == TY_STR) ||
			  (decl->kind == TY_PTR && (r->kind == TY_PTR || type_is_int(r))) ||
			  sema_unify(s, decl, var_type(s, r)) == decl;
		if (!ok) {
			sema_error(s, n->loc, "Type mismatch for %s: trying to assign value of type '%s' when variable already has a type '%s'",
				   lv->str, sema_tn(s, r), sema_tn(s, decl));
			r = NULL;
		}
	}
	struct var_info *v = sema_var_new(s, lv, true);
	if (decl)
		v->type = decl;
	else if (r)
		v->type = var_type(s, r);
	else if (n->b)
		v->type = type_none();
	else {
		v->decl = n;
		v->type = n->type;   /* learned by the previous pass */
	}
	lv->sem = v;
	lv->type = v->type;
}

static void assign_map(struct sema *s, struct node *n)
{
	struct node *lv = n->a;
	struct map_info *mi = sema_map_get(s, lv, true);
	lv->sem = mi;
	if (sema_map_keys(s, lv, mi) < 0)
		return;
	struct node *rhs = n->b;
	if (rhs->kind == N_CALL && n->op == OP_ASSIGN) {
		const struct builtin *b = builtin_find(rhs->str, B_FUNC);
		if (b && b->is_agg) {
			/* the builtin's check types the call as the aggregation */
			if (!sema_call(s, rhs))
				return;
			if (sema_map_store(s, mi, rhs->type, n->loc) == 0)
				lv->type = mi->val;
			return;
		}
	}
	mi->bpf_used = true;   /* a plain or compound store, not an aggregation */
	/* `@x = @x + 1` as the map's only assignment: while types are learned,
	 * the map's own value reads as an int64 in its right-hand side, as
	 * bpftrace types it */
	struct map_info *outer = s->self_map;
	s->self_map = !mi->val && !s->final ? mi : NULL;
	struct type *r = sema_expr(s, rhs);
	s->self_map = outer;
	if (!r)
		return;
	if (n->op != OP_ASSIGN) {
		if (!mi->val)
			sema_map_store(s, mi, type_int(8, true), n->loc);
		struct type *cur = mi->val;
		if (cur->kind == TY_COUNT || cur->kind == TY_SUM || cur->kind == TY_MIN || cur->kind == TY_MAX ||
		    !compound_ok(n->op, cur, r)) {
			sema_error(s, n->loc, "The '%s=' operator can not be used on expressions of types %s, %s",
				   op_name(n->op), sema_tn(s, cur), sema_tn(s, r));
			return;
		}
		lv->type = mi->val;
		return;
	}
	if (!storable(r)) {
		sema_error(s, rhs->loc, "Value of type '%s' cannot be assigned to a map", sema_tn(s, r));
		return;
	}
	if (sema_map_store(s, mi, r, n->loc) == 0)
		lv->type = mi->val;
}

static void assign(struct sema *s, struct node *n)
{
	struct node *lv = n->a;
	if (n->ival && lv->kind == N_VAR) {
		declare_var(s, n);
		return;
	}
	if (n->ival) {
		sema_error(s, n->loc, "Map declarations are only allowed before the probes");
		return;
	}
	switch (lv->kind) {
	case N_VAR:
		assign_var(s, n);
		return;
	case N_MAP:
		assign_map(s, n);
		return;
	case N_IDENT:
		if (!strcmp(lv->str, "_") && n->op == OP_ASSIGN) {
			/* `_ = expr;` evaluates and discards */
			struct type *t = sema_expr(s, n->b);
			if (t && is_agg_call(n->b))
				sema_error(s, n->b->loc, "%s() should be directly assigned to a map", n->b->str);
			return;
		}
		break;
	default:
		break;
	}
	sema_error(s, lv->loc, "Can only assign to a map or a scratch variable");
}

/* ------------------------------------------------------------------ */
/* Control flow                                                         */

static void cond(struct sema *s, struct node *c, const char *what)
{
	struct type *t = sema_expr(s, c);
	if (t && !sema_is_cond(t))
		sema_error(s, c->loc, "Invalid condition in %s: %s", what, sema_tn(s, t));
}

void sema_block(struct sema *s, struct node *b)
{
	if (!b)
		return;
	sema_scope_push(s);
	for (int i = 0; i < b->list.n; i++)
		sema_stmt(s, b->list.v[i]);
	sema_scope_pop(s);
}

struct type *sema_block_expr(struct sema *s, struct node *b)
{
	struct type *t = type_void();
	sema_scope_push(s);
	for (int i = 0; i < b->list.n; i++) {
		struct node *st = b->list.v[i];
		if (i == b->list.n - 1 && st->kind == N_EXPR_STMT) {
			t = sema_expr(s, st->a);
			st->type = t;
		} else {
			sema_stmt(s, st);
		}
	}
	sema_scope_pop(s);
	return t;
}

static int64_t unroll_count(struct sema *s, struct node *c)
{
	if (c->kind == N_INT)
		return c->ival;
	if (c->kind == N_POSPARAM) {
		struct settings *o = &s->prog->set;
		if (c->ival >= 1 && c->ival <= o->nparams)
			return strtoll(o->params[c->ival - 1], NULL, 0);
		return 0;
	}
	return -1;
}

/* The key of a map as the loop variable sees it: one key, or a tuple of keys. */
static struct type *for_key_type(struct sema *s, struct map_info *mi)
{
	if (mi->key->nfields == 1)
		return mi->key->fields[0].type;
	return mi->key;
}

static void for_stmt(struct sema *s, struct node *n)
{
	struct node *it = n->b;
	struct type *vt = NULL;
	struct for_sem *fs = arena_alloc(s->a, sizeof(*fs));
	n->sem = fs;
	if (it->kind == N_RANGE) {
		struct type *a = sema_expr(s, it->a), *b = sema_expr(s, it->b);
		if (a && !type_is_int(a)) {
			sema_error(s, it->a->loc, "Loop range requires an integer for the start value (%s provided)",
				   sema_tn(s, a));
			a = NULL;
		}
		if (b && !type_is_int(b)) {
			sema_error(s, it->b->loc, "Loop range requires an integer for the end value (%s provided)",
				   sema_tn(s, b));
			b = NULL;
		}
		if (a && b)
			vt = sema_int_common(a, b);
		it->type = vt;
		/* one bpf_loop runs at most BPF_LOOP_MAX times: a constant range
		 * longer than that could not run whole */
		int64_t lo, hi;
		if (vt && sema_const_eval(s, it->a, &lo) && sema_const_eval(s, it->b, &hi)) {
			bool more = vt->is_signed ? hi > lo : (uint64_t)hi > (uint64_t)lo;
			uint64_t count = more ? (uint64_t)hi - (uint64_t)lo : 0;
			if (count > BPF_LOOP_MAX)
				sema_error(s, it->loc, "Loop range of %llu iterations exceeds the limit of %d "
					   "(the most one bpf_loop runs)", (unsigned long long)count, BPF_LOOP_MAX);
		}
	} else if (it->kind == N_MAP && it->list.n == 0) {
		struct map_info *mi = sema_map_arg(s, it, "for");
		if (mi) {
			fs->map = mi;
			switch (mi->val->kind) {
			case TY_AVG: case TY_STATS: case TY_HIST: case TY_LHIST:
				sema_error(s, it->loc, "Loop expression does not support type: %s", sema_tn(s, mi->val));
				break;
			default:
				if (!mi->key) {
					sema_error(s, it->loc, "Loop expression requires a map with keys: %s has none",
						   mi->name);
					break;
				}
				struct type *val = mi->val;
				if (type_is_agg(val))
					val = type_int(8, val->kind == TY_COUNT ? false : val->is_signed);
				struct type *el[2] = { sema_norm(s, for_key_type(s, mi)), val };
				vt = type_tuple(s->a, el, 2);
			}
		}
	} else {
		sema_error(s, it->loc, "Loop expression must be a map without keys or a range (start..end)");
	}
	fs->up = s->frame;
	s->frame = fs;
	sema_scope_push(s);
	struct var_info *v = sema_var_new(s, n->a, true);
	v->type = vt ? vt : type_none();
	n->a->sem = v;
	n->a->type = vt;
	fs->var = v;
	s->loop_depth++;
	for (int i = 0; n->c && i < n->c->list.n; i++)
		sema_stmt(s, n->c->list.v[i]);
	s->loop_depth--;
	sema_scope_pop(s);
	/* the body's variables die with it */
	int k = 0;
	for (int i = 0; i < s->closed.n; i++)
		if (((struct var_info *)s->closed.v[i])->frame != fs)
			s->closed.v[k++] = s->closed.v[i];
	s->closed.n = k;
	s->frame = fs->up;
}

bool sema_is_comptime(const struct node *n)
{
	return n && n->kind == N_CALL && !strcmp(n->str, "comptime") && n->list.n == 1;
}

/* `if comptime c` (or `if (comptime c)`): c is folded now (into its ival)
 * and only the branch taken is checked; codegen emits only that one. The
 * tree is left whole: a unit typed anew for its attach point decides anew. */
static bool comptime_if(struct sema *s, struct node *n)
{
	if (!sema_is_comptime(n->a))
		return false;
	if (!sema_expr(s, n->a))
		return true;
	struct node *taken = n->a->ival ? n->b : n->c;
	if (taken && taken->kind == N_IF)
		sema_stmt(s, taken);
	else if (taken)
		sema_block(s, taken);
	return true;
}

static bool const_binop(enum op op, int64_t a, int64_t b, int64_t *v)
{
	switch (op) {
	case OP_ADD: *v = (int64_t)((uint64_t)a + (uint64_t)b); return true;
	case OP_SUB: *v = (int64_t)((uint64_t)a - (uint64_t)b); return true;
	case OP_MUL: *v = (int64_t)((uint64_t)a * (uint64_t)b); return true;
	case OP_DIV: if (!b) return false; *v = b == -1 ? (int64_t)(0 - (uint64_t)a) : a / b; return true;
	case OP_MOD: if (!b) return false; *v = b == -1 ? 0 : a % b; return true;
	case OP_BAND: *v = a & b; return true;
	case OP_BOR: *v = a | b; return true;
	case OP_BXOR: *v = a ^ b; return true;
	case OP_SHL: *v = (int64_t)((uint64_t)a << ((uint64_t)b & 63)); return true;
	case OP_SHR: *v = (int64_t)((uint64_t)a >> ((uint64_t)b & 63)); return true;
	case OP_LT: *v = a < b; return true;
	case OP_LE: *v = a <= b; return true;
	case OP_GT: *v = a > b; return true;
	case OP_GE: *v = a >= b; return true;
	case OP_EQ: *v = a == b; return true;
	case OP_NE: *v = a != b; return true;
	case OP_LAND: *v = a && b; return true;
	case OP_LOR: *v = a || b; return true;
	default: return false;
	}
}

/* A builtin whose check folded it to a constant (builtin.is_const). */
static bool folded_builtin(const struct node *n, int64_t *v)
{
	if (!n->sem || !n->type || !((const struct builtin *)n->sem)->is_const)
		return false;
	*v = n->ival;
	return true;
}

bool sema_const_eval(struct sema *s, struct node *n, int64_t *v)
{
	int64_t a, b;
	switch (n->kind) {
	case N_INT:
		*v = n->ival;
		return true;
	case N_POSPARAM:
		if (n->ival < 1)
			return false;
		*v = 0;   /* a parameter not given is 0, as at run time */
		if (n->ival > s->prog->set.nparams)
			return true;
		char *end;
		*v = strtoll(s->prog->set.params[n->ival - 1], &end, 0);
		return *end == 0;
	case N_SIZEOF:
		if (!n->type)   /* not typed yet: its size is unknown */
			return false;
		*v = n->ival;
		return true;
	case N_UNOP:
		if (!sema_const_eval(s, n->a, &a))
			return false;
		if (n->op == OP_NEG)
			*v = (int64_t)(0 - (uint64_t)a);
		else if (n->op == OP_NOT)
			*v = !a;
		else if (n->op == OP_BNOT)
			*v = ~a;
		else
			return false;
		return true;
	case N_BINOP:
		return sema_const_eval(s, n->a, &a) && sema_const_eval(s, n->b, &b) && const_binop(n->op, a, b, v);
	case N_TERNARY:   /* c ? x : y, and c ?: y */
		if (!sema_const_eval(s, n->a, &a))
			return false;
		return sema_const_eval(s, a ? (n->b ? n->b : n->a) : n->c, v);
	case N_IDENT:
		if (!strcmp(n->str, "true") || !strcmp(n->str, "false")) {
			*v = !strcmp(n->str, "true");
			return true;
		}
		return folded_builtin(n, v);   /* has_cpid */
	case N_CALL:
		return folded_builtin(n, v);   /* offsetof, is_str, a nested comptime... */
	default:
		return false;
	}
}

bool sema_is_dead(struct sema *s) { return s->dead > 0; }

/* if (c) { ... } else { ... }: a branch that a constant c rules out is
 * still checked, but compile-time failures in it do not fire (fail()). */
static void if_stmt(struct sema *s, struct node *n)
{
	int64_t c;
	cond(s, n->a, "if()");
	bool known = sema_const_eval(s, n->a, &c);
	s->dead += known && !c;
	sema_block(s, n->b);
	s->dead -= known && !c;
	if (!n->c)
		return;
	s->dead += known && c;
	if (n->c->kind == N_IF)
		sema_stmt(s, n->c);
	else
		sema_block(s, n->c);
	s->dead -= known && c;
}

void sema_stmt(struct sema *s, struct node *n)
{
	switch (n->kind) {
	case N_EXPR_STMT:
		n->type = sema_expr(s, n->a);
		break;
	case N_ASSIGN:
		assign(s, n);
		break;
	case N_IF:
		if (comptime_if(s, n))
			break;
		if_stmt(s, n);
		break;
	case N_WHILE:
		cond(s, n->a, "while()");
		s->loop_depth++;
		sema_block(s, n->b);
		s->loop_depth--;
		break;
	case N_UNROLL: {
		struct node *c = n->a;
		int64_t k = unroll_count(s, c);
		if (k < 1 || k > 100) {
			sema_error(s, c->loc, "%s", k < 0 ? "unroll() requires an integer literal or positional parameter"
					     : k > 100 ? "unroll maximum value is 100" : "unroll minimum value is 1");
			return;
		}
		n->ival = k;
		sema_block(s, n->b);
		break;
	}
	case N_FOR:
		for_stmt(s, n);
		break;
	case N_BLOCK:
		sema_block(s, n);
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
		sema_error(s, n->loc, "%s statements are not supported here", node_kind_name(n->kind));
	}
}
