/* maps.h - what the builtins that look a key up share (maps.c): has_key()
 * and find(). */
#ifndef BPFSCRIPT_BUILTINS_MAPS_H
#define BPFSCRIPT_BUILTINS_MAPS_H
#include <llvm-c/Core.h>
#include "ast/ast.h"

struct sema;
struct cg;
struct map_info;

/* @m[k] for a builtin's map and key arguments, a tuple spread over the
 * map's keys; not yet type-checked. */
struct node *map_key_access(struct sema *s, struct node *m, struct node *k, const struct map_info *mi);
/* The lookup of such an access (type-checked): the value's address, NULL
 * when the key is absent. */
LLVMValueRef map_key_lookup(struct cg *cg, struct node *acc);

#endif
