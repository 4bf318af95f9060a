/* cg.c - LLVM module setup, one BPF function per program unit, the BPF
 * helper layer, optimisation and object emission.
 *
 * Programs reference maps by fd through llvm.bpf.pseudo, so the object has
 * no map relocations; every function lives alone in its own section, so
 * the runtime can load each section's bytes directly (KERNEL-NOTES route A). */
#include "codegen/cg.h"
#include "codegen/cg_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/ErrorHandling.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include "sys/bpfsys.h"
#include "abi/event_abi.h"

void cg_error(struct cg *cg, struct node *n, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n)
		diag_error(cg->diag, n->loc, "%s", buf);
	else
		diag_plain(cg->diag, "%s", buf);
	cg->failed = true;
}

LLVMValueRef cg_i64(struct cg *cg, int64_t v)
{
	return LLVMConstInt(cg->i64, (unsigned long long)v, 1);
}

LLVMValueRef cg_alloca_stack(struct cg *cg, int size, const char *name)
{
	LLVMBuilderRef eb = LLVMCreateBuilderInContext(cg->ctx);
	LLVMPositionBuilderBefore(eb, cg->entry_term);
	int n = (size + 7) / 8;
	LLVMValueRef a = LLVMBuildAlloca(eb, LLVMArrayType(cg->i64, (unsigned)(n ? n : 1)), name);
	LLVMSetAlignment(a, 8);
	LLVMDisposeBuilder(eb);
	/* Scalars (8 bytes) become registers; what stays on the stack is what
	 * helpers insist on (for-loop contexts): that is what can overflow. */
	if (size > 8) {
		cg->stack_used += 8 * n;
		if (cg->stack_used > CG_STACK_BUDGET && cg->stack_used - 8 * n <= CG_STACK_BUDGET && !cg->failed)
			cg_error(cg, cg->cur_stmt,
				 "this statement needs more BPF stack than a probe has: %d bytes of the 512 would be in use (%d bytes here)",
				 cg->stack_used, 8 * n);
	}
	return a;
}

LLVMBuilderRef cg_prologue_builder(struct cg *cg)
{
	LLVMBuilderRef pb = LLVMCreateBuilderInContext(cg->ctx);
	LLVMPositionBuilderBefore(pb, cg->prologue_term);
	return pb;
}

/* The current function's view of the scratch map: the value of this CPU's
 * entry, looked up once in the prologue (the lookup cannot fail, but the
 * verifier wants the NULL check). */
static LLVMValueRef scratch_base(struct cg *cg)
{
	if (cg->scratch)
		return cg->scratch;
	if (cg->scratch_fd < 0) {
		/* its fd number: the real map takes it over after codegen */
		cg->scratch_fd = bpfsys_fd_reserve(cg->globals_fd);
		if (cg->scratch_fd < 0) {
			cg_error(cg, NULL, "failed to create the scratch map: %s", strerror(errno));
			cg->scratch_fd = -1;
		}
	}
	LLVMValueRef key = cg_alloca_stack(cg, 4, "scratch_key");
	LLVMBuilderRef saved = cg->b;
	cg->b = cg_prologue_builder(cg);
	LLVMValueRef cpu = cg_helper(cg, BPF_FUNC_get_smp_processor_id, cg->i64, NULL, 0);
	LLVMBuildStore(cg->b, LLVMBuildTrunc(cg->b, cpu, cg->i32, ""), key);
	LLVMValueRef p = cg_map_lookup(cg, cg->scratch_fd, key);
	LLVMBasicBlockRef ok = cg_block(cg, "scratch_ok"), bad = cg_block(cg, "scratch_null");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, p, LLVMConstNull(cg->ptr), ""), bad, ok);
	LLVMPositionBuilderAtEnd(cg->b, bad);
	LLVMBuildRet(cg->b, cg_i64(cg, cg->in_callback ? 1 : 0));
	/* the old prologue terminator (br body) moves to the end of `ok` */
	LLVMBasicBlockRef body = LLVMGetSuccessor(cg->prologue_term, 0);
	LLVMInstructionEraseFromParent(cg->prologue_term);
	LLVMPositionBuilderAtEnd(cg->b, ok);
	cg->prologue_term = LLVMBuildBr(cg->b, body);
	LLVMDisposeBuilder(cg->b);
	cg->b = saved;
	cg->scratch = p;
	return p;
}

