/* outstream.c - the program's output stream (see outstream.h). */
#define _GNU_SOURCE
#include "runtime/outstream.h"

#include <errno.h>
#include <unistd.h>

static ssize_t out_write(void *cookie, const char *buf, size_t size)
{
	struct out_stream *st = cookie;
	if (st->err) {
		errno = st->err;
		return -1;
	}
	size_t done = 0;
	while (done < size) {
		ssize_t n = write(st->fd, buf + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			st->err = n < 0 ? errno : EIO;
			errno = st->err;
			return done ? (ssize_t)done : -1;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static int out_close(void *cookie)
{
	struct out_stream *st = cookie;
	return st->owns_fd ? close(st->fd) : 0;
}

FILE *out_stream_open(struct out_stream *st)
{
	cookie_io_functions_t io = { .write = out_write, .close = out_close };
	return fopencookie(st, "w", io);
}
