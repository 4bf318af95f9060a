/* task.c - helpers about the current task, process and machine (latest
 * bpftrace's stdlib, which has most of them as macros in base.bt):
 *
 *   pid([curr_ns|init]), tid([curr_ns|init]), nsecs([boot|monotonic|tai|sw_tai]),
 *   comm([pid]): the call forms of the variables, without an argument the
 *   variable itself (vars.c); comm(pid) through the kfuncs
 *   bpf_task_from_pid / bpf_task_release;
 *   ppid, pcomm, leader_tid, leader_comm ([task]): members of the task's
 *   real_parent / group_leader, typed as sema would type `task->f->g`;
 *   numaid, ncpus, jiffies, has_cpid, probetype, usermode, username;
 *   signal_name(n), syscall_name(n): strerror(3)-like tables turned into a
 *   string[64] in BPF (a switch storing immediates: no .rodata);
 *   socket_cookie(sk): bpf_get_socket_cookie on a BTF `struct sock *`
 *   (fentry, fexit, iter: where the kernel hands out such pointers);
 *   percpu_kaddr(name[, cpu]): a BTF ksym load, then bpf_this_cpu_ptr /
 *   bpf_per_cpu_ptr.
 *
 * Kfunc calls and ksym loads are raw instructions in inline asm: LLVM's BPF
 * backend has no other way to emit them without relocations the loader
 * would have to resolve.
 *
 * Constants of this run (the TAI offset of sw_tai, the PID namespace of
 * curr_ns) are baked into the code: such programs skip the object cache
 * (program.no_cache). */
#include <linux/bpf.h>
#include <llvm-c/Target.h>
#include <stdio.h>
#include <string.h>
#include <linux/btf.h>
#include <sys/stat.h>
#include <time.h>
#include "sema/builtin.h"
#include "sema/sema.h"
#include "codegen/cg.h"
#include "probes/kernel.h"
#include "sys/btf.h"
#include "sys/ksyms.h"
#include "util/arch.h"

#define NAME_STR 64            /* signal_name / syscall_name: string[64] */
#define PROBETYPE_STR 16       /* the longest probe type name, NUL included */
#define PROC_PID_INIT_INO 0xEFFFFFFCU

static void store_text(struct cg *cg, LLVMValueRef dst, const char *str, int size, bool zeroed);

/* The variable a call without arguments stands for (pid() is pid). */
static const struct builtin *var_of(const struct node *n)
{
	return builtin_find(n->str, B_VAR);
}

static int check_var_form(struct sema *s, struct node *n)
{
	n->sem_id = 0;
	return var_of(n)->check(s, n);
}

/* ---- pid([curr_ns|init]), tid(...) ----------------------------------- */

enum { NS_VAR, NS_INIT, NS_CURR };

/* An identifier argument among `names` (NULL-terminated): its index + 1;
 * -1 after an error naming `what` and the `expected` ones. */
static int mode_arg(struct sema *s, struct node *n, const char *const *names, const char *what,
		    const char *expected)
{
	struct node *a = n->list.v[0];
	if (a->kind == N_IDENT)
		for (int i = 0; names[i]; i++)
			if (!strcmp(a->str, names[i]))
				return i + 1;
	sema_error(s, a->loc, "Invalid %s argument for %s(): expected %s", what, n->str, expected);
	return -1;
}

static int check_pid_tid(struct sema *s, struct node *n)
{
	static const char *const modes[] = { "init", "curr_ns", NULL };
	if (n->list.n == 0)
		return check_var_form(s, n);
	int m = mode_arg(s, n, modes, "PID namespace", "curr_ns or init");
	if (m < 0)
		return -1;
	n->sem_id = m;
	if (m == NS_CURR)
		sema_program(s)->no_cache = true;   /* the namespace's inode is baked in */
	n->type = type_int(8, false);
	return 0;
}

