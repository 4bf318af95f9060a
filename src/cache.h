/* cache.h - the compiled-object cache.
 *
 * Running the same script again skips code generation (and with it LLVM):
 * the BPF object of a run whose programs loaded is kept in the user's cache
 * directory and taken from there by the next run with the same inputs.
 *
 * Key (the entry's file name is its hash; the entry keeps the key itself,
 * compared byte for byte): the script text, the positional parameters,
 * every option and setting that changes what sema or codegen produce (-k,
 * --unsafe, -c / -p present, STRLEN, MAP_KEYS_MAX, CAT_BYTES_MAX, BTF,
 * --include files...), the kernel (uname, /sys/kernel/btf/vmlinux size and
 * mtime, possible CPUs) and the bpfscript build (the executable's GNU build
 * id, or a hash of its bytes). Run-specific values never reach the code as
 * constants: start time, -c pid and -p pid come from the globals map, and
 * map fds are rewritten (below). Values of the system that sema resolved
 * and the code bakes in (cgroupid, kaddr, uaddr: program.resolved) are part
 * of the key; a builtin that must bake in a value the key cannot cover sets
 * program.no_cache.
 *
 * Entry: a header (magic, version, key hash, lengths, checksum), the key,
 * the map slots and the ELF object. In the stored object the imm of every
 * ld_imm64 that loads a map (BPF_PSEUDO_MAP_FD/VALUE) is a slot number, not
 * an fd: slot = ring buffer, globals, script map N or extra map NAME; a hit
 * puts this run's fds back. The entry also records fingerprints of what
 * sema decided (programs, attach points and the files they name, maps,
 * printf layouts), checked before the object is used, so a kernel whose
 * tracepoints or BTF changed under the same key, or a rebuilt uprobe/usdt
 * binary, recompiles instead of loading a stale object.
 *
 * Where: $BPFSCRIPT_CACHE_DIR, else $XDG_CACHE_HOME/bpfscript, else
 * ~/.cache/bpfscript (root: /root/.cache/bpfscript). The directory must be
 * the user's and writable by nobody else, or the cache is off: what is
 * loaded from it runs in the kernel. BPFSCRIPT_NO_CACHE=1 turns it off, and
 * so do -d and --emit-*. Entries are written to a temporary file and
 * renamed, so concurrent runs see whole entries or none; a damaged entry
 * is ignored and replaced. The directory keeps at most CACHE_MAX_ENTRIES
 * entries / CACHE_MAX_BYTES, least recently used first out. -v says
 * "cache: hit PATH", "cache: miss PATH", "cache: stored PATH" or
 * "cache: off (why)" on stderr. */
#ifndef BPFSCRIPT_CACHE_H
#define BPFSCRIPT_CACHE_H
#include <stddef.h>

struct driver;

#define CACHE_MAX_ENTRIES 512
#define CACHE_MAX_BYTES (64u << 20)

struct cache;

/* The cache of this run (after sema and load_maps: the key covers what
 * sema read). NULL when the cache is off; -v says why. */
struct cache *cache_open(struct driver *drv);

/* Looks the run up (its units already typed: sema_units). On a hit, puts
 * this run's map fds into the object and returns 1 with the object in *obj
 * (malloc'd). Returns 0 on a miss (compile as usual); -1 is reserved for a
 * failure after a diagnostic. */
int cache_lookup(struct cache *c, struct driver *drv, void **obj, size_t *objlen);

/* Stores the object this run compiled, once its programs have loaded. A
 * failure to store is reported with -v only. */
void cache_store(struct cache *c, struct driver *drv, const void *obj, size_t objlen);

void cache_close(struct cache *c);

#endif
