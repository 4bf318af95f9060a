/* procmaps.c - a process's file mappings (see procmaps.h). */
#define _GNU_SOURCE
#include "sys/procmaps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "util/arena.h"
#include "util/rfile.h"

int procmaps_read(pid_t pid, struct procmap **out)
{
	char fn[64], err[160];
	snprintf(fn, sizeof(fn), "/proc/%d/maps", (int)pid);
	*out = NULL;
	size_t len;
	char *text = rfile_read(fn, RFILE_MAX_PROC, &len, err, sizeof(err));
	if (!text)
		return -1;
	struct procmap *v = NULL;
	int n = 0, cap = 0;
	for (char *line = text, *next; *line; line = next) {
		/* start-end perms offset major:minor inode   path */
		char *nl = strchr(line, '\n');
		next = nl ? nl + 1 : line + strlen(line);
		if (nl)
			*nl = 0;
		unsigned long long start, end, off, ino;
		unsigned maj, min;
		int pos = 0;
		if (sscanf(line, "%llx-%llx %*s %llx %x:%x %llu %n", &start, &end, &off, &maj, &min, &ino, &pos) < 6 ||
		    !pos || !ino || line[pos] != '/')
			continue;
		char *path = line + pos;
		size_t pl = strlen(path);
		static const char del[] = " (deleted)";
		bool deleted = pl > sizeof(del) - 1 && !strcmp(path + pl - (sizeof(del) - 1), del);
		if (deleted)
			path[pl - (sizeof(del) - 1)] = 0;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, sizeof(*v) * (size_t)cap);
		}
		v[n++] = (struct procmap){ start, end, off, makedev(maj, min), ino, deleted, xstrdup(path) };
	}
	free(text);
	*out = v;
	return n;
}

void procmaps_free(struct procmap *v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

int procmaps_open(pid_t pid, const struct procmap *m, uint64_t max, uint64_t *size, char *err,
		  size_t errlen)
{
	char p[4200];
	snprintf(p, sizeof(p), "/proc/%d/map_files/%llx-%llx", (int)pid, (unsigned long long)m->start,
		 (unsigned long long)m->end);
	int fd = rfile_open(p, max, size, err, errlen);
	if (fd >= 0)
		return fd;
	/* without CAP_SYS_ADMIN, or the mapping (the process) is gone: the
	 * path in the process's own mount namespace, else in ours, if it is
	 * still the file mapped */
	if (m->deleted)
		return -1;
	for (int i = 0; i < 2; i++) {
		if (i == 0)
			snprintf(p, sizeof(p), "/proc/%d/root%s", (int)pid, m->path);
		else
			snprintf(p, sizeof(p), "%s", m->path);
		fd = rfile_open(p, max, size, err, errlen);
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == m->dev && st.st_ino == m->ino)
			return fd;
		if (fd >= 0) {
			snprintf(err, errlen, "%s is no longer the file that process %d maps", m->path, (int)pid);
			close(fd);
		}
	}
	return -1;
}