static LLVMValueRef emit_pid_tid(struct cg *cg, struct node *n)
{
	bool is_pid = n->str[0] == 'p';
	if (n->sem_id == NS_VAR)
		return var_of(n)->emit(cg, n);
	struct stat st;
	if (n->sem_id == NS_INIT || stat("/proc/self/ns/pid", &st) != 0 || st.st_ino == PROC_PID_INIT_INO) {
		LLVMValueRef v = cg_helper(cg, BPF_FUNC_get_current_pid_tgid, cg->i64, NULL, 0);
		return is_pid ? LLVMBuildLShr(cg->b, v, cg_i64(cg, 32), "pid")
			      : LLVMBuildAnd(cg->b, v, cg_i64(cg, 0xffffffff), "tid");
	}
	/* struct bpf_pidns_info { u32 pid (the thread); u32 tgid (the process); } */
	LLVMValueRef info = cg_alloca_stack(cg, 8, "pidns");
	cg_store_i64(cg, info, cg_i64(cg, 0));
	LLVMValueRef args[] = { cg_i64(cg, (int64_t)st.st_dev), cg_i64(cg, (int64_t)st.st_ino), info,
				cg_i64(cg, 8) };
	cg_helper(cg, BPF_FUNC_get_ns_current_pid_tgid, cg->i64, args, 4);
	return cg_load_int(cg, cg_gep(cg, info, is_pid ? 4 : 0), 4, false);
}

/* ---- nsecs([boot|monotonic|tai|sw_tai]) ------------------------------- */

enum { CLK_VAR, CLK_BOOT, CLK_MONO, CLK_TAI, CLK_SW_TAI };

static int check_nsecs(struct sema *s, struct node *n)
{
	static const char *const clocks[] = { "boot", "monotonic", "tai", "sw_tai", NULL };
	if (n->list.n == 0)
		return check_var_form(s, n);
	int c = mode_arg(s, n, clocks, "clock", "one of boot, monotonic, tai, sw_tai");
	if (c < 0)
		return -1;
	n->sem_id = c;
	if (c == CLK_SW_TAI)
		sema_program(s)->no_cache = true;   /* the TAI offset is baked in */
	n->type = type_int(8, false);
	return 0;
}

static int64_t ts_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CLOCK_TAI - CLOCK_MONOTONIC, read between two monotonic reads. */
static int64_t tai_offset(void)
{
	int64_t best = 0, width = INT64_MAX;
	for (int i = 0; i < 3; i++) {
		int64_t m1 = ts_ns(CLOCK_MONOTONIC), t = ts_ns(CLOCK_TAI), m2 = ts_ns(CLOCK_MONOTONIC);
		if (m2 - m1 < width) {
			width = m2 - m1;
			best = t - (m1 + (m2 - m1) / 2);
		}
	}
	return best;
}

static LLVMValueRef emit_nsecs(struct cg *cg, struct node *n)
{
	switch (n->sem_id) {
	case CLK_BOOT: return cg_helper(cg, BPF_FUNC_ktime_get_boot_ns, cg->i64, NULL, 0);
	case CLK_MONO: return cg_helper(cg, BPF_FUNC_ktime_get_ns, cg->i64, NULL, 0);
	case CLK_TAI: return cg_helper(cg, BPF_FUNC_ktime_get_tai_ns, cg->i64, NULL, 0);
	case CLK_SW_TAI:
		return LLVMBuildAdd(cg->b, cg_helper(cg, BPF_FUNC_ktime_get_ns, cg->i64, NULL, 0),
				    cg_i64(cg, tai_offset()), "sw_tai");
	default: return var_of(n)->emit(cg, n);
	}
}

/* ---- comm([pid]) ------------------------------------------------------- */

/* Where the kernel lets programs call bpf_task_from_pid: not kprobe, uprobe
 * or raw tracepoint programs, nor BEGIN and END. Sema asks for the probe's
 * first attach point, codegen again for each program (a probe may list
 * several probe types). */
static bool task_kfuncs_allowed(const struct probe_type *pt)
{
	return pt->prog_type == BPF_PROG_TYPE_TRACEPOINT || pt->prog_type == BPF_PROG_TYPE_PERF_EVENT ||
	       pt->prog_type == BPF_PROG_TYPE_TRACING;
}

/* comm(pid): the kfuncs bpf_task_from_pid / bpf_task_release (BTF ids kept
 * in the node: sem_id and ival) and task_struct.comm's offset (n->b's ival).
 * Latest bpftrace's string[64]: the 16 bytes of comm, "N/A" when there is no
 * such process. */
