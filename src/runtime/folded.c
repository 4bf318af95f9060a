/* folded.c - one entry of a stack map as folded frames (folded.h): the
 * key's parts as text (value.c), its stacks' frames as stacks.c resolves
 * them (kernel and user symbols, the symbol caches). */
#define _GNU_SOURCE   /* open_memstream */
#include "runtime/folded.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runtime/mapview.h"
#include "runtime/print_int.h"
#include "runtime/stacks.h"
#include "util/arena.h"

static bool is_stack(const struct type *t)
{
	return t->kind == TY_KSTACK || t->kind == TY_USTACK;
}

bool fold_map(const struct rt_map *m)
{
	switch (m->val->kind) {
	case TY_COUNT: case TY_SUM: case TY_MIN: case TY_MAX: case TY_AVG: case TY_INT:
		break;
	default:
		return false;
	}
	if (!m->key)
		return false;
	for (int i = 0; i < m->key->nfields; i++)
		if (is_stack(m->key->fields[i].type))
			return true;
	return false;
}

void fold_free(struct fold *f)
{
	free(f->text);
	free(f->off);
	free(f->kind);
	memset(f, 0, sizeof(*f));
}

/* Appends one frame name of n bytes; ';' and line breaks become '_'. */
static void add(struct fold *f, const char *s, size_t n, enum fold_kind kind)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 32;
		f->off = xrealloc(f->off, sizeof(*f->off) * (size_t)f->cap);
		f->kind = xrealloc(f->kind, sizeof(*f->kind) * (size_t)f->cap);
	}
	f->text = xrealloc(f->text, f->len + n + 1);
	f->off[f->n] = f->len;
	f->kind[f->n++] = kind;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		f->text[f->len++] = c == ';' || c == '\n' || c == '\r' ? '_' : c;
	}
	f->text[f->len++] = '\0';
}

/* The frames of one stack, reversed to root first. */
static void add_stack(struct rt *rt, struct fold *f, const struct type *t, const uint8_t *p)
{
	char *s = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&s, &len);
	if (!mf)
		return;
	int n = rt_stack_frames(rt, t, p, mf);
	fclose(mf);
	if (n <= 0) {
		free(s);
		return;
	}
	const char **names = xmalloc(sizeof(*names) * (size_t)n);
	const char *q = s;
	for (int i = 0; i < n && q < s + len; i++, q += strlen(q) + 1)
		names[i] = q;
	enum fold_kind kind = t->kind == TY_USTACK ? FOLD_USER : FOLD_KERNEL;
	for (int i = n - 1; i >= 0; i--)
		add(f, names[i], strlen(names[i]), kind);
	free(names);
	free(s);
}

void fold_entry(struct rt *rt, const struct mview *v, const struct mentry *e, struct fold *f)
{
	const struct type *key = v->m->key;
	const uint8_t *k = me_key(v, e);
	f->n = 0;
	f->len = 0;
	if (!k)
		return;
	for (int i = 0; i < key->nfields; i++) {
		const struct type_field *fd = &key->fields[i];
		if (is_stack(fd->type))
			continue;
		struct sbuf b = { 0 };
		val_text(rt, &b, fd->type, k + fd->offset, V_KEY);
		add(f, b.p ? b.p : "", b.len, FOLD_PART);
		sb_free(&b);
	}
	int users = 0;
	for (int pass = 0; pass < 2; pass++) {
		enum type_kind want = pass == 0 ? TY_USTACK : TY_KSTACK;
		for (int i = 0; i < key->nfields; i++) {
			const struct type_field *fd = &key->fields[i];
			if (fd->type->kind != want)
				continue;
			int before = f->n;
			if (pass == 1 && users > 0 && f->n > 0 && f->kind[f->n - 1] == FOLD_USER)
				add(f, "-", 1, FOLD_SEP);
			int sep = f->n;
			add_stack(rt, f, fd->type, k + fd->offset);
			if (f->n == sep)
				f->n = before;   /* an empty kernel stack: no separator */
			if (pass == 0)
				users += f->n > before;
		}
	}
	if (f->n == 0)   /* nothing to name it by: perf's name for an unknown frame */
		add(f, "[unknown]", 9, FOLD_PART);
}
