/* diag.c - diagnostics a script raises itself (latest bpftrace's stdlib):
 *
 *   errorf(fmt, ...), warnf(fmt, ...)   at run time: printf-formatted, printed
 *       on stderr as an error / a warning at the call, with its source line
 *       and caret (EV_DIAG; warnings obey --no-warnings)
 *   assert(cond, msg)   at run time: when cond is false, the error
 *       "assert failed: <msg>" at the call and exit(1) (base.bt's macro)
 *   fail(fmt, ...)      at compile time: the formatted error at the call, when
 *       the call is reached: an if() branch that a constant condition rules
 *       out does not count (sema_is_dead); the arguments are constants
 *   static_assert(cond, msg)   at compile time: fail(msg) when the constant
 *       cond is false
 *   assert_str(v)       at compile time: v is string-like (a string, an array
 *       of chars, a pointer to chars), else bpftrace's error */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sema/builtin.h"
#include "sema/sema.h"
#include "codegen/cg.h"
#include "abi/event_abi.h"
#include "abi/format.h"
#include "builtins/output.h"

/* ---- errorf, warnf -------------------------------------------------------- */

static int check_diagf(struct sema *s, struct node *n, int level)
{
	if (fmt_call_check(s, n) < 0)
		return -1;
	if (sema_is_final(s)) {
		struct rt_printf *pf = sema_program(s)->printfs.v[n->sem_id];
		pf->loc = n->loc;
		pf->diag_level = level;
	}
	return 0;
}

static int check_errorf(struct sema *s, struct node *n)
{
	return check_diagf(s, n, 2);
}

static int check_warnf(struct sema *s, struct node *n)
{
	return check_diagf(s, n, 1);
}

static LLVMValueRef emit_diagf(struct cg *cg, struct node *n)
{
	return fmt_call_emit(cg, n, EV_DIAG);
}

/* ---- assert(cond, msg) ---------------------------------------------------- */

/* A call node name(args...) at loc, for the calls assert() stands for. */
static struct node *call_node(struct sema *s, const char *name, struct loc loc, struct node **args, int n)
{
	struct node *c = node_new(sema_arena(s), N_CALL, loc);
	c->str = name;
	for (int i = 0; i < n; i++)
		node_list_push(sema_arena(s), &c->list, args[i]);
	return c;
}

static int check_assert(struct sema *s, struct node *n)
{
	n->type = type_void();
	struct node *c = n->list.v[0];
	struct type *t = sema_expr(s, c);
	if (!t)
		return -1;
	if (!type_is_int(t) && t->kind != TY_PTR) {
		sema_error(s, c->loc, "assert() expects a condition (%s provided)", type_name(sema_arena(s), t));
		return -1;
	}
	struct node *f = node_new(sema_arena(s), N_STR, n->loc);
	f->str = "assert failed: %s";
	f->ival = (int64_t)strlen(f->str);
	struct node *eargs[] = { f, n->list.v[1] };
	struct node *one = node_new(sema_arena(s), N_INT, n->loc);
	one->ival = 1;
	n->a = call_node(s, "errorf", n->loc, eargs, 2);
	n->b = call_node(s, "exit", n->loc, &one, 1);
	if (!sema_expr(s, n->a) || !sema_expr(s, n->b))
		return -1;
	return 0;
}

static LLVMValueRef emit_assert(struct cg *cg, struct node *n)
{
	LLVMBasicBlockRef bad = cg_block(cg, "assert_failed"), ok = cg_block(cg, "assert_ok");
	LLVMBuildCondBr(cg->b, cg_truth(cg, n->list.v[0]), ok, bad);
	LLVMPositionBuilderAtEnd(cg->b, bad);
	cg_expr(cg, n->a);
	cg_expr(cg, n->b);
	LLVMBuildBr(cg->b, ok);
	LLVMPositionBuilderAtEnd(cg->b, ok);
	return cg_i64(cg, 0);
}

/* ---- fail(fmt, ...), static_assert(cond, msg) ----------------------------- */

/* fail()'s message: the format with its constant arguments. */
struct failfmt {
	struct fmt_walker w;
	struct sema *s;
	struct node **args;
	int nargs;
	FILE *out;
};

static void fail_lit(struct fmt_walker *w, const char *t, size_t n)
{
	fwrite(t, 1, n, ((struct failfmt *)w)->out);
}

