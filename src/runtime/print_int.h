/* print_int.h - private to the output files (print.c, value.c, format.c):
 * values formatted into a text buffer (sbuf.h), as text or JSON. The view
 * of a map that the map printers share is in mapview.h. */
#ifndef BPFSCRIPT_PRINT_INT_H
#define BPFSCRIPT_PRINT_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "runtime/runtime.h"
#include "runtime/sbuf.h"

/* ---- values (value.c) ---- */
enum vctx {
	V_VALUE,     /* map value, print(v), printf %s */
	V_KEY,       /* element of a map key: stacks indent by 4 */
};
/* Integer of t->size bytes at p, extended by t->is_signed. */
int64_t rd_int(const struct type *t, const uint8_t *p);
/* Appends the text form of a value (bpftrace's value_to_str). */
void val_text(struct rt *rt, struct sbuf *b, const struct type *t, const uint8_t *p, enum vctx ctx);
/* Appends the JSON form of a value: numbers bare, text quoted. */
void val_json(struct rt *rt, struct sbuf *b, const struct type *t, const uint8_t *p);
/* Appends "[k1, k2]" (text) for a key tuple; nothing for a scalar map. */
void key_text(struct rt *rt, struct sbuf *b, const struct type *key, const uint8_t *p);
/* Appends "k1,k2" (JSON key body, escaped, no quotes). */
void key_json(struct rt *rt, struct sbuf *b, const struct type *key, const uint8_t *p);
/* %r / %rx / %rh renderings of a buffer's bytes. */
void buf_text(struct sbuf *b, const uint8_t *p, size_t n, char mode);
/* Value kinds printed without a line break between map entries (0.17). */
bool val_no_delim(const struct type *t);

#endif
