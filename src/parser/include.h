/* include.h - the include step (include.c): #include and --include read C
 * headers and add their #defines and struct/union/enum definitions to the
 * program, before the preamble pass. */
#ifndef BPFSCRIPT_INCLUDE_H
#define BPFSCRIPT_INCLUDE_H
#include "ast/ast.h"
#include "ast/diag.h"

/* Expands the #include items of root (script: the script's path, NULL for
 * -e and stdin; dirs: -I directories; files: --include files, both
 * NULL-terminated or NULL). Returns the number of headers read, or -1
 * after a diagnostic. */
int include_expand(struct arena *a, struct diag *d, struct node *root, const char *script,
		   const char *const *dirs, const char *const *files);

#endif
