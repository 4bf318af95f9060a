/* stack.c - stack builtins: kstack and ustack as variables, and
 * kstack(mode), kstack(limit), kstack(mode, limit) (ustack alike), with
 * mode one of bpftrace, perf, raw.
 *
 * The value is bpf_get_stackid's id (stacks.h: the frames stay in a stack
 * trace map, one per frame limit, printed by runtime/stacks.c); a user
 * stack also carries the pid, and a pid's first user stack sends
 * EV_PID_SEEN so that the runtime reads its mappings while it lives. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include "sema/builtin.h"
#include "sema/sema.h"
#include "codegen/cg.h"
#include "sys/btf.h"
#include "abi/event_abi.h"
#include "runtime/stacks.h"

#define MAX_LIMIT 1024   /* bpftrace's MAX_STACK_SIZE */

static const char *const mode_names[] = { "bpftrace", "perf", "raw" };

static bool is_user(const struct node *n)
{
	return n->str[0] == 'u';
}

static int mode_of(const struct node *a)
{
	if (a->kind != N_IDENT)
		return -1;
	for (int i = 0; i < 3; i++)
		if (!strcmp(a->str, mode_names[i]))
			return i;
	return -1;
}

static int check_stack(struct sema *s, struct node *n)
{
	/* the default: BPFTRACE_STACK_MODE or config stack_mode, else bpftrace */
	int mode = sema_program(s)->set.stack_mode >= 0 ? sema_program(s)->set.stack_mode : STACK_BPFTRACE;
	int64_t limit = STACK_DEFAULT_LIMIT;
	int na = n->kind == N_CALL ? n->list.n : 0;
	if (na == 2 && (mode = mode_of(n->list.v[0])) < 0) {
		sema_error(s, n->list.v[0]->loc, "%s() expects a stack mode (bpftrace, perf or raw) as first argument",
			   n->str);
		return -1;
	}
	if (na == 1 && mode_of(n->list.v[0]) >= 0) {
		mode = mode_of(n->list.v[0]);
	} else if (na >= 1) {
		struct node *a = n->list.v[na - 1];
		if (a->kind != N_INT) {
			sema_error(s, a->loc, na == 1 ? "%s() expects a stack mode (bpftrace, perf or raw) or an integer literal limit"
						  : "%s() expects an integer literal limit as second argument", n->str);
			return -1;
		}
		limit = a->ival;
	}
	if (limit > MAX_LIMIT) {
		sema_error(s, n->loc, "%s([int limit]): limit shouldn't exceed %d, %lld given", n->str, MAX_LIMIT,
			   (long long)limit);
		return -1;
	}
	if (limit < 1) {
		sema_error(s, n->loc, "%s([int limit]): limit must be at least 1, %lld given", n->str, (long long)limit);
		return -1;
	}
	/* the kernel records at most kernel.perf_event_max_stack frames */
	if (limit > stack_max_depth())
		limit = stack_max_depth();
	n->type = stack_type(sema_arena(s), is_user(n), (enum stack_mode)mode, (int)limit);
	return 0;
}

/* Sends EV_PID_SEEN the first time the current process records a user
 * address (ustack, usym), and again after it execs: the set is keyed by
 * the pid and the task's mm (read through BTF's task_struct layout; 0
 * without BTF). Shared with symbols.c. */
void stack_note_pid(struct cg *cg, LLVMValueRef pid);
void stack_note_pid(struct cg *cg, LLVMValueRef pid)
{
	int fd = stack_pid_map_fd(cg->rt, 65536);
	if (fd < 0) {
		cg_error(cg, NULL, "cannot create the user symbol pid map: %s", strerror(errno));
		return;
	}
	LLVMValueRef key = cg_alloca(cg, 16, "pidkey");
	LLVMValueRef one = cg_alloca(cg, 8, "one");
	cg_memset0(cg, key, 16);
	cg_store_i64(cg, key, pid);
	int mm_off = btf_member_offset("task_struct", "mm");
	if (mm_off >= 0) {
		LLVMValueRef task = cg_helper(cg, BPF_FUNC_get_current_task, cg->i64, NULL, 0);
		LLVMValueRef src = LLVMBuildAdd(cg->b, task, cg_i64(cg, mm_off), "");
		cg_probe_read(cg, cg_gep(cg, key, 8), 8, LLVMBuildIntToPtr(cg->b, src, cg->ptr, ""), AS_KERNEL);
	}
	LLVMBuildStore(cg->b, LLVMConstInt(cg->i8, 1, 0), one);
	/* BPF_NOEXIST: only the first insert of a key succeeds */
	LLVMValueRef r = cg_map_update(cg, fd, key, one, BPF_NOEXIST);
	LLVMBasicBlockRef first = cg_block(cg, "pid_new"), done = cg_block(cg, "pid_known");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, r, cg_i64(cg, 0), ""), first, done);
	LLVMPositionBuilderAtEnd(cg->b, first);
	/* this may run while an enclosing event (printf) is being built */
	LLVMBasicBlockRef outer = cg->ev_cont;
	LLVMValueRef rec;
	LLVMValueRef pl = cg_event_begin(cg, EV_PID_SEEN, 0, 8, &rec);
	cg_store_i64(cg, pl, pid);
	cg_event_submit(cg, rec);
	cg->ev_cont = outer;
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

