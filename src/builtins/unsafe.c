/* unsafe.c - functions that act on the system: system(), signal() and
 * override(), which need --unsafe, and cat(). system() and cat() are
 * printf-like (output.h): the BPF side sends the formatted arguments as
 * an event (EV_SYSTEM, EV_CAT) and the runtime runs the command / prints
 * the file (run.c). signal() calls bpf_send_signal and override()
 * bpf_override_return in the probe itself. Messages are bpftrace's. */
#include <string.h>
#include <strings.h>
#include <linux/bpf.h>
#include "sema/builtin.h"
#include "sema/sema.h"
#include "codegen/cg.h"
#include "ast/probe.h"
#include "abi/event_abi.h"
#include "sys/bpfsys.h"
#include "builtins/output.h"

static bool unsafe_allowed(struct sema *s, struct node *n)
{
	if (sema_program(s)->set.unsafe)
		return true;
	sema_error(s, n->loc, "%s() is an unsafe function being used in safe mode", n->str);
	return false;
}

static int check_system(struct sema *s, struct node *n)
{
	n->type = type_void();
	if (!unsafe_allowed(s, n))
		return -1;
	return fmt_call_check(s, n);
}

static LLVMValueRef emit_system(struct cg *cg, struct node *n)
{
	return fmt_call_emit(cg, n, EV_SYSTEM);
}

static LLVMValueRef emit_cat(struct cg *cg, struct node *n)
{
	return fmt_call_emit(cg, n, EV_CAT);
}

/* Signal names signal() accepts, with or without "SIG", in any case. */
static const struct { const char *name; int num; } signals[] = {
	{ "HUP", 1 }, { "INT", 2 }, { "QUIT", 3 }, { "ILL", 4 }, { "TRAP", 5 }, { "ABRT", 6 },
	{ "IOT", 6 }, { "BUS", 7 }, { "FPE", 8 }, { "KILL", 9 }, { "USR1", 10 }, { "SEGV", 11 },
	{ "USR2", 12 }, { "PIPE", 13 }, { "ALRM", 14 }, { "TERM", 15 }, { "STKFLT", 16 },
	{ "CHLD", 17 }, { "CONT", 18 }, { "STOP", 19 }, { "TSTP", 20 }, { "TTIN", 21 },
	{ "TTOU", 22 }, { "URG", 23 }, { "XCPU", 24 }, { "XFSZ", 25 }, { "VTALRM", 26 },
	{ "PROF", 27 }, { "WINCH", 28 }, { "IO", 29 }, { "POLL", 29 }, { "PWR", 30 }, { "SYS", 31 },
};

static int signal_number(const char *name)
{
	if (!strncasecmp(name, "SIG", 3))
		name += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (!strcasecmp(signals[i].name, name))
			return signals[i].num;
	return -1;
}

/* Probe types whose programs run in the context of the task to signal. */
static bool signal_probe_ok(const char *type)
{
	static const char *const ok[] = { "kprobe", "kretprobe", "uprobe", "uretprobe", "usdt",
					   "tracepoint", "rawtracepoint", "profile", "fentry", "fexit",
					   "kfunc", "kretfunc", NULL };
	for (int i = 0; ok[i]; i++)
		if (!strcmp(ok[i], type))
			return true;
	return false;
}

/* signal(sig): sig is a signal name literal ("KILL", "SIGUSR1"), an
 * integer literal in [1,64], or an integer expression checked by the
 * kernel. n->sem_id is the signal number, or 0 for an expression. */
static int check_signal(struct sema *s, struct node *n)
{
	n->type = type_void();
	if (!unsafe_allowed(s, n))
		return -1;
	struct attach_point *ap = sema_ap(s);
	if (ap && !signal_probe_ok(ap->pt->name)) {
		sema_error(s, n->loc, "signal can not be used with \"%s\" probes", ap->pt->name);
		return -1;
	}
	struct node *a = n->list.v[0];
	n->sem_id = 0;
	if (a->kind == N_STR) {
		int sig = signal_number(a->str);
		if (sig < 0) {
			sema_error(s, n->loc, "%s is not a valid signal", a->str);
			return -1;
		}
		n->sem_id = sig;
		return 0;
	}
	struct node *lit = a->kind == N_UNOP && a->op == OP_NEG && a->a && a->a->kind == N_INT ? a->a : a;
	if (lit->kind == N_INT) {
		long long v = lit == a ? (long long)a->ival : -(long long)lit->ival;
		if (v < 1 || v > 64) {
			sema_error(s, n->loc, "%lld is not a valid signal, allowed range: [1,64]", v);
			return -1;
		}
		n->sem_id = (int)v;
		return 0;
	}
	struct type *t = sema_expr(s, a);
	if (!t)
		return -1;
	if (!type_is_int(t)) {
		sema_error(s, n->loc, "signal only accepts string literals or integers");
		return -1;
	}
	return 0;
}

static LLVMValueRef emit_signal(struct cg *cg, struct node *n)
{
	LLVMValueRef sig = n->sem_id > 0 ? cg_i64(cg, n->sem_id) : cg_expr(cg, n->list.v[0]);
	LLVMValueRef args[] = { LLVMBuildTrunc(cg->b, sig, cg->i32, "sig") };
	cg_helper(cg, BPF_FUNC_send_signal, cg->i64, args, 1);
	return cg_i64(cg, 0);
}

/* override(rc): the probed kernel function returns rc at once, without
 * running (bpf_override_return). kprobe only; the kernel allows it on the
 * functions marked for error injection (CONFIG_BPF_KPROBE_OVERRIDE), and
 * refuses the attach elsewhere. */
static int check_override(struct sema *s, struct node *n)
{
	n->type = type_void();
	if (!unsafe_allowed(s, n))
		return -1;
	struct attach_point *ap = sema_ap(s);
	if (ap && strcmp(ap->pt->name, "kprobe")) {
		sema_error(s, n->loc, "override can only be used with kprobes.");
		return -1;
	}
	struct type *t = sema_expr(s, n->list.v[0]);
	if (!t)
		return -1;
	if (!type_is_int(t)) {
		sema_error(s, n->list.v[0]->loc, "override() only supports integer arguments (%s provided)",
			   type_kind_name(t->kind));
		return -1;
	}
	if (!bpfsys_prog_has_helper(BPF_PROG_TYPE_KPROBE, 0, 0, BPF_FUNC_override_return)) {
		sema_error(s, n->loc, "BPF_FUNC_override_return not available for your kernel version");
		return -1;
	}
	return 0;
}

static LLVMValueRef emit_override(struct cg *cg, struct node *n)
{
	LLVMValueRef args[] = { cg->ctxarg, cg_expr(cg, n->list.v[0]) };
	cg_helper(cg, BPF_FUNC_override_return, cg->i64, args, 2);
	return cg_i64(cg, 0);
}

const struct builtin builtins_unsafe[] = {
	{ .name = "system", .kind = B_FUNC, .min_args = 1, .max_args = 64, .stmt_only = true,
	  .check = check_system, .emit = emit_system },
	{ .name = "cat", .kind = B_FUNC, .min_args = 1, .max_args = 64, .stmt_only = true,
	  .check = fmt_call_check, .emit = emit_cat },
	{ .name = "signal", .kind = B_FUNC, .min_args = 1, .max_args = 1, .stmt_only = true,
	  .check = check_signal, .emit = emit_signal },
	{ .name = "override", .kind = B_FUNC, .min_args = 1, .max_args = 1, .stmt_only = true,
	  .check = check_override, .emit = emit_override },
	{ .name = NULL },
};
