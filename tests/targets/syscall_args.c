/* syscall_args - system calls whose arguments point into this process, for
 * the address-space tests of tracepoint:syscalls:* (tests/runtime/types_paths.test):
 *
 *   nanosleep(&{0, 1234567}, NULL)               (the raw syscall: glibc's
 *                                                 nanosleep() is clock_nanosleep)
 *   prctl(PR_SET_NAME, (unsigned long)"bpfs-prctl")  an integer argument
 *                                                 holding a user address
 *
 * The name is copied to the stack first so that its page is present when
 * the tracepoint reads it (a probe cannot fault pages in). */
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	struct timespec ts = { 0, 1234567 };
	char name[16];
	strcpy(name, "bpfs-prctl");
	syscall(SYS_nanosleep, &ts, NULL);
	prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
	return 0;
}
