/* sema_preamble.c - the preamble pass, run once before type checking.
 *
 *  - config = { key = value; ... } sets the options it knows (max_strlen,
 *    max_map_keys) unless the environment already set them (the
 *    environment wins, as in bpftrace); other known keys are accepted.
 *  - let @m = hash(n) records the kernel map type and size of @m.
 *  - #define NAME value: every identifier NAME in the probes becomes a copy
 *    of value (parsed as an expression by the parser).
 *  - macro name(params) { body }: every call name(args), and a bare `name`
 *    for a macro without parameters, becomes a block expression holding a
 *    copy of the body, with `$p` parameters bound to the caller's variable,
 *    `@p` to the caller's map and `p` replaced by a copy of the argument
 *    expression. The body's own variables get a hygiene tag (var_info.tag)
 *    so they never meet the caller's; maps must come in as parameters.
 * #if and #include were done by the include step (parser/include.c);
 * struct/union/enum definitions are left to the pass that types C
 * definitions; import is reported as unsupported. */
#include "sema/sema_int.h"

#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include "sys/demangle.h"
#include "sys/tracefs.h"

struct macro_call {
	const char *name;
	struct macro_call *up;
};

struct pre {
	struct sema *s;
	struct ptrvec defines;    /* N_DEFINE */
	struct ptrvec macros;     /* N_CALL "macro" */
	int tag;                  /* last hygiene tag handed out */
	int depth;
};

static struct node *find_item(struct ptrvec *pv, const char *name, bool macro)
{
	for (int i = pv->n - 1; i >= 0; i--) {
		struct node *d = pv->v[i];
		if (!strcmp(macro ? d->a->str : d->str, name))
			return d;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Copies                                                               */

static struct node *clone(struct arena *a, const struct node *n)
{
	return node_clone(a, n, false);
}

/* ------------------------------------------------------------------ */
/* config = { ... }                                                     */

static bool env_set(const char *a, const char *b)
{
	char n[64];
	const char *names[] = { a, b };
	for (int i = 0; i < 2; i++) {
		if (!names[i])
			continue;
		snprintf(n, sizeof(n), "BPFTRACE_%s", names[i]);
		if (getenv(n))
			return true;
		snprintf(n, sizeof(n), "BPFSCRIPT_%s", names[i]);
		if (getenv(n))
			return true;
	}
	return false;
}

/* A key as the user wrote it: "max_strlen", "MAX_STRLEN" or "BPFTRACE_MAX_STRLEN". */
static void key_norm(const char *in, char *out, size_t n)
{
	if (!strncmp(in, "BPFTRACE_", 9))
		in += 9;
	size_t i = 0;
	for (; in[i] && i + 1 < n; i++)
		out[i] = (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] - 'A' + 'a' : in[i]);
	out[i] = 0;
}

static void config_item(struct pre *p, struct node *as)
{
	struct sema *s = p->s;
	static const char *const known[] = {
		"cache_user_symbols", "cpp_demangle", "lazy_symbolication", "license", "log_size",
		"max_bpf_progs", "max_cat_bytes", "max_map_keys", "max_probes", "max_stack_keys", "max_strlen",
		"missing_probes", "on_stack_limit", "perf_rb_pages", "print_maps_on_exit",
		"show_debug_info", "stack_mode", "str_trunc_trailer", "use_blazesym", NULL,
	};
	static const struct { const char *old, *new; } renamed[] = {
		{ "strlen", "max_strlen" }, { "map_keys_max", "max_map_keys" },
		{ "cat_bytes_max", "max_cat_bytes" }, { "no_cpp_demangle", "cpp_demangle" },
	};
	char key[64];
	key_norm(as->a->str, key, sizeof(key));
	for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++)
		if (!strcmp(key, renamed[i].old)) {
			sema_error(s, as->a->loc, "%s has been renamed, please use: %s", key, renamed[i].new);
			return;
		}
	bool ok = !strncmp(key, "unstable_", 9);
	for (int i = 0; known[i] && !ok; i++)
		ok = !strcmp(key, known[i]);
	if (!ok) {
		sema_error(s, as->a->loc, "Unrecognized config variable: %s", as->a->str);
		return;
	}
	struct node *v = as->b;
	if (!strcmp(key, "cpp_demangle")) {
		bool on = v->kind == N_IDENT && !strcmp(v->str, "true");
		if (!on && !(v->kind == N_IDENT && !strcmp(v->str, "false")) &&
		    !(v->kind == N_INT && (v->ival == 0 || v->ival == 1))) {
			sema_error(s, v->loc, "Invalid value for cpp_demangle: expected true or false");
			return;
		}
		if (v->kind == N_INT)
			on = v->ival == 1;
		/* the environment wins over the config block (latest bpftrace) */
		if (!env_set("CPP_DEMANGLE", "NO_CPP_DEMANGLE"))
			cxx_demangle_set_output(on);
		return;
	}
	if (!strcmp(key, "stack_mode")) {
		static const char *const modes[] = { "bpftrace", "perf", "raw" };
		int mode = -1;
		for (int i = 0; i < 3 && v->kind == N_IDENT; i++)
			if (!strcmp(v->str, modes[i]))
				mode = i;
		if (mode < 0) {
			sema_error(s, v->loc, "Invalid value for stack_mode: expected bpftrace, perf or raw");
			return;
		}
		/* the environment wins over the config block (latest bpftrace) */
		if (!env_set("STACK_MODE", NULL))
			s->prog->set.stack_mode = mode;
		return;
	}
	bool want_int = !strcmp(key, "max_strlen") || !strcmp(key, "max_map_keys") || !strcmp(key, "perf_rb_pages") ||
			!strcmp(key, "max_stack_keys");
	if (!want_int)
		return;
	if (v->kind != N_INT || v->ival <= 0) {
		sema_error(s, v->loc, "Invalid value for %s: expected a positive integer", key);
		return;
	}
	struct settings *o = &s->prog->set;
	if (!strcmp(key, "max_strlen")) {
		if (env_set("STRLEN", "MAX_STRLEN"))
			return;
		if (v->ival > 1024) {
			sema_error(s, v->loc, "max_strlen %lld exceeds the current maximum of 1024",
				   (long long)v->ival);
			return;
		}
		o->strlen = (int)v->ival;
		tracefs_set_strlen(o->strlen);
	} else if (!strcmp(key, "perf_rb_pages")) {
		if (!env_set("PERF_RB_PAGES", NULL))
			o->perf_rb_pages = (int)(v->ival > 1 << 16 ? 1 << 16 : v->ival);
	} else if (!strcmp(key, "max_stack_keys")) {
		if (!env_set("MAX_STACK_KEYS", NULL))
			o->stack_keys_max = (int)(v->ival > 1 << 24 ? 1 << 24 : v->ival);
	} else if (!env_set("MAP_KEYS_MAX", "MAX_MAP_KEYS")) {
		o->map_keys_max = (int)(v->ival > 1 << 24 ? 1 << 24 : v->ival);
	}
}

