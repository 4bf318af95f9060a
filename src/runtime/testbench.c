/* testbench.c - the test and bench modes: the test:NAME and bench:NAME
 * probes (probes/testbench.c), run through BPF_PROG_TEST_RUN in
 * bpfscript's own context, in declaration order; nothing is attached and
 * BEGIN, END and the maps at exit are left out.
 *
 * --test runs each test probe once. It fails when it returns non-zero
 * (`return 1;`), calls exit() with a non-zero code, or a helper reports an
 * error (-k); exit() or exit(0) ends the test as a pass. Its output is
 * held back (a memory stream) and shown only when it fails. Each test
 * prints "PASS test:NAME" or, after its output, "FAIL test:NAME: REASON";
 * then "N passed, M failed"; the status is 1 when one failed.
 *
 * --bench times each bench probe: batches of BENCH_BATCH runs of the
 * probe, each batch paired with as many runs of an empty raw_tracepoint
 * program (the cost of the system call and the test run itself), until
 * BENCH_BUDGET_NS have passed or BENCH_MAX_BATCHES batches ran. The figure
 * is the median over the batches of (probe batch - empty batch) / runs,
 * in ns rounded: the body's own cost. The probe's output is discarded. The
 * table is sorted by name, as latest bpftrace's example shows it. */
#include "runtime/runtime.h"
#include "sys/bpfsys.h"
#include "ast/probe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define BENCH_BATCH 1000
#define BENCH_MAX_BATCHES 200
#define BENCH_BUDGET_NS 200000000ull

/* One run of prog_fd; its return value in *ret. */
static int test_run(int prog_fd, uint32_t *ret)
{
	uint64_t args[2] = { 0, 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = args, .ctx_size_in = sizeof(args));
	if (bpf_prog_test_run_opts(prog_fd, &o) < 0)
		return -1;
	if (ret)
		*ret = o.retval;
	return 0;
}

/* The attach points of kind which, in declaration order (program order,
 * then attach point order). Returns their number; the arrays are malloc'd. */
static int collect(struct rt *rt, enum probe_special which, struct attach_point ***aps, int **fds)
{
	int n = 0;
	*aps = NULL;
	*fds = NULL;
	for (int i = 0; i < rt->nprogs; i++)
		for (int k = 0; k < rt->progs[i].naps; k++)
			if (rt->progs[i].aps[k]->pt->special == which) {
				*aps = realloc(*aps, sizeof(**aps) * (size_t)(n + 1));
				*fds = realloc(*fds, sizeof(**fds) * (size_t)(n + 1));
				(*aps)[n] = rt->progs[i].aps[k];
				(*fds)[n++] = rt->progs[i].fd;
			}
	return n;
}

static void announce(const struct rt *rt, bool quiet, int n)
{
	if (quiet)
		return;
	if (rt->format == OUT_JSON)
		fprintf(stderr, "{\"type\": \"attached_probes\", \"data\": {\"probes\": %d}}\n", n);
	else
		fprintf(stderr, "Attached %d probe%s\n", n, n == 1 ? "" : "s");
}

/* The program's state before each test: no exit seen, no errors. */
static void reset_run_state(struct rt *rt)
{
	rt->exiting = 0;
	rt->exit_seen = false;
	rt->exit_code = 0;
	rt->helper_errors = 0;
}

int rt_run_tests(struct rt *rt, struct ring_buffer *rb, bool quiet)
{
	struct attach_point **aps;
	int *fds;
	int n = collect(rt, PS_TEST, &aps, &fds);
	if (!n) {
		fprintf(stderr, "ERROR: --test: the program has no test probes (test:NAME { ... })\n");
		return 1;
	}
	announce(rt, quiet, n);
	FILE *out = rt->out;
	int passed = 0, failed = 0;
	for (int i = 0; i < n; i++) {
		char *held = NULL;
		size_t held_len = 0;
		FILE *mem = open_memstream(&held, &held_len);
		if (!mem) {
			fprintf(stderr, "ERROR: --test: %s\n", strerror(errno));
			free(aps);
			free(fds);
			return 1;
		}
		reset_run_state(rt);
		rt->out = mem;
		uint32_t ret = 0;
		int err = test_run(fds[i], &ret) < 0 ? errno : 0;
		ring_buffer__consume(rb);
		rt->out = out;
		fclose(mem);
		char reason[96] = "";
		if (err)
			snprintf(reason, sizeof(reason), "failed to run: %s", strerror(err));
		else if (ret)
			snprintf(reason, sizeof(reason), "returned %d", (int32_t)ret);
		else if (rt->exit_seen && rt->exit_code)
			snprintf(reason, sizeof(reason), "exit(%d)", rt->exit_code);
		else if (rt->helper_errors)
			snprintf(reason, sizeof(reason), "%llu helper error%s",
				 (unsigned long long)rt->helper_errors, rt->helper_errors == 1 ? "" : "s");
		if (reason[0]) {
			fwrite(held, 1, held_len, out);
			fprintf(out, "FAIL %s: %s\n", aps[i]->name, reason);
			failed++;
		} else {
			fprintf(out, "PASS %s\n", aps[i]->name);
			passed++;
		}
		free(held);
		if (!rt->full_buffering)
			fflush(out);
	}
	fprintf(out, "%d passed, %d failed\n", passed, failed);
	reset_run_state(rt);
	free(aps);
	free(fds);
	return failed ? 1 : 0;
}

