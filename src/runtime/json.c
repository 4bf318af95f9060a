/* json.c - maps in bpftrace 0.17's -f json shapes, one object per line:
 *
 *   {"type": "map", "data": {"@x": 5}}
 *   {"type": "map", "data": {"@a": {"1,x": 1, "2,y": 2}}}
 *   {"type": "hist", "data": {"@h": [{"min": 4, "max": 7, "count": 1}]}}
 *   {"type": "stats", "data": {"@s": {"count": 1, "average": 10, "total": 10}}}
 *   {"type": "stats", "data": {"@v": 7}}                       (avg)
 *
 * Keys are the text forms of the key fields joined by "," (no space).
 * Empty maps print nothing. Entries come in the text printer's order. */
#include "runtime/print_int.h"
#include "runtime/mapview.h"

#include <string.h>

void json_map(struct rt *rt, struct sbuf *b, const struct mview *v)
{
	const struct rt_map *m = v->m;
	if (v->n == 0)
		return;
	bool keyed = m->key && m->key->nfields > 0;
	sb_printf(b, "{\"type\": \"%s\", \"data\": {\"", v->k->json_type);
	sb_json_escape(b, m->name, strlen(m->name));
	sb_puts(b, "\": ");
	if (keyed)
		sb_putc(b, '{');
	for (size_t i = v->first; i < v->n; i++) {
		const struct mentry *e = &v->e[i];
		if (i + 16 < v->n)
			__builtin_prefetch(v->store + (size_t)v->e[i + 16].ki * v->stride);
		if (i > v->first)
			sb_puts(b, ", ");
		if (keyed) {
			sb_putc(b, '"');
			key_json(rt, b, m->key, me_key(v, e));
			sb_puts(b, "\": ");
		}
		v->k->json(rt, b, v, e);
	}
	if (keyed)
		sb_putc(b, '}');
	sb_puts(b, "}}\n");
}
