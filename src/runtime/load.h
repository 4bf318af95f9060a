/* load.h - kernel objects: map creation and program loading. */
#ifndef BPFSCRIPT_LOAD_H
#define BPFSCRIPT_LOAD_H
#include <stddef.h>
#include "driver.h"
#include "ast/sema.h"

/* Creates the kernel map of every script map, the ring buffer and the
 * globals array. Returns 0, or -1 after a diagnostic. */
int load_maps(struct driver *drv);
/* Loads the program of each unit from the ELF object. Verifier rejections
 * are reported against the probe with the verifier's last lines. */
int load_programs(struct driver *drv, const void *obj, size_t len, struct prog_unit *units, int n);
/* Closes every map and program fd of the run. */
void load_close(struct driver *drv);

#endif