/* ---- bench --------------------------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}


/* ns taken by BENCH_BATCH runs of fd, or -1. */
static int64_t time_batch(int fd)
{
	uint64_t t0 = now_ns();
	for (int i = 0; i < BENCH_BATCH; i++)
		if (test_run(fd, NULL) < 0)
			return -1;
	return (int64_t)(now_ns() - t0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The body's cost in ns (median over batches), or -1 with errno. */
static int64_t bench_one(struct rt *rt, struct ring_buffer *rb, int fd, int base_fd)
{
	double d[BENCH_MAX_BATCHES];
	int nb = 0;
	uint64_t start = now_ns();
	while (nb < BENCH_MAX_BATCHES && (nb < 5 || now_ns() - start < BENCH_BUDGET_NS)) {
		int64_t tb = time_batch(base_fd), tp = time_batch(fd);
		if (tb < 0 || tp < 0)
			return -1;
		d[nb++] = (double)(tp - tb) / BENCH_BATCH;
		ring_buffer__consume(rb);   /* what the body sent, outside the timing */
		reset_run_state(rt);
	}
	qsort(d, (size_t)nb, sizeof(d[0]), cmp_double);
	double med = nb % 2 ? d[nb / 2] : (d[nb / 2 - 1] + d[nb / 2]) / 2;
	return med <= 0 ? 0 : (int64_t)(med + 0.5);
}

struct bench_row {
	const char *name;
	int64_t ns;
};

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct bench_row *)a)->name, ((const struct bench_row *)b)->name);
}

static void rule(FILE *out, int w1, int w2)
{
	fputc('+', out);
	for (int i = 0; i < w1 + 2; i++)
		fputc('-', out);
	fputc('+', out);
	for (int i = 0; i < w2 + 2; i++)
		fputc('-', out);
	fputs("+\n", out);
}

int rt_run_bench(struct rt *rt, struct ring_buffer *rb, bool quiet)
{
	struct attach_point **aps;
	int *fds;
	int n = collect(rt, PS_BENCH, &aps, &fds);
	if (!n) {
		fprintf(stderr, "ERROR: --bench: the program has no bench probes (bench:NAME { ... })\n");
		return 1;
	}
	int base_fd = bpfsys_prog_load_empty(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, "bench_empty");
	if (base_fd < 0) {
		fprintf(stderr, "ERROR: --bench: cannot load the empty baseline program: %s\n", strerror(errno));
		free(aps);
		free(fds);
		return 1;
	}
	announce(rt, quiet, n);
	FILE *out = rt->out, *sink = fopen("/dev/null", "w");
	struct bench_row *rows = calloc((size_t)n, sizeof(*rows));
	int rc = 0;
	for (int i = 0; i < n && sink && rows; i++) {
		rt->out = sink;
		rows[i].name = aps[i]->func;
		rows[i].ns = bench_one(rt, rb, fds[i], base_fd);
		rt->out = out;
		if (rows[i].ns < 0) {
			fprintf(stderr, "ERROR: failed to run %s: %s\n", aps[i]->name, strerror(errno));
			rc = 1;
			break;
		}
	}
	rt->out = out;
	if (!sink || !rows) {
		fprintf(stderr, "ERROR: --bench: %s\n", strerror(errno));
		rc = 1;
	}
	if (!rc) {
		qsort(rows, (size_t)n, sizeof(*rows), cmp_row);
		int w1 = (int)strlen("BENCHMARK"), w2 = (int)strlen("NANOSECONDS");
		for (int i = 0; i < n; i++) {
			char num[32];
			int l = snprintf(num, sizeof(num), "%lld", (long long)rows[i].ns);
			if ((int)strlen(rows[i].name) > w1)
				w1 = (int)strlen(rows[i].name);
			if (l > w2)
				w2 = l;
		}
		fputs("\n\n", out);
		rule(out, w1, w2);
		fprintf(out, "| %-*s | %-*s |\n", w1, "BENCHMARK", w2, "NANOSECONDS");
		rule(out, w1, w2);
		for (int i = 0; i < n; i++)
			fprintf(out, "| %-*s | %-*lld |\n", w1, rows[i].name, w2, (long long)rows[i].ns);
		rule(out, w1, w2);
	}
	if (sink)
		fclose(sink);
	close(base_fd);
	reset_run_state(rt);
	free(rows);
	free(aps);
	free(fds);
	return rc;
}
