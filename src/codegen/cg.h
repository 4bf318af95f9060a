/* cg.h - code generation: LLVM-C lowering of the typed AST to BPF.
 *
 * Public entry: cg_compile(). The rest is the internal toolkit that the
 * builtin descriptors use to emit their code: allocas, memory helpers, one
 * wrapper per BPF helper, map access and ring buffer events. */
#ifndef BPFSCRIPT_CG_H
#define BPFSCRIPT_CG_H
#include <stdbool.h>
#include <stddef.h>
#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>
#include "abi/event_abi.h"
#include "runtime/runtime.h"
#include "sema/sema.h"

struct cg_loop;

/* Memory values (strings, tuples, keys, helper buffers) live in a per-CPU
 * scratch ARRAY map, not on the 512-byte BPF stack: each allocation has its
 * own offset in its program unit's region (cg_alloca). The map is created
 * once code generation knows its size. The stack keeps scalars (registers
 * after optimisation) and what helpers want on the stack (for-loop
 * contexts), within this budget (the rest is left for LLVM's spills): */
#define CG_STACK_BUDGET 384

/* What the caller asks of cg_compile beyond the program. */
struct cg_opts {
	bool dump_ir, dump_ir_opt, dump_asm;   /* -d codegen, codegen-opt, asm: print them */
	const char *emit_llvm;   /* --emit-llvm FILE: FILE.original.ll, FILE.optimized.ll */
	bool ir_only;            /* stop once the IR is built and verified (the fuzzer) */
};

struct cg {
	const struct probe_env *env;
	struct program *prog;
	struct rt *rt;           /* map fds in; -k sites, ring size, scratch map out */
	struct diag *diag;
	struct arena *a;
	const struct cg_opts *opts;
	LLVMContextRef ctx;
	LLVMModuleRef mod;
	LLVMBuilderRef b;
	LLVMTargetMachineRef tm;
	LLVMTypeRef i1, i8, i16, i32, i64, ptr, voidt;
	/* current function */
	LLVMValueRef fn, ctxarg;
	LLVMBasicBlockRef entry;
	LLVMValueRef entry_term;      /* allocas are inserted before this */
	LLVMValueRef prologue_term;   /* scratch base and variable inits go before this */
	LLVMValueRef scratch;         /* this function's scratch base, NULL until used */
	bool in_callback;             /* generating a for-loop body (a BPF callback) */
	LLVMValueRef retflag;         /* callbacks: i64* set to 1 by return/exit */
	struct prog_unit *unit;
	struct attach_point *ap;      /* NULL when the program serves several */
	struct cg_loop *loop;
	/* scratch map: placeholder fd (dup2'ed over by the real map), next free
	 * offset, and the statement being generated (for stack overflow reports) */
	int scratch_fd;
	int scratch_off;
	struct node *cur_stmt;
	struct node *cur_expr;        /* innermost expression being generated (-k sites) */
	struct ptrvec helper_errs;    /* -k: struct rt_helper_err *, handed to rt */
	int stack_used;               /* bytes of stack allocas in this function */
	int nfor;                     /* for-loop callbacks made for this unit (names) */
	/* kernel maps the generated code references */
	int ringbuf_fd;
	int globals_fd;               /* ARRAY, one value of G_NGLOBALS u64: start ns, cpid, lost events */
	LLVMBasicBlockRef ev_cont;    /* continuation of the event being built */
	bool ring_events;             /* an output event is sent (cg_event_begin): the ring's size */
	bool failed;
	char *llvm_error;             /* first LLVM error diagnostic (malloc'd) */
	/* every generated function's name and the statement (for-loop body) or
	 * probe it was made for: LLVM's errors name functions, ours point at
	 * the source */
	struct ptrvec fn_names, fn_nodes;
};


/* Compiles every program unit of prog (whose types are final: sema_units)
 * into one BPF ELF object in memory (malloc'd), referencing the kernel maps
 * of rt; records in rt what the runtime needs of the code (-k sites, the
 * output ring's size, the scratch map). Returns 0, or -1 with a diagnostic. */
int cg_compile(const struct probe_env *env, struct program *prog, struct rt *rt, const struct cg_opts *o,
	       void **obj, size_t *objlen);

/* ---- toolkit ---- */
LLVMValueRef cg_i64(struct cg *cg, int64_t v);
/* Memory for a value of `size` bytes, 8-aligned, in the scratch map.
 * Zero-filled only where said. */
LLVMValueRef cg_alloca(struct cg *cg, int size, const char *name);
/* On the stack: scalars that LLVM keeps in registers, and memory helpers
 * insist on having on the stack (callback contexts, map keys of lookups
 * done before the scratch map is reachable). Over 8 bytes, it counts
 * against CG_STACK_BUDGET and an overflow is reported at the statement. */
LLVMValueRef cg_alloca_stack(struct cg *cg, int size, const char *name);
/* Emits code at the function's prologue (after the scratch base). */
LLVMBuilderRef cg_prologue_builder(struct cg *cg);
/* Converts an i64 holding a value of integer type `from` to type `to`
 * (truncation and sign/zero extension as C does; both held in i64). */
LLVMValueRef cg_conv(struct cg *cg, LLVMValueRef v, const struct type *from, const struct type *to);
/* A condition value (int, bool or pointer) as i1. */
LLVMValueRef cg_truth(struct cg *cg, struct node *n);
LLVMValueRef cg_gep(struct cg *cg, LLVMValueRef p, int64_t off);
void cg_memset0(struct cg *cg, LLVMValueRef dst, int size);
void cg_memcpy(struct cg *cg, LLVMValueRef dst, LLVMValueRef src, int size);
/* Loads an integer of `bytes` at p, extended to i64 (sign per is_signed). */
LLVMValueRef cg_load_int(struct cg *cg, LLVMValueRef p, int bytes, bool is_signed);
void cg_store_i64(struct cg *cg, LLVMValueRef p, LLVMValueRef v);
/* The alignment (1..8) p is known to have (stack slot, map value, ctx, constant offsets). */
unsigned cg_align_of(struct cg *cg, LLVMValueRef p);

