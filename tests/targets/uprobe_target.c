/* uprobe_target [N] [--wait]: a user-space target for uprobe, uretprobe and USDT tests.
 *
 * Built with -O0 -g -fno-omit-frame-pointer (see tests/runtime.cmake) so that every function
 * below is a real symbol with DWARF argument info and a frame-pointer stack. main() runs the
 * sequence below N times (default 1); with --wait it first waits for SIGUSR1 (at most 10 s) so
 * that a tracer can attach with -p. Every call, argument and return value is fixed:
 *
 *   function                                   called as                    returns
 *   int ut_add(int a, int b)                   ut_add(3, 4)                 7
 *   long ut_mul(long a, long b)                ut_mul(-6, 7)                -42
 *   unsigned long ut_u64(unsigned long x)      ut_u64(0xdeadbeefcafe)       0xdeadbeefcaff
 *   size_t ut_str(const char *s)               ut_str("hello uprobe")       12
 *   int ut_struct(struct ut_point *p)          p = {10, -3, "pt"}           7 (x + y)
 *   void ut_void(void)                         ut_void()                    -
 *   int ut_nested(int depth)                   ut_nested(3) -> ut_nested(2) -> ut_nested(1)
 *                                              -> ut_leaf(0)                0
 *   int ut_leaf(int v)                         ut_leaf(0)                   0
 *
 *   USDT probe (provider bpfscript_test)        arguments
 *   bpfscript_test:probe0                       none
 *   bpfscript_test:probe2                       (int 3, long -42)
 *   bpfscript_test:pstr                         (const char * "hello usdt")
 *   bpfscript_test:guarded                      (int i = iteration, 0-based); has a semaphore
 *                                               (bpfscript_test_guarded_semaphore, defined
 *                                               in uprobe_target_sem.c: only that file is
 *                                               built with semaphores)
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <time.h>

#define NOINLINE __attribute__((noinline, used))

void ut_fire_guarded(int iter); /* uprobe_target_sem.c */

struct ut_point {
	int x;
	int y;
	char name[8];
};

volatile long ut_sink; /* keeps results alive at -O0 and beyond */

NOINLINE int ut_add(int a, int b) { return a + b; }
NOINLINE long ut_mul(long a, long b) { return a * b; }
NOINLINE unsigned long ut_u64(unsigned long x) { return x + 1; }
NOINLINE size_t ut_str(const char *s) { return strlen(s); }
NOINLINE int ut_struct(struct ut_point *p) { return p->x + p->y; }
NOINLINE void ut_void(void) { ut_sink++; }
NOINLINE int ut_leaf(int v) { return v; }
NOINLINE int ut_nested(int depth) { return depth <= 1 ? ut_leaf(0) : ut_nested(depth - 1); }

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
	struct ut_point pt = { .x = 10, .y = -3, .name = "pt" };
	const char *usdt_str = "hello usdt";

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--wait") == 0)
			wait_for_usr1();
		else
			n = strtol(argv[i], NULL, 10);
	}
	for (long i = 0; i < n; i++) {
		int iter = (int)i;
		int a = 3;
		long b = -42;

		ut_sink += ut_add(3, 4);
		ut_sink += ut_mul(-6, 7);
		ut_sink += (long)ut_u64(0xdeadbeefcafeUL);
		ut_sink += (long)ut_str("hello uprobe");
		ut_sink += ut_struct(&pt);
		ut_void();
		ut_sink += ut_nested(3);
		DTRACE_PROBE(bpfscript_test, probe0);
		DTRACE_PROBE2(bpfscript_test, probe2, a, b);
		DTRACE_PROBE1(bpfscript_test, pstr, usdt_str);
		ut_fire_guarded(iter);
	}
	return 0;
}
