/* procmaps.h - a process's file mappings, as /proc/PID/maps lists them.
 *
 * The path in maps names a file in the process's mount namespace, as it
 * was when mapped: it may have been deleted (" (deleted)"), replaced, or be
 * a different file in ours. The mapping's identity is its device and inode
 * (and the file itself stays reachable through /proc/PID/map_files/START-END
 * while it is mapped): readers key what they read by that identity and open
 * the file through procmaps_open, never by the path alone. */
#ifndef BPFSCRIPT_PROCMAPS_H
#define BPFSCRIPT_PROCMAPS_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct procmap {
	uint64_t start, end, off;
	uint64_t dev;           /* makedev(major, minor) as maps shows it */
	uint64_t ino;
	bool deleted;           /* the path was unlinked (" (deleted)" removed from path) */
	char *path;             /* malloc'd */
};

/* The file-backed mappings (an absolute path and an inode) of pid, in
 * address order, read within RFILE_MAX_PROC (util/rfile.h). Returns their
 * number (*out malloc'd, free with procmaps_free), or -1 when pid is gone. */
int procmaps_read(pid_t pid, struct procmap **out);
void procmaps_free(struct procmap *v, int n);

/* Opens the file of mapping m of pid for reading, as util/rfile.h opens
 * files (never blocking, a regular file of at most max bytes):
 * /proc/PID/map_files/START-END (the mapped file itself, also once deleted
 * or replaced; needs CAP_SYS_ADMIN), else /proc/PID/root/PATH, else PATH in
 * our mount namespace (the process may be gone), when that is still the file
 * mapped (same device and inode). The fd, or -1 with a message in err. */
int procmaps_open(pid_t pid, const struct procmap *m, uint64_t max, uint64_t *size, char *err,
		  size_t errlen);

#endif