static int check_comm(struct sema *s, struct node *n)
{
	if (n->list.n == 0)
		return check_var_form(s, n);
	struct type *t = sema_expr(s, n->list.v[0]);
	if (!t)
		return -1;
	if (!type_is_int(t)) {
		sema_error(s, n->loc, "Only integer supported for comm()'s pid");
		return -1;
	}
	struct attach_point *ap = sema_ap(s);
	if (!ap || !task_kfuncs_allowed(ap->pt)) {
		sema_error(s, n->loc, "comm(pid) can not be used with \"%s\" probes", ap ? ap->pt->name : "?");
		return -1;
	}
	int proto, from = btf_find_func("bpf_task_from_pid", &proto), rel = btf_find_func("bpf_task_release", &proto);
	int off = btf_member_offset("task_struct", "comm");
	if (from < 0 || rel < 0 || off < 0) {
		sema_error(s, n->loc, "comm(pid) needs the kfuncs bpf_task_from_pid and bpf_task_release, which this kernel lacks");
		return -1;
	}
	n->sem_id = from;
	n->ival = ((int64_t)rel << 32) | (uint32_t)off;
	n->type = type_str(sema_arena(s), NAME_STR);
	return 0;
}

/* A call of kernel function `btf_id` (vmlinux) with one argument: the raw
 * instruction (BPF_CALL, src_reg BPF_PSEUDO_KFUNC_CALL), which LLVM's BPF
 * backend has no other way to emit. */
static LLVMValueRef kfunc1(struct cg *cg, int btf_id, LLVMValueRef arg)
{
	char text[64];
	LLVMInitializeBPFAsmParser();   /* inline asm is parsed when the object is emitted */
	uint64_t insn = 0x85 | (uint64_t)(BPF_PSEUDO_KFUNC_CALL << 4) << 8 | (uint64_t)(uint32_t)btf_id << 32;
	snprintf(text, sizeof(text), ".quad 0x%016llx", (unsigned long long)insn);
	static const char cons[] = "={r0},{r1},~{r1},~{r2},~{r3},~{r4},~{r5},~{memory}";
	LLVMTypeRef ft = LLVMFunctionType(cg->i64, &cg->i64, 1, 0);
	LLVMValueRef asm_ = LLVMGetInlineAsm(ft, text, strlen(text), (char *)cons, strlen(cons), 1, 0,
					     LLVMInlineAsmDialectATT, 0);
	return LLVMBuildCall2(cg->b, ft, asm_, &arg, 1, "");
}

static void emit_comm(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	if (n->list.n == 0) {
		var_of(n)->emit_into(cg, n, dst);
		return;
	}
	const struct probe_type *pt = cg->unit->aps[0]->pt;
	if (!task_kfuncs_allowed(pt)) {
		cg_error(cg, n, "comm(pid) can not be used with \"%s\" probes", pt->name);
		return;
	}
	struct node *a = n->list.v[0];
	LLVMValueRef pid = cg_conv(cg, cg_expr(cg, a), a->type, type_int(4, true));
	cg_memset0(cg, dst, NAME_STR);
	LLVMValueRef task = kfunc1(cg, n->sem_id, pid);
	LLVMBasicBlockRef found = cg_block(cg, "comm_task"), none = cg_block(cg, "comm_none"),
			  done = cg_block(cg, "comm_done");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, task, cg_i64(cg, 0), ""), found, none);
	LLVMPositionBuilderAtEnd(cg->b, found);
	LLVMValueRef src = LLVMBuildAdd(cg->b, task, cg_i64(cg, n->ival & 0xffffffff), "");
	cg_probe_read(cg, dst, 16, LLVMBuildIntToPtr(cg->b, src, cg->ptr, ""), AS_KERNEL);
	kfunc1(cg, (int)(n->ival >> 32), task);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, none);
	store_text(cg, dst, "N/A", NAME_STR, true);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

/* ---- ppid, pcomm, leader_tid, leader_comm ([task]) --------------------- */

/* `task->link->member` built as the parser would, in n->a, and typed. */
static struct type *task_member(struct sema *s, struct node *n, const char *link, const char *member)
{
	struct arena *a = sema_arena(s);
	struct node *task = n->list.n ? n->list.v[0] : NULL;
	if (!task) {
		task = node_new(a, N_IDENT, n->loc);
		task->str = "curtask";
	}
	struct node *l = node_new(a, N_FIELD, task->loc);
	l->op = OP_ARROW;
	l->a = task;
	l->str = link;
	struct node *m = node_new(a, N_FIELD, task->loc);
	m->op = OP_ARROW;
	m->a = l;
	m->str = member;
	n->a = m;
	return sema_expr(s, m);
}

