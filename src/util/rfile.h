/* rfile.h - opening and reading files that a user or a traced process
 * controls: traced binaries and libraries, their debug files, BTF files,
 * scripts and their #include files, /proc files.
 *
 * Any of these paths may name a FIFO, a device or a file that grows without
 * end, put there by someone other than the user running bpfscript (an
 * unprivileged user deletes his running program and puts a FIFO at its path).
 * So every such file is opened O_NONBLOCK (open(2) of a FIFO with no writer
 * would block), O_NOCTTY and O_CLOEXEC, checked with fstat(2) to be a regular
 * file no larger than the caller's bound, and read at most that far. Nothing
 * else in bpfscript opens such files. */
#ifndef BPFSCRIPT_RFILE_H
#define BPFSCRIPT_RFILE_H
#include <stddef.h>
#include <stdint.h>

/* Bounds used by the readers (documented in man/bpfscript.8 for scripts). */
#define RFILE_MAX_SCRIPT ((uint64_t)16 << 20)   /* a script or an #include file */
#define RFILE_MAX_ELF    ((uint64_t)16 << 30)   /* an ELF or debug file (mapped, not read) */
#define RFILE_MAX_BTF    ((uint64_t)1 << 30)    /* a BTF file */
#define RFILE_MAX_PROC   ((uint64_t)64 << 20)   /* a /proc file (fstat reports size 0) */
#define RFILE_MAX_COPY   ((uint64_t)512 << 20)  /* an ELF file another user may write: copied */

/* Opens path read-only (O_NONBLOCK|O_NOCTTY|O_CLOEXEC) and checks that it is
 * a regular file of at most max_size bytes. Returns the descriptor and its
 * size in *size (may be NULL), or -1 with a message naming path in err
 * ("cannot open PATH: ..." with errno kept as open(2) set it, or "PATH: it
 * is a FIFO", "PATH: it is too large ..."). */
int rfile_open(const char *path, uint64_t max_size, uint64_t *size, char *err, size_t errlen);

/* Reads fd to its end, at most max bytes, into a malloc'd buffer with a NUL
 * after the data (the data itself may hold NULs); *len gets its length.
 * NULL with a message in err (naming `name`) when reading fails or the data
 * exceeds max. Works for pipes and /proc files too (a bound, not a size). */
char *rfile_read_fd(int fd, const char *name, uint64_t max, size_t *len, char *err, size_t errlen);

/* rfile_open and rfile_read_fd in one: the whole file, at most max bytes. */
char *rfile_read(const char *path, uint64_t max, size_t *len, char *err, size_t errlen);

#endif
