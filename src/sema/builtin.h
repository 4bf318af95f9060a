/* builtin.h - builtin variables and functions as descriptors.
 *
 * Sema resolves a name once to a `const struct builtin *` (node->sem) and
 * from then on calls its hooks (check here, emit in codegen); nothing
 * compares names after sema. The builtins themselves live in src/builtins/,
 * one file per family (vars.c, output.c, agg.c, str.c, ...) with its table;
 * builtins/builtins.c lists the families and defines the lookups below. */
#ifndef BPFSCRIPT_BUILTIN_H
#define BPFSCRIPT_BUILTIN_H
#include <stdbool.h>
#include <llvm-c/Types.h>   /* LLVMValueRef for the codegen hooks; sema calls no LLVM */
#include "ast/ast.h"

struct sema;
struct cg;

enum builtin_kind {
	B_VAR,      /* pid, comm, ... : N_IDENT */
	B_FUNC,     /* printf(...), str(...) : N_CALL */
};

struct builtin {
	const char *name;
	enum builtin_kind kind;
	int min_args, max_args;
	bool is_agg;          /* count(), sum() ...: only as `@m = f(...)` */
	bool stmt_only;       /* printf, exit ...: value is void */
	/* Latest bpftrace: "pid and pid() are equivalent". A B_VAR also answers
	 * a call without arguments; a B_FUNC whose arguments are optional also
	 * answers its bare name (as a call without arguments). */
	bool either_form;
	/* The check folds the use to a constant of this compile, n->ival
	 * (offsetof, kaddr, is_str, ...): codegen emits it, and sema's
	 * constant evaluation (comptime, fail, static_assert) reads it. */
	bool is_const;
	/* Type-check a use (N_IDENT or N_CALL); set n->type. Return 0 / -1. */
	int (*check)(struct sema *s, struct node *n);
	/* Emit an integer-valued use: returns an i64. */
	LLVMValueRef (*emit)(struct cg *cg, struct node *n);
	/* Emit a memory-valued use (strings, tuples) into dst (n->type->size bytes). */
	void (*emit_into)(struct cg *cg, struct node *n, LLVMValueRef dst);
	/* Aggregations: update the entry of `map` (the N_MAP being assigned). */
	void (*emit_agg)(struct cg *cg, struct node *n, struct node *map);
};

const struct builtin *builtin_find(const char *name, enum builtin_kind kind);
/* All builtins, for "did you mean" hints. NULL-terminated. */
const struct builtin *const *builtin_all(void);

#endif
