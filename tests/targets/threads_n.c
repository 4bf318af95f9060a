/* threads_n N: creates N threads one after the other with pthread_create(3)
 * (start routine `thread_main`), joins each, and exits 0. Dynamically linked:
 * pthread_create is libc.so.6's, where threadsnoop's
 * uprobe:libpthread:pthread_create lands (glibc 2.34 and later). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void *thread_main(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	char *end;
	long n = argc > 1 ? strtol(argv[1], &end, 10) : 1;

	if (argc > 1 && (*end != '\0' || n < 0)) {
		fprintf(stderr, "threads_n: bad count '%s'\n", argv[1]);
		return 2;
	}
	for (long i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, thread_main, NULL) != 0 || pthread_join(t, NULL) != 0) {
			perror("threads_n: pthread_create");
			return 1;
		}
	}
	return 0;
}
