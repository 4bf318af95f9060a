/* sema.c - attach point expansion, then name resolution and type checking.
 *
 * The program is checked twice. The first pass is silent and only learns
 * map types (a map may be read in a probe that comes before the one that
 * assigns it); the second pass reports every error. Scratch variables are
 * re-learned in each pass, per probe; maps are global. Before both, the
 * preamble pass (sema_preamble.c) applies #define/config/macros. This
 * file holds the driver, the error sink, type merging, maps and the scopes
 * of scratch variables (see sema_int.h); expressions and statements live in
 * sema_expr.c and sema_stmt.c. See sema.h for the contract. */
#include "sema/sema_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>

struct arena *sema_arena(struct sema *s) { return s->a; }
struct program *sema_program(struct sema *s) { return s->prog; }

void sema_resolved(struct sema *s, const char *what, const char *input, uint64_t value)
{
	if (s->final && !s->retype)
		ptrvec_push(s->a, &s->prog->resolved,
			    arena_printf(s->a, "%s %s=%llu", what, input, (unsigned long long)value));
}
struct diag *sema_diag(struct sema *s) { return s->diag; }
struct attach_point *sema_ap(struct sema *s) { return s->ap; }
bool sema_is_final(struct sema *s) { return s->final; }
int sema_strlen(struct sema *s) { return s->prog->set.strlen; }

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
	diag_error(s->diag, loc, "%s", buf);
}

void sema_warn(struct sema *s, struct loc loc, const char *fmt, ...)
{
	if (!s->final || s->retype)
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	diag_warn(s->diag, loc, "%s", buf);
}

const char *sema_tn(struct sema *s, const struct type *t)
{
	return type_name(s->a, t);
}

struct loc sema_loc_head(struct loc l, int len)
{
	l.last_line = l.first_line;
	l.last_column = l.first_column + (len > 0 ? len : 1) - 1;
	return l;
}

/* Map values, map keys, tuple elements and printf arguments hold every
 * integer in 8 bytes (as bpftrace 0.17 did); bool stays a bool. */
struct type *sema_norm(struct sema *s, struct type *t)
{
	static struct type bool8 = { .kind = TY_BOOL, .size = 8, .align = 8 };
	if (!t)
		return t;
	switch (t->kind) {
	case TY_INT:
		if (t->enum_name) {
			/* an enum keeps its enumerators (printf %s prints names) */
			if (t->size == 8)
				return t;
			struct type *c = type_copy(s->a, t);
			c->size = c->align = 8;
			return c;
		}
		return type_int(8, t->is_signed);
	case TY_BOOL:
		return &bool8;
	case TY_TUPLE: {
		struct type **el = arena_alloc(s->a, sizeof(*el) * (size_t)(t->nfields + 1));
		bool same = true;
		for (int i = 0; i < t->nfields; i++) {
			el[i] = sema_norm(s, t->fields[i].type);
			same &= el[i] == t->fields[i].type;
		}
		return same ? t : type_tuple(s->a, el, t->nfields);
	}
	default:
		return t;
	}
}

/* A script record (named fields, laid out like a tuple). */
static struct type *record_like(struct sema *s, const struct type *shape, struct type **el)
{
	struct type *t = type_tuple(s->a, el, shape->nfields);
	t->kind = TY_RECORD;
	t->name = shape->name;
	for (int i = 0; i < shape->nfields; i++)
		t->fields[i].name = shape->fields[i].name;
	return t;
}

/* Merges a new use's type into a stored type. Integers widen to the larger
 * size (same size: the stored sign stays); strings grow to the larger size;
 * tuples and script records merge element-wise. Returns the merged type, or
 * NULL when the two cannot be stored in one slot. */
struct type *sema_unify(struct sema *s, struct type *old, struct type *new)
{
	if (!old)
		return new;
	if (!new)
		return old;
	if (type_is_int(old) && type_is_int(new) && old->kind != new->kind)
		return old->kind == TY_INT ? old : new;
	if (old->kind != new->kind)
		return NULL;
	switch (old->kind) {
	case TY_INT:
		return new->size > old->size ? new : old;
	case TY_STR:
	case TY_BUF:
		return new->size > old->size ? new : old;
	case TY_TUPLE:
	case TY_RECORD: {
		if (old->kind == TY_RECORD && !old->is_ctx_record && old->fields && old->nfields &&
		    !old->fields[0].name)
			return NULL;
		if (old->nfields != new->nfields)
			return NULL;
		if (old->kind == TY_RECORD && (old->name || new->name))
			return type_equal(old, new) ? old : NULL;
		bool same = true;
		struct type **el = arena_alloc(s->a, sizeof(*el) * (size_t)(old->nfields + 1));
		for (int i = 0; i < old->nfields; i++) {
			/* records match by field name, in any order (the stored
			 * layout stays; codegen copies field by field) */
			int j = i;
			if (old->kind == TY_RECORD) {
				for (j = 0; j < new->nfields; j++)
					if (!strcmp(old->fields[i].name ? old->fields[i].name : "",
						    new->fields[j].name ? new->fields[j].name : ""))
						break;
				if (j == new->nfields)
					return NULL;
			}
			el[i] = sema_unify(s, old->fields[i].type, new->fields[j].type);
			if (!el[i])
				return NULL;
			same &= el[i] == old->fields[i].type;
		}
		if (same)
			return old;
		return old->kind == TY_TUPLE ? type_tuple(s->a, el, old->nfields) : record_like(s, old, el);
	}
	default:
		return type_equal(old, new) ? old : NULL;
	}
}

