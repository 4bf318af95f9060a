/* sbuf.h - a growable text buffer: output is built here, then written with
 * one fwrite (value.c implements it). Shared by the runtime's printers and
 * the aggregations' (builtins/agg.c through runtime/mapview.h). */
#ifndef BPFSCRIPT_SBUF_H
#define BPFSCRIPT_SBUF_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sbuf {
	char *p;
	size_t len, cap;
};
void sb_reserve(struct sbuf *b, size_t more);
void sb_putn(struct sbuf *b, const char *s, size_t n);
void sb_puts(struct sbuf *b, const char *s);
void sb_putc(struct sbuf *b, char c);
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_i64(struct sbuf *b, int64_t v);
void sb_u64(struct sbuf *b, uint64_t v);
void sb_pad(struct sbuf *b, char c, size_t n);
void sb_write(struct sbuf *b, FILE *out);   /* writes and empties */
void sb_free(struct sbuf *b);
/* JSON string body (no quotes) of n bytes, escaped as bpftrace does. */
void sb_json_escape(struct sbuf *b, const char *s, size_t n);
/* n bytes for a terminal: control bytes other than newline and tab, and
 * DEL, as \xNN, so that traced data cannot drive the terminal (printf's
 * strings, cat(), join() when the text output is a tty: rt.escape_ctl). */
void sb_ctl_escape(struct sbuf *b, const char *s, size_t n);

#endif
