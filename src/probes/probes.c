/* probes.c - the probe type registry (built from probes.def), lookup by
 * name or alias, the unknown-type diagnostic, and `-l` dispatch. */
#include "probes/probes_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PROBE(sym) extern const struct probe_type sym;
#include "probes/probes.def"
#undef PROBE

static const struct probe_type *const registry[] = {
#define PROBE(sym) &sym,
#include "probes/probes.def"
#undef PROBE
	NULL
};

const struct probe_type *const *probe_types(void)
{
	return registry;
}

static bool is_alias(const struct probe_type *pt, const char *s, size_t len)
{
	for (const char *const *a = pt->aliases; a && *a; a++)
		if (strlen(*a) == len && !strncmp(*a, s, len))
			return true;
	return false;
}

/* True when s[0..len) is pt's name or one of its aliases. */
static bool names_type(const struct probe_type *pt, const char *s, size_t len)
{
	return (strlen(pt->name) == len && !strncmp(pt->name, s, len)) || is_alias(pt, s, len);
}

/* Exact names and aliases first; then full names without regard to case
 * (latest bpftrace: `begin`, `Tracepoint:`). Aliases stay case-sensitive:
 * `u` is uprobe, `U` is usdt. */
const struct probe_type *probe_type_find(const char *name)
{
	if (!name)
		return NULL;
	size_t len = strlen(name);
	for (int i = 0; registry[i]; i++)
		if (names_type(registry[i], name, len))
			return registry[i];
	for (int i = 0; registry[i]; i++)
		if (!strcasecmp(registry[i]->name, name))
			return registry[i];
	return NULL;
}

void probe_report_unknown(struct diag *d, const char *type, struct loc loc)
{
	diag_error(d, loc, "Invalid probe type: %s", type);
	const char *best = NULL;
	int bd = 3, tl = (int)strlen(type);
	for (int i = 0; registry[i]; i++) {
		const struct probe_type *pt = registry[i];
		int dist = diag_distance(type, pt->name);
		if (dist < bd && dist < tl) {
			bd = dist;
			best = pt->name;
		}
		for (const char *const *a = pt->aliases; a && *a; a++) {
			dist = diag_distance(type, *a);
			/* a short alias is near every short word: only a typo of the
			 * alias itself ("kt" for "kr") suggests it */
			if (dist < bd && dist < tl && dist < (int)strlen(*a)) {
				bd = dist;
				best = *a;
			}
		}
	}
	if (best)
		diag_hint(d, "did you mean '%s'?", best);
}

int probe_pattern_rest(const struct probe_type *pt, const char *pattern, const char **rest)
{
	*rest = NULL;
	if (!pattern || !*pattern)
		return 1;
	const char *colon = strchr(pattern, ':');
	if (!colon) {
		if (names_type(pt, pattern, strlen(pattern)))
			return 2;       /* "-l tracepoint": all of them */
		*rest = pattern;        /* "-l 'sys_enter_open*'": last component */
		return 1;
	}
	size_t len = (size_t)(colon - pattern);
	if (names_type(pt, pattern, len)) {
		*rest = colon + 1;
		return 2;
	}
	char prefix[64];
	if (len >= sizeof(prefix))
		return 0;
	memcpy(prefix, pattern, len);
	prefix[len] = 0;
	if (has_wildcard(prefix) && glob_match(prefix, pt->name)) {
		*rest = colon + 1;
		return 1;
	}
	return 0;
}

int probes_list(const char *pattern, bool verbose, FILE *out)
{
	int rc = 0, applied = 0;
	for (int i = 0; registry[i]; i++) {
		const char *rest;
		if (!probe_pattern_rest(registry[i], pattern, &rest))
			continue;
		applied++;
		if (registry[i]->list && registry[i]->list(registry[i], pattern, verbose, out) < 0)
			rc = -1;
	}
	if (!applied) {
		/* a prefix that is no type and no wildcard: "-l foo:bar" */
		size_t len = strcspn(pattern, ":");
		fprintf(stderr, "ERROR: Invalid probe type: %.*s\n", (int)len, pattern);
		rc = -1;
	}
	return rc;
}

int probes_list_pid(pid_t pid, const char *pattern, bool verbose, FILE *out)
{
	int rc = 0;
	for (int i = 0; registry[i]; i++) {
		const struct probe_type *pt = registry[i];
		const char *rest;
		if (pt->list_pid) {
			if (pt->list_pid(pt, pid, pattern, verbose, out) < 0)
				rc = -1;
		} else if (pattern && probe_pattern_rest(pt, pattern, &rest) && pt->list &&
			   pt->list(pt, pattern, verbose, out) < 0) {
			rc = -1;
		}
	}
	return rc;
}

const char *probe_ctx_misuse(struct arena *a, const struct attach_point *ap, const char *name)
{
	const char *why = ap && ap->pt->ctx_misuse ? ap->pt->ctx_misuse(a, ap, name) : NULL;
	for (int i = 0; registry[i] && !why; i++)
		if (registry[i]->ctx_misuse && (!ap || registry[i] != ap->pt))
			why = registry[i]->ctx_misuse(a, ap, name);
	return why;
}
