/* bench_output.c - user CPU time of printing big maps.
 *
 *   bench_output [NKEYS [MAX_USER_SECONDS]]
 *
 * Fills a per-CPU count map with NKEYS int keys (default 1,000,000) and
 * random counts, prints it with rt_map_print to /dev/null, and fails if that
 * took more than MAX_USER_SECONDS of user CPU (default 1.0). Then the same
 * for a 2-field (int, string) keyed sum map and -f json, for the record.
 * Fails when BPF maps cannot be created (not root). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "runtime/runtime.h"
#include "util/arena.h"

static double user_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
}

static double sys_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double wall_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fills fd with n keys of ks bytes (key i: int64 i, then "k<i%100>") and
 * per-CPU int64 values. */
static int fill(int fd, size_t n, int ks, int ncpus)
{
	size_t chunk = 65536;
	uint8_t *keys = xcalloc(chunk, (size_t)ks);
	int64_t *vals = xcalloc(chunk * (size_t)ncpus, 8);
	for (size_t base = 0; base < n; base += chunk) {
		uint32_t cnt = (uint32_t)(n - base < chunk ? n - base : chunk);
		memset(keys, 0, chunk * (size_t)ks);
		for (uint32_t i = 0; i < cnt; i++) {
			int64_t k = (int64_t)(base + i) * 7 - 1000;
			memcpy(keys + (size_t)i * (size_t)ks, &k, 8);
			if (ks > 8)
				snprintf((char *)keys + (size_t)i * (size_t)ks + 8, (size_t)ks - 8, "k%zu",
					 (base + i) % 100);
			for (int c = 0; c < ncpus; c++)
				vals[(size_t)i * (size_t)ncpus + (size_t)c] = (int64_t)((base + i) * 2654435761u % 100000);
		}
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		if (bpf_map_update_batch(fd, keys, vals, &cnt, &opts)) {
			/* old kernels: one by one */
			for (uint32_t i = 0; i < cnt; i++)
				if (bpf_map_update_elem(fd, keys + (size_t)i * (size_t)ks, vals + (size_t)i * (size_t)ncpus,
							BPF_ANY))
					return -errno;
		}
	}
	free(keys);
	free(vals);
	return 0;
}

static double bench(struct rt *rt, struct rt_map *m, FILE *null, const char *what, size_t n)
{
	double u0 = user_seconds(), s0 = sys_seconds(), w0 = wall_seconds();
	if (rt_map_print(rt, null, m, 0, 0))
		fprintf(stderr, "print failed\n");
	fflush(null);
	double u = user_seconds() - u0, s = sys_seconds() - s0, w = wall_seconds() - w0;
	printf("%-34s %8zu keys: user %.3f s, sys %.3f s, wall %.3f s\n", what, n, u, s, w);
	return u;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000000;
	double limit = argc > 2 ? strtod(argv[2], NULL) : 1.0;
	int ncpus = libbpf_num_possible_cpus();
	struct arena a = { 0 };
	int fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, NULL, 8, 8, (unsigned)n, NULL);
	if (fd < 0) {
		printf("FAIL: cannot create BPF maps (%s): run as root\n", strerror(errno));
		return 1;
	}
	if (fill(fd, n, 8, ncpus)) {
		fprintf(stderr, "fill failed\n");
		return 1;
	}
	struct type *kt[2] = { type_int(8, true), type_str(&a, 16) };
	struct rt_map m = { .name = "@count", .fd = fd, .key = type_tuple(&a, kt, 1),
			    .val = type_agg(&a, TY_COUNT, false), .key_size = 8, .val_size = 8,
			    .max_entries = (int)n, .percpu = true };
	struct rt_map *maps[] = { &m };
	struct rt rt = { .maps = maps, .nmaps = 1, .ncpus = ncpus };
	FILE *null = fopen("/dev/null", "w");
	double u = bench(&rt, &m, null, "count map, int key, text", n);
	rt.format = OUT_JSON;
	bench(&rt, &m, null, "count map, int key, json", n);
	rt.format = OUT_TEXT;
	close(fd);

	size_t n2 = n / 4 ? n / 4 : 1;
	int fd2 = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, NULL, 24, 8, (unsigned)n2, NULL);
	if (fd2 >= 0 && !fill(fd2, n2, 24, ncpus)) {
		struct rt_map m2 = { .name = "@sum", .fd = fd2, .key = type_tuple(&a, kt, 2),
				     .val = type_agg(&a, TY_SUM, true), .key_size = 24, .val_size = 8,
				     .max_entries = (int)n2, .percpu = true };
		bench(&rt, &m2, null, "sum map, (int, string) key, text", n2);
		close(fd2);
	}
	fclose(null);
	arena_free(&a);
	if (u > limit) {
		fprintf(stderr, "FAIL: printing %zu keys took %.3f s of user CPU (limit %.3f s)\n", n, u, limit);
		return 1;
	}
	return 0;
}
