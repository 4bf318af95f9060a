/* include.h - the include step (include.c): #include and --include read C
 * headers and add their #defines and struct/union/enum definitions to the
 * program, and #if/#ifdef/... keep the branch taken, before the preamble
 * pass. */
#ifndef BPFSCRIPT_INCLUDE_H
#define BPFSCRIPT_INCLUDE_H
#include "ast/ast.h"
#include "ast/diag.h"

/* Expands the #include and #if items of root (script: the script's path,
 * NULL for -e and stdin; dirs: -I directories; files: --include files, both
 * NULL-terminated or NULL; have_btf: the kernel has BTF, which defines
 * BPFTRACE_HAVE_BTF; sys_files gets the path of every system header read,
 * in the arena). Returns the number of the program's own headers read, or
 * -1 after a diagnostic. */
int include_expand(struct arena *a, struct diag *d, struct node *root, const char *script,
		   const char *const *dirs, const char *const *files, bool have_btf, struct ptrvec *sys_files);

#endif
