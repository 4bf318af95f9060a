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

/* Closes the record being written: its text is final. */
static void end_record(struct diag *d)
{
	if (!d->rec)
		return;
	fclose(d->rec);
	d->rec = NULL;
	d->held.v[d->held.n - 1].text = d->rec_buf;
	d->rec_buf = NULL;
}

/* Where a diagnostic starting now goes: the output, or a new record. */
static FILE *begin(struct diag *d, bool error)
{
	if (!d->holding)
		return d->out;
	end_record(d);
	d->held.v = realloc(d->held.v, sizeof(*d->held.v) * (size_t)(d->held.n + 1));
	if (!d->held.v)
		abort();
	d->held.v[d->held.n++] = (struct diag_record){ .text = NULL, .error = error };
	d->rec_buf = NULL;
	d->rec_len = 0;
	d->rec = open_memstream(&d->rec_buf, &d->rec_len);
	if (!d->rec)
		abort();
	return d->rec;
}

/* Where the continuation of the last diagnostic (a hint) goes. */
static FILE *cont(struct diag *d)
{
	return d->holding && d->rec ? d->rec : d->out;
}

void diag_hold(struct diag *d)
{
	d->holding = true;
	d->held = (struct diag_held){ 0 };
	d->rec = NULL;
}

struct diag_held diag_unhold(struct diag *d)
{
	end_record(d);
	struct diag_held h = d->held;
	for (int i = 0; i < h.n; i++)
		d->errors -= h.v[i].error;
	d->held = (struct diag_held){ 0 };
	d->holding = false;
	return h;
}

void diag_emit(struct diag *d, const struct diag_held *h)
{
	for (int i = 0; i < h->n; i++) {
		fputs(h->v[i].text ? h->v[i].text : "", d->out);
		d->errors += h->v[i].error;
	}
}

void diag_held_free(struct diag_held *h)
{
	for (int i = 0; i < h->n; i++)
		free(h->v[i].text);
	free(h->v);
	*h = (struct diag_held){ 0 };
}

static void report(struct diag *d, const char *sev, struct loc loc, const char *fmt, va_list ap)
{
	FILE *o = begin(d, sev[0] == 'E');
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
	FILE *o = cont(d);
	fputs("HINT: ", o);
	vfprintf(o, fmt, ap);
	fputc('\n', o);
	va_end(ap);
}

void diag_plain(struct diag *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	FILE *o = begin(d, true);
	fputs("ERROR: ", o);
	vfprintf(o, fmt, ap);
	fputc('\n', o);
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
