/* stack_target [N] [MS] - known nested functions for stack tests.
 *
 * main -> st_level1 -> st_level2 -> st_level3, which makes N getppid(2)
 * calls (default 1) through an inline `syscall` instruction, so that the
 * frame-pointer chain is intact at the system call (a libc wrapper would
 * hide st_level3's caller) and the user ip at the call is inside
 * st_level3. It then sleeps MS milliseconds (default 300) before exiting,
 * so that a tracer can read its mappings while it still exists. Built
 * with -O0 -fno-omit-frame-pointer (tests/runtime.cmake). */
#include <stdlib.h>
#include <time.h>

#define NOINLINE __attribute__((noinline))

NOINLINE void st_level3(int n);
NOINLINE void st_level2(int n);
NOINLINE void st_level1(int n);

NOINLINE void st_level3(int n)
{
	for (int i = 0; i < n; i++) {
		long r = 110;   /* __NR_getppid on x86-64 */
		__asm__ volatile("syscall" : "+a"(r) : : "rcx", "r11", "memory");
	}
}

NOINLINE void st_level2(int n)
{
	st_level3(n);
}

NOINLINE void st_level1(int n)
{
	st_level2(n);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	long ms = argc > 2 ? atol(argv[2]) : 300;
	st_level1(n);
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
	return 0;
}