/* ------------------------------------------------------------------ */
/* let @m = hash(n);                                                    */

static void map_decl(struct pre *p, struct node *n)
{
	struct sema *s = p->s;
	static const struct { const char *name; int type; } kinds[] = {
		{ "hash", BPF_MAP_TYPE_HASH }, { "lruhash", BPF_MAP_TYPE_LRU_HASH },
		{ "percpuhash", BPF_MAP_TYPE_PERCPU_HASH },
		{ "percpulruhash", BPF_MAP_TYPE_LRU_PERCPU_HASH },
	};
	struct node *call = n->b;
	if (!call || call->kind != N_CALL) {
		sema_error(s, call ? call->loc : n->loc, "A map declaration needs a map type, e.g. let %s = hash(100);",
			   n->a->str);
		return;
	}
	int type = -1;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(call->str, kinds[i].name))
			type = kinds[i].type;
	if (type < 0) {
		sema_error(s, sema_loc_head(call->loc, (int)strlen(call->str)), "Invalid bpf map type: %s", call->str);
		diag_hint(s->diag, "Valid map types: hash, lruhash, percpuhash, percpulruhash");
		return;
	}
	if (call->list.n != 1 || call->list.v[0]->kind != N_INT || call->list.v[0]->ival <= 0) {
		sema_error(s, call->loc, "%s() requires one argument: the maximum number of entries (a positive integer literal)",
			   call->str);
		return;
	}
	struct map_info *mi = sema_map_get(s, n->a, false);
	if (mi && mi->map_type) {
		sema_error(s, n->a->loc, "Map %s is already declared", n->a->str);
		return;
	}
	if (!mi)
		mi = sema_map_get(s, n->a, true);
	mi->map_type = type;
	mi->max_entries = (int)(call->list.v[0]->ival > 1 << 24 ? 1 << 24 : call->list.v[0]->ival);
	mi->decl = n->loc;
}

