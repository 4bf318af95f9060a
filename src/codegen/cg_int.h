/* cg_int.h - what the cg_*.c files share beyond cg.h: loops (break and
 * continue targets), lvalue updates and function setup. */
#ifndef BPFSCRIPT_CG_INT_H
#define BPFSCRIPT_CG_INT_H
#include "codegen/cg.h"

struct cg_loop {
	LLVMBasicBlockRef brk, cont;
	struct cg_loop *outer;
};

/* Starts a function of the current program unit: its section, attributes
 * and the entry / prologue / body blocks (cg_stmt.c); the builder ends in
 * the body. */
void cg_function_begin(struct cg *cg, LLVMValueRef fn);
/* ++/--/op= support (cg_expr.c). */
LLVMValueRef cg_lvalue_read(struct cg *cg, struct node *lv);
void cg_lvalue_write(struct cg *cg, struct node *lv, LLVMValueRef v);
/* lv op= rhs with C semantics; returns the new value. */
LLVMValueRef cg_compound(struct cg *cg, struct node *lv, enum op op, struct node *rhs);

/* Remote memory (cg_member.c; sema_is_remote says which expressions): its
 * address as an i64, its value as an integer, or copied into dst. */
LLVMValueRef cg_remote_addr(struct cg *cg, struct node *n);
LLVMValueRef cg_remote_int(struct cg *cg, struct node *n);
void cg_remote_into(struct cg *cg, struct node *n, LLVMValueRef dst);

/* The IR optimisation pipeline (opt.cpp, the one C++ file: LLVM 19's O2
 * function simplification and the BPF target's IR passes, without
 * llvm::PassBuilder). LLVM's passes cannot fail on a verified module. */
void bpfs_cxx_optimize(LLVMModuleRef mod, LLVMTargetMachineRef tm);

#endif