static void fail_conv(struct fmt_walker *w, const struct fmt_spec *sp, int idx)
{
	struct failfmt *f = (struct failfmt *)w;
	if (idx >= f->nargs) {
		fwrite(sp->at, 1, sp->len, f->out);
		return;
	}
	struct node *a = f->args[idx];
	char spec[64];
	int64_t v = 0;
	if (a->kind == N_STR || sp->conv == 's') {
		snprintf(spec, sizeof(spec), "%%%.*ss", (int)(sp->flen < 40 ? sp->flen : 40), sp->flags);
		if (a->kind == N_STR)
			fprintf(f->out, spec, a->str);
		else if (sema_const_eval(f->s, a, &v))
			fprintf(f->out, "%" PRId64, v);
		return;
	}
	sema_const_eval(f->s, a, &v);
	char conv = sp->conv == 'p' ? 'x' : sp->conv == 'u' ? 'u' : sp->conv;
	snprintf(spec, sizeof(spec), "%%%.*sll%c", (int)(sp->flen < 40 ? sp->flen : 40), sp->flags, conv);
	if (conv == 'c')
		fputc((int)v, f->out);
	else
		fprintf(f->out, spec, (long long)v);
}

static bool constant_arg(struct sema *s, struct node *a)
{
	int64_t v;
	return a->kind == N_STR || sema_const_eval(s, a, &v);
}

static int check_fail(struct sema *s, struct node *n)
{
	n->type = type_void();
	struct node *f = n->list.v[0];
	if (f->kind != N_STR) {
		sema_error(s, f->loc, "fail() expects a string literal as its format");
		return -1;
	}
	for (int i = 1; i < n->list.n; i++) {
		struct node *a = n->list.v[i];
		if (!sema_expr(s, a))
			return -1;
		if (!constant_arg(s, a)) {
			sema_error(s, a->loc, "fail() arguments must be literals (evaluated at compile time)");
			return -1;
		}
	}
	if (!sema_is_final(s) || sema_is_dead(s))
		return 0;
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		return -1;
	struct failfmt ff = { { fail_lit, fail_conv }, s, n->list.v + 1, n->list.n - 1, m };
	fmt_walk(f->str, &ff.w);
	fclose(m);
	sema_error(s, n->loc, "%s", text ? text : "");
	free(text);
	return -1;
}

static int check_static_assert(struct sema *s, struct node *n)
{
	n->type = type_void();
	struct node *c = n->list.v[0], *msg = n->list.v[1];
	if (!sema_expr(s, c))
		return -1;
	if (msg->kind != N_STR) {
		sema_error(s, msg->loc, "static_assert() expects a string literal message");
		return -1;
	}
	if (sema_is_dead(s))
		return 0;
	int64_t v;
	if (!sema_const_eval(s, c, &v)) {
		sema_error(s, c->loc, "static_assert() expects a condition known at compile time");
		return -1;
	}
	if (!v) {
		sema_error(s, n->loc, "%s", msg->str);
		return -1;
	}
	return 0;
}

/* ---- assert_str(v) -------------------------------------------------------- */

static int check_assert_str(struct sema *s, struct node *n)
{
	n->type = type_void();
	struct node *a = n->list.v[0];
	struct type *t = sema_expr(s, a);
	if (!t)
		return -1;
	if (t->kind == TY_STR)
		return 0;
	const char *bad = NULL;
	if (t->kind == TY_ARRAY)
		bad = t->elem->kind == TY_INT && t->elem->size == 1 ? NULL
			: "string-like arrays must contain a char-like type";
	else if (t->kind == TY_PTR)
		bad = t->elem && t->elem->kind == TY_INT && t->elem->size == 1 ? NULL
			: "string-like pointers must point to a char-like type";
	else
		bad = "string-like values must be either strings, arrays or pointers";
	if (bad && !sema_is_dead(s)) {
		sema_error(s, n->loc, "%s", bad);
		return -1;
	}
	return 0;
}

/* Compile-time helpers leave no code. */
static LLVMValueRef emit_nothing(struct cg *cg, struct node *n)
{
	(void)n;
	return cg_i64(cg, 0);
}

const struct builtin builtins_diag[] = {
	{ .name = "errorf", .kind = B_FUNC, .min_args = 1, .max_args = 64, .stmt_only = true,
	  .check = check_errorf, .emit = emit_diagf },
	{ .name = "warnf", .kind = B_FUNC, .min_args = 1, .max_args = 64, .stmt_only = true,
	  .check = check_warnf, .emit = emit_diagf },
	{ .name = "assert", .kind = B_FUNC, .min_args = 2, .max_args = 2, .stmt_only = true,
	  .check = check_assert, .emit = emit_assert },
	{ .name = "fail", .kind = B_FUNC, .min_args = 1, .max_args = 64, .stmt_only = true,
	  .check = check_fail, .emit = emit_nothing },
	{ .name = "static_assert", .kind = B_FUNC, .min_args = 2, .max_args = 2, .stmt_only = true,
	  .check = check_static_assert, .emit = emit_nothing },
	{ .name = "assert_str", .kind = B_FUNC, .min_args = 1, .max_args = 1, .stmt_only = true,
	  .check = check_assert_str, .emit = emit_nothing },
	{ .name = NULL },
};
