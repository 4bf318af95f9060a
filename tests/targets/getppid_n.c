/* getppid_n N [M]: makes exactly N getppid(2) system calls, then M getpid(2) calls, and exits 0.
 * Runtime tests count these calls with tracepoints, e.g. under -c:
 *   tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @calls = count(); }  ->  @calls: N
 * Built static (when possible) so that no dynamic loader runs before main(). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static long arg(int argc, char **argv, int i, long dflt)
{
	char *end;
	long v;

	if (argc <= i)
		return dflt;
	v = strtol(argv[i], &end, 10);
	if (*end != '\0' || v < 0) {
		fprintf(stderr, "getppid_n: bad count '%s'\n", argv[i]);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long n = arg(argc, argv, 1, 1);
	long m = arg(argc, argv, 2, 0);

	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	for (long i = 0; i < m; i++)
		syscall(SYS_getpid);
	return 0;
}
