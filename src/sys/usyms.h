/* usyms.h - user-space symbolization: a process's mappings
 * (/proc/PID/maps) and the ELF symbols (.symtab and .dynsym) of the mapped
 * files. Mappings are cached per pid as soon as a pid is seen (the
 * generated code reports new pids, event_abi.h EV_PID_SEEN), so that stacks
 * of processes that have exited since still resolve; ELF symbols are
 * cached per file identity (device and inode, shared by build-id), read
 * through /proc/PID/map_files (sys/procmaps.h), never by reopening the
 * mapped path, from the file's separate debug file (build-id,
 * .gnu_debuglink, under the process's root) when the file is stripped. Names are the symbols' own
 * (mangled); the printer demangles them. */
#ifndef BPFSCRIPT_USYMS_H
#define BPFSCRIPT_USYMS_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads the mappings of pid now (replacing what was cached: the process
 * may have exec'd) and the symbols of the mapped files. 0, or -1 when the
 * process is gone. */
int usyms_cache_pid(pid_t pid);

/* BPFTRACE_CACHE_USER_SYMBOLS: 0 keeps nothing per process (each lookup
 * reads /proc/PID/maps; a process that has exited resolves to nothing);
 * 1 or -1 (auto, the default) caches every process seen, so that its
 * addresses resolve after it exits. */
void usyms_set_cache(int mode);

struct usym {
	const char *name;      /* NULL when unknown */
	uint64_t off;          /* addr - symbol start */
	const char *module;    /* path of the mapped file, NULL when unmapped */
};
/* Resolves addr in pid's address space (reading the mappings again when
 * no cached one contains addr). Returns false when no symbol covers it
 * (module may still be set). */
bool usyms_resolve(pid_t pid, uint64_t addr, struct usym *out);

/* Address (st_value) and size of symbol `name` in ELF file `path`; false
 * when the file or the symbol is missing. */
bool usyms_lookup(const char *path, const char *name, uint64_t *addr, uint64_t *size);

/* Frees every cache (also registered with atexit). */
void usyms_cleanup(void);

#endif
