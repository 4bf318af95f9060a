/* strmap.c - string -> pointer hash table (strmap.h). */
#include "util/strmap.h"

#include <stdint.h>
#include <string.h>

static uint64_t hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* The slot of key, or the empty slot where it would go (cap is a power of 2). */
static int slot(const char **keys, int cap, const char *key)
{
	int i = (int)(hash(key) & (uint64_t)(cap - 1));
	while (keys[i] && strcmp(keys[i], key))
		i = (i + 1) & (cap - 1);
	return i;
}

void *strmap_get(const struct strmap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	int i = slot(m->keys, m->cap, key);
	return m->keys[i] ? m->vals[i] : NULL;
}

void strmap_put(struct arena *a, struct strmap *m, const char *key, void *val)
{
	if ((m->n + 1) * 2 > m->cap) {
		int cap = m->cap ? m->cap * 2 : 16;
		const char **keys = arena_alloc(a, sizeof(*keys) * (size_t)cap);
		void **vals = arena_alloc(a, sizeof(*vals) * (size_t)cap);
		for (int i = 0; i < m->cap; i++)
			if (m->keys[i]) {
				int j = slot(keys, cap, m->keys[i]);
				keys[j] = m->keys[i];
				vals[j] = m->vals[i];
			}
		m->keys = keys;
		m->vals = vals;
		m->cap = cap;
	}
	int i = slot(m->keys, m->cap, key);
	if (!m->keys[i]) {
		m->keys[i] = key;
		m->n++;
	}
	m->vals[i] = val;
}