/* ------------------------------------------------------------------ */
/* Maps                                                                 */

struct map_info *sema_map_get(struct sema *s, struct node *m, bool create)
{
	struct ptrvec *pv = &s->prog->maps;
	struct map_info *mi = strmap_get(&s->prog->map_names, m->str);
	if (mi || !create)
		return mi;
	mi = arena_alloc(s->a, sizeof(*mi));
	mi->name = m->str;
	mi->id = pv->n;
	mi->first = m->loc;
	ptrvec_push(s->a, pv, mi);
	strmap_put(s->a, &s->prog->map_names, mi->name, mi);
	return mi;
}

/* "[int64, string[4]]": key types as bpftrace lists them in messages. */
static const char *key_names(struct sema *s, const struct type *k)
{
	char *out = "[";
	for (int i = 0; i < k->nfields; i++)
		out = arena_printf(s->a, "%s%s%s", out, i ? ", " : "", sema_tn(s, k->fields[i].type));
	return arena_printf(s->a, "%s]", out);
}

static bool valid_key(const struct type *t)
{
	switch (t->kind) {
	case TY_VOID: case TY_NONE: case TY_CTX:
		return false;
	case TY_RECORD:
		return !t->is_ctx_record && !(t->nfields && !t->fields[0].name);
	default:
		return !type_is_agg(t);
	}
}

