/* sema.h - name resolution and type checking.
 *
 * Contract: after sema_run returns 0, every expression node has a type,
 * every N_IDENT/N_CALL has node->sem pointing at its builtin descriptor,
 * every N_MAP points at its struct map_info (key/value types final) and
 * every N_VAR at its struct var_info; each N_PROBE's sem is its
 * struct probe_sem (attach points and program grouping). */
#ifndef BPFSCRIPT_SEMA_H
#define BPFSCRIPT_SEMA_H
#include <stdbool.h>
#include "ast/program.h"


struct for_sem;

struct var_info {
	const char *name;
	struct type *type;
	struct loc first;
	int tag;                /* macro hygiene: variables of an expansion get their own */
	bool is_let;            /* declared with let: strictly block scoped */
	struct for_sem *frame;  /* for-loop body it lives in (NULL: the probe's) */
	struct node *decl;      /* `let $x;` without type or value: its type, once an
	                           assignment fixed it, is kept on this node for the
	                           next pass (a read may come first) */
	void *cg;               /* codegen: the slot */
};

/* An N_FOR: the loop variable and the outer variables its body uses (the
 * body runs as a BPF callback; codegen passes those by reference). */
struct for_sem {
	struct var_info *var;
	struct ptrvec captures;   /* struct var_info * */
	struct for_sem *up;
	struct map_info *map;     /* for ($kv : @m) */
};



struct probe_sem {
	struct ap_list aps;         /* this probe's expanded attach points */
	bool per_ap;                /* body typed per attach point (uses args) */
	bool uses_ctx;              /* body uses a context builtin (SEM_CTX) */
	struct ptrvec vars;         /* struct var_info * */
};

struct sema;

/* node->sem_id of an N_IDENT that names a probe-context builtin (argN,
 * retval...): codegen asks the probe type (probe_type.ctx_emit). */
#define SEM_CTX 0x7c7c

/* Runs attach-point expansion, name resolution and type checking over the
 * whole program: prog->root and prog->set filled by the caller; env gives the
 * arena, the diagnostics sink and the target process. Returns 0 or -1 after
 * diagnostics. */
int sema_run(const struct probe_env *env, struct program *prog);
/* Groups the probes into program units (prog->units): one program per
 * probe type among a probe's attach points, or one per attach point when
 * the body is typed per attach point (it uses args) or the probe type binds
 * its program to one kernel object. Such a unit gets a copy of the probe's
 * body typed for its attach point, so that afterwards every unit's types
 * are final: codegen and the object cache never call back into sema. */
int sema_units(const struct probe_env *env, struct program *prog);

/* ---- for builtin descriptors ---- */
struct arena *sema_arena(struct sema *s);
struct program *sema_program(struct sema *s);
/* Records a value of this system that the code will bake in (program.h,
 * resolved), once: in the reporting pass. */
void sema_resolved(struct sema *s, const char *what, const char *input, uint64_t value);
struct diag *sema_diag(struct sema *s);
struct attach_point *sema_ap(struct sema *s);
/* Type-checks an expression (sets n->type); returns it or NULL on error. */
struct type *sema_expr(struct sema *s, struct node *n);
void sema_error(struct sema *s, struct loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The map info of an N_MAP argument (creating it if needed); NULL with an
 * error when n is not a map. */
struct map_info *sema_map_arg(struct sema *s, struct node *n, const char *func);
/* Registers the value type of a map assigned from an aggregation call. */
int sema_map_set_val(struct sema *s, struct node *map, struct type *val);
/* Integer normalisation: every int travels as 8 bytes. */
struct type *sema_norm(struct sema *s, struct type *t);
/* Registers a printf-like call: checks the format (arg 0, a literal) and lays
 * out the payload; stores the id in call->sem_id. */
int sema_printf(struct sema *s, struct node *call, int first_arg);
bool sema_is_final(struct sema *s);
int sema_strlen(struct sema *s);
/* C's usual arithmetic conversions on two integer types, where int is 32
 * bits: the type both operands convert to (bool and 8/16-bit types promote
 * to int32). Codegen uses it to lower binary operators. */
struct type *sema_int_common(const struct type *a, const struct type *b);
/* The promoted type of one integer operand (unary -, ~, shifts). */
struct type *sema_int_promote(const struct type *t);
/* C types (sema_types.c). sema_is_remote: n denotes memory outside the
 * program (a member through a pointer, *p, p[i], and members/elements of
 * those), read with bpf_probe_read_*; sema_remote_as: which memory. */
bool sema_is_remote(const struct node *n);
enum addrspace sema_remote_as(const struct node *n);
/* Fills every record a value of type t holds (a struct printed whole). */
void sema_complete_deep(struct type *t);
enum addrspace sema_default_as(struct sema *s);
int sema_offsetof(struct sema *s, struct node *n, int64_t *off);
/* The type a type-name node denotes (N_CAST without an operand: a type as
 * written, or typeof(expr) / typeof(TYPE)); sets tn->type. NULL after an
 * error. sema_is_typename: n is such a node. */
struct type *sema_typename(struct sema *s, struct node *tn);
bool sema_is_typename(const struct node *n);
/* n is `comptime e` (folded by sema into n->ival): an if on it has only the
 * branch taken checked, and generated. */
bool sema_is_comptime(const struct node *n);
/* Compile-time evaluation (comptime, fail(), static_assert): the value of
 * an integer or bool expression made of literals, true/false, positional
 * parameters, sizeof, builtins their check folded (builtin.is_const) and
 * operators, or false when it is not constant. sema_is_dead: inside an
 * if() branch that such a constant condition never takes. */
bool sema_const_eval(struct sema *s, struct node *n, int64_t *v);
bool sema_is_dead(struct sema *s);
/* Type-checks a statement (a builtin's rewrite, e.g. find()'s assignment). */
void sema_stmt(struct sema *s, struct node *n);
/* Reports a warning at loc (final pass only). */
void sema_warn(struct sema *s, struct loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
