/* vars.c - builtin variables: pid, tid, uid, gid, comm, nsecs, elapsed,
 * cpu, probe, cpid, rand, cgroup. */
#include <linux/bpf.h>
#include "sema/builtin.h"
#include "sema/sema.h"
#include "codegen/cg.h"

static int check_u64(struct sema *s, struct node *n)
{
	n->type = type_int(8, false);
	return 0;
}

static LLVMValueRef pid_tgid(struct cg *cg)
{
	return cg_helper(cg, BPF_FUNC_get_current_pid_tgid, cg->i64, NULL, 0);
}

static LLVMValueRef emit_pid(struct cg *cg, struct node *n)
{
	return LLVMBuildLShr(cg->b, pid_tgid(cg), cg_i64(cg, 32), "pid");
}

static LLVMValueRef emit_tid(struct cg *cg, struct node *n)
{
	return LLVMBuildAnd(cg->b, pid_tgid(cg), cg_i64(cg, 0xffffffff), "tid");
}

static LLVMValueRef emit_uid(struct cg *cg, struct node *n)
{
	LLVMValueRef v = cg_helper(cg, BPF_FUNC_get_current_uid_gid, cg->i64, NULL, 0);
	return LLVMBuildAnd(cg->b, v, cg_i64(cg, 0xffffffff), "uid");
}

static LLVMValueRef emit_gid(struct cg *cg, struct node *n)
{
	LLVMValueRef v = cg_helper(cg, BPF_FUNC_get_current_uid_gid, cg->i64, NULL, 0);
	return LLVMBuildLShr(cg->b, v, cg_i64(cg, 32), "gid");
}

static LLVMValueRef emit_nsecs(struct cg *cg, struct node *n)
{
	return cg_helper(cg, BPF_FUNC_ktime_get_boot_ns, cg->i64, NULL, 0);
}

static int check_elapsed(struct sema *s, struct node *n)
{
	sema_program(s)->uses_elapsed = true;
	return check_u64(s, n);
}

static LLVMValueRef emit_elapsed(struct cg *cg, struct node *n)
{
	LLVMValueRef now = cg_helper(cg, BPF_FUNC_ktime_get_boot_ns, cg->i64, NULL, 0);
	return LLVMBuildSub(cg->b, now, cg_global(cg, G_START_NS), "elapsed");
}

static LLVMValueRef emit_cpu(struct cg *cg, struct node *n)
{
	LLVMValueRef v = cg_helper(cg, BPF_FUNC_get_smp_processor_id, cg->i64, NULL, 0);
	return LLVMBuildAnd(cg->b, v, cg_i64(cg, 0xffffffff), "cpu");
}

static LLVMValueRef emit_rand(struct cg *cg, struct node *n)
{
	LLVMValueRef v = cg_helper(cg, BPF_FUNC_get_prandom_u32, cg->i64, NULL, 0);
	return LLVMBuildAnd(cg->b, v, cg_i64(cg, 0xffffffff), "rand");
}

static LLVMValueRef emit_cgroup(struct cg *cg, struct node *n)
{
	return cg_helper(cg, BPF_FUNC_get_current_cgroup_id, cg->i64, NULL, 0);
}

static int check_comm(struct sema *s, struct node *n)
{
	n->type = type_str(sema_arena(s), 16);
	return 0;
}

static void emit_comm(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	cg_memset0(cg, dst, 16);
	LLVMValueRef args[] = { dst, cg_i64(cg, 16) };
	cg_helper(cg, BPF_FUNC_get_current_comm, cg->i64, args, 2);
}

static int check_probe(struct sema *s, struct node *n)
{
	n->type = type_simple(sema_arena(s), TY_PROBE, 8);
	return 0;
}

/* A program serving one attach point knows its probe id; one serving
 * several reads it from the link's BPF cookie (set to the id at attach). */
static LLVMValueRef emit_probe(struct cg *cg, struct node *n)
{
	if (cg->ap)
		return cg_i64(cg, cg->ap->id);
	LLVMValueRef args[] = { cg->ctxarg };
	return cg_helper(cg, BPF_FUNC_get_attach_cookie, cg->i64, args, 1);
}

static int check_cpid(struct sema *s, struct node *n)
{
	if (!sema_program(s)->set.has_cmd) {
		sema_error(s, n->loc, "cpid cannot be used without child command");
		return -1;
	}
	sema_program(s)->uses_cpid = true;
	return check_u64(s, n);
}

static LLVMValueRef emit_cpid(struct cg *cg, struct node *n)
{
	return cg_global(cg, G_CPID);
}

/* true and false (latest bpftrace): bool constants. */
static int check_bool(struct sema *s, struct node *n)
{
	(void)s;
	n->type = type_bool();
	return 0;
}

static LLVMValueRef emit_bool(struct cg *cg, struct node *n)
{
	return cg_i64(cg, n->str[0] == 't');
}

const struct builtin builtins_vars[] = {
	{ .name = "true", .kind = B_VAR, .check = check_bool, .emit = emit_bool },
	{ .name = "false", .kind = B_VAR, .check = check_bool, .emit = emit_bool },
	{ .name = "pid", .kind = B_VAR, .either_form = true, .check = check_u64, .emit = emit_pid },
	{ .name = "tid", .kind = B_VAR, .either_form = true, .check = check_u64, .emit = emit_tid },
	{ .name = "uid", .kind = B_VAR, .either_form = true, .check = check_u64, .emit = emit_uid },
	{ .name = "gid", .kind = B_VAR, .either_form = true, .check = check_u64, .emit = emit_gid },
	{ .name = "nsecs", .kind = B_VAR, .either_form = true, .check = check_u64, .emit = emit_nsecs },
	{ .name = "elapsed", .kind = B_VAR, .either_form = true, .check = check_elapsed, .emit = emit_elapsed },
	{ .name = "cpu", .kind = B_VAR, .either_form = true, .check = check_u64, .emit = emit_cpu },
	{ .name = "rand", .kind = B_VAR, .either_form = true, .check = check_u64, .emit = emit_rand },
	{ .name = "cgroup", .kind = B_VAR, .either_form = true, .check = check_u64, .emit = emit_cgroup },
	{ .name = "comm", .kind = B_VAR, .either_form = true, .check = check_comm, .emit_into = emit_comm },
	{ .name = "probe", .kind = B_VAR, .either_form = true, .check = check_probe, .emit = emit_probe },
	{ .name = "cpid", .kind = B_VAR, .either_form = true, .check = check_cpid, .emit = emit_cpid },
	{ .name = NULL },
};
