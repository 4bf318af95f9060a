/* parse.h - front end entry point: source text -> AST. */
#ifndef BPFSCRIPT_PARSE_H
#define BPFSCRIPT_PARSE_H
#include "ast/ast.h"
#include "ast/diag.h"

/* Parses src into an N_PROGRAM tree allocated in `a`. Syntax errors are
 * reported through d (file:line:col, source line, caret) and NULL is
 * returned. A leading "#!" line is ignored. */
struct node *parse_program(struct arena *a, struct diag *d, const struct source *src);

#endif
