/* cgroup.c - cgroup ids to paths, for cgroup_path() (bpftrace's
 * util/cgroup.cpp get_cgroup_paths, same output).
 *
 * A cgroup v2 id (bpf_get_current_cgroup_id, the `cgroup` builtin) is the
 * kernfs node id of the cgroup's directory, which is also its inode number.
 * So the path is found by walking each mounted hierarchy (cgroup2 mounts
 * named "unified", v1 mounts by their mount point's last component) for an
 * entry with that inode number, pre-order in readdir order as bpftrace's
 * recursive_directory_iterator does. v1 hierarchies number their own nodes,
 * so they may name an unrelated entry; bpftrace prints that too. A found
 * path is cached while it still has that inode number. */
#define _GNU_SOURCE
#include "sys/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/arena.h"

struct cg_root {
	char *name;    /* "unified", "cpu", ... */
	char *mnt;     /* mount point */
	bool v2;
	char *path;    /* found path, "" when none */
};

#define CACHE_N 64
static struct cache_ent {
	uint64_t id;
	char *mnt, *path;
} cache[CACHE_N];
static int cache_next;
static bool cache_atexit;

static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = xrealloc(NULL, la + lb + 1);
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

static void cache_free(void)
{
	for (int i = 0; i < CACHE_N; i++) {
		free(cache[i].mnt);
		free(cache[i].path);
		cache[i].mnt = cache[i].path = NULL;
	}
}

/* bpftrace's wildcard_match: '*' matches any run of characters. */
static bool wild(const char *p, const char *s)
{
	for (; *p; p++, s++) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (!*p)
				return true;
			for (; *s; s++)
				if (wild(p, s))
					return true;
			return false;
		}
		if (*p != *s)
			return false;
	}
	return !*s;
}

/* Depth-first search below dir (the path `rel` under the mount) for an
 * entry with inode `id`; 1 found (*out set), 0 not found, -1 stop (an
 * entry that cannot be stat'ed ends the search, as in bpftrace). */
static int walk(int dirfd, const char *rel, uint64_t id, char **out, int depth)
{
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return 0;
	}
	int r = 0;
	struct dirent *e;
	while (!r && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dirfd, e->d_name, &st, 0) < 0) {
			r = -1;
			break;
		}
		char *dir = join(rel, "/");
		char *path = join(dir, e->d_name);
		free(dir);
		/* a cgroup is a directory: a control file of another hierarchy (a
		 * filesystem of its own) may carry the same inode number */
		if (S_ISDIR(st.st_mode) && (uint64_t)st.st_ino == id) {
			*out = path;
			r = 1;
			break;
		}
		struct stat lst;
		if (depth < 64 && fstatat(dirfd, e->d_name, &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(lst.st_mode)) {
			int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (sub >= 0)
				r = walk(sub, path, id, out, depth + 1);
		}
		free(path);
	}
	closedir(d);
	return r;
}

static char *path_in(uint64_t id, const char *mnt)
{
	struct stat st;
	for (int i = 0; i < CACHE_N; i++) {
		if (!cache[i].mnt || cache[i].id != id || strcmp(cache[i].mnt, mnt))
			continue;
		char *full = join(mnt, cache[i].path);
		bool ok = stat(full, &st) == 0 && (uint64_t)st.st_ino == id;
		free(full);
		if (ok)
			return xstrdup(cache[i].path);
	}
	char *found = NULL;
	if (stat(mnt, &st) == 0 && (uint64_t)st.st_ino == id) {
		found = xstrdup("/");
	} else {
		int fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 && walk(fd, "", id, &found, 0) != 1)
			found = NULL;
	}
	if (!found)
		return xstrdup("");
	struct cache_ent *c = &cache[cache_next];
	cache_next = (cache_next + 1) % CACHE_N;
	free(c->mnt);
	free(c->path);
	c->id = id;
	c->mnt = xstrdup(mnt);
	c->path = xstrdup(found);
	if (!cache_atexit) {
		cache_atexit = true;
		atexit(cache_free);
	}
	return found;
}

static int cmp_v1(const void *a, const void *b)
{
	const struct cg_root *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->path, y->path);
}

char *cgroup_paths(uint64_t id, const char *filter)
{
	if (!filter)
		filter = "*";
	struct cg_root *roots = NULL;
	int n = 0, cap = 0;
	FILE *f = fopen("/proc/mounts", "re");
	char *line = NULL;
	size_t len = 0;
	while (f && getline(&line, &len, f) > 0) {
		char src[256], mnt[4096], fstype[64];
		if (sscanf(line, "%255s %4095s %63s", src, mnt, fstype) != 3)
			continue;
		bool v2 = !strcmp(fstype, "cgroup2");
		if (!v2 && strcmp(fstype, "cgroup"))
			continue;
		struct stat st;
		if (stat(mnt, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		const char *slash = strrchr(mnt, '/');
		const char *name = v2 ? "unified" : slash ? slash + 1 : mnt;
		if (!wild(filter, name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			roots = xrealloc(roots, sizeof(*roots) * (size_t)cap);
		}
		roots[n].name = xstrdup(name);
		roots[n].mnt = xstrdup(mnt);
		roots[n].v2 = v2;
		roots[n].path = path_in(id, mnt);
		n++;
	}
	free(line);
	if (f)
		fclose(f);
	/* cgroup2 mounts first, in mount order; then v1 sorted by name, path */
	struct cg_root *sorted = xrealloc(NULL, sizeof(*sorted) * (size_t)(n ? n : 1));
	int k = 0;
	for (int i = 0; i < n; i++)
		if (roots[i].v2)
			sorted[k++] = roots[i];
	int v1 = k;
	for (int i = 0; i < n; i++)
		if (!roots[i].v2)
			sorted[k++] = roots[i];
	qsort(sorted + v1, (size_t)(n - v1), sizeof(*sorted), cmp_v1);
	size_t total = 1;
	for (int i = 0; i < n; i++)
		total += strlen(sorted[i].name) + strlen(sorted[i].path) + 2;
	char *out = xrealloc(NULL, total), *p = out;
	*p = 0;
	for (int i = 0; i < n; i++) {
		if (*sorted[i].path)
			p += sprintf(p, "%s%s:%s", p == out ? "" : ",", sorted[i].name, sorted[i].path);
		free(sorted[i].name);
		free(sorted[i].mnt);
		free(sorted[i].path);
	}
	free(sorted);
	free(roots);
	return out;
}