LLVMValueRef cg_alloca(struct cg *cg, int size, const char *name)
{
	LLVMValueRef base = scratch_base(cg);
	int off = cg->scratch_off;
	cg->scratch_off += (size + 7) / 8 * 8;
	LLVMBuilderRef pb = cg_prologue_builder(cg);
	LLVMValueRef idx = cg_i64(cg, off);
	LLVMValueRef p = LLVMBuildGEP2(pb, cg->i8, base, &idx, 1, name);
	LLVMDisposeBuilder(pb);
	return p;
}

LLVMValueRef cg_conv(struct cg *cg, LLVMValueRef v, const struct type *from, const struct type *to)
{
	(void)from;
	if (!to)
		return v;
	if (to->kind == TY_BOOL)
		return LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, v, cg_i64(cg, 0), ""), cg->i64, "");
	if (to->kind != TY_INT || to->size >= 8 || to->size <= 0)
		return v;
	LLVMValueRef t = LLVMBuildTrunc(cg->b, v, LLVMIntTypeInContext(cg->ctx, (unsigned)to->size * 8), "");
	return to->is_signed ? LLVMBuildSExt(cg->b, t, cg->i64, "") : LLVMBuildZExt(cg->b, t, cg->i64, "");
}

LLVMValueRef cg_truth(struct cg *cg, struct node *n)
{
	return LLVMBuildICmp(cg->b, LLVMIntNE, cg_expr(cg, n), cg_i64(cg, 0), "");
}

LLVMValueRef cg_gep(struct cg *cg, LLVMValueRef p, int64_t off)
{
	if (off == 0)
		return p;
	LLVMValueRef idx = cg_i64(cg, off);
	return LLVMBuildGEP2(cg->b, cg->i8, p, &idx, 1, "");
}

/* The alignment p is known to have: a stack slot (8), a map value or a
 * program context (8, the kernel aligns both), a constant byte offset from
 * either (the offset's low bit), else 1. BPF has no unaligned access: a
 * load or store that LLVM cannot prove aligned becomes one per byte. */
static unsigned ptr_align(struct cg *cg, LLVMValueRef p, int depth)
{
	if (!p || depth > 8)
		return 1;
	if (p == cg->ctxarg)
		return 8;
	if (LLVMIsAAllocaInst(p)) {
		unsigned a = LLVMGetAlignment(p);
		return a > 8 ? 8 : a ? a : 1;
	}
	if (LLVMIsACallInst(p))
		return 8;   /* helpers returning pointers: map values */
	if (LLVMIsAGetElementPtrInst(p) && LLVMGetNumOperands(p) == 2 &&
	    LLVMGetGEPSourceElementType(p) == cg->i8) {
		LLVMValueRef idx = LLVMGetOperand(p, 1);
		if (!LLVMIsAConstantInt(idx))
			return 1;
		unsigned base = ptr_align(cg, LLVMGetOperand(p, 0), depth + 1);
		long long off = LLVMConstIntGetSExtValue(idx);
		unsigned a = base;
		while (a > 1 && off % (long long)a)
			a >>= 1;
		return a;
	}
	if (LLVMIsAPHINode(p) || LLVMIsASelectInst(p)) {
		unsigned a = 8;
		int first = LLVMIsASelectInst(p) ? 1 : 0, n = LLVMGetNumOperands(p);
		for (int i = first; i < n && a > 1; i++) {
			unsigned o = ptr_align(cg, LLVMGetOperand(p, (unsigned)i), depth + 1);
			if (o < a)
				a = o;
		}
		return a;
	}
	return 1;
}

static unsigned access_align(struct cg *cg, LLVMValueRef p, unsigned bytes)
{
	unsigned a = ptr_align(cg, p, 0);
	return a < bytes ? a : bytes;
}

void cg_memset0(struct cg *cg, LLVMValueRef dst, int size)
{
	if (size > 0)
		LLVMBuildMemSet(cg->b, dst, LLVMConstInt(cg->i8, 0, 0), cg_i64(cg, size),
				ptr_align(cg, dst, 0));
}

void cg_memcpy(struct cg *cg, LLVMValueRef dst, LLVMValueRef src, int size)
{
	if (size > 0)
		LLVMBuildMemCpy(cg->b, dst, ptr_align(cg, dst, 0), src, ptr_align(cg, src, 0),
				cg_i64(cg, size));
}

LLVMValueRef cg_load_int(struct cg *cg, LLVMValueRef p, int bytes, bool is_signed)
{
	LLVMTypeRef t = bytes == 1 ? cg->i8 : bytes == 2 ? cg->i16 : bytes == 4 ? cg->i32 : cg->i64;
	LLVMValueRef v = LLVMBuildLoad2(cg->b, t, p, "");
	LLVMSetAlignment(v, access_align(cg, p, (unsigned)bytes));
	if (bytes == 8)
		return v;
	return is_signed ? LLVMBuildSExt(cg->b, v, cg->i64, "") : LLVMBuildZExt(cg->b, v, cg->i64, "");
}

