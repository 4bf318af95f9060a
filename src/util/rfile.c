/* rfile.c - opening and reading files that others control (see rfile.h). */
#define _GNU_SOURCE
#include "util/rfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

int rfile_open(const char *path, uint64_t max_size, uint64_t *size, char *err, size_t errlen)
{
	/* a device is not even opened (opening one may act: a tape rewinds);
	 * what is swapped in after this check is caught by fstat below */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: it is %s", path, kind(st.st_mode));
		return -1;
	}
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot stat %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: it is %s", path, kind(st.st_mode));
		close(fd);
		return -1;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > max_size) {
		snprintf(err, errlen, "%s: it is too large (%lld bytes, the limit is %llu)", path,
			 (long long)st.st_size, (unsigned long long)max_size);
		close(fd);
		return -1;
	}
	/* a regular file never blocks: reads see no difference, but be plain */
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	if (size)
		*size = (uint64_t)st.st_size;
	return fd;
}

char *rfile_read_fd(int fd, const char *name, uint64_t max, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	size_t cap = 4096;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size <= max)
		cap = (size_t)st.st_size + 1;
	char *buf = malloc(cap);
	size_t n = 0;
	for (;;) {
		if (!buf) {
			snprintf(err, errlen, "cannot read %s: out of memory", name);
			return NULL;
		}
		if (n + 1 == cap) {
			if (n > max)
				break;
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
			continue;
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "cannot read %s: %s", name, strerror(errno));
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max)
			break;
	}
	if (n > max) {
		snprintf(err, errlen, "%s: it is too large (more than %llu bytes)", name, (unsigned long long)max);
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

char *rfile_read(const char *path, uint64_t max, size_t *len, char *err, size_t errlen)
{
	int fd = rfile_open(path, max, NULL, err, errlen);
	if (fd < 0)
		return NULL;
	char *s = rfile_read_fd(fd, path, max, len, err, errlen);
	close(fd);
	return s;
}
