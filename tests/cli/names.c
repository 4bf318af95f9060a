/* names.c - prints every builtin (variables and functions) and every probe
 * type with its aliases, one "kind name" per line, for the man page check
 * in help_man.py: what bpfscript has must be documented in bpfscript(8). */
#include <stdio.h>
#include "sema/builtin.h"
#include "ast/probe.h"

int main(void)
{
	for (const struct builtin *const *b = builtin_all(); *b; b++)
		printf("%s %s\n", (*b)->kind == B_VAR ? "var" : "func", (*b)->name);
	for (const struct probe_type *const *pt = probe_types(); *pt; pt++) {
		printf("probe %s\n", (*pt)->name);
		for (const char *const *a = (*pt)->aliases; a && *a; a++)
			printf("alias %s\n", *a);
	}
	return 0;
}
