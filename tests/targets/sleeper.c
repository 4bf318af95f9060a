/* sleeper N [MAX_WAIT_S]: waits for SIGUSR1 (or MAX_WAIT_S seconds, default 10), then makes
 * exactly N getppid(2) system calls and exits 0. For -p PID tests: start it, attach the
 * tracer with -p, and once the tracer is ready (AFTER) send it SIGUSR1. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1;
	long max_wait = argc > 2 ? strtol(argv[2], NULL, 10) : 10;
	struct timespec ts = { .tv_sec = max_wait, .tv_nsec = 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigtimedwait(&set, NULL, &ts);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	return 0;
}