/* Expressions. cg_expr: integer-like values as i64. cg_expr_into: any value
 * written into dst; ints as 8 bytes, strings/tuples as n->type->size bytes
 * (dst must hold at least that much). */
LLVMValueRef cg_expr(struct cg *cg, struct node *n);
void cg_expr_into(struct cg *cg, struct node *n, LLVMValueRef dst);
/* Stores a value of type `from` (the expression's type) into a slot laid out
 * as `to` (map key field, tuple element): handles int widening and strings
 * smaller than the slot. */
void cg_expr_into_slot(struct cg *cg, struct node *n, struct type *to, LLVMValueRef dst);

/* Helpers: one wrapper per BPF helper. */
LLVMValueRef cg_helper(struct cg *cg, int id, LLVMTypeRef ret, LLVMValueRef *args, int n);
/* Records the helper call just emitted for `call` as one whose verifier
 * rejection `explain` can report at the source (struct verifier_site). */
void cg_verifier_site(struct cg *cg, int helper, struct node *call,
		      bool (*explain)(const struct verifier_site *, const char *, const char *, struct diag *));
LLVMValueRef cg_map_fd(struct cg *cg, int fd);
LLVMValueRef cg_map_lookup(struct cg *cg, int fd, LLVMValueRef key);
LLVMValueRef cg_map_update(struct cg *cg, int fd, LLVMValueRef key, LLVMValueRef val, int flags);
LLVMValueRef cg_map_delete(struct cg *cg, int fd, LLVMValueRef key);
LLVMValueRef cg_probe_read(struct cg *cg, LLVMValueRef dst, int size, LLVMValueRef src, enum addrspace as);
LLVMValueRef cg_probe_read_str(struct cg *cg, LLVMValueRef dst, int size, LLVMValueRef src, enum addrspace as);
LLVMValueRef cg_global(struct cg *cg, enum cg_global g);   /* i64 */
void cg_global_set(struct cg *cg, enum cg_global g, LLVMValueRef v);   /* i64 */
void cg_global_add(struct cg *cg, enum cg_global g, LLVMValueRef v);   /* atomic, i64 */

/* Maps: the key buffer for an N_MAP node (scalar maps: a zero u64),
 * padded with `extra` bytes (hist bucket). */
LLVMValueRef cg_map_key(struct cg *cg, struct node *map, int extra, int *key_size);
/* The value of a count/sum/min/max/avg entry at `key`, combined over every
 * CPU (bpf_map_lookup_percpu_elem); 0 when absent. */
LLVMValueRef cg_agg_read(struct cg *cg, struct map_info *mi, LLVMValueRef key);
LLVMValueRef cg_map_lookup_percpu(struct cg *cg, int fd, LLVMValueRef key, LLVMValueRef cpu);
/* Variables: the slot of a scratch variable in the current function. */
LLVMValueRef cg_var_slot(struct cg *cg, struct var_info *v);
/* Statements of a block, in order (cg_stmt.c). */
void cg_block_stmts(struct cg *cg, struct node *b);
/* A for-loop (cg_for.c). */
void cg_for(struct cg *cg, struct node *n);
/* A map-iteration callback that visits every element (len()). */
LLVMValueRef cg_callback_continue(struct cg *cg);

/* Ring buffer events: reserve hdr+payload; returns the payload pointer, and
 * the record pointer in *rec for cg_event_submit. Inserts a branch: code
 * emitted after it runs only when the reservation succeeded. */
LLVMValueRef cg_event_begin(struct cg *cg, uint32_t kind, uint32_t id, int payload, LLVMValueRef *rec);
/* As cg_event_begin, for an event that is not output but a signal the caller
 * also records where the runtime looks (exit(): G_EXIT): a full ring drops it
 * uncounted, and a program whose only events are signals gets the smallest
 * ring (runtime/load.c, ring_size). */
LLVMValueRef cg_signal_begin(struct cg *cg, uint32_t kind, uint32_t id, int payload, LLVMValueRef *rec);
void cg_event_submit(struct cg *cg, LLVMValueRef rec);

/* A counted loop `for (i = 0; i < n; i++)` with n a constant (the verifier
 * sees it end): cg_loop_begin returns the i64 index in the body, which the
 * caller emits, then calls cg_loop_end (or branches to l->done itself to
 * leave early; l->islot holds the index there). */
struct cg_count_loop {
	LLVMBasicBlockRef head, body, done;
	LLVMValueRef islot;
};
LLVMValueRef cg_loop_begin(struct cg *cg, struct cg_count_loop *l, LLVMValueRef n);
void cg_loop_end(struct cg *cg, struct cg_count_loop *l);

/* Conditional helpers. */
LLVMBasicBlockRef cg_block(struct cg *cg, const char *name);
/* At the current position (a join block): a, coming from block ab, or b from bb. */
LLVMValueRef cg_phi2(struct cg *cg, LLVMTypeRef t, LLVMValueRef a, LLVMBasicBlockRef ab, LLVMValueRef b,
		     LLVMBasicBlockRef bb);
/* Leaves the probe: `return 0` (in a for-loop body: sets the return flag
 * and stops the iteration), then continues in a fresh unreachable block. */
void cg_return(struct cg *cg);
void cg_return_value(struct cg *cg, LLVMValueRef v);   /* return v; in a test probe */
void cg_error(struct cg *cg, struct node *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
