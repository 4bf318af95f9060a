/* sema_int.h - what the sema_*.c files share: the checker's state, scopes
 * of scratch variables, and the entry points of each part.
 *
 *   sema.c           driver: passes over the program, errors, maps, variables
 *   sema_expr.c      expressions, integer conversions
 *   sema_stmt.c      statements, printf layouts
 *   sema_preamble.c  #define, macros, map declarations
 *   sema_config.c    config = { ... } and the config variables' environment
 *   sema_types.c     C types: script struct/union/enum definitions, BTF
 *                    names, members, &, offsetof, address spaces
 *   units.c          program units, each typed for its attach points
 *
 * Scoping of $variables. Latest bpftrace scopes a variable to the block
 * that declares it; 0.17 scoped it to the probe, and its tools assign a
 * variable in both arms of an if and read it afterwards. Both hold here:
 *  - `let $x` declares $x in the current block; it may shadow an outer $x
 *    and disappears with its block;
 *  - `$x = e` on an unknown $x creates it in the current block, but when the
 *    block ends it stays reachable (the `closed` list) for the rest of the
 *    probe, as in 0.17 - unless a later assignment gives it a type it cannot
 *    hold, which then creates a fresh variable (latest bpftrace);
 *  - a for-loop body is a frame of its own (it becomes a BPF callback): the
 *    variables it creates never outlive it, and the outer variables it uses
 *    are recorded as its captures. */
#ifndef BPFSCRIPT_SEMA_INT_H
#define BPFSCRIPT_SEMA_INT_H
#include "sema/sema.h"
#include "sema/builtin.h"
#include "abi/format.h"

struct scope {
	struct scope *up;
	struct ptrvec vars;          /* struct var_info *, declared in this block */
	struct for_sem *frame;       /* innermost for-loop body, NULL: the probe */
};

struct sema {
	const struct probe_env *env;
	struct program *prog;
	struct diag *diag;
	struct arena *a;
	bool final;                  /* the reporting pass */
	int errors;
	struct node *probe;
	struct probe_sem *ps;
	struct attach_point *ap;
	bool retype;
	int loop_depth;              /* while/for nesting: break/continue allowed */
	struct scope *scope;
	struct ptrvec closed;        /* implicit variables of blocks that ended */
	struct for_sem *frame;       /* innermost for-loop body */
	int dead;                    /* inside an if branch a constant condition rules out */
	struct map_info *self_map;   /* untyped map whose own assignment is being typed */
};

/* ---- sema.c ---- */
/* Types a probe body for one attach point (units.c). */
int sema_retype(const struct probe_env *env, struct program *prog, struct node *probe,
		struct attach_point *ap);
const char *sema_tn(struct sema *s, const struct type *t);
struct type *sema_unify(struct sema *s, struct type *old, struct type *new);
struct map_info *sema_map_get(struct sema *s, struct node *m, bool create);
int sema_map_keys(struct sema *s, struct node *m, struct map_info *mi);
int sema_map_store(struct sema *s, struct map_info *mi, struct type *t, struct loc loc);
void sema_scope_push(struct sema *s);
void sema_scope_pop(struct sema *s);
/* The variable `name` (hygiene tag `tag`) visible here, or NULL. Records it
 * as a capture of every for-loop body between here and its frame. */
struct var_info *sema_var_find(struct sema *s, const char *name, int tag);
struct var_info *sema_var_new(struct sema *s, struct node *var, bool is_let);
/* A located copy of n's location covering only the first `len` columns. */
struct loc sema_loc_head(struct loc l, int len);

/* ---- sema_expr.c ---- */
bool sema_is_cond(const struct type *t);      /* int, bool or pointer */
struct type *sema_type_from_name(struct sema *s, const char *name, struct loc loc, bool report);
struct type *sema_call(struct sema *s, struct node *n);

/* ---- sema_stmt.c ---- */
void sema_block(struct sema *s, struct node *b);   /* a block with its own scope */
void sema_stmt(struct sema *s, struct node *n);
/* A block used as an expression: its value is the last statement's. */
struct type *sema_block_expr(struct sema *s, struct node *b);

/* ---- sema_config.c ---- */
/* One `key = value` of the config block (the environment wins). */
void sema_config_item(struct sema *s, struct node *as);
/* The config variables set in the environment that main.c does not read;
 * -1 after an error. */
int sema_config_env(struct sema *s);

/* ---- sema_preamble.c ---- */
/* Runs once before type checking: applies config, records
 * map declarations, and expands #define constants and macros in place. */
int sema_preamble(struct sema *s);

/* ---- sema_types.c ---- */
/* Parses the script's struct/union/enum definitions (once, before typing). */
int sema_cdefs(struct sema *s);
/* "struct S", "union U", "enum E" or a typedef name: the script's type, else
 * vmlinux BTF's; NULL (reported when `report`) when neither has it. */
struct type *sema_c_named(struct sema *s, const char *name, struct loc loc, bool report);
/* An identifier naming an enumerator (script enums, then BTF): turns n into
 * its N_INT value typed as the enum (n->sem = the enum type). */
bool sema_enumerator(struct sema *s, struct node *n);
/* base->f and base.f (pointers to records are dereferenced). */
struct type *sema_field(struct sema *s, struct node *n);
/* &x of a member, element or dereference. */
struct type *sema_addr_of(struct sema *s, struct node *n);
/* Address space of casts and pointer reads at the current probe. */
enum addrspace sema_default_as(struct sema *s);
/* offsetof(T, a.b): the member path's byte offset in *off; 0 or -1. */
int sema_offsetof(struct sema *s, struct node *n, int64_t *off);

#endif
