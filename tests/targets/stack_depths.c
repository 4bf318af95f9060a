/* stack_depths N [MS] - N distinct user stacks.
 *
 * For d = 1..N, sd_recurse calls itself down to depth d and makes one
 * getppid(2) call there through an inline `syscall` instruction: N getppid
 * calls, each from a stack of a different depth, so a stack map with
 * fewer than N slots cannot hold them all. It then sleeps MS milliseconds
 * (default 300) so that a tracer can read its mappings. Built with -O0
 * -fno-omit-frame-pointer (tests/kernel_probes.cmake). */
#include <stdlib.h>
#include <time.h>

__attribute__((noinline)) void sd_recurse(int depth);

__attribute__((noinline)) void sd_recurse(int depth)
{
	if (depth > 1) {
		sd_recurse(depth - 1);
		return;
	}
	long r = 110;   /* __NR_getppid on x86-64 */
	__asm__ volatile("syscall" : "+a"(r) : : "rcx", "r11", "memory");
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	long ms = argc > 2 ? atol(argv[2]) : 300;
	for (int d = 1; d <= n; d++)
		sd_recurse(d);
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
	return 0;
}
