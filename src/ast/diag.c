/* diag.c - diagnostic printing with source line and caret; see diag.h. */
#include "ast/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag *d, const struct source *src, FILE *out)
{
	memset(d, 0, sizeof(*d));
	d->src = src;
	d->out = out ? out : stderr;
}

/* Returns the start of line `line` (1-based) and its length without '\n'. */
static const char *find_line(const struct source *s, int line, int *len)
{
	const char *p = s->text, *end = s->text + s->len;
	for (int l = 1; l < line && p < end; p++)
		if (*p == '\n')
			l++;
	const char *e = p;
	while (e < end && *e != '\n')
		e++;
	*len = (int)(e - p);
	return p;
}

#define DIAG_MAX_LINE 160

static void report(struct diag *d, const char *sev, struct loc loc, const char *fmt, va_list ap)
{
	FILE *o = d->out;
	if (d->src && loc.first_line > 0)
		fprintf(o, "%s:%d:%d: ", d->src->name, loc.first_line, loc.first_column);
	fprintf(o, "%s: ", sev);
	vfprintf(o, fmt, ap);
	fputc('\n', o);
	if (!d->src || loc.first_line <= 0 || !d->src->text)
		return;
	int len;
	const char *line = find_line(d->src, loc.first_line, &len);
	int col = loc.first_column > 0 ? loc.first_column : 1;
	int last = loc.last_line == loc.first_line ? loc.last_column : len;
	if (last < col)
		last = col;
	if (last > len && len >= col)
		last = len;
	/* A very long line (a generated or huge script) is shown as a window
	 * around the caret, marked with "...", not whole. */
	const char *pre = "", *post = "";
	if (len > DIAG_MAX_LINE) {
		int from = col - 1 > DIAG_MAX_LINE / 2 ? col - 1 - DIAG_MAX_LINE / 2 : 0;
		int n = len - from < DIAG_MAX_LINE ? len - from : DIAG_MAX_LINE;
		if (from > 0) {
			pre = "...";
			from -= 3;   /* the marker takes the place of three characters */
			n += 3;
			if (n > len - from)
				n = len - from;
		}
		if (from + n < len)
			post = "...";
		line += from;
		len = n;
		col -= from;
		last -= from;
		if (last > len)
			last = len;
	}
	fprintf(o, "%s%.*s%s\n", pre, *pre ? len - 3 : len, *pre ? line + 3 : line, post);
	/* Keep tabs so the caret lines up under tab-indented code. */
	for (int i = 1; i < col; i++)
		fputc(i - 1 < len && line[i - 1] == '\t' ? '\t' : ' ', o);
	fputc('^', o);
	for (int i = col + 1; i <= last; i++)
		fputc('~', o);
	fputc('\n', o);
}

void diag_error(struct diag *d, struct loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(d, "ERROR", loc, fmt, ap);
	va_end(ap);
	d->errors++;
}

void diag_warn(struct diag *d, struct loc loc, const char *fmt, ...)
{
	d->warnings++;
	if (d->quiet_warnings)
		return;
	va_list ap;
	va_start(ap, fmt);
	report(d, "WARNING", loc, fmt, ap);
	va_end(ap);
}

void diag_hint(struct diag *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("HINT: ", d->out);
	vfprintf(d->out, fmt, ap);
	fputc('\n', d->out);
	va_end(ap);
}

void diag_plain(struct diag *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("ERROR: ", d->out);
	vfprintf(d->out, fmt, ap);
	fputc('\n', d->out);
	va_end(ap);
	d->errors++;
}

int diag_distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b);
	if (la > 64 || lb > 64)
		return 99;
	int prev[65], cur[65];
	for (int j = 0; j <= lb; j++)
		prev[j] = j;
	for (int i = 1; i <= la; i++) {
		cur[0] = i;
		for (int j = 1; j <= lb; j++) {
			int c = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < c)
				c = prev[j] + 1;
			if (cur[j - 1] + 1 < c)
				c = cur[j - 1] + 1;
			cur[j] = c;
		}
		memcpy(prev, cur, sizeof(int) * (size_t)(lb + 1));
	}
	return prev[lb];
}