void cg_store_i64(struct cg *cg, LLVMValueRef p, LLVMValueRef v)
{
	LLVMValueRef s = LLVMBuildStore(cg->b, v, p);
	unsigned bytes = (unsigned)(LLVMGetIntTypeWidth(LLVMTypeOf(v)) / 8);
	LLVMSetAlignment(s, access_align(cg, p, bytes ? bytes : 1));
}

unsigned cg_align_of(struct cg *cg, LLVMValueRef p)
{
	return ptr_align(cg, p, 0);
}

LLVMBasicBlockRef cg_block(struct cg *cg, const char *name)
{
	return LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, name);
}

LLVMValueRef cg_phi2(struct cg *cg, LLVMTypeRef t, LLVMValueRef a, LLVMBasicBlockRef ab, LLVMValueRef b,
		     LLVMBasicBlockRef bb)
{
	LLVMValueRef phi = LLVMBuildPhi(cg->b, t, "");
	LLVMValueRef vals[] = { a, b };
	LLVMBasicBlockRef bbs[] = { ab, bb };
	LLVMAddIncoming(phi, vals, bbs, 2);
	return phi;
}

void cg_return(struct cg *cg)
{
	if (cg->in_callback) {
		cg_store_i64(cg, cg->retflag, cg_i64(cg, 1));
		LLVMBuildRet(cg->b, cg_i64(cg, 1));
	} else {
		LLVMBuildRet(cg->b, cg_i64(cg, 0));
	}
	LLVMPositionBuilderAtEnd(cg->b, cg_block(cg, "after_return"));
}

/* `return v;` in a test probe: v is the program's return value. In a loop
 * body's callback the return flag carries it as (v << 1) | 1 (non-zero:
 * the loop returns), and the probe's function returns flag >> 1 (cg_for). */
void cg_return_value(struct cg *cg, LLVMValueRef v)
{
	if (cg->in_callback) {
		LLVMValueRef flag = LLVMBuildOr(cg->b, LLVMBuildShl(cg->b, v, cg_i64(cg, 1), ""), cg_i64(cg, 1), "");
		cg_store_i64(cg, cg->retflag, flag);
		LLVMBuildRet(cg->b, cg_i64(cg, 1));
	} else {
		LLVMBuildRet(cg->b, v);
	}
	LLVMPositionBuilderAtEnd(cg->b, cg_block(cg, "after_return"));
}

/* ---- BPF helpers ------------------------------------------------------ */

LLVMValueRef cg_helper(struct cg *cg, int id, LLVMTypeRef ret, LLVMValueRef *args, int n)
{
	LLVMTypeRef pt[8];
	for (int i = 0; i < n; i++)
		pt[i] = LLVMTypeOf(args[i]);
	LLVMTypeRef ft = LLVMFunctionType(ret, pt, (unsigned)n, 0);
	LLVMValueRef callee = LLVMConstIntToPtr(cg_i64(cg, id), cg->ptr);
	return LLVMBuildCall2(cg->b, ft, callee, args, (unsigned)n, "");
}

LLVMValueRef cg_map_fd(struct cg *cg, int fd)
{
	unsigned id = LLVMLookupIntrinsicID("llvm.bpf.pseudo", strlen("llvm.bpf.pseudo"));
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(cg->mod, id, NULL, 0);
	LLVMTypeRef ft = LLVMGlobalGetValueType(fn);
	LLVMValueRef args[] = { cg_i64(cg, BPF_PSEUDO_MAP_FD), cg_i64(cg, fd) };
	LLVMValueRef v = LLVMBuildCall2(cg->b, ft, fn, args, 2, "");
	return LLVMBuildIntToPtr(cg->b, v, cg->ptr, "map");
}

LLVMValueRef cg_map_lookup(struct cg *cg, int fd, LLVMValueRef key)
{
	LLVMValueRef args[] = { cg_map_fd(cg, fd), key };
	return cg_helper(cg, BPF_FUNC_map_lookup_elem, cg->ptr, args, 2);
}

static LLVMValueRef globals_ptr(struct cg *cg);

/* An update that fails because the map is full (-E2BIG) sets the map's bit
 * in G_MAP_FULL; the runtime warns once per map. */