static int check_task_int(struct sema *s, struct node *n)
{
	bool leader = !strncmp(n->str, "leader", 6);
	struct type *t = task_member(s, n, leader ? "group_leader" : "real_parent", "pid");
	if (!t)
		return -1;
	n->type = t;
	return 0;
}

static int check_task_comm(struct sema *s, struct node *n)
{
	bool leader = !strncmp(n->str, "leader", 6);
	struct type *t = task_member(s, n, leader ? "group_leader" : "real_parent", "comm");
	if (!t)
		return -1;
	n->type = type_str(sema_arena(s), t->size);
	return 0;
}

static LLVMValueRef emit_member(struct cg *cg, struct node *n)
{
	return cg_expr(cg, n->a);
}

static void emit_member_into(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	cg_expr_into(cg, n->a, dst);
}

/* ---- numaid, ncpus, jiffies, has_cpid ---------------------------------- */

static int check_u32(struct sema *s, struct node *n)
{
	(void)s;
	n->type = type_int(4, false);
	return 0;
}

static int check_u64(struct sema *s, struct node *n)
{
	(void)s;
	n->type = type_int(8, false);
	return 0;
}

static LLVMValueRef emit_numaid(struct cg *cg, struct node *n)
{
	(void)n;
	LLVMValueRef v = cg_helper(cg, BPF_FUNC_get_numa_node_id, cg->i64, NULL, 0);
	return LLVMBuildAnd(cg->b, v, cg_i64(cg, 0xffffffff), "numaid");
}

/* The possible CPUs (the count per-CPU maps have; part of the object
 * cache's key). */
static LLVMValueRef emit_ncpus(struct cg *cg, struct node *n)
{
	(void)n;
	return cg_i64(cg, cg->rt->ncpus > 0 ? cg->rt->ncpus : 1);
}

static LLVMValueRef emit_jiffies(struct cg *cg, struct node *n)
{
	(void)n;
	return cg_helper(cg, BPF_FUNC_jiffies64, cg->i64, NULL, 0);
}

static int check_has_cpid(struct sema *s, struct node *n)
{
	n->ival = sema_program(s)->set.has_cmd;
	n->type = type_bool();
	return 0;
}

/* ---- probetype, usermode, username ------------------------------------- */

static int check_probetype(struct sema *s, struct node *n)
{
	n->type = type_str(sema_arena(s), PROBETYPE_STR);
	return 0;
}

/* Stores the string `str` (and zeroes) into the size bytes at dst, 8 bytes at
 * a time; volatile, so that LLVM keeps immediates rather than making a
 * table in .rodata (which the loader does not have). */
static void store_text(struct cg *cg, LLVMValueRef dst, const char *str, int size, bool zeroed)
{
	int len = (int)strlen(str);
	for (int off = 0; off < size; off += 8) {
		uint64_t w = 0;
		for (int i = 0; i < 8 && off + i < len; i++)
			w |= (uint64_t)(unsigned char)str[off + i] << (8 * i);
		if (!w && zeroed)
			continue;
		LLVMValueRef st = LLVMBuildStore(cg->b, cg_i64(cg, (int64_t)w), cg_gep(cg, dst, off));
		LLVMSetVolatile(st, 1);
		LLVMSetAlignment(st, 8);
		if (off + 8 >= len + 1 && zeroed)
			break;
	}
}

/* Begin and end probes are of type "special" (latest bpftrace). */
static void emit_probetype(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	(void)n;
	const struct probe_type *pt = cg->unit->aps[0]->pt;
	const char *name = pt->special != PS_NONE ? "special" : pt->name;
	store_text(cg, dst, name, PROBETYPE_STR, false);
}

/* Where the probe has the interrupted registers (its context starts with
 * struct pt_regs: kprobe, uprobe, usdt; perf events such as profile and
 * interval: bpf_perf_event_data), from the saved cs. BEGIN and END run
 * from bpfscript itself: 1 (latest bpftrace folds them so). Other probes
 * fire inside the kernel: 0. */
static int check_usermode(struct sema *s, struct node *n)
{
	n->type = type_int(1, false);
	return 0;
}

/* Decided per program unit (one probe type each), as a probe may list
 * attach points of several types. From struct pt_regs (util/arch.h): on
 * x86-64 (cs & 3) == 3, on arm64 (pstate & PSR_MODE_MASK) == PSR_MODE_EL0t. */
