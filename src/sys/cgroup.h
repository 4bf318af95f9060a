/* cgroup.h - cgroup ids to paths, for cgroup_path(). */
#ifndef BPFSCRIPT_CGROUP_H
#define BPFSCRIPT_CGROUP_H
#include <stdint.h>

/* The paths of cgroup `id` (a cgroup v2 id: the inode number of its
 * directory) in every mounted cgroup hierarchy whose name matches `filter`
 * ('*' wildcards; NULL = "*"), as bpftrace prints cgroup_path():
 * "unified:/a/b" for each cgroup2 mount, then "NAME:/path" for each v1
 * hierarchy (NAME = the mount point's last component), sorted, joined by
 * ','; hierarchies without a match are left out. malloc'd; never NULL. */
char *cgroup_paths(uint64_t id, const char *filter);

#endif