static void map_full_check(struct cg *cg, int fd, LLVMValueRef r)
{
	int id = -1;
	for (int i = 0; i < cg->rt->nmaps; i++)
		if (cg->rt->maps[i] && cg->rt->maps[i]->fd == fd)
			id = i;
	if (id < 0 || id >= 64)
		return;
	LLVMBasicBlockRef full = cg_block(cg, "map_full"), cont = cg_block(cg, "map_upd");
	LLVMValueRef is = LLVMBuildICmp(cg->b, LLVMIntEQ, r, cg_i64(cg, -E2BIG), "");
	LLVMBuildCondBr(cg->b, is, full, cont);
	LLVMPositionBuilderAtEnd(cg->b, full);
	LLVMBuildAtomicRMW(cg->b, LLVMAtomicRMWBinOpOr, cg_gep(cg, globals_ptr(cg), 8 * G_MAP_FULL),
			   LLVMConstInt(cg->i64, 1ull << id, 0), LLVMAtomicOrderingMonotonic, 0);
	LLVMBuildBr(cg->b, cont);
	LLVMPositionBuilderAtEnd(cg->b, cont);
}

void cg_verifier_site(struct cg *cg, int helper, struct node *call,
		      bool (*explain)(const struct verifier_site *, const char *, const char *, struct diag *))
{
	struct arena *a = cg->a;
	struct verifier_site *vs = arena_alloc(a, sizeof(*vs));
	vs->helper = helper;
	vs->call = call;
	vs->explain = explain;
	ptrvec_push(a, &cg->unit->vsites, vs);
}

/* -k (warning level 2): a helper call that fails sends EV_HELPER_ERROR with
 * its return code, and the runtime warns, pointing at the expression (or
 * else the statement) being generated. neg: only a negative return is an
 * error (the *_str reads return a length). */
static void helper_check(struct cg *cg, const char *helper, LLVMValueRef r, bool neg)
{
	struct node *at = cg->cur_expr ? cg->cur_expr : cg->cur_stmt;
	if (cg->prog->set.warning_level < 2 || !at)
		return;
	struct arena *a = cg->a;
	struct rt_helper_err *he = arena_alloc(a, sizeof(*he));
	he->helper = helper;
	he->loc = at->loc;
	ptrvec_push(a, &cg->helper_errs, he);
	LLVMBasicBlockRef err = cg_block(cg, "helper_err"), cont = cg_block(cg, "helper_ok");
	LLVMValueRef bad = LLVMBuildICmp(cg->b, neg ? LLVMIntSLT : LLVMIntNE, r, cg_i64(cg, 0), "");
	LLVMBuildCondBr(cg->b, bad, err, cont);
	LLVMPositionBuilderAtEnd(cg->b, err);
	/* the read may be filling another event's payload (printf("%s", str(p))) */
	LLVMBasicBlockRef outer = cg->ev_cont;
	LLVMValueRef rec;
	LLVMValueRef pl = cg_event_begin(cg, EV_HELPER_ERROR, (uint32_t)(cg->helper_errs.n - 1), 8, &rec);
	cg_store_i64(cg, pl, r);
	cg_event_submit(cg, rec);
	cg->ev_cont = outer;
	LLVMBuildBr(cg->b, cont);
	LLVMPositionBuilderAtEnd(cg->b, cont);
}

LLVMValueRef cg_map_lookup_percpu(struct cg *cg, int fd, LLVMValueRef key, LLVMValueRef cpu)
{
	LLVMValueRef args[] = { cg_map_fd(cg, fd), key, cpu };
	return cg_helper(cg, BPF_FUNC_map_lookup_percpu_elem, cg->ptr, args, 3);
}

LLVMValueRef cg_map_update(struct cg *cg, int fd, LLVMValueRef key, LLVMValueRef val, int flags)
{
	LLVMValueRef args[] = { cg_map_fd(cg, fd), key, val, cg_i64(cg, flags) };
	LLVMValueRef r = cg_helper(cg, BPF_FUNC_map_update_elem, cg->i64, args, 4);
	map_full_check(cg, fd, r);
	helper_check(cg, "map_update_elem", r, false);
	return r;
}

LLVMValueRef cg_map_delete(struct cg *cg, int fd, LLVMValueRef key)
{
	LLVMValueRef args[] = { cg_map_fd(cg, fd), key };
	LLVMValueRef r = cg_helper(cg, BPF_FUNC_map_delete_elem, cg->i64, args, 2);
	helper_check(cg, "map_delete_elem", r, false);
	return r;
}

LLVMValueRef cg_probe_read(struct cg *cg, LLVMValueRef dst, int size, LLVMValueRef src, enum addrspace as)
{
	int id = as == AS_USER ? BPF_FUNC_probe_read_user : as == AS_KERNEL ? BPF_FUNC_probe_read_kernel
									   : BPF_FUNC_probe_read;
	LLVMValueRef args[] = { dst, cg_i64(cg, size), src };
	LLVMValueRef r = cg_helper(cg, id, cg->i64, args, 3);
	helper_check(cg, as == AS_USER ? "probe_read_user" : as == AS_KERNEL ? "probe_read_kernel" : "probe_read",
		     r, false);
	return r;
}