static LLVMValueRef emit_usermode(struct cg *cg, struct node *n)
{
	(void)n;
	const struct probe_type *pt = cg->unit->aps[0]->pt;
	if (pt->prog_type != BPF_PROG_TYPE_KPROBE && pt->prog_type != BPF_PROG_TYPE_PERF_EVENT)
		return cg_i64(cg, pt->special != PS_NONE);
	const struct arch_regs *r = &arch_host()->regs;
	LLVMValueRef w = cg_load_int(cg, cg_gep(cg, cg->ctxarg, r->user), 8, false);
	LLVMValueRef user = LLVMBuildICmp(cg->b, LLVMIntEQ, LLVMBuildAnd(cg->b, w, cg_i64(cg, (int64_t)r->user_mask), ""),
					  cg_i64(cg, (int64_t)r->user_value), "usermode");
	return LLVMBuildZExt(cg->b, user, cg->i64, "");
}

/* The uid, printed as its user name (runtime/value.c). */
static int check_username(struct sema *s, struct node *n)
{
	n->type = type_simple(sema_arena(s), TY_USERNAME, 8);
	return 0;
}

static LLVMValueRef emit_username(struct cg *cg, struct node *n)
{
	(void)n;
	LLVMValueRef v = cg_helper(cg, BPF_FUNC_get_current_uid_gid, cg->i64, NULL, 0);
	return LLVMBuildAnd(cg->b, v, cg_i64(cg, 0xffffffff), "uid");
}

/* ---- signal_name(n), syscall_name(n) ----------------------------------- */

/* signal_names; the system call names are the architecture's (util/arch.h) */
#include "builtins/task_names.h"

static int check_name_of(struct sema *s, struct node *n)
{
	struct type *t = sema_expr(s, n->list.v[0]);
	if (!t)
		return -1;
	if (!type_is_int(t)) {
		sema_error(s, n->list.v[0]->loc, "%s() expects an integer (%s provided)", n->str,
			   type_name(sema_arena(s), t));
		return -1;
	}
	n->type = type_str(sema_arena(s), NAME_STR);
	return 0;
}

