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
#include "driver.h"

struct map_info {
	const char *name;       /* "@x" */
	int id;
	struct type *key;       /* TY_TUPLE, or NULL for a scalar map */
	struct type *val;       /* normalised value type or aggregation kind */
	struct loc first;       /* first assignment, for messages */
	bool assigned;
	struct rt_map *rt;      /* filled when the kernel map is created */
};

struct var_info {
	const char *name;
	struct type *type;
	struct loc first;
	void *cg;               /* codegen: the alloca */
};

/* One BPF program to generate: a probe body for one or more attach points. */
struct prog_unit {
	struct node *probe;
	struct attach_point **aps;
	int naps;
	const char *section;
	bool retype;            /* sema_retype for aps[0] before generating code */
};

struct probe_sem {
	struct ap_list aps;         /* this probe's expanded attach points */
	bool per_ap;                /* body typed per attach point (uses args) */
	struct ptrvec vars;         /* struct var_info * */
};

struct sema;

/* node->sem_id of an N_IDENT that names a probe-context builtin (argN,
 * retval...): codegen asks the probe type (probe_type.ctx_emit). */
#define SEM_CTX 0x7c7c

/* Runs name resolution and type checking over the whole program. */
int sema_run(struct driver *drv);
/* Re-types a probe body for one of its attach points (per_ap probes) before
 * its code is generated. */
int sema_retype(struct driver *drv, struct node *probe, struct attach_point *ap);

/* ---- for builtin descriptors ---- */
struct arena *sema_arena(struct sema *s);
struct driver *sema_driver(struct sema *s);
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

#endif