LLVMValueRef cg_probe_read_str(struct cg *cg, LLVMValueRef dst, int size, LLVMValueRef src, enum addrspace as)
{
	int id = as == AS_USER ? BPF_FUNC_probe_read_user_str
		 : as == AS_KERNEL ? BPF_FUNC_probe_read_kernel_str : BPF_FUNC_probe_read_str;
	LLVMValueRef args[] = { dst, cg_i64(cg, size), src };
	LLVMValueRef r = cg_helper(cg, id, cg->i64, args, 3);
	helper_check(cg, as == AS_USER ? "probe_read_user_str"
			 : as == AS_KERNEL ? "probe_read_kernel_str" : "probe_read_str", r, true);
	return r;
}

/* Pointer to the globals value (never NULL for an in-range array key, but
 * the verifier wants the check). On NULL the code reads a zero slot. */
static LLVMValueRef globals_ptr(struct cg *cg)
{
	/* One key and one zero slot per function, set up in the entry block and
	 * shared by every use: a fresh pair per use (every map update checks
	 * for a full map) ran programs out of their 512 bytes of stack. */
	static LLVMValueRef fn, term, key, zero;
	if (fn != cg->fn || term != cg->entry_term) {
		fn = cg->fn;
		term = cg->entry_term;
		key = cg_alloca(cg, 4, "gkey");
		zero = cg_alloca(cg, 8 * G_NGLOBALS, "gzero");
		/* in the prologue: the slots may live in the scratch map */
		LLVMBuilderRef eb = cg_prologue_builder(cg);
		LLVMBuildStore(eb, LLVMConstInt(cg->i32, 0, 0), key);
		LLVMDisposeBuilder(eb);
	}
	/* The lookup of key 0 in a one-entry array cannot fail, but the
	 * verifier wants the NULL case handled: it reads a zeroed slot, zeroed
	 * only on that path (zeroing it in the prologue cost every event of
	 * every program that touches the globals seven stores). */
	LLVMValueRef p = cg_map_lookup(cg, cg->globals_fd, key);
	LLVMValueRef isnull = LLVMBuildICmp(cg->b, LLVMIntEQ, p, LLVMConstNull(cg->ptr), "");
	LLVMBasicBlockRef from = LLVMGetInsertBlock(cg->b), fill = cg_block(cg, "gzero_fill"),
			  cont = cg_block(cg, "globals");
	LLVMBuildCondBr(cg->b, isnull, fill, cont);
	LLVMPositionBuilderAtEnd(cg->b, fill);
	LLVMBuildMemSet(cg->b, zero, LLVMConstInt(cg->i8, 0, 0), cg_i64(cg, 8 * G_NGLOBALS), 8);
	LLVMBuildBr(cg->b, cont);
	LLVMPositionBuilderAtEnd(cg->b, cont);
	return cg_phi2(cg, cg->ptr, p, from, zero, fill);
}

LLVMValueRef cg_global(struct cg *cg, enum cg_global g)
{
	return cg_load_int(cg, cg_gep(cg, globals_ptr(cg), 8 * g), 8, false);
}

void cg_global_set(struct cg *cg, enum cg_global g, LLVMValueRef v)
{
	cg_store_i64(cg, cg_gep(cg, globals_ptr(cg), 8 * g), v);
}

void cg_global_add(struct cg *cg, enum cg_global g, LLVMValueRef v)
{
	LLVMBuildAtomicRMW(cg->b, LLVMAtomicRMWBinOpAdd, cg_gep(cg, globals_ptr(cg), 8 * g), v,
			   LLVMAtomicOrderingMonotonic, 0);
}

/* ---- events ------------------------------------------------------------ */

/* output: the event carries output, counted as lost when the ring is full,
 * and the ring is sized for it (cg->ring_events); otherwise it is a signal the
 * caller also records elsewhere (cg_signal_begin). */