/* Types the keys of an N_MAP and merges them into the map's key type. */
int sema_map_keys(struct sema *s, struct node *m, struct map_info *mi)
{
	int n = m->list.n;
	struct type *kt = NULL, *first = NULL;
	if (n == 1) {
		/* @m[(a, b)] is @m[a, b] (latest bpftrace): a tuple key is the
		 * map's key tuple itself */
		struct type *t = first = sema_expr(s, m->list.v[0]);
		if (!t)
			return -1;
		if (t->kind == TY_TUPLE) {
			for (int i = 0; i < t->nfields; i++)
				if (!valid_key(t->fields[i].type)) {
					sema_error(s, m->list.v[0]->loc, "%s cannot be used as a map key",
						   sema_tn(s, t->fields[i].type));
					return -1;
				}
			kt = sema_norm(s, t);
			n = 0;
		}
	}
	if (n > 0) {
		struct type **el = arena_alloc(s->a, sizeof(*el) * (size_t)n);
		for (int i = 0; i < n; i++) {
			struct type *t = i == 0 && first ? first : sema_expr(s, m->list.v[i]);
			if (!t)
				return -1;
			if (!valid_key(t)) {
				sema_error(s, m->list.v[i]->loc, "%s cannot be used as a map key", sema_tn(s, t));
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
	struct type *u = sema_unify(s, mi->key, kt);
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
	struct map_info *mi = sema_map_get(s, n, true);
	n->sem = mi;
	if (strcmp(func, "print") && strcmp(func, "clear") && strcmp(func, "zero"))
		mi->bpf_used = true;
	if (n->list.n && sema_map_keys(s, n, mi) < 0)
		return NULL;
	if (!mi->val) {
		if (s->final)
			sema_error(s, n->loc, "Undefined map: %s", n->str);
		else
			s->errors++;
		return NULL;
	}
	n->type = mi->val;
	return mi;
}

static const char *map_type_name(int type)
{
	switch (type) {
	case BPF_MAP_TYPE_LRU_HASH: return "lruhash";
	case BPF_MAP_TYPE_PERCPU_HASH: return "percpuhash";
	case BPF_MAP_TYPE_LRU_PERCPU_HASH: return "percpulruhash";
	default: return "hash";
	}
}

/* Stores a value of type t into the map: fixes or merges its value type. */
int sema_map_store(struct sema *s, struct map_info *mi, struct type *t, struct loc loc)
{
	t = sema_norm(s, t);
	if (mi->map_type) {
		/* aggregations need a per-CPU kind, other values a shared one */
		bool percpu = mi->map_type == BPF_MAP_TYPE_PERCPU_HASH || mi->map_type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
		if (percpu != type_is_agg(t)) {
			sema_error(s, loc, "Incompatible map types. Type from declaration: %s. Type from value/key type: %s",
				   map_type_name(mi->map_type), type_is_agg(t) ? "percpuhash" : "hash");
			return -1;
		}
	}
	if (!mi->val) {
		mi->val = t;
		mi->assigned = true;
		return 0;
	}
	struct type *u = sema_unify(s, mi->val, t);
	if (!u && t->kind == mi->val->kind && (t->kind == TY_HIST || t->kind == TY_LHIST)) {
		if (t->kind == TY_HIST)
			sema_error(s, loc, "Type mismatch for %s: hist() with %d bits here, %d bits before",
				   mi->name, t->hist_bits, mi->val->hist_bits);
		else
			sema_error(s, loc, "Type mismatch for %s: lhist(n, %lld, %lld, %lld) here, lhist(n, %lld, %lld, %lld) before",
				   mi->name, (long long)t->lmin, (long long)t->lmax, (long long)t->lstep,
				   (long long)mi->val->lmin, (long long)mi->val->lmax, (long long)mi->val->lstep);
		return -1;
	}
	if (!u || type_is_agg(t) != type_is_agg(mi->val)) {
		sema_error(s, loc, "Type mismatch for %s: trying to assign value of type '%s' when map already contains a value of type '%s'",
			   mi->name, sema_tn(s, t), sema_tn(s, mi->val));
		return -1;
	}
	mi->val = u;
	mi->assigned = true;
	return 0;
}

int sema_map_set_val(struct sema *s, struct node *map, struct type *val)
{
	return sema_map_store(s, map->sem, val, map->loc);
}

/* ------------------------------------------------------------------ */
/* Scopes of scratch variables (see sema_int.h)                         */

void sema_scope_push(struct sema *s)
{
	struct scope *sc = arena_alloc(s->a, sizeof(*sc));
	sc->up = s->scope;
	sc->frame = s->frame;
	s->scope = sc;
}

void sema_scope_pop(struct sema *s)
{
	struct scope *sc = s->scope;
	s->scope = sc->up;
	for (int i = 0; i < sc->vars.n; i++) {
		struct var_info *v = sc->vars.v[i];
		if (!v->is_let)
			ptrvec_push(s->a, &s->closed, v);
	}
}

static bool var_match(const struct var_info *v, const char *name, int tag)
{
	return v->tag == tag && !strcmp(v->name, name);
}

static void capture(struct sema *s, struct var_info *v)
{
	for (struct for_sem *f = s->frame; f && f != v->frame; f = f->up) {
		bool have = false;
		for (int i = 0; i < f->captures.n && !have; i++)
			have = f->captures.v[i] == v;
		if (!have)
			ptrvec_push(s->a, &f->captures, v);
	}
}

struct var_info *sema_var_find(struct sema *s, const char *name, int tag)
{
	struct var_info *v = NULL;
	for (struct scope *sc = s->scope; sc && !v; sc = sc->up)
		for (int i = sc->vars.n - 1; i >= 0 && !v; i--)
			if (var_match(sc->vars.v[i], name, tag))
				v = sc->vars.v[i];
	for (int i = s->closed.n - 1; i >= 0 && !v; i--)
		if (var_match(s->closed.v[i], name, tag))
			v = s->closed.v[i];
	if (v)
		capture(s, v);
	return v;
}

struct var_info *sema_var_new(struct sema *s, struct node *var, bool is_let)
{
	struct var_info *v = arena_alloc(s->a, sizeof(*v));
	v->name = var->str;
	v->tag = (int)var->ival;
	v->first = var->loc;
	v->is_let = is_let;
	v->frame = s->frame;
	ptrvec_push(s->a, &s->scope->vars, v);
	ptrvec_push(s->a, &s->ps->vars, v);
	return v;
}

/* ------------------------------------------------------------------ */
/* Attach points and the passes                                         */

/* One attach point of probe p. An attach point whose function the file
 * lacks (expand returns PROBE_NO_SYMBOL), in a probe with several attach
 * points, is skipped without a word, as bpftrace 0.17 skips it (Debian's
 * sslsnoop.bt lists libcrypto functions that only some builds export);
 * *skipped keeps the first such error, reported if no attach point of the
 * probe is left. */
static int expand_one(struct sema *s, struct node *p, const struct probe_type *pt, struct node *an,
		      struct probe_sem *ps, struct diag_held *skipped)
{
	if (p->list.n <= 1)
		return pt->expand(pt, s->env, an->str, an->loc, &ps->aps);
	diag_hold(s->diag);
	int rc = pt->expand(pt, s->env, an->str, an->loc, &ps->aps);
	struct diag_held held = diag_unhold(s->diag);
	if (rc == PROBE_NO_SYMBOL && !skipped->n) {
		*skipped = held;
		return 0;
	}
	if (rc == PROBE_NO_SYMBOL)
		rc = 0;
	else
		diag_emit(s->diag, &held);
	diag_held_free(&held);
	return rc;
}

static int expand_probe(struct sema *s, struct node *p, struct probe_sem *ps)
{
	int rc = 0;
	struct diag_held skipped = { 0 };
	for (int i = 0; i < p->list.n; i++) {
		struct node *an = p->list.v[i];
		const char *text = an->str;
		const char *colon = strchr(text, ':');
		char *tname = arena_strndup(s->a, text, colon ? (size_t)(colon - text) : strlen(text));
		const struct probe_type *pt = probe_type_find(tname);
		if (!pt) {
			probe_report_unknown(s->diag, tname, an->loc);
			rc = -1;
			continue;
		}
		int before = ps->aps.n;
		if (expand_one(s, p, pt, an, ps, &skipped) < 0) {
			rc = -1;
			continue;
		}
		for (int k = before; k < ps->aps.n; k++) {
			struct attach_point *ap = ps->aps.v[k];
			ap->id = s->prog->aps.n;
			/* consecutive attach points of one name are one probe (the
			 * sites of a USDT probe): `probe` has one value for them */
			if (k > before && !strcmp(ps->aps.v[k - 1]->name, ap->name))
				ap->id = ps->aps.v[k - 1]->id;
			ap_list_push(s->a, &s->prog->aps, ap);
		}
	}
	if (skipped.n && rc == 0 && ps->aps.n == 0) {
		diag_emit(s->diag, &skipped);
		rc = -1;
	}
	diag_held_free(&skipped);
	return rc;
}

static void check_probe(struct sema *s, struct node *p, struct attach_point *ap)
{
	s->probe = p;
	s->ps = p->sem;
	s->ps->vars.n = 0;
	s->ap = ap;
	s->scope = NULL;
	s->frame = NULL;
	s->closed.n = 0;
	s->loop_depth = 0;
	sema_scope_push(s);
	if (p->a) {
		struct type *t = sema_expr(s, p->a);
		if (t && !sema_is_cond(t))
			sema_error(s, p->a->loc, "Invalid type for predicate: %s", sema_tn(s, t));
	}
	/* the body shares the probe's scope (the predicate declares nothing) */
	for (int i = 0; p->b && i < p->b->list.n; i++)
		sema_stmt(s, p->b->list.v[i]);
	sema_scope_pop(s);
}

/* A declared map that no probe uses is only worth a warning: it gets no
 * kernel map (it has no types); the others keep their ids in order. */
static void drop_unused_maps(struct sema *s)
{
	struct ptrvec *pv = &s->prog->maps;
	int k = 0;
	for (int i = 0; i < pv->n; i++) {
		struct map_info *mi = pv->v[i];
		if (!mi->val) {
			if (mi->map_type)
				diag_warn(s->diag, mi->decl, "Unused map: %s", mi->name);
			strmap_put(s->a, &s->prog->map_names, mi->name, NULL);
			continue;
		}
		mi->id = k;
		pv->v[k++] = mi;
	}
	pv->n = k;
}

static void check_all(struct sema *s)
{
	struct node *root = s->prog->root;
	for (int i = 0; i < root->list.n; i++)
		if (root->list.v[i]->kind == N_PROBE) {
			struct probe_sem *ps = root->list.v[i]->sem;
			check_probe(s, root->list.v[i], ps->aps.n ? ps->aps.v[0] : NULL);
		}
}

int sema_run(const struct probe_env *env, struct program *prog)
{
	struct sema s = { .env = env, .prog = prog, .diag = env->diag, .a = env->arena };
	struct node *root = prog->root;
	if (sema_preamble(&s) < 0 || s.diag->errors)
		return -1;
	if (sema_cdefs(&s) < 0 || s.diag->errors)
		return -1;
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
	if (rc < 0 || s.diag->errors)
		return -1;
	/* Silent pass: learn map types in any order. */
	check_all(&s);
	s.final = true;
	s.errors = 0;
	check_all(&s);
	if (s.errors || s.diag->errors)
		return -1;
	drop_unused_maps(&s);
	return 0;
}

/* Types a probe body for one attach point (the final pass again, silent
 * about warnings, which the whole program's pass gave). */
int sema_retype(const struct probe_env *env, struct program *prog, struct node *probe,
		  struct attach_point *ap)
{
	struct sema s = { .env = env, .prog = prog, .diag = env->diag, .a = env->arena, .final = true,
			  .retype = true };
	check_probe(&s, probe, ap);
	return s.errors ? -1 : 0;
}
