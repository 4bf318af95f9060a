/* ab.c - interleaved A/B timing of whole commands (start-up comparisons).
 *
 *   cc -O2 -o /tmp/ab bench/ab.c
 *   BPFSCRIPT_NO_CACHE=1 /tmp/ab 25 build-rel/bpfscript -e 'BEGIN { exit(); }' \
 *       -- /usr/bin/bpftrace -e 'BEGIN { exit(); }' -- /tmp/old/bpfscript -e 'BEGIN { exit(); }'
 *
 * Runs the commands (separated by --) one after the other, N rounds, the order
 * reversed every other round, after two warm-up rounds; stdout and stderr go
 * to /dev/null. Prints each command's median, mean and quartiles of the wall
 * time from fork() to the end of waitpid(). Interleaving matters in this VM:
 * its speed drifts 10-20 % within minutes, and a command run right after
 * bpftrace (which touches ~90 MiB) is slower than in a run of its own kind,
 * so only figures taken in the same interleaved run compare. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#define MAX_CMDS 16

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double run(char **argv)
{
	double t0 = now_ms();
	pid_t p = fork();
	if (p < 0) {
		perror("ab: fork");
		exit(1);
	}
	if (p == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	waitpid(p, &st, 0);
	double t1 = now_ms();
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "ab: %s failed (status %d)\n", argv[0], st);
		exit(1);
	}
	return t1 - t0;
}

int main(int argc, char **argv)
{
	if (argc < 3 || atoi(argv[1]) < 1) {
		fprintf(stderr, "usage: ab N CMD [ARG...] [-- CMD [ARG...]]...\n");
		return 2;
	}
	int n = atoi(argv[1]), nc = 0;
	char **cmds[MAX_CMDS];
	cmds[nc++] = argv + 2;
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			if (nc == MAX_CMDS || i + 1 == argc) {
				fprintf(stderr, "ab: at most %d commands, none empty\n", MAX_CMDS);
				return 2;
			}
			argv[i] = NULL;
			cmds[nc++] = argv + i + 1;
		}
	double *t = calloc((size_t)n * (size_t)nc, sizeof(*t));
	if (!t)
		return 1;
	for (int r = -2; r < n; r++)
		for (int k = 0; k < nc; k++) {
			int c = (r & 1) ? nc - 1 - k : k;
			double ms = run(cmds[c]);
			if (r >= 0)
				t[c * n + r] = ms;
		}
	for (int c = 0; c < nc; c++) {
		double *v = t + c * n, sum = 0;
		for (int r = 0; r < n; r++)
			sum += v[r];
		qsort(v, (size_t)n, sizeof(*v), cmp);
		printf("%-50.50s median %.2f mean %.2f p25 %.2f p75 %.2f ms (n=%d)\n", cmds[c][0], v[n / 2], sum / n,
		       v[n / 4], v[3 * n / 4], n);
	}
	free(t);
	return 0;
}
