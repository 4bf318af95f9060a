/* probes.c - the probe type registry (built from probes.def), lookup by
 * name or alias, the unknown-type diagnostic, and `-l` dispatch. */
#include "probes/probes_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "sys/btf.h"

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

/* ---- -l 'struct NAME' ---------------------------------------------------- */

/* "struct X", "union X", "enum X": a search for kernel types (latest
 * bpftrace's is_type_name), not for probes. */
static bool is_type_search(const char *pattern)
{
	return pattern && (!strncmp(pattern, "struct ", 7) || !strncmp(pattern, "union ", 6) ||
			   !strncmp(pattern, "enum ", 5));
}

struct type_match {
	const char *pattern;
	const char **names;
	int *ids;
	int n, cap;
};

static int collect_type(const char *full, int id, void *arg)
{
	struct type_match *m = arg;
	if (!glob_match(m->pattern, full))
		return 0;
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->names = xrealloc(m->names, sizeof(*m->names) * (size_t)m->cap);
		m->ids = xrealloc(m->ids, sizeof(*m->ids) * (size_t)m->cap);
	}
	m->names[m->n] = xstrdup(full);
	m->ids[m->n++] = id;
	return 0;
}

static struct type_match *sort_match;

static int cmp_type(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	int c = strcmp(sort_match->names[x], sort_match->names[y]);
	return c ? c : (x > y) - (x < y);
}

/* -l 'struct task_*': the names of the matching structs, unions and enums
 * of vmlinux BTF, sorted, each once; with -v their definitions, each
 * followed by an empty line (bpftrace's output). */
static int list_types(const char *pattern, bool verbose, FILE *out)
{
	if (!btf_vmlinux()) {
		fprintf(stderr, "ERROR: cannot list kernel types: no kernel BTF (%s)\n", strerror(errno));
		return -1;
	}
	struct type_match m = { .pattern = pattern };
	btf_each_named_type(collect_type, &m);
	int *order = xmalloc(sizeof(*order) * (size_t)(m.n ? m.n : 1));
	for (int i = 0; i < m.n; i++)
		order[i] = i;
	sort_match = &m;
	qsort(order, (size_t)m.n, sizeof(*order), cmp_type);
	int k = 0;          /* distinct names, sorted (BTF may hold a name twice) */
	for (int i = 0; i < m.n; i++)
		if (!k || strcmp(m.names[order[i]], m.names[order[k - 1]]))
			order[k++] = order[i];
	int *ids = xmalloc(sizeof(*ids) * (size_t)(k ? k : 1));
	const char **names = xmalloc(sizeof(*names) * (size_t)(k ? k : 1));
	for (int i = 0; i < k; i++) {
		ids[i] = m.ids[order[i]];
		names[i] = m.names[order[i]];
	}
	char **defs = verbose ? xmalloc(sizeof(*defs) * (size_t)(k ? k : 1)) : NULL;
	if (verbose)
		btf_definitions(ids, names, k, defs);
	for (int i = 0; i < k; i++) {
		if (!verbose)
			fprintf(out, "%s\n", names[i]);
		else if (defs[i])
			fprintf(out, "%s\n", defs[i]);
		if (verbose)
			free(defs[i]);
	}
	for (int i = 0; i < m.n; i++)
		free((char *)m.names[i]);
	free(m.names);
	free(m.ids);
	free(order);
	free(ids);
	free(names);
	free(defs);
	return 0;
}

int probes_list(const char *pattern, bool verbose, FILE *out)
{
	int rc = 0, applied = 0;
	if (is_type_search(pattern))
		return list_types(pattern, verbose, out);
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
	if (is_type_search(pattern))
		return list_types(pattern, verbose, out);
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
