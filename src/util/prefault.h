/* prefault.h - grow the malloc heap ahead of a burst of allocations, with its
 * pages made present in one system call.
 *
 * A compiling run is dominated by first touches of memory, not by
 * instructions: LLVM executes ~11 M instructions for `BEGIN { exit(); }`,
 * ~4 ms of CPU, in a ~25 ms run. In a virtual machine every fresh anonymous
 * page costs a fault into the guest kernel and an exit to the hypervisor; on
 * this machine (KVM, paravirtual page tables) a first write to a new page costs
 * ~19 us, a page made present beforehand with MADV_POPULATE_WRITE costs ~1 us
 * to populate plus ~10 us on its first touch (BENCHMARKS.md, "Cold start-up").
 * On bare metal the same call still saves the fault path. */
#ifndef BPFSCRIPT_PREFAULT_H
#define BPFSCRIPT_PREFAULT_H
#include <stddef.h>

/* Makes the next `bytes` of malloc memory present: extends the heap by that
 * much (the block is freed again at once, so malloc hands the same pages out
 * next) and populates the new pages. The first call also keeps large blocks
 * in the heap (no fresh mmap() per block above 128 KiB) and stops glibc from
 * giving the heap's top back on free(). Best effort: does nothing where the
 * kernel lacks MADV_POPULATE_WRITE (before 5.14). */
void heap_prefault(size_t bytes);

#endif
