/* builtins.c - the registry of builtin families (built from families.def).
 * Adding a builtin is one entry in its family's table; adding a family is
 * one file plus one line in families.def. */
#include "sema/builtin.h"

#include <string.h>

#define FAMILY(sym) extern const struct builtin sym[];
#include "builtins/families.def"
#undef FAMILY

static const struct builtin *const families[] = {
#define FAMILY(sym) sym,
#include "builtins/families.def"
#undef FAMILY
	NULL,
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