static LLVMValueRef emit_stack(struct cg *cg, struct node *n)
{
	bool user = n->type->kind == TY_USTACK;
	int limit = n->type->nelem;
	int max = cg->prog->set.stack_keys_max > 0 ? cg->prog->set.stack_keys_max : STACK_KEYS_DEFAULT;
	uint64_t need, avail;
	if (stack_map_too_big(cg->rt, limit, max, &need, &avail)) {
		cg_error(cg, n, "the stack trace map for %d frames and %d stacks needs about %llu MB of kernel "
			 "memory, more than half the %llu MB available (lower BPFTRACE_MAX_STACK_KEYS or config "
			 "max_stack_keys)", limit, max, (unsigned long long)(need >> 20),
			 (unsigned long long)(avail >> 20));
		return cg_i64(cg, 0);
	}
	int fd = stack_map_fd(cg->rt, limit, max);
	if (fd < 0) {
		cg_error(cg, n, "cannot create the stack trace map for %d frames and %d stacks: %s (lower "
			 "BPFTRACE_MAX_STACK_KEYS or config max_stack_keys)", limit, max, strerror(errno));
		return cg_i64(cg, 0);
	}
	LLVMValueRef args[] = { cg->ctxarg, cg_map_fd(cg, fd), cg_i64(cg, user ? BPF_F_USER_STACK : 0) };
	LLVMValueRef id = cg_helper(cg, BPF_FUNC_get_stackid, cg->i64, args, 3);
	/* a failed capture (other than -EFAULT: no stack of that kind here) is
	 * counted for the report at exit; the value keeps the error */
	LLVMValueRef failed = LLVMBuildAnd(cg->b, LLVMBuildICmp(cg->b, LLVMIntSLT, id, cg_i64(cg, 0), ""),
					   LLVMBuildICmp(cg->b, LLVMIntNE, id, cg_i64(cg, -EFAULT), ""), "");
	LLVMBasicBlockRef lost = cg_block(cg, "stack_lost"), got = cg_block(cg, "stack_done");
	LLVMBuildCondBr(cg->b, failed, lost, got);
	LLVMPositionBuilderAtEnd(cg->b, lost);
	cg_global_add(cg, G_STACK_LOST, cg_i64(cg, 1));
	cg_global_set(cg, G_STACK_ERR, LLVMBuildNeg(cg->b, id, ""));
	LLVMBuildBr(cg->b, got);
	LLVMPositionBuilderAtEnd(cg->b, got);
	LLVMValueRef v = LLVMBuildAnd(cg->b, id, cg_i64(cg, 0xffffffff), "stackid");
	if (!user)
		return v;
	LLVMValueRef pid = LLVMBuildLShr(cg->b, cg_helper(cg, BPF_FUNC_get_current_pid_tgid, cg->i64, NULL, 0),
					 cg_i64(cg, 32), "pid");
	stack_note_pid(cg, pid);
	return LLVMBuildOr(cg->b, v, LLVMBuildShl(cg->b, pid, cg_i64(cg, 32), ""), "ustack");
}

const struct builtin builtins_stack[] = {
	{ .name = "kstack", .kind = B_VAR, .check = check_stack, .emit = emit_stack },
	{ .name = "ustack", .kind = B_VAR, .check = check_stack, .emit = emit_stack },
	{ .name = "kstack", .kind = B_FUNC, .min_args = 0, .max_args = 2, .check = check_stack, .emit = emit_stack },
	{ .name = "ustack", .kind = B_FUNC, .min_args = 0, .max_args = 2, .check = check_stack, .emit = emit_stack },
	{ .name = NULL },
};
