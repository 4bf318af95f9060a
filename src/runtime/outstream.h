/* outstream.h - the program's output stream (stdout or -o FILE) with its
 * writes checked.
 *
 * A stdio stream over the file descriptor whose write function finishes
 * partial writes, retries on EINTR and keeps the first error (EPIPE from a
 * reader that went away, ENOSPC from a full disk or /dev/full, EBADF from a
 * stdout closed at start). stdio forgets why a write failed; the runtime
 * needs it to end the run as bpftrace does: promptly on a closed pipe,
 * with an error naming the file otherwise. */
#ifndef BPFSCRIPT_OUTSTREAM_H
#define BPFSCRIPT_OUTSTREAM_H
#include <stdbool.h>
#include <stdio.h>

struct out_stream {
	int fd;
	bool owns_fd;            /* -o FILE: closed with the stream */
	int err;                 /* errno of the first failed write, 0 while all went through */
	const char *name;        /* "stdout" or the -o path, for messages */
};

/* A buffered stream writing to st->fd (st lives as long as the stream).
 * NULL with errno set when it cannot be made. */
FILE *out_stream_open(struct out_stream *st);

#endif
