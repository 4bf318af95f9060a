/* units.c - the program units: which BPF programs the probes become, each
 * typed for its attach points (sema.h, sema_units). */
#include "sema/sema_int.h"

#include <string.h>

/* Groups each probe's attach points into programs: one program serves all
 * of a probe's attach points unless its body is typed per attach point, or
 * uses a context builtin that its probe type decodes per attach point. */
static struct prog_unit *build_units(struct arena *a, struct node *root, int *nunits)
{
	int cap = 0;
	for (int i = 0; i < root->list.n; i++)
		if (root->list.v[i]->kind == N_PROBE)
			cap += ((struct probe_sem *)root->list.v[i]->sem)->aps.n;
	struct prog_unit *u = arena_alloc(a, sizeof(*u) * (size_t)(cap + 1));
	int n = 0;
	for (int i = 0; i < root->list.n; i++) {
		struct node *p = root->list.v[i];
		if (p->kind != N_PROBE)
			continue;
		struct probe_sem *ps = p->sem;
		/* One program per probe type among the probe's attach points (a
		 * program has one program type); one per attach point when the body
		 * is typed per attach point, uses a context builtin of a type that
		 * decodes them per attach point (usdt) or the type binds its
		 * program to one kernel object at load (fentry, iter). */
		for (int k = 0; k < ps->aps.n; k++) {
			const struct probe_type *pt = ps->aps.v[k]->pt;
			int seen = 0;
			for (int j = 0; j < k && !seen; j++)
				seen = ps->aps.v[j]->pt == pt;
			if (seen)
				continue;
			if (ps->per_ap || pt->prog_per_ap || (pt->ctx_per_ap && ps->uses_ctx)) {
				for (int j = k; j < ps->aps.n; j++) {
					if (ps->aps.v[j]->pt != pt)
						continue;
					u[n] = (struct prog_unit){ .probe = p, .aps = &ps->aps.v[j], .naps = 1, .retype = true };
					u[n].section = arena_printf(a, "s%d", n);
					n++;
				}
				continue;
			}
			struct attach_point **v = arena_alloc(a, sizeof(*v) * (size_t)ps->aps.n);
			int nv = 0;
			for (int j = k; j < ps->aps.n; j++)
				if (ps->aps.v[j]->pt == pt)
					v[nv++] = ps->aps.v[j];
			u[n] = (struct prog_unit){ .probe = p, .aps = v, .naps = nv };
			u[n].section = arena_printf(a, "s%d", n);
			n++;
		}
	}
	*nunits = n;
	return u;
}

/* Types the unit's own copy of its probe for its one attach point. The copy
 * keeps what the whole-program pass gave the body and gets a probe_sem of
 * its own (variables and for-loops are typed anew), so that every unit
 * keeps its types while the next one is typed. */
static int settle(const struct probe_env *env, struct program *prog, struct prog_unit *u)
{
	struct probe_sem *orig = u->probe->sem;
	struct node *copy = node_clone(env->arena, u->probe, true);
	struct probe_sem *ps = arena_alloc(env->arena, sizeof(*ps));
	ps->aps = orig->aps;
	ps->per_ap = orig->per_ap;
	ps->uses_ctx = orig->uses_ctx;
	copy->sem = ps;
	u->probe = copy;
	return sema_retype(env, prog, copy, u->aps[0]);
}

int sema_units(const struct probe_env *env, struct program *prog)
{
	prog->units = build_units(env->arena, prog->root, &prog->nunits);
	for (int i = 0; i < prog->nunits; i++)
		if (prog->units[i].retype && settle(env, prog, &prog->units[i]) < 0)
			return -1;
	return 0;
}