/* ------------------------------------------------------------------ */
/* Expansion of #define names and macros in the probes                  */

static void expand(struct pre *p, struct node **np, struct macro_call *stack);

struct subst {
	struct node *def;          /* the macro */
	struct node *call;         /* the call (args in list), NULL for a bare name */
	int tag;
};

static struct node *param_arg(struct subst *sb, enum node_kind k, const char *name)
{
	struct node *params = sb->def->a;
	for (int i = 0; i < params->list.n; i++)
		if (params->list.v[i]->kind == k && !strcmp(params->list.v[i]->str, name))
			return sb->call->list.v[i];
	return NULL;
}

/* Rewrites a copy of the macro body for one call. */
static void bind(struct pre *p, struct subst *sb, struct node **np)
{
	struct node *n = *np;
	if (!n)
		return;
	switch (n->kind) {
	case N_VAR: {
		struct node *arg = sb->call ? param_arg(sb, N_VAR, n->str) : NULL;
		if (arg) {
			n->str = arg->str;
			n->ival = arg->ival;
		} else {
			n->ival = sb->tag;
		}
		break;
	}
	case N_MAP: {
		struct node *arg = sb->call ? param_arg(sb, N_MAP, n->str) : NULL;
		if (arg)
			n->str = arg->str;
		else
			sema_error(p->s, n->loc, "Unhygienic access to map: %s. Maps must be passed into the macro as arguments.",
				   n->str);
		break;
	}
	case N_IDENT: {
		struct node *arg = sb->call ? param_arg(sb, N_IDENT, n->str) : NULL;
		if (arg) {
			/* the argument is evaluated where the parameter is used */
			struct node *c = clone(p->s->a, arg);
			*np = c;
			return;
		}
		break;
	}
	case N_ASSIGN:
		if (n->ival && n->a->kind == N_VAR && sb->call && param_arg(sb, N_VAR, n->a->str)) {
			sema_error(p->s, n->loc, "Variable declaration shadows macro arg %s", n->a->str);
			return;
		}
		break;
	default:
		break;
	}
	for (int i = 0; i < n->list.n; i++)
		bind(p, sb, &n->list.v[i]);
	bind(p, sb, &n->a);
	bind(p, sb, &n->b);
	bind(p, sb, &n->c);
}

static const char *arg_kind(const struct node *a)
{
	return a->kind == N_VAR ? "a variable" : a->kind == N_MAP ? "a map" : "an expression";
}

static struct node *expand_macro(struct pre *p, struct node *def, struct node *use,
				 struct macro_call *stack)
{
	struct sema *s = p->s;
	const char *name = def->a->str;
	for (struct macro_call *c = stack; c; c = c->up) {
		if (strcmp(c->name, name))
			continue;
		struct macro_call *path[64];
		int np = 0;
		for (struct macro_call *d = stack; d && np < 64; d = d->up) {
			path[np++] = d;
			if (d == c)
				break;
		}
		char *chain = "";
		for (int i = np - 1; i >= 0; i--)
			chain = arena_printf(s->a, "%s%s > ", chain, path[i]->name);
		sema_error(s, use->loc, "Recursive macro call detected. Call chain: %s%s", chain, name);
		return NULL;
	}
	struct node *params = def->a;
	struct node *call = use->kind == N_CALL ? use : NULL;
	int nargs = call ? call->list.n : 0;
	if (nargs != params->list.n) {
		sema_error(s, use->loc, "Call to macro has wrong number arguments: %d!=%d", params->list.n, nargs);
		return NULL;
	}
	for (int i = 0; i < nargs; i++) {
		struct node *pa = params->list.v[i], *arg = call->list.v[i];
		if (pa->kind == N_VAR && arg->kind != N_VAR) {
			sema_error(s, arg->loc, "Mismatched arg. %s() expects a variable for arg %s but got %s.", name,
				   pa->str, arg_kind(arg));
			return NULL;
		}
		if (pa->kind == N_MAP && (arg->kind != N_MAP || arg->list.n)) {
			sema_error(s, arg->loc, "Mismatched arg. %s() expects a map for arg %s but got %s.", name,
				   pa->str, arg->kind == N_MAP ? "a map access" : arg_kind(arg));
			return NULL;
		}
	}
	/* the arguments are expanded where the call is */
	for (int i = 0; i < nargs; i++)
		expand(p, &call->list.v[i], stack);
	struct node *body = clone(s->a, def->b);
	body->loc = use->loc;
	struct subst sb = { .def = def, .call = call, .tag = ++p->tag };
	bind(p, &sb, &body);
	struct macro_call me = { .name = name, .up = stack };
	expand(p, &body, &me);
	return body;
}

