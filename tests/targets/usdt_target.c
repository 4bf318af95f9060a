/* usdt_target [N] [--wait]: USDT probes as an optimising compiler (-O2) leaves them, for the
 * usdt tests (tests/uprobes.cmake): arguments in registers of every width, constants, a probe
 * with two sites whose arguments live in different places, and a semaphore. main() runs the
 * sequence below N times (default 1), i = 0..N-1; with --wait it first waits for SIGUSR1 (at
 * most 10 s) so that a tracer can attach with -p. At the end it prints one line on stderr,
 * "semaphore: active" or "semaphore: inactive": whether a tracer held bpfscript_usdt:sem.
 *
 *   probe (provider bpfscript_usdt)   arguments
 *   regs                              (int i + 1, long -5000000000 * (i + 1), unsigned char 250,
 *                                      short -3), from registers ("-4@%edi 8@..." specs)
 *   multi, site 1 (in u_multi_a)      (int i)
 *   multi, site 2 (in u_multi_b)      (int 77): a constant ("-4@$77")
 *   sem                               (int i); fires only while its semaphore is raised
 *
 * Functions: u_regs(int, long, unsigned char, short) returns the sum of its arguments
 * truncated to int; u_many(1, 2, 3, 4, 5, 6, 70, 80) gets its last two arguments on the stack
 * (sarg0 = 70, sarg1 = 80 at entry) and returns their sum; and each iteration calls libc's
 * getppid() once (for uprobe:libc:getppid). */
#define _SDT_HAS_SEMAPHORES 1
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, used))

/* With semaphores on (this whole file), every probe has one. Only `sem` is tested by its code;
 * the kernel raises each of them while the probe's sites are attached. */
#define SEMAPHORE(p) \
	__extension__ unsigned short bpfscript_usdt_##p##_semaphore __attribute__((unused, section(".probes")))
SEMAPHORE(regs);
SEMAPHORE(multi);
SEMAPHORE(sem);

volatile long u_sink;

NOINLINE int u_regs(int a, long b, unsigned char c, short d)
{
	DTRACE_PROBE4(bpfscript_usdt, regs, a, b, c, d);
	return (int)(a + b + c + d);
}

NOINLINE void u_multi_a(int x)
{
	DTRACE_PROBE1(bpfscript_usdt, multi, x);
	u_sink += x;
}

NOINLINE void u_multi_b(void)
{
	DTRACE_PROBE1(bpfscript_usdt, multi, 77);
	u_sink++;
}

NOINLINE void u_sem(int i)
{
	if (bpfscript_usdt_sem_semaphore)
		DTRACE_PROBE1(bpfscript_usdt, sem, i);
	u_sink++;
}

NOINLINE long u_many(long a, long b, long c, long d, long e, long f, long g, long h)
{
	return a + b + c + d + e + f + g + h;
}

static void wait_for_usr1(void)
{
	struct timespec ts = { .tv_sec = 10, .tv_nsec = 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigtimedwait(&set, NULL, &ts);
}

int main(int argc, char **argv)
{
	long n = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--wait") == 0)
			wait_for_usr1();
		else
			n = strtol(argv[i], NULL, 10);
	}
	for (int i = 0; i < n; i++) {
		u_sink += u_regs(i + 1, -5000000000L * (i + 1), 250, -3);
		u_multi_a(i);
		u_multi_b();
		u_sem(i);
		u_sink += u_many(1, 2, 3, 4, 5, 6, 70, 80);
		u_sink += getppid();
	}
	fprintf(stderr, "semaphore: %s\n", bpfscript_usdt_sem_semaphore ? "active" : "inactive");
	return 0;
}
