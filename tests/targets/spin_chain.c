/* spin_chain [MS] - a known call chain on the CPU, for profile tests of
 * -f folded and --flamegraph (tests/flamegraph.cmake).
 *
 * main -> fg_outer -> fg_middle -> fg_inner, which spins on the CPU for MS
 * milliseconds (default 1000) reading the clock: every CPU sample of the
 * process falls in fg_inner (or the vDSO clock read it calls) under that
 * chain. Built with -O0 -fno-omit-frame-pointer -fno-inline so that the
 * frames stay as written and the frame-pointer chain is intact. */
#include <stdlib.h>
#include <time.h>

#define NOINLINE __attribute__((noinline))

NOINLINE void fg_inner(long ms);
NOINLINE void fg_middle(long ms);
NOINLINE void fg_outer(long ms);

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

NOINLINE void fg_inner(long ms)
{
	long end = now_ms() + ms;
	volatile unsigned long x = 0;
	while (now_ms() < end)
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i;
}

NOINLINE void fg_middle(long ms)
{
	fg_inner(ms);
}

NOINLINE void fg_outer(long ms)
{
	fg_middle(ms);
}

int main(int argc, char **argv)
{
	fg_outer(argc > 1 ? atol(argv[1]) : 1000);
	return 0;
}
