/* parse.c - front end entry point: runs the scanner and the parser over a
 * source and returns the N_PROGRAM tree (see parse.h). */
#include "parser/parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parser/parse_int.h"
#include "grammar.h"

int bs_parse(struct parse_state *ps, void *scanner);

void parse_error(struct parse_state *ps, struct loc loc, const char *fmt, ...)
{
	ps->errors++;
	if (ps->quiet || ps->stop)
		return;
	if (ps->errors > PARSE_MAX_ERRORS) {
		ps->stop = true;
		diag_plain(ps->diag, "too many errors, giving up");
		return;
	}
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_error(ps->diag, loc, "%s", msg);
}

struct node *parse_run(struct parse_state *ps, const char *text, int len,
		       int line, int col, int start, bool pp)
{
	void *scanner = lex_open(ps, text, len, line, col, start, pp);
	int rc = bs_parse(ps, scanner);
	lex_close(scanner);
	if (rc != 0 || ps->errors)
		return NULL;
	return ps->result;
}

struct node *parse_sub_expr(struct parse_state *ps, const char *text, int len, struct loc at)
{
	struct parse_state sub = {
		.arena = ps->arena,
		.diag = ps->diag,
		.quiet = true,
	};
	return parse_run(&sub, text, len, at.first_line, at.first_column, START_EXPR, true);
}

struct node *parse_program(struct arena *a, struct diag *d, const struct source *src)
{
	const char *text = src->text ? src->text : "";
	int len = src->len > 0 ? src->len : (int)strlen(text);
	int skip = 0, line = 1;
	/* A "#!" first line is dropped; scanning starts on line 2 so that
	 * locations still match the source text the diagnostics print. */
	if (len >= 2 && text[0] == '#' && text[1] == '!') {
		const char *nl = memchr(text, '\n', (size_t)len);
		skip = nl ? (int)(nl - text) + 1 : len;
		line = 2;
	}
	struct parse_state ps = {
		.arena = a,
		.diag = d,
	};
	return parse_run(&ps, text + skip, len - skip, line, 1, START_PROGRAM, false);
}
