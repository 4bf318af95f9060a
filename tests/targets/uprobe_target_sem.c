/* The one USDT probe of uprobe_target that has a semaphore. sys/sdt.h decides per translation
 * unit whether probes carry a semaphore, so it lives in its own file. */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

void ut_fire_guarded(int iter);

/* Non-zero while a tracer is attached to bpfscript_test:guarded (the kernel or the tracer
 * increments it through the note's semaphore address). */
__extension__ unsigned short bpfscript_test_guarded_semaphore __attribute__((unused, section(".probes")));

__attribute__((noinline)) void ut_fire_guarded(int iter)
{
	if (bpfscript_test_guarded_semaphore)
		DTRACE_PROBE1(bpfscript_test, guarded, iter);
}
