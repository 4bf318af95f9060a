/* load.h - kernel objects: map creation and program loading. */
#ifndef BPFSCRIPT_LOAD_H
#define BPFSCRIPT_LOAD_H
#include <stddef.h>
#include "driver.h"
#include "sema/sema.h"

/* Creates the kernel map of every script map and the globals array, and
 * reserves the ring buffer's fd number (the ring itself is made by
 * load_programs, once codegen or the cache has said what the programs send).
 * Returns 0, or -1 after a diagnostic. */
int load_maps(struct driver *drv);
/* Creates the output ring, then loads the program of each unit from the ELF
 * object. Verifier rejections are reported against the probe with the
 * verifier's last lines. */
int load_programs(struct driver *drv, const void *obj, size_t len, struct prog_unit *units, int n);
/* The fd of the extra map `name` (struct rt_extra_map), created with these
 * parameters on the first request; later requests return the same fd.
 * Returns -1 with errno set when the kernel refuses it. */
int load_extra_map(struct rt *rt, const char *name, int type, int key_size, int val_size,
		   int max_entries);
/* The fd of an existing extra map, or -1. */
int load_extra_map_fd(const struct rt *rt, const char *name);
/* Closes every map and program fd of the run. */
void load_close(struct driver *drv);

#endif
