/* strmap.h - string -> pointer hash table, storage in an arena.
 *
 * For lookups by name that must stay O(1) however large the program grows
 * (maps of a 10,000-probe script): open addressing, FNV-1a, grown at half
 * full. Keys are not copied: they must live as long as the table (arena
 * strings). A zeroed struct strmap is an empty table. */
#ifndef BPFSCRIPT_STRMAP_H
#define BPFSCRIPT_STRMAP_H
#include "util/arena.h"

struct strmap {
	const char **keys;
	void **vals;
	int n, cap;
};

/* The value stored under key, or NULL. */
void *strmap_get(const struct strmap *m, const char *key);
/* Stores val under key (replacing an earlier value). */
void strmap_put(struct arena *a, struct strmap *m, const char *key, void *val);

#endif