static void expand(struct pre *p, struct node **np, struct macro_call *stack)
{
	struct node *n = *np;
	if (!n)
		return;
	if (++p->depth > 2000) {
		sema_error(p->s, n->loc, "Macro or #define expansion is too deep");
		p->depth--;
		return;
	}
	if (n->kind == N_IDENT || n->kind == N_CALL) {
		struct node *m = find_item(&p->macros, n->str, true);
		if (m && (n->kind == N_CALL || m->a->list.n == 0)) {
			struct node *r = expand_macro(p, m, n, stack);
			if (r)
				*np = r;
			p->depth--;
			return;
		}
	}
	if (n->kind == N_IDENT) {
		struct node *d = find_item(&p->defines, n->str, false);
		if (d && d->a) {
			/* the value, located where the name is used */
			struct node *c = clone(p->s->a, d->a);
			c->loc = n->loc;
			struct macro_call me = { .name = n->str, .up = stack };
			for (struct macro_call *x = stack; x; x = x->up)
				if (!strcmp(x->name, n->str)) {
					p->depth--;
					return;   /* #define X X: leave the name */
				}
			*np = c;
			expand(p, np, &me);
			p->depth--;
			return;
		}
	}
	/* offsetof's field path and config keys are names, not expressions */
	if (!(n->kind == N_CALL && !strcmp(n->str, "offsetof"))) {
		for (int i = 0; i < n->list.n; i++)
			expand(p, &n->list.v[i], stack);
	}
	expand(p, &n->a, stack);
	expand(p, &n->b, stack);
	expand(p, &n->c, stack);
	p->depth--;
}

/* ------------------------------------------------------------------ */
/* The pass                                                             */

static void item(struct pre *p, struct node *n, struct node_list *out)
{
	struct sema *s = p->s;
	switch (n->kind) {
	case N_DEFINE:
		ptrvec_push(s->a, &p->defines, n);
		break;
	case N_CALL:
		if (!strcmp(n->str, "config")) {
			for (int i = 0; i < n->list.n; i++)
				config_item(p, n->list.v[i]);
		} else if (!strcmp(n->str, "macro")) {
			struct node *old = find_item(&p->macros, n->a->str, true);
			if (old) {
				sema_error(s, sema_loc_head(n->a->loc, (int)strlen(n->a->str)),
					   "Redefinition of existing macro.");
				break;
			}
			ptrvec_push(s->a, &p->macros, n);
		} else if (!strcmp(n->str, "import")) {
			sema_error(s, n->loc, "import is not supported");
		}
		break;
	case N_ASSIGN:
		if (n->a && n->a->kind == N_MAP)
			map_decl(p, n);
		break;
	default:
		break;
	}
	node_list_push(s->a, out, n);
}

int sema_preamble(struct sema *s)
{
	struct pre p = { .s = s };
	struct node *root = s->prog->root;
	struct node_list out = { 0 };
	/* reports go straight out: this pass runs once */
	s->final = true;
	for (int i = 0; i < root->list.n; i++)
		item(&p, root->list.v[i], &out);
	root->list = out;
	for (int i = 0; i < root->list.n; i++) {
		struct node *pr = root->list.v[i];
		if (pr->kind != N_PROBE)
			continue;
		expand(&p, &pr->a, NULL);
		expand(&p, &pr->b, NULL);
	}
	s->final = false;
	int errs = s->errors;
	s->errors = 0;
	return errs ? -1 : 0;
}