static LLVMValueRef event_begin(struct cg *cg, uint32_t kind, uint32_t id, int payload, LLVMValueRef *rec,
				bool output)
{
	LLVMValueRef args[] = { cg_map_fd(cg, cg->ringbuf_fd), cg_i64(cg, 8 + payload), cg_i64(cg, 0) };
	LLVMValueRef r = cg_helper(cg, BPF_FUNC_ringbuf_reserve, cg->ptr, args, 3);
	LLVMBasicBlockRef ok = cg_block(cg, "ev_ok"), lost = cg_block(cg, "ev_lost");
	cg->ev_cont = cg_block(cg, "ev_done");
	LLVMValueRef isnull = LLVMBuildICmp(cg->b, LLVMIntEQ, r, LLVMConstNull(cg->ptr), "");
	LLVMBuildCondBr(cg->b, isnull, lost, ok);
	LLVMPositionBuilderAtEnd(cg->b, lost);
	if (output) {
		cg->ring_events = true;
		LLVMValueRef g = globals_ptr(cg);
		LLVMBuildAtomicRMW(cg->b, LLVMAtomicRMWBinOpAdd, cg_gep(cg, g, 8 * G_LOST), cg_i64(cg, 1),
				   LLVMAtomicOrderingMonotonic, 0);
	}
	LLVMBuildBr(cg->b, cg->ev_cont);
	LLVMPositionBuilderAtEnd(cg->b, ok);
	uint64_t hdr = (uint64_t)kind | ((uint64_t)id << 32);
	cg_store_i64(cg, r, LLVMConstInt(cg->i64, hdr, 0));
	*rec = r;
	return cg_gep(cg, r, 8);
}

LLVMValueRef cg_event_begin(struct cg *cg, uint32_t kind, uint32_t id, int payload, LLVMValueRef *rec)
{
	return event_begin(cg, kind, id, payload, rec, true);
}

LLVMValueRef cg_signal_begin(struct cg *cg, uint32_t kind, uint32_t id, int payload, LLVMValueRef *rec)
{
	return event_begin(cg, kind, id, payload, rec, false);
}

void cg_event_submit(struct cg *cg, LLVMValueRef rec)
{
	LLVMValueRef args[] = { rec, cg_i64(cg, 0) };
	cg_helper(cg, BPF_FUNC_ringbuf_submit, cg->voidt, args, 2);
	LLVMBuildBr(cg->b, cg->ev_cont);
	LLVMPositionBuilderAtEnd(cg->b, cg->ev_cont);
}

/* ---- module ------------------------------------------------------------ */

/* The statement or probe whose function LLVM's "in function NAME" names. */
static struct node *stack_culprit(struct cg *cg, const char *msg)
{
	const char *f = strstr(msg, "in function ");
	if (!f)
		return NULL;
	f += strlen("in function ");
	/* "in function fn_s0_for3 i64 (i64, ptr): ...": the name ends at a space */
	for (int i = cg->fn_names.n - 1; i >= 0; i--) {
		const char *nm = cg->fn_names.v[i];
		size_t n = strlen(nm);
		if (!strncmp(f, nm, n) && (f[n] == ' ' || f[n] == ':' || !f[n]))
			return cg->fn_nodes.v[i];
	}
	return NULL;
}

static void diag_handler(LLVMDiagnosticInfoRef di, void *arg)
{
	struct cg *cg = arg;
	if (LLVMGetDiagInfoSeverity(di) != LLVMDSError)
		return;
	char *msg = LLVMGetDiagInfoDescription(di);
	if (!cg->llvm_error)
		cg->llvm_error = strdup(msg);
	LLVMDisposeMessage(msg);
	cg->failed = true;
}

void cg_program(struct cg *cg, struct prog_unit *u);   /* cg_stmt.c */

/* Replaces the placeholder scratch map by the real one, now that its size
 * is known: an ARRAY with one entry per possible CPU (a per-CPU array would
 * cap the size at 32 KiB). The code already holds the placeholder's fd
 * number, so the new map takes that number. */
static int finish_scratch(struct cg *cg)
{
	int ncpus = cg->rt->ncpus > 0 ? cg->rt->ncpus : 1;
	int size = cg->scratch_off < 8 ? 8 : cg->scratch_off;
	if (bpfsys_map_create_at(cg->scratch_fd, BPF_MAP_TYPE_ARRAY, "scratch", 4, (unsigned)size,
				 (unsigned)ncpus) < 0) {
		diag_plain(cg->diag, "failed to create the scratch map (%d bytes per CPU): %s", size,
			   strerror(errno));
		return -1;
	}
	return 0;
}

static void dump_module(struct cg *cg, const char *title)
{
	char *s = LLVMPrintModuleToString(cg->mod);
	printf("%s\n%s", title, s);
	LLVMDisposeMessage(s);
}

/* --emit-llvm FILE: the module's IR in FILE<suffix>. */
static void emit_llvm(struct cg *cg, const char *suffix)
{
	char *path = arena_printf(cg->a, "%s%s", cg->opts->emit_llvm, suffix);
	char *err = NULL;
	if (LLVMPrintModuleToFile(cg->mod, path, &err))
		cg_error(cg, NULL, "failed to write %s: %s", path, err ? err : "unknown error");
	LLVMDisposeMessage(err);
}

