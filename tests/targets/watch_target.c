/* watch_target [N] [--hw] - writes the 8-byte global wt_counter N times
 * (default 5). Built static and without PIE, so `nm` gives the address a
 * watchpoint needs before the program runs.
 *
 * --hw: first measure the machine itself: count the same N writes with a
 * counting perf hardware breakpoint of our own on wt_counter and print
 * "hw <count>" (N where debug registers work, 0 in VMs that do not pass
 * them through), then do nothing else. */
#define _GNU_SOURCE
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* On a page of its own: exec zeroes the .bss bytes that share the last file-backed page
 * (elf_load -> padzero), and those kernel writes hit a watchpoint attached before the exec
 * (the -c child), in bpftrace as in bpfscript. Page-aligned, the counter lies past them, so
 * the program's own N writes are all a watchpoint sees. */
volatile long wt_counter __attribute__((aligned(4096)));

static void writes(int n)
{
	for (int i = 0; i < n; i++)
		wt_counter = i + 1;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5;
	if (argc > 2 && !strcmp(argv[2], "--hw")) {
		struct perf_event_attr a;
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.type = PERF_TYPE_BREAKPOINT;
		a.bp_type = HW_BREAKPOINT_W;
		a.bp_addr = (unsigned long)&wt_counter;
		a.bp_len = HW_BREAKPOINT_LEN_8;
		a.disabled = 1;
		int fd = (int)syscall(__NR_perf_event_open, &a, 0, -1, -1, 0);
		long long count = 0;
		if (fd >= 0) {
			ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
			writes(n);
			ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
			if (read(fd, &count, sizeof(count)) != sizeof(count))
				count = 0;
			close(fd);
		}
		printf("hw %lld\n", count);
		return 0;
	}
	writes(n);
	return 0;
}
