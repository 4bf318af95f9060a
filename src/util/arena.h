/* arena.h - bump allocator owning all compile-time memory of one run.
 *
 * Every AST node, type, string and table built between parsing and code
 * generation comes from one arena and is released by one arena_free().
 * Allocation failure aborts with a message: there is no recovery path for a
 * compiler that cannot allocate a few kilobytes. */
#ifndef BPFSCRIPT_ARENA_H
#define BPFSCRIPT_ARENA_H
#include <stddef.h>

struct arena_chunk;
struct arena {
	struct arena_chunk *head;
};

void *arena_alloc(struct arena *a, size_t size);          /* zero-filled, 16-aligned */
void *arena_realloc(struct arena *a, void *old, size_t oldsz, size_t newsz);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arena_free(struct arena *a);

/* Growable array of pointers, storage in the arena. */
struct ptrvec {
	void **v;
	int n, cap;
};
void ptrvec_push(struct arena *a, struct ptrvec *pv, void *p);

/* xmalloc family for run-time (non-arena) allocations: abort on OOM. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
