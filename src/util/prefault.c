/* prefault.c - see prefault.h. */
#define _GNU_SOURCE
#include "util/prefault.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

void heap_prefault(size_t bytes)
{
	static int tuned;
	if (!tuned) {
		tuned = 1;
		/* Blocks up to 32 MiB (glibc's ceiling) come from the heap, which
		 * is populated, and the heap is not trimmed after frees: what was
		 * populated stays for the next burst. */
		mallopt(M_MMAP_THRESHOLD, 32 << 20);
		mallopt(M_TRIM_THRESHOLD, 256 << 20);
	}
	char *old = sbrk(0);
	/* volatile: a malloc() whose result is only freed is otherwise removed */
	void *volatile p = malloc(bytes);
	char *top = sbrk(0);
	free(p);
	if (old == (char *)-1 || top == (char *)-1 || top <= old)
		return;   /* served from memory the heap already had */
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t from = ((uintptr_t)old + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
	if ((uintptr_t)top > from)
		madvise((void *)from, (uintptr_t)top - from, MADV_POPULATE_WRITE);
}
