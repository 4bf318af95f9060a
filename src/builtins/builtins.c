/* builtins.c - the registry of builtin families. Adding a builtin is one
 * entry in its family's table; adding a family is one line here. */
#include "sema/builtin.h"

#include <string.h>

extern const struct builtin builtins_unsafe[];   /* unsafe.c: system, signal, override, cat */
extern const struct builtin builtins_strfuncs[]; /* strfuncs.c: strncmp, strcontains, strftime, strerror, bswap, buf, join */
extern const struct builtin builtins_net[];      /* net.c: ntop, pton, macaddr, cgroupid */
extern const struct builtin builtins_path[];     /* path.c: path */
extern const struct builtin builtins_cgroup[];   /* cgroup.c: cgroup_path */

static const struct builtin *const families[] = {
	builtins_vars, builtins_output, builtins_agg, builtins_str, builtins_maps, builtins_unsafe, builtins_stack, builtins_symbols,
	builtins_strfuncs, builtins_net, builtins_ctypes, builtins_path,
	builtins_cgroup, NULL,
};

const struct builtin *builtin_find(const char *name, enum builtin_kind kind)
{
	for (int f = 0; families[f]; f++)
		for (const struct builtin *b = families[f]; b->name; b++)
			if (b->kind == kind && !strcmp(b->name, name))
				return b;
	return NULL;
}

const struct builtin *const *builtin_all(void)
{
	static const struct builtin *all[256];
	if (!all[0]) {
		int n = 0;
		for (int f = 0; families[f]; f++)
			for (const struct builtin *b = families[f]; b->name && n < 255; b++)
				all[n++] = b;
		all[n] = NULL;
	}
	return all;
}
