/* symbols.c - symbol builtins: ksym(addr) and usym(addr) (printed as the
 * symbol's name by runtime/stacks.c), kaddr("name") and uaddr("name")
 * (the address of a symbol, resolved at compile time from /proc/kallsyms
 * or from the probed binary's ELF symbols); and reg("name"), a register of
 * the probe's struct pt_regs. */
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include "sema/builtin.h"
#include "sema/sema.h"
#include "codegen/cg.h"
#include "probes/kernel.h"
#include "ast/probe.h"
#include "sys/ksyms.h"
#include "sys/usyms.h"
#include "util/arch.h"

void stack_note_pid(struct cg *cg, LLVMValueRef pid);   /* stack.c */

static int check_addr_arg(struct sema *s, struct node *n)
{
	struct type *t = sema_expr(s, n->list.v[0]);
	if (!t)
		return -1;
	if (!type_is_int(t) && t->kind != TY_PTR && t->kind != TY_KSYM && t->kind != TY_USYM) {
		sema_error(s, n->list.v[0]->loc, "%s() expects an integer or a pointer (%s provided)", n->str,
			   type_name(sema_arena(s), t));
		return -1;
	}
	return 0;
}

static int check_ksym(struct sema *s, struct node *n)
{
	if (check_addr_arg(s, n) < 0)
		return -1;
	n->type = type_simple(sema_arena(s), TY_KSYM, 8);
	return 0;
}

static LLVMValueRef emit_ksym(struct cg *cg, struct node *n)
{
	return cg_expr(cg, n->list.v[0]);
}

/* usym: the address and the pid whose address space it belongs to. */
static int check_usym(struct sema *s, struct node *n)
{
	if (check_addr_arg(s, n) < 0)
		return -1;
	n->type = type_simple(sema_arena(s), TY_USYM, 16);
	return 0;
}

static void emit_usym(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	LLVMValueRef addr = cg_expr(cg, n->list.v[0]);
	LLVMValueRef pid = LLVMBuildLShr(cg->b, cg_helper(cg, BPF_FUNC_get_current_pid_tgid, cg->i64, NULL, 0),
					 cg_i64(cg, 32), "pid");
	stack_note_pid(cg, pid);
	cg_store_i64(cg, dst, addr);
	cg_store_i64(cg, cg_gep(cg, dst, 8), pid);
}

/* The literal string argument of kaddr/uaddr. */
static const char *name_arg(struct sema *s, struct node *n)
{
	struct node *a = n->list.v[0];
	if (a->kind != N_STR) {
		sema_error(s, a->loc, "%s() expects a string literal (the symbol's name)", n->str);
		return NULL;
	}
	a->type = type_str(sema_arena(s), (int)a->ival + 1);
	return a->str;
}

static int check_kaddr(struct sema *s, struct node *n)
{
	const char *name = name_arg(s, n);
	if (!name)
		return -1;
	const struct ksym *k = ksyms_find(name);
	if (!k || !ksyms_have_addrs()) {
		sema_error(s, n->loc, "Failed to resolve kernel symbol: %s", name);
		/* say why where the kernel is the reason (once: the reporting pass) */
		struct diag *d = sema_diag(s);
		if (sema_is_final(s) && ksyms_load() < 0)
			diag_hint(d, "/proc/kallsyms is not readable");
		else if (sema_is_final(s) && !ksyms_have_addrs())
			diag_hint(d, "/proc/kallsyms shows no addresses to this user (kptr_restrict)");
		else if (sema_is_final(s) && kconfig("KALLSYMS_ALL") == 0)
			diag_hint(d, "this kernel's /proc/kallsyms lists functions only (CONFIG_KALLSYMS_ALL is not set): kaddr() cannot find its variables");
		return -1;
	}
	n->ival = (int64_t)k->addr;
	n->type = type_int(8, false);
	sema_resolved(s, "kaddr", name, k->addr);
	return 0;
}

/* uaddr: the symbol's address (st_value) in the probed binary, a pointer
 * to an integer of the symbol's size as in bpftrace. */
static int check_uaddr(struct sema *s, struct node *n)
{
	const char *name = name_arg(s, n);
	if (!name)
		return -1;
	struct attach_point *ap = sema_ap(s);
	const char *pt = ap ? ap->pt->name : "";
	if (!ap || (strcmp(pt, "uprobe") && strcmp(pt, "uretprobe") && strcmp(pt, "usdt")) || !ap->target) {
		sema_error(s, n->loc, "uaddr can only be used with u(ret)probes and usdt probes");
		return -1;
	}
	uint64_t addr, size;
	if (!usyms_lookup(ap->target, name, &addr, &size)) {
		sema_error(s, n->loc, "Could not resolve symbol: %s:%s", ap->target, name);
		return -1;
	}
	int bytes = size == 1 || size == 2 || size == 4 ? (int)size : 8;
	n->ival = (int64_t)addr;
	n->type = type_ptr(sema_arena(s), type_int(bytes, false), AS_USER);
	sema_resolved(s, "uaddr", arena_printf(sema_arena(s), "%s:%s", ap->target, name), addr);
	return 0;
}

/* reg("name"): struct pt_regs in bpftrace's register names, 8 bytes each,
 * of bpfscript's architecture (util/arch.h) */
static int check_reg(struct sema *s, struct node *n)
{
	struct attach_point *ap = sema_ap(s);
	struct node *a = n->list.v[0];
	/* the context starts with struct pt_regs: kprobe, uprobe and usdt
	 * programs (KPROBE), and perf events (PERF_EVENT: bpf_perf_event_data) */
	if (!ap || (ap->pt->prog_type != BPF_PROG_TYPE_KPROBE && ap->pt->prog_type != BPF_PROG_TYPE_PERF_EVENT)) {
		sema_error(s, n->loc, "reg can not be used with \"%s\" probes", ap ? ap->pt->name : "?");
		return -1;
	}
	if (a->kind != N_STR) {
		struct type *t = sema_expr(s, a);
		if (t)
			sema_error(s, n->loc, "reg() expects a string literal (%s provided)",
				   type_is_int(t) ? "integer" : type_kind_name(t->kind));
		return -1;
	}
	a->type = type_str(sema_arena(s), (int)a->ival + 1);
	const struct arch *arch = arch_host();
	int off = arch_reg_offset(arch, a->str);
	if (off >= 0) {
		n->ival = off;
		n->type = type_int(8, false);
		return 0;
	}
	sema_error(s, n->loc, "'%s' is not a valid register on this architecture (%s)", a->str, arch->name);
	return -1;
}

static LLVMValueRef emit_reg(struct cg *cg, struct node *n)
{
	return cg_load_int(cg, cg_gep(cg, cg->ctxarg, (int)n->ival), 8, false);
}

const struct builtin builtins_symbols[] = {
	{ .name = "reg", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_reg, .emit = emit_reg },
	{ .name = "ksym", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_ksym, .emit = emit_ksym },
	{ .name = "usym", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_usym,
	  .emit_into = emit_usym },
	{ .name = "kaddr", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_kaddr, .is_const = true },
	{ .name = "uaddr", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_uaddr, .is_const = true },
	{ .name = NULL },
};
