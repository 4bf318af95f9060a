/* interp.h - a tiny interpreter for bpftrace BEGIN-block statements with
 * literal operands, used by the output tests. It fills real kernel maps the
 * way the generated BPF code would (per-CPU aggregation values, hist bucket
 * keys), then prints them through the runtime printers. The same statement
 * text, wrapped in BEGIN { ...; exit(); }, is what regen.sh feeds to
 * bpftrace 0.17 to produce the golden output.
 *
 * Statements:
 *   @m = V | @m[V, ...] = V | @m[...] = count() | sum(V) | min(V) | max(V)
 *        | avg(V) | stats(V) | hist(V) | lhist(V, MIN, MAX, STEP)
 *   print(@m[, top[, div]])  clear(@m)  zero(@m)  print(V)  printf("fmt", V...)
 * Values V: integers (decimal, 0x, -, N << M), casts (int8)V ... (uint64)V,
 *   "strings" with \n \t \\ \" \xHH escapes, tuples (V, V...), buf("s", n),
 *   probe. */
#ifndef OUTPUT_TEST_INTERP_H
#define OUTPUT_TEST_INTERP_H
#include <stdio.h>
#include "runtime/runtime.h"
#include "util/arena.h"

struct interp;

/* out: where printing goes; json: -f json mode. NULL if BPF maps cannot be
 * created (not root): *skip is set then. */
struct interp *interp_new(FILE *out, bool json, bool *skip);
/* Runs one statement; -1 with a message in interp_error() on a bad one. */
int interp_run(struct interp *in, const char *stmt);
const char *interp_error(struct interp *in);
/* The exit sequence: rt_maps_print_all. */
void interp_finish(struct interp *in);
void interp_free(struct interp *in);

#endif
