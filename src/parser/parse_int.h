/* parse_int.h - private interface between the lexer, the grammar and parse.c.
 *
 * Nothing outside src/lexer/ and src/parser/ includes this file: the rest of
 * the tree sees only parse.h. The bison value and location types are defined
 * in grammar.y (%code requires) and reach the lexer through grammar.h. */
#ifndef BPFSCRIPT_PARSE_INT_H
#define BPFSCRIPT_PARSE_INT_H
#include <stdbool.h>
#include "ast/ast.h"
#include "ast/diag.h"

/* Stop reporting (and parsing) after this many errors in one parse. */
#define PARSE_MAX_ERRORS 10

/* State of one parse: the whole program, or one sub-parse of a #define
 * value / #if condition. */
struct parse_state {
	struct arena *arena;
	struct diag *diag;
	struct node *result;   /* N_PROGRAM, or the expression of a sub-parse */
	bool quiet;            /* sub-parse: errors are counted, not printed */
	int errors;            /* errors seen by this parse (printed or not) */
	bool stop;             /* too many errors: the lexer returns end of file */
	int probes;            /* probes parsed so far */
};

/* Reports an error at loc (unless the parse is quiet) and counts it. */
void parse_error(struct parse_state *ps, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parses text[0..len) with the grammar's start token `start` (START_PROGRAM or
 * START_EXPR), scanning from source position line:col. Returns ps->result, or
 * NULL when an error was seen. `pp` lets the lexer accept backslash-newline
 * continuations (preprocessor values). */
struct node *parse_run(struct parse_state *ps, const char *text, int len,
		       int line, int col, int start, bool pp);

/* Quietly parses a preprocessor value or condition as one expression;
 * NULL when it is not one. `at` is the text's position in the source. */
struct node *parse_sub_expr(struct parse_state *ps, const char *text, int len, struct loc at);

/* Scanner lifetime (lexer.l). The scanner copies text; lex_close frees all
 * of its memory. */
void *lex_open(struct parse_state *ps, const char *text, int len, int line, int col,
	       int start_token, bool pp);
void lex_close(void *scanner);
/* At end of file inside braces: where the innermost unclosed `{` is. */
bool lex_unclosed_brace(void *scanner, struct loc *at);

#endif