/* dst = names[v] (as int32), or `unknown`: a switch over the named entries. */
static void emit_table(struct cg *cg, struct node *n, LLVMValueRef dst, const char *const *names, int count,
		       const char *unknown)
{
	struct node *a = n->list.v[0];
	LLVMValueRef v = cg_conv(cg, cg_expr(cg, a), a->type, type_int(4, true));
	v = LLVMBuildTrunc(cg->b, v, cg->i32, "");
	cg_memset0(cg, dst, NAME_STR);
	LLVMBasicBlockRef done = cg_block(cg, "name_done"), other = cg_block(cg, "name_unknown");
	int ncases = 0;
	for (int i = 0; i < count; i++)
		ncases += names[i] != NULL;
	LLVMValueRef sw = LLVMBuildSwitch(cg->b, v, other, (unsigned)ncases);
	for (int i = 0; i < count; i++) {
		if (!names[i])
			continue;
		LLVMBasicBlockRef bb = cg_block(cg, "name");
		LLVMAddCase(sw, LLVMConstInt(cg->i32, (unsigned long long)i, 0), bb);
		LLVMPositionBuilderAtEnd(cg->b, bb);
		store_text(cg, dst, names[i], NAME_STR, true);
		LLVMBuildBr(cg->b, done);
	}
	LLVMPositionBuilderAtEnd(cg->b, other);
	store_text(cg, dst, unknown, NAME_STR, true);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

static void emit_signal_name(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	emit_table(cg, n, dst, signal_names, (int)(sizeof(signal_names) / sizeof(signal_names[0])), "N/A");
}

static void emit_syscall_name(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	const struct arch *arch = arch_host();
	emit_table(cg, n, dst, arch->syscalls, arch->nsyscalls, "Unknown syscall");
}

/* ---- percpu_kaddr(name[, cpu]) ------------------------------------------ */

/* The per-CPU kernel variable `name` (a VAR of vmlinux BTF: n->sem_id), on
 * this CPU (bpf_this_cpu_ptr) or on CPU `cpu` (bpf_per_cpu_ptr: NULL past
 * the last CPU). */
static int check_percpu_kaddr(struct sema *s, struct node *n)
{
	struct node *a = n->list.v[0];
	if (a->kind != N_STR) {
		sema_error(s, a->loc, "%s() expects a string literal (the symbol's name)", n->str);
		return -1;
	}
	a->type = type_str(sema_arena(s), (int)a->ival + 1);
	int id = btf_find(a->str, BTF_KIND_VAR);
	if (id < 0) {
		sema_error(s, n->loc, "Could not resolve variable \"%s\" from BTF", a->str);
		return -1;
	}
	/* the kernel finds the variable's address through kallsyms */
	if (ksyms_load() >= 0 && ksyms_have_addrs() && !ksyms_find(a->str)) {
		sema_error(s, n->loc, "Could not resolve the address of variable \"%s\": it is not in /proc/kallsyms",
			   a->str);
		if (sema_is_final(s) && kconfig("KALLSYMS_ALL") == 0)
			diag_hint(sema_diag(s), "this kernel's /proc/kallsyms lists functions only (CONFIG_KALLSYMS_ALL is not set): BPF cannot reach its variables");
		return -1;
	}
	if (n->list.n == 2) {
		struct type *t = sema_expr(s, n->list.v[1]);
		if (!t)
			return -1;
		if (!type_is_int(t)) {
			sema_error(s, n->list.v[1]->loc, "percpu_kaddr() expects an integer CPU (%s provided)",
				   type_name(sema_arena(s), t));
			return -1;
		}
	}
	n->sem_id = id;
	n->type = type_ptr(sema_arena(s), type_int(8, false), AS_KERNEL);
	return 0;
}

/* ld_imm64 r0 with the kernel variable (BPF_PSEUDO_BTF_ID, vmlinux): raw
 * instructions, which LLVM's BPF backend has no other way to emit. */
static LLVMValueRef ksym_var(struct cg *cg, int btf_id)
{
	char text[96];
	LLVMInitializeBPFAsmParser();
	uint64_t insn = 0x18 | (uint64_t)(BPF_PSEUDO_BTF_ID << 4) << 8 | (uint64_t)(uint32_t)btf_id << 32;
	snprintf(text, sizeof(text), ".quad 0x%016llx\n.quad 0", (unsigned long long)insn);
	static const char cons[] = "={r0}";
	LLVMTypeRef ft = LLVMFunctionType(cg->i64, NULL, 0, 0);
	LLVMValueRef asm_ = LLVMGetInlineAsm(ft, text, strlen(text), (char *)cons, strlen(cons), 1, 0,
					     LLVMInlineAsmDialectATT, 0);
	return LLVMBuildCall2(cg->b, ft, asm_, NULL, 0, "");
}

static LLVMValueRef emit_percpu_kaddr(struct cg *cg, struct node *n)
{
	LLVMValueRef var = LLVMBuildIntToPtr(cg->b, ksym_var(cg, n->sem_id), cg->ptr, "");
	if (n->list.n == 1) {
		LLVMValueRef args[] = { var };
		return cg_helper(cg, BPF_FUNC_this_cpu_ptr, cg->i64, args, 1);
	}
	struct node *c = n->list.v[1];
	LLVMValueRef cpu = cg_conv(cg, cg_expr(cg, c), c->type, type_int(4, false));
	LLVMValueRef args[] = { var, cpu };
	return cg_helper(cg, BPF_FUNC_per_cpu_ptr, cg->i64, args, 2);
}

/* ---- socket_cookie(sk) ------------------------------------------------- */

/* bpf_get_socket_cookie takes, in tracing programs (fentry, fexit, iter), a
 * pointer the verifier knows as a BTF socket (NULL gives 0). */
static int check_socket_cookie(struct sema *s, struct node *n)
{
	struct attach_point *ap = sema_ap(s);
	struct type *t = sema_expr(s, n->list.v[0]);
	if (!t)
		return -1;
	if (t->kind != TY_PTR || !t->elem || !t->elem->name || strcmp(t->elem->name, "struct sock")) {
		/* latest bpftrace's wording: "(int provided)", "('struct Foo1 *' provided)" */
		if (type_is_int(t))
			sema_error(s, n->loc, "socket_cookie() only supports 'struct sock *' as the argument (int provided)");
		else
			sema_error(s, n->loc, "socket_cookie() only supports 'struct sock *' as the argument ('%s' provided)",
				   type_name(sema_arena(s), t));
		return -1;
	}
	if (!ap || ap->pt->prog_type != BPF_PROG_TYPE_TRACING) {
		sema_error(s, n->loc, "socket_cookie can not be used with \"%s\" probes", ap ? ap->pt->name : "?");
		return -1;
	}
	n->type = type_int(8, false);
	return 0;
}

/* The socket pointer as the verifier must see it: a member of the context
 * (iter's ctx->sk_common) loaded straight from the context, not through
 * bpf_probe_read (which would make it a plain number). */
static LLVMValueRef sock_arg(struct cg *cg, struct node *a)
{
	while (a->kind == N_CAST && a->a)
		a = a->a;
	if (a->kind == N_FIELD && a->a->kind == N_IDENT && a->a->sem_id == SEM_CTX && a->sem) {
		const struct type_field *f = a->sem;
		LLVMValueRef base = LLVMBuildIntToPtr(cg->b, cg_expr(cg, a->a), cg->ptr, "");
		return LLVMBuildLoad2(cg->b, cg->i64, cg_gep(cg, base, f->offset), "sk");
	}
	return cg_expr(cg, a);
}

static LLVMValueRef emit_socket_cookie(struct cg *cg, struct node *n)
{
	const struct probe_type *pt = cg->unit->aps[0]->pt;
	if (pt->prog_type != BPF_PROG_TYPE_TRACING) {   /* another type of the probe's */
		cg_error(cg, n, "socket_cookie can not be used with \"%s\" probes", pt->name);
		return cg_i64(cg, 0);
	}
	LLVMValueRef sk = LLVMBuildIntToPtr(cg->b, sock_arg(cg, n->list.v[0]), cg->ptr, "sk");
	LLVMValueRef args[] = { sk };
	return cg_helper(cg, BPF_FUNC_get_socket_cookie, cg->i64, args, 1);
}

const struct builtin builtins_task[] = {
	{ .name = "pid", .kind = B_FUNC, .min_args = 0, .max_args = 1, .either_form = true,
	  .check = check_pid_tid, .emit = emit_pid_tid },
	{ .name = "tid", .kind = B_FUNC, .min_args = 0, .max_args = 1, .either_form = true,
	  .check = check_pid_tid, .emit = emit_pid_tid },
	{ .name = "nsecs", .kind = B_FUNC, .min_args = 0, .max_args = 1, .either_form = true,
	  .check = check_nsecs, .emit = emit_nsecs },
	{ .name = "comm", .kind = B_FUNC, .min_args = 0, .max_args = 1, .either_form = true,
	  .check = check_comm, .emit_into = emit_comm },
	{ .name = "ppid", .kind = B_FUNC, .min_args = 0, .max_args = 1, .either_form = true,
	  .check = check_task_int, .emit = emit_member },
	{ .name = "leader_tid", .kind = B_FUNC, .min_args = 0, .max_args = 1, .either_form = true,
	  .check = check_task_int, .emit = emit_member },
	{ .name = "pcomm", .kind = B_FUNC, .min_args = 0, .max_args = 1, .either_form = true,
	  .check = check_task_comm, .emit_into = emit_member_into },
	{ .name = "leader_comm", .kind = B_FUNC, .min_args = 0, .max_args = 1, .either_form = true,
	  .check = check_task_comm, .emit_into = emit_member_into },
	{ .name = "numaid", .kind = B_VAR, .either_form = true, .check = check_u32, .emit = emit_numaid },
	{ .name = "ncpus", .kind = B_VAR, .either_form = true, .check = check_u64, .emit = emit_ncpus },
	{ .name = "jiffies", .kind = B_VAR, .either_form = true, .check = check_u64, .emit = emit_jiffies },
	{ .name = "has_cpid", .kind = B_VAR, .either_form = true, .check = check_has_cpid, .is_const = true },
	{ .name = "probetype", .kind = B_VAR, .either_form = true, .check = check_probetype,
	  .emit_into = emit_probetype },
	{ .name = "usermode", .kind = B_VAR, .either_form = true, .check = check_usermode, .emit = emit_usermode },
	{ .name = "username", .kind = B_VAR, .either_form = true, .check = check_username, .emit = emit_username },
	{ .name = "signal_name", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_name_of,
	  .emit_into = emit_signal_name },
	{ .name = "syscall_name", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_name_of,
	  .emit_into = emit_syscall_name },
	{ .name = "percpu_kaddr", .kind = B_FUNC, .min_args = 1, .max_args = 2, .check = check_percpu_kaddr,
	  .emit = emit_percpu_kaddr },
	{ .name = "socket_cookie", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_socket_cookie,
	  .emit = emit_socket_cookie },
	{ .name = NULL },
};
