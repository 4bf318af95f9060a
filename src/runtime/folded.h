/* folded.h - stack maps as folded stacks: one entry of a map whose key
 * holds a kstack or ustack becomes its list of frames, root first, the
 * form that flame graph tools read ("comm;outer;middle;inner 42"). -f
 * folded prints them (print.c: the folded struct map_format); --flamegraph
 * draws them (flamegraph.c).
 *
 * Order of an entry's frames, as brendangregg/FlameGraph's
 * stackcollapse-bpftrace.pl makes them from bpftrace's text output: the
 * key parts that are not stacks first (in key order, as text), then the
 * user stacks, then the kernel stacks (user code calls into the kernel),
 * each stack root first, its frames named as text mode names them
 * (sym+off). Between a user stack and the kernel stack that follows it a
 * "-" frame, flamegraph.pl's separator between stacks. */
#ifndef BPFSCRIPT_FOLDED_H
#define BPFSCRIPT_FOLDED_H
#include <stdbool.h>
#include <stdint.h>
#include "runtime/runtime.h"

struct mview;
struct mentry;

enum fold_kind { FOLD_PART, FOLD_USER, FOLD_KERNEL, FOLD_SEP };

/* One entry's frames, root first. */
struct fold {
	char *text;             /* the names, each NUL-terminated (malloc'd) */
	size_t len;
	size_t *off;            /* frame i's name: text + off[i] */
	enum fold_kind *kind;
	int n, cap;
};

/* Whether map m prints folded: a key field is a kstack or ustack and the
 * value is one number (count, sum, min, max, avg, an integer). */
bool fold_map(const struct rt_map *m);
/* The frames of one entry of a view of such a map, into f (emptied first;
 * fold_free releases it). Names hold no ';' or line break (replaced by
 * '_'), so that a folded line splits where the tools split it. */
void fold_entry(struct rt *rt, const struct mview *v, const struct mentry *e, struct fold *f);
static inline const char *fold_name(const struct fold *f, int i)
{
	return f->text + f->off[i];
}
void fold_free(struct fold *f);

/* Every entry of map m (fold_map) as folded frames and its value (print()'s
 * divisor not applied), in the order text mode prints them: the view
 * print.c builds, walked once. Returns 0 or a negative errno. */
typedef void fold_fn(void *ctx, const struct fold *f, int64_t value);
int rt_map_fold(struct rt *rt, struct rt_map *m, fold_fn *fn, void *ctx);

/* --flamegraph (flamegraph.c): every folded map of rt drawn as an SVG
 * flame graph to fd (opened by the driver, as -o). Returns 0, or -1 after
 * a message on stderr. */
int rt_flamegraph_write(struct rt *rt, int fd, const char *name);

#endif
