/* sema_config.c - config = { key = value; ... } and the config variables'
 * environment variables, one table for both.
 *
 * Every key of latest bpftrace's "Config Variables" (docs/language.md) is
 * known here, with its kind, its value check and where it lands: a field of
 * prog->set (ast/program.h) that the stage using it reads, or nothing for the
 * keys that only select between implementations bpftrace has and bpfscript
 * has one of (use_blazesym, on_stack_limit, ...: their values are checked
 * and then have no effect, which the man page says). The environment wins
 * over the config block, as in bpftrace: BPFSCRIPT_KEY, BPFTRACE_KEY, or the
 * variable's 0.17 name (BPFTRACE_STRLEN for max_strlen). The integer keys
 * that main.c already reads from the environment at start (max_strlen,
 * max_map_keys, perf_rb_pages, ...) are checked there with bpftrace's
 * messages; here only the config block sets them. */
#include "sema/sema_int.h"

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "sys/demangle.h"
#include "sys/tracefs.h"
#include "sys/usyms.h"

enum cfg_kind { CK_INT, CK_BOOL, CK_STR, CK_ENUM };

struct cfg_key {
	const char *name;         /* config key, lower case */
	enum cfg_kind kind;
	const char *env, *env_old; /* environment names without BPFTRACE_ (NULL: none) */
	long max;                 /* CK_INT: largest value (min is 1) */
	const char *const *values; /* CK_ENUM: the accepted words, NULL-ended */
	ptrdiff_t field;          /* offset in struct settings (bool for CK_BOOL, const char *
	                             for CK_STR, int else), -1 if none */
	bool env_in_main;         /* the environment is read by main.c */
	bool over_max_is_error;   /* CK_INT beyond max: an error (else capped at max) */
	/* what else setting it does (CK_INT/CK_BOOL/CK_ENUM: ival, CK_STR: str) */
	void (*effect)(struct settings *set, long long ival, const char *str);
};

static const char *const missing_values[] = { "error", "warn", "ignore", NULL };
static const char *const stack_values[] = { "bpftrace", "perf", "raw", NULL };
static const char *const unstable_values[] = { "error", "warn", "enable", NULL };
static const char *const cache_values[] = { "PER_PROGRAM", "PER_PID", "NONE", NULL };
static const char *const license_values[] = {
	"GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL", NULL,
};

static void demangle_effect(struct settings *set, long long on, const char *str)
{
	(void)set;
	(void)str;
	cxx_demangle_set_output(on != 0);
}

static void cache_effect(struct settings *set, long long mode, const char *str)
{
	(void)set;
	(void)str;
	usyms_set_cache(mode != 2); /* NONE: read afresh every time */
}

static void strlen_effect(struct settings *set, long long n, const char *str)
{
	(void)n;
	(void)str;
	tracefs_set_strlen(set->strlen);
}

