/* openat_n PATH [N]: calls openat(AT_FDCWD, PATH, O_RDONLY) exactly N times (default 1),
 * closing each descriptor it gets, and exits 0 (also when PATH does not exist).
 * Built static (when possible) so that the only openat calls are these. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *end;
	long n = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: openat_n PATH [N]\n");
		return 2;
	}
	if (argc > 2) {
		n = strtol(argv[2], &end, 10);
		if (*end != '\0' || n < 0) {
			fprintf(stderr, "openat_n: bad count '%s'\n", argv[2]);
			return 2;
		}
	}
	for (long i = 0; i < n; i++) {
		int fd = openat(AT_FDCWD, argv[1], O_RDONLY);

		if (fd >= 0)
			close(fd);
	}
	return 0;
}
