/* output.h - what output.c shares with the other builtin families: the
 * printf-like call. printf(), system() and cat() (unsafe.c) take a format
 * and its arguments alike; only the event the runtime gets differs. */
#ifndef BPFSCRIPT_BUILTINS_OUTPUT_H
#define BPFSCRIPT_BUILTINS_OUTPUT_H
#include <stdint.h>
#include "sema/builtin.h"

/* The check of a printf-like call (a builtin's check hook): a statement
 * whose format and arguments sema_printf checks and registers. */
int fmt_call_check(struct sema *s, struct node *n);

/* The event of a printf-like call: kind (EV_PRINTF, EV_SYSTEM, EV_CAT) for
 * the format registered by fmt_call_check, the arguments as its payload. */
LLVMValueRef fmt_call_emit(struct cg *cg, struct node *n, uint32_t kind);

#endif