#define F(m) offsetof(struct settings, m)
static const struct cfg_key keys[] = {
	{ "cache_user_symbols", CK_ENUM, "CACHE_USER_SYMBOLS", NULL, 0, cache_values, -1, true, false, cache_effect },
	{ "cpp_demangle", CK_BOOL, "CPP_DEMANGLE", "NO_CPP_DEMANGLE", 0, NULL, -1, true, false, demangle_effect },
	{ "lazy_symbolication", CK_BOOL, "LAZY_SYMBOLICATION", NULL, 0, NULL, -1, false, false, NULL },
	{ "license", CK_ENUM, "LICENSE", NULL, 0, license_values, -1, false, false, NULL },
	{ "log_size", CK_INT, "LOG_SIZE", NULL, 1L << 30, NULL, F(log_size), false, false, NULL },
	{ "max_bpf_progs", CK_INT, "MAX_BPF_PROGS", NULL, 1 << 20, NULL, F(max_bpf_progs), true, false, NULL },
	{ "max_cat_bytes", CK_INT, "MAX_CAT_BYTES", "CAT_BYTES_MAX", 1 << 24, NULL, F(cat_bytes_max), true, false, NULL },
	{ "max_map_keys", CK_INT, "MAX_MAP_KEYS", "MAP_KEYS_MAX", 1 << 24, NULL, F(map_keys_max), true, false, NULL },
	{ "max_probes", CK_INT, "MAX_PROBES", NULL, 1 << 20, NULL, F(max_probes), true, false, NULL },
	/* bpfscript's own: the stacks kept per kstack/ustack map */
	{ "max_stack_keys", CK_INT, "MAX_STACK_KEYS", NULL, 1 << 24, NULL, F(stack_keys_max), true, false, NULL },
	{ "max_strlen", CK_INT, "MAX_STRLEN", "STRLEN", 1024, NULL, F(strlen), true, true, strlen_effect },
	{ "metrics", CK_STR, "METRICS", NULL, 0, NULL, F(metrics), false, false, NULL },
	{ "max_type_res_iterations", CK_INT, "MAX_TYPE_RES_ITERATIONS", NULL, INT_MAX, NULL, -1, false, false, NULL },
	{ "missing_probes", CK_ENUM, "MISSING_PROBES", NULL, 0, missing_values, F(missing_probes), false, false, NULL },
	{ "on_stack_limit", CK_INT, "ON_STACK_LIMIT", NULL, 512, NULL, -1, false, false, NULL },
	{ "perf_rb_pages", CK_INT, "PERF_RB_PAGES", NULL, 1 << 16, NULL, F(perf_rb_pages), true, false, NULL },
	{ "print_maps_on_exit", CK_BOOL, "PRINT_MAPS_ON_EXIT", NULL, 0, NULL, F(print_maps_on_exit), false, false, NULL },
	{ "show_debug_info", CK_BOOL, "SHOW_DEBUG_INFO", NULL, 0, NULL, -1, false, false, NULL },
	{ "stack_mode", CK_ENUM, "STACK_MODE", NULL, 0, stack_values, F(stack_mode), true, false, NULL },
	{ "str_trunc_trailer", CK_STR, "STR_TRUNC_TRAILER", NULL, 0, NULL, F(str_trunc_trailer), false, false, NULL },
	{ "use_blazesym", CK_BOOL, "USE_BLAZESYM", NULL, 0, NULL, -1, false, false, NULL },
};
#undef F

/* Keys that 0.17 knew by another name: an error naming the new one. */
static const struct { const char *old, *new; } renamed[] = {
	{ "strlen", "max_strlen" }, { "map_keys_max", "max_map_keys" },
	{ "cat_bytes_max", "max_cat_bytes" }, { "no_cpp_demangle", "cpp_demangle" },
};

static const char *env_value(const char *name, char *used, size_t n)
{
	if (!name)
		return NULL;
	const char *pre[] = { "BPFSCRIPT_", "BPFTRACE_" };
	for (int i = 0; i < 2; i++) {
		snprintf(used, n, "%s%s", pre[i], name);
		const char *v = getenv(used);
		if (v)
			return v;
	}
	return NULL;
}