static LLVMTargetMachineRef make_target_machine(char **err)
{
	LLVMInitializeBPFTargetInfo();
	LLVMInitializeBPFTarget();
	LLVMInitializeBPFTargetMC();
	LLVMInitializeBPFAsmPrinter();
	LLVMTargetRef target;
	if (LLVMGetTargetFromTriple("bpfel", &target, err))
		return NULL;
	/* cpu v4 where the kernel has it (sys/bpfsys.h): its long jumps make
	 * bodies of tens of thousands of instructions compile */
	return LLVMCreateTargetMachine(target, "bpfel", bpfsys_cpu_v4() ? "v4" : "v3", "", LLVMCodeGenLevelDefault,
				       LLVMRelocDefault, LLVMCodeModelDefault);
}

/* The LLVM context, module, builder, types and the BPF target machine.
 * Returns -1 after a diagnostic when LLVM has no BPF target. */
static int cg_init(struct cg *cg)
{
	cg->scratch_fd = -1;
	cg->ctx = LLVMContextCreate();
	LLVMContextSetDiagnosticHandler(cg->ctx, diag_handler, cg);
	cg->mod = LLVMModuleCreateWithNameInContext("bpfscript", cg->ctx);
	cg->b = LLVMCreateBuilderInContext(cg->ctx);
	cg->i1 = LLVMInt1TypeInContext(cg->ctx);
	cg->i8 = LLVMInt8TypeInContext(cg->ctx);
	cg->i16 = LLVMInt16TypeInContext(cg->ctx);
	cg->i32 = LLVMInt32TypeInContext(cg->ctx);
	cg->i64 = LLVMInt64TypeInContext(cg->ctx);
	cg->ptr = LLVMPointerTypeInContext(cg->ctx, 0);
	cg->voidt = LLVMVoidTypeInContext(cg->ctx);
	char *err = NULL;
	cg->tm = make_target_machine(&err);
	if (!cg->tm) {
		diag_plain(cg->diag, "LLVM has no BPF target: %s", err ? err : "unknown error");
		LLVMDisposeMessage(err);
		return -1;
	}
	LLVMSetTarget(cg->mod, "bpfel");
	LLVMTargetDataRef dl = LLVMCreateTargetDataLayout(cg->tm);
	LLVMSetModuleDataLayout(cg->mod, dl);
	LLVMDisposeTargetData(dl);
	return 0;
}

static void cg_dispose(struct cg *cg)
{
	free(cg->llvm_error);
	if (cg->tm)
		LLVMDisposeTargetMachine(cg->tm);
	LLVMDisposeBuilder(cg->b);
	LLVMDisposeModule(cg->mod);
	LLVMContextDispose(cg->ctx);
}

/* LLVM failed to emit the object (m says why): a stack overflow is
 * reported at the probe, loop or statement that needs the stack. */
static void report_emit_error(struct cg *cg, const char *m)
{
	struct node *at = strstr(m, "stack limit") ? stack_culprit(cg, m) : NULL;
	if (at)
		diag_error(cg->diag, at->kind == N_PROBE && at->list.n ? at->list.v[0]->loc : at->loc,
			   "this %s needs more than the 512 bytes of BPF stack a BPF function has",
			   at->kind == N_PROBE ? "probe" : at->kind == N_FOR ? "for loop" : "statement");
	if (at && at->kind == N_FOR)
		diag_hint(cg->diag, "a for-loop body is a function of its own that gets the variables it uses "
			  "from outside by reference: use fewer of them (or maps)");
	else if (strstr(m, "stack limit"))
		diag_plain(cg->diag, "the program uses more than 512 bytes of BPF stack: %s", m);
	else
		diag_plain(cg->diag, "LLVM failed to emit BPF code: %s", m);
}

/* LLVM reports some failures of the BPF backend (a branch beyond the
 * instruction set's range, IR it cannot lower) as fatal errors: it calls
 * the installed handler, then exits the process. Code generation runs
 * before anything is attached, so the handler jumps back to emit_object,
 * which reports the failure as an error of the program (exit status 1, the
 * usual cleanup) instead of a crash. LLVM's state is not used again. */
static jmp_buf *llvm_fatal_jmp;
static char llvm_fatal_reason[512];

static void on_llvm_fatal(const char *reason)
{
	snprintf(llvm_fatal_reason, sizeof(llvm_fatal_reason), "%s", reason ? reason : "unknown error");
	if (llvm_fatal_jmp)
		longjmp(*llvm_fatal_jmp, 1);
}

