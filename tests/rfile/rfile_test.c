/* rfile_test.c - unit tests of util/rfile.c: what may be opened on behalf of
 * a user or a traced process, and how far it is read. Each refusal must come
 * at once: a FIFO without a writer would block a plain open(2) (ctest's
 * timeout catches a regression). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/rfile.h"

static int failures;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "line %d: %s\n", __LINE__, #cond);  \
			failures++;                                          \
		}                                                            \
	} while (0)

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");
	if (!f || fwrite(data, 1, len, f) != len) {
		perror(path);
		exit(2);
	}
	fclose(f);
}

int main(void)
{
	char dir[] = "/tmp/rfile_test.XXXXXX", p[256], err[512];
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	size_t len;
	uint64_t size;

	/* a regular file: read whole, NUL-terminated, NULs inside kept */
	snprintf(p, sizeof(p), "%s/ok", dir);
	write_file(p, "ab\0cd", 5);
	char *s = rfile_read(p, 100, &len, err, sizeof(err));
	CHECK(s && len == 5 && !memcmp(s, "ab\0cd", 6));
	free(s);
	int fd = rfile_open(p, 100, &size, err, sizeof(err));
	CHECK(fd >= 0 && size == 5);
	CHECK(fd >= 0 && !(fcntl(fd, F_GETFL) & O_NONBLOCK) && (fcntl(fd, F_GETFD) & FD_CLOEXEC));
	if (fd >= 0)
		close(fd);

	/* larger than the bound: refused, saying so */
	CHECK(!rfile_read(p, 4, &len, err, sizeof(err)) && strstr(err, "it is too large (5 bytes, the limit is 4)"));
	CHECK(rfile_open(p, 4, NULL, err, sizeof(err)) < 0);
	s = rfile_read(p, 5, &len, err, sizeof(err));   /* exactly the bound */
	CHECK(s && len == 5);
	free(s);

	/* a FIFO without a writer: refused at once */
	snprintf(p, sizeof(p), "%s/fifo", dir);
	CHECK(mkfifo(p, 0600) == 0);
	CHECK(rfile_open(p, 100, NULL, err, sizeof(err)) < 0 && strstr(err, "it is a FIFO"));
	CHECK(!rfile_read(p, 100, &len, err, sizeof(err)));
	unlink(p);

	/* devices and directories */
	CHECK(rfile_open("/dev/zero", 100, NULL, err, sizeof(err)) < 0 && strstr(err, "it is a character device"));
	CHECK(rfile_open(dir, 100, NULL, err, sizeof(err)) < 0 && strstr(err, "it is a directory"));

	/* missing: "cannot open", errno kept */
	snprintf(p, sizeof(p), "%s/missing", dir);
	CHECK(rfile_open(p, 100, NULL, err, sizeof(err)) < 0 && !strncmp(err, "cannot open ", 12));

	/* a stream (/dev/zero opened by the caller, as stdin would be): read up
	 * to the bound only */
	fd = open("/dev/zero", O_RDONLY);
	CHECK(fd >= 0 && !rfile_read_fd(fd, "zero", 1 << 20, &len, err, sizeof(err)) &&
	      strstr(err, "zero: it is too large (more than 1048576 bytes)"));
	close(fd);

	/* a /proc file (fstat says size 0): read to its end */
	s = rfile_read("/proc/self/maps", RFILE_MAX_PROC, &len, err, sizeof(err));
	CHECK(s && len > 0 && strstr(s, "rfile_test"));
	free(s);

	snprintf(p, sizeof(p), "%s/ok", dir);
	unlink(p);
	rmdir(dir);
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	return failures != 0;
}