/* Is the key set in the environment? *used names the variable found. */
static const char *key_env(const struct cfg_key *k, char *used, size_t n)
{
	const char *v = env_value(k->env, used, n);
	return v ? v : env_value(k->env_old, used, n);
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

/* A parsed value: ival for CK_INT, CK_BOOL and CK_ENUM (the index), str for CK_STR. */
struct cfg_val {
	long long ival;
	const char *str;
};

/* Parses text (from the environment) as the key's kind; an error message in
 * err (with the variable's name) when it does not fit. */
static int parse_text(const struct cfg_key *k, const char *text, struct cfg_val *out, char *err, size_t n)
{
	switch (k->kind) {
	case CK_INT: {
		char *end;
		long long v = strtoll(text, &end, 10);
		if (end == text || *end || v <= 0) {
			snprintf(err, n, "a positive integer");
			return -1;
		}
		/* beyond the limit: max_strlen is an error (sema_config_item),
		 * the sizes are capped as before */
		if (v > k->max && k->over_max_is_error) {
			snprintf(err, n, "a positive integer of at most %ld", k->max);
			return -1;
		}
		out->ival = v > k->max ? k->max : v;
		return 0;
	}
	case CK_BOOL:
		if (!strcmp(text, "true") || !strcmp(text, "1"))
			out->ival = 1;
		else if (!strcmp(text, "false") || !strcmp(text, "0"))
			out->ival = 0;
		else {
			snprintf(err, n, "true or false");
			return -1;
		}
		return 0;
	case CK_STR:
		out->str = text;
		return 0;
	case CK_ENUM:
		for (int i = 0; k->values[i]; i++)
			if (!strcmp(text, k->values[i])) {
				out->ival = i;
				return 0;
			}
		size_t at = 0;
		for (int i = 0; k->values[i] && at < n; i++)
			at += (size_t)snprintf(err + at, n - at, "%s%s", i ? (k->values[i + 1] ? ", " : " or ") : "",
					       k->values[i]);
		return -1;
	}
	return -1;
}

/* The config block's value node as text (words, strings, integers, true). */
static const char *node_text(struct sema *s, const struct node *v)
{
	if (v->kind == N_IDENT || v->kind == N_STR)
		return v->str;
	if (v->kind == N_INT) {
		char *t = arena_alloc(sema_arena(s), 24);
		snprintf(t, 24, "%lld", (long long)v->ival);
		return t;
	}
	return NULL;
}

static void apply(struct sema *s, const struct cfg_key *k, const struct cfg_val *v)
{
	struct settings *set = &s->prog->set;
	void *f = k->field >= 0 ? (char *)set + k->field : NULL;
	if (f && k->kind == CK_STR)
		*(const char **)f = v->str;
	else if (f && k->kind == CK_BOOL)
		*(bool *)f = v->ival != 0;
	else if (f)
		*(int *)f = (int)v->ival;
	if (k->effect)
		k->effect(set, v->ival, v->str);
}

void sema_config_item(struct sema *s, struct node *as)
{
	char key[64], used[96];
	key_norm(as->a->str, key, sizeof(key));
	for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++)
		if (!strcmp(key, renamed[i].old)) {
			sema_error(s, as->a->loc, "%s has been renamed, please use: %s", key, renamed[i].new);
			return;
		}
	const struct cfg_key *k = NULL;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && !k; i++)
		if (!strcmp(key, keys[i].name))
			k = &keys[i];
	bool unstable = !strncmp(key, "unstable_", 9);
	if (!k && !unstable) {
		sema_error(s, as->a->loc, "Unrecognized config variable: %s", as->a->str);
		return;
	}
	static const struct cfg_key unstable_key = { "unstable", CK_ENUM, NULL, NULL, 0, unstable_values, -1, false, false, NULL };
	if (unstable)
		k = &unstable_key;
	struct node *v = as->b;
	const char *text = node_text(s, v);
	struct cfg_val val = { 0 };
	char err[256];
	if (k->kind == CK_INT && v->kind != N_INT) {
		snprintf(err, sizeof(err), "a positive integer");
		text = NULL;
	}
	if (k->kind == CK_STR && v->kind != N_STR) {
		snprintf(err, sizeof(err), "a string");
		text = NULL;
	}
	if (!text || parse_text(k, text, &val, err, sizeof(err)) < 0) {
		if (k->over_max_is_error && v->kind == N_INT && v->ival > k->max)
			sema_error(s, v->loc, "%s %lld exceeds the current maximum of %ld", key, (long long)v->ival,
				   k->max);
		else
			sema_error(s, v->loc, "Invalid value for %s: expected %s", key, err);
		return;
	}
	if (key_env(k, used, sizeof(used)))
		return; /* the environment wins (latest bpftrace) */
	apply(s, k, &val);
}

int sema_config_env(struct sema *s)
{
	char used[96], err[256];
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct cfg_key *k = &keys[i];
		const char *text = k->env_in_main ? NULL : key_env(k, used, sizeof(used));
		if (!text)
			continue;
		struct cfg_val val = { 0 };
		if (parse_text(k, text, &val, err, sizeof(err)) < 0) {
			diag_plain(s->diag, "Env var '%s' is not valid: expected %s", used, err);
			return -1;
		}
		apply(s, k, &val);
	}
	return 0;
}