/* The verified module, optimised, as a BPF ELF object (and the -d dumps on
 * the way). Returns 0, or -1 after a diagnostic. */
static int emit_object(struct cg *cg, void **obj, size_t *objlen)
{
	const struct cg_opts *o = cg->opts;
	char *err = NULL;
	jmp_buf jb;
	LLVMInstallFatalErrorHandler(on_llvm_fatal);
	if (setjmp(jb)) {
		llvm_fatal_jmp = NULL;
		diag_plain(cg->diag, "LLVM could not generate BPF code for this program: %s", llvm_fatal_reason);
		if (strstr(llvm_fatal_reason, "out of insn range"))
			diag_hint(cg->diag, "a probe body this large needs BPF cpu v4's long jumps (Linux 6.6 or later; "
				  "bpfscript uses them where the kernel has them): split the work across probes or use loops");
		return -1;
	}
	llvm_fatal_jmp = &jb;
	bpfs_cxx_optimize(cg->mod, cg->tm);
	if (o->dump_ir_opt)
		dump_module(cg, "Optimized LLVM IR:");
	if (o->emit_llvm)
		emit_llvm(cg, ".optimized.ll");
	if (o->dump_asm) {
		LLVMMemoryBufferRef ab;
		if (!LLVMTargetMachineEmitToMemoryBuffer(cg->tm, cg->mod, LLVMAssemblyFile, &err, &ab)) {
			printf("BPF assembly:\n%.*s", (int)LLVMGetBufferSize(ab), LLVMGetBufferStart(ab));
			LLVMDisposeMemoryBuffer(ab);
		} else {
			LLVMDisposeMessage(err);
			err = NULL;
		}
	}
	LLVMMemoryBufferRef buf = NULL;
	if (LLVMTargetMachineEmitToMemoryBuffer(cg->tm, cg->mod, LLVMObjectFile, &err, &buf) || cg->failed) {
		llvm_fatal_jmp = NULL;
		report_emit_error(cg, cg->llvm_error ? cg->llvm_error : err ? err : "unknown error");
		if (err)
			LLVMDisposeMessage(err);
		if (cg->failed && buf)
			LLVMDisposeMemoryBuffer(buf);
		return -1;
	}
	llvm_fatal_jmp = NULL;
	*objlen = LLVMGetBufferSize(buf);
	*obj = xmalloc(*objlen);
	memcpy(*obj, LLVMGetBufferStart(buf), *objlen);
	LLVMDisposeMemoryBuffer(buf);
	return 0;
}

/* Every unit's function, the scratch map, then the module verified. */
static int build_module(struct cg *cg)
{
	struct program *prog = cg->prog;
	struct rt *rt = cg->rt;
	for (int i = 0; i < prog->nunits && !cg->failed; i++)
		cg_program(cg, &prog->units[i]);
	rt->helper_errs = (struct rt_helper_err **)cg->helper_errs.v;
	rt->nhelper_errs = cg->helper_errs.n;
	rt->ring_events = cg->ring_events;
	if (cg->scratch_fd >= 0) {
		rt->scratch_fd = cg->scratch_fd;
		if (!cg->failed && finish_scratch(cg) < 0)
			return -1;
	}
	if (cg->failed)
		return -1;
	if (cg->opts->dump_ir)
		dump_module(cg, "LLVM IR:");
	if (cg->opts->emit_llvm)
		emit_llvm(cg, ".original.ll");
	char *err = NULL;
	if (LLVMVerifyModule(cg->mod, LLVMReturnStatusAction, &err)) {
		diag_plain(cg->diag, "internal error: invalid LLVM IR: %s", err);
		LLVMDisposeMessage(err);
		return -1;
	}
	LLVMDisposeMessage(err);
	return 0;
}

int cg_compile(const struct probe_env *env, struct program *prog, struct rt *rt, const struct cg_opts *o,
	       void **obj, size_t *objlen)
{
	struct cg cgs = { .env = env, .prog = prog, .rt = rt, .diag = env->diag, .a = env->arena, .opts = o },
		  *cg = &cgs;
	cg->ringbuf_fd = rt->ringbuf_fd;
	cg->globals_fd = rt->globals_fd;
	int rc = -1;
	if (cg_init(cg) == 0 && build_module(cg) == 0)
		rc = o->ir_only ? 0 : emit_object(cg, obj, objlen);
	if (cg->failed && cg->llvm_error && rc < 0 && !cg->diag->errors)
		diag_plain(cg->diag, "LLVM: %s", cg->llvm_error);
	cg_dispose(cg);
	return rc;
}
