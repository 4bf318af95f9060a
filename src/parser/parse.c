/* parse.c - front end entry point: runs the scanner and the parser over a
 * source and returns the N_PROGRAM tree (see parse.h). */
#include "parser/parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The passes after the parser walk the tree recursively, one C stack frame
 * (or a few) per level. Bison's stack bounds nesting through brackets, but a
 * left-associative chain (`1+1+1+...`, `else if` ...) nests one level per
 * operator without growing it: deeper than this, the program is refused
 * here, before any pass could run out of C stack. */
#define PARSE_MAX_DEPTH 1500

/* The first node deeper than PARSE_MAX_DEPTH, found without recursion (an
 * explicit stack of (node, depth)), or NULL. */
static struct node *too_deep(struct node *root)
{
	struct item { struct node *n; int depth; };
	int cap = 256, top = 0;
	struct item *st = xmalloc(sizeof(*st) * (size_t)cap);
	struct node *found = NULL;
	st[top++] = (struct item){ root, 1 };
	while (top > 0 && !found) {
		struct item it = st[--top];
		if (it.depth > PARSE_MAX_DEPTH) {
			found = it.n;
			break;
		}
		struct node *kids[3] = { it.n->a, it.n->b, it.n->c };
		int nk = it.n->list.n + 3;
		if (top + nk > cap) {
			while (top + nk > cap)
				cap *= 2;
			st = xrealloc(st, sizeof(*st) * (size_t)cap);
		}
		for (int i = 0; i < 3; i++)
			if (kids[i])
				st[top++] = (struct item){ kids[i], it.depth + 1 };
		for (int i = 0; i < it.n->list.n; i++)
			if (it.n->list.v[i])
				st[top++] = (struct item){ it.n->list.v[i], it.depth + 1 };
	}
	free(st);
	return found;
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
	struct node *root = parse_run(&ps, text + skip, len - skip, line, 1, START_PROGRAM, false);
	struct node *deep = root ? too_deep(root) : NULL;
	if (deep) {
		parse_error(&ps, deep->loc, "program nested too deeply (more than %d levels)", PARSE_MAX_DEPTH);
		return NULL;
	}
	return root;
}
