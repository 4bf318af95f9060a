/* load.h - kernel objects: map creation and program loading. */
#ifndef BPFSCRIPT_LOAD_H
#define BPFSCRIPT_LOAD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "ast/program.h"
#include "runtime/runtime.h"

/* What loading works with: the program description, the runtime tables it
 * fills (map, program and ring fds) and the globals' first values. */
struct loader {
	const struct probe_env *env;
	struct program *prog;
	struct rt *rt;
	struct diag *diag;
	uint64_t start_ns;       /* G_START_NS: CLOCK_BOOTTIME at start (`elapsed`) */
	pid_t cpid;              /* G_CPID: the -c child */
	bool dump_verifier;      /* -d verifier: print every program's verifier log */
};

/* Creates the kernel map of every script map and the globals array, and
 * reserves the ring buffer's fd number (the ring itself is made by
 * load_programs, once codegen or the cache has said what the programs send).
 * Returns 0, or -1 after a diagnostic. */
int load_maps(struct loader *L);
/* Creates the output ring, then loads the program of each unit from the ELF
 * object. Verifier rejections are reported against the probe with the
 * verifier's last lines (or at the source, where a builtin explains them). */
int load_programs(struct loader *L, const void *obj, size_t len);
/* MemAvailable of /proc/meminfo in bytes, or 0 when unknown. */
uint64_t load_mem_available(void);
/* The fd of the extra map `name` (struct rt_extra_map), created with these
 * parameters on the first request; later requests return the same fd.
 * Returns -1 with errno set when the kernel refuses it. */
int load_extra_map(struct rt *rt, const char *name, int type, int key_size, int val_size,
		   int max_entries);
/* The fd of an existing extra map, or -1. */
int load_extra_map_fd(const struct rt *rt, const char *name);
/* Closes every map and program fd of the run. */
void load_close(struct rt *rt);

#endif
