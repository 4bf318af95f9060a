/* cache.c - the compiled-object cache (see cache.h for the contract).
 *
 * Layout of an entry file, all fields in host byte order:
 *
 *   struct entry_hdr                  magic, version, key hash, fingerprints,
 *                                     lengths, checksum of everything after it
 *   key bytes          key_len        the whole key, compared on lookup
 *   struct slot[]      nslots         what each map slot of the object is
 *   ELF object         obj_len        map loads carry slot numbers
 *
 * Nothing in an entry is trusted before the checksum and the key matched;
 * even then every offset in the object is bounds-checked before use. */
#define _GNU_SOURCE
#include "cache.h"
#include "driver.h"
#include "codegen/plugin.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <llvm/Config/llvm-config.h>
#include "runtime/bpfobj.h"
#include "runtime/load.h"
#include "sema/sema.h"
#include "util/rfile.h"

#define CACHE_VERSION 2
#define ENTRY_SUFFIX ".bpfc"
#define TMP_PREFIX ".tmp."
static const char entry_magic[8] = { 'B', 'P', 'F', 'S', 'C', 'C', '\r', '\n' };

struct entry_hdr {
	char magic[8];
	uint32_t version, hdr_size;
	uint64_t key_hash;
	uint64_t fp_pre, fp_post;   /* fingerprints before / after the re-typing */
	uint32_t key_len, nslots, obj_len, reserved;
	uint64_t sum;               /* FNV-1a of the header (sum = 0) and all that follows */
};

enum slot_kind { SLOT_RINGBUF = 1, SLOT_GLOBALS, SLOT_MAP, SLOT_EXTRA, SLOT_PRIVATE };

/* SLOT_PRIVATE: a map that codegen made for the BPF code alone (the runtime
 * never reads it), re-created from its kernel description on a hit. Only
 * the names listed here: a map of any other origin makes the run
 * uncacheable rather than wrong. */
static const char *const private_maps[] = { "scratch", NULL };

struct slot {
	uint32_t kind;
	int32_t index;                                  /* SLOT_MAP: index in rt.maps; SLOT_RINGBUF: full size */
	int32_t type, key_size, val_size, max_entries;  /* SLOT_EXTRA, SLOT_PRIVATE: how to create it */
	char name[32];                                  /* SLOT_EXTRA, SLOT_PRIVATE */
};

struct buf {
	uint8_t *p;
	size_t n, cap;
};

struct cache {
	char *dir, *path;
	struct buf key;
	uint64_t key_hash, fp_pre;
	bool verbose;
};

/* ---- hashing and buffers ---------------------------------------------- */

#define FNV0 0xcbf29ce484222325ull

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	s = s ? s : "";
	return fnv(h, s, strlen(s) + 1);
}

static uint64_t fnv_int(uint64_t h, int64_t v)
{
	return fnv(h, &v, sizeof(v));
}

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 256;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void put_u64(struct buf *b, uint64_t v)
{
	put(b, &v, sizeof(v));
}

/* Length-prefixed, so that no two different sequences of fields give the
 * same bytes; NULL differs from "". */
static void put_bytes(struct buf *b, const void *p, size_t n)
{
	put_u64(b, p ? n : ~0ull);
	if (p)
		put(b, p, n);
}

static void put_str(struct buf *b, const char *s)
{
	put_bytes(b, s, s ? strlen(s) : 0);
}

static void put_stat(struct buf *b, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		put_u64(b, ~0ull);
		return;
	}
	put_u64(b, (uint64_t)st.st_dev);
	put_u64(b, (uint64_t)st.st_ino);
	put_u64(b, (uint64_t)st.st_size);
	put_u64(b, (uint64_t)st.st_mtim.tv_sec);
	put_u64(b, (uint64_t)st.st_mtim.tv_nsec);
}

/* Appends a whole file's bytes (length-prefixed); a missing file differs
 * from an empty one. Returns -1 when it cannot be read. */
static int put_file(struct buf *b, const char *path)
{
	char why[PATH_MAX + 128];
	int fd = rfile_open(path, RFILE_MAX_ELF, NULL, why, sizeof(why));   /* never a FIFO */
	FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		put_u64(b, ~0ull);
		return -1;
	}
	struct buf c = { 0 };
	char tmp[65536];
	size_t r;
	while ((r = fread(tmp, 1, sizeof(tmp), f)) > 0)
		put(&c, tmp, r);
	int err = ferror(f);
	fclose(f);
	put_bytes(b, c.p ? c.p : (uint8_t *)"", c.n);
	free(c.p);
	return err ? -1 : 0;
}

/* ---- the key ------------------------------------------------------------ */

struct build_id {
	const uint8_t *p;
	size_t n;
};

/* The GNU build id note of the executable (the first object listed). */
static int build_id_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct build_id *bid = arg;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		size_t align = ph->p_align == 8 ? 8 : 4;
		const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
		while ((size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
			const ElfW(Nhdr) *nh = (const void *)p;
			size_t name = (nh->n_namesz + align - 1) & ~(align - 1);
			size_t desc = (nh->n_descsz + align - 1) & ~(align - 1);
			if ((size_t)(end - p) < sizeof(*nh) + name + nh->n_descsz)
				break;
			const uint8_t *d = p + sizeof(*nh) + name;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(p + sizeof(*nh), "GNU", 4)) {
				bid->p = d;
				bid->n = nh->n_descsz;
				return 1;
			}
			if ((size_t)(end - d) < desc)
				break;
			p = d + desc;
		}
	}
	return 1;   /* only the first object: the executable */
}

/* The bpfscript build: the build id the linker computed from the
 * executable's contents, or, without one, a hash of the executable. */
static void put_build(struct buf *b)
{
	struct build_id bid = { 0 };
	dl_iterate_phdr(build_id_cb, &bid);
	put_str(b, "build");
	if (bid.n) {
		put_bytes(b, bid.p, bid.n);
	} else {
		struct buf exe = { 0 };
		put_file(&exe, "/proc/self/exe");
		put_u64(b, fnv(FNV0, exe.p, exe.n));
		free(exe.p);
	}
	put_str(b, BPFSCRIPT_VERSION);
	put_str(b, LLVM_VERSION_STRING);
	char plugin[PATH_MAX + 64];
	if (cg_plugin_path(plugin, sizeof(plugin)) == 0)
		put_stat(b, plugin);   /* the code generator, when it is a file of its own */
}

static void put_kernel(struct buf *b, struct driver *drv)
{
	struct utsname u;
	put_str(b, "kernel");
	if (uname(&u) == 0) {
		put_str(b, u.sysname);
		put_str(b, u.release);
		put_str(b, u.version);
		put_str(b, u.machine);
	}
	put_stat(b, "/sys/kernel/btf/vmlinux");
	put_u64(b, (uint64_t)drv->rt.ncpus);
}

/* Every option that can change what sema or codegen produce. Options that
 * only change how the run behaves (-o, -f, -B, -q, -v, --dry-run, the
 * -p and -c values) stay out, so their runs share an entry. */
static int put_options(struct buf *b, struct driver *drv)
{
	const struct options *o = drv->opt;
	put_str(b, "options");
	put_u64(b, (uint64_t)drv->prog.set.strlen);
	put_u64(b, (uint64_t)drv->prog.set.map_keys_max);
	put_u64(b, (uint64_t)drv->prog.set.stack_keys_max);
	put_u64(b, (uint64_t)o->cat_bytes_max);
	put_u64(b, (uint64_t)o->warning_level);
	put_u64(b, o->unsafe);
	put_u64(b, o->usdt_file_activation);
	put_u64(b, o->pid > 0);
	put_u64(b, o->cmd != NULL);
	put_u64(b, (uint64_t)o->nparams);
	for (int i = 0; i < o->nparams; i++)
		put_str(b, o->params[i]);
	put_str(b, o->btf);
	if (o->btf)
		put_stat(b, o->btf);
	for (int i = 0; o->include_dirs && o->include_dirs[i]; i++)
		put_str(b, o->include_dirs[i]);
	put_str(b, "files");
	for (int i = 0; o->include_files && o->include_files[i]; i++) {
		put_str(b, o->include_files[i]);
		if (put_file(b, o->include_files[i]) < 0)
			return -1;
	}
	put_str(b, "system headers");
	for (int i = 0; i < drv->sys_headers.n; i++) {
		put_str(b, drv->sys_headers.v[i]);
		put_stat(b, drv->sys_headers.v[i]);
	}
	put_str(b, "resolved");
	for (int i = 0; i < drv->prog.resolved.n; i++)
		put_str(b, drv->prog.resolved.v[i]);
	put_str(b, "source");
	put_bytes(b, drv->src.text, (size_t)drv->src.len);
	return 0;
}

/* ---- fingerprints of what sema decided -------------------------------- */

static uint64_t fp_type(uint64_t h, struct driver *drv, const struct type *t)
{
	return fnv_str(h, t ? type_name(&drv->arena, t) : NULL);
}

/* A file an attach point names (uprobe, usdt: the binary): code generated
 * for it may depend on its contents (USDT argument locations), so a
 * rebuilt binary is a different program. prev: the previous attach
 * point's target, not stat'ed again. */
static uint64_t fp_target(uint64_t h, const char *target, const char *prev)
{
	if (!target || target[0] != '/' || (prev && !strcmp(prev, target)))
		return h;
	struct stat st;
	if (stat(target, &st) < 0)
		return fnv_int(h, -1);
	h = fnv_int(h, (int64_t)st.st_dev);
	h = fnv_int(h, (int64_t)st.st_ino);
	h = fnv_int(h, (int64_t)st.st_size);
	h = fnv_int(h, (int64_t)st.st_mtim.tv_sec);
	return fnv_int(h, (int64_t)st.st_mtim.tv_nsec);
}

/* Programs, attach points and maps; with post, also the printf layouts and
 * print() types, which the per-attach-point re-typing extends. */
static uint64_t fingerprint(struct driver *drv, const struct prog_unit *units, int nunits, bool post)
{
	uint64_t h = fnv_int(FNV0, nunits);
	for (int i = 0; i < nunits; i++) {
		const struct prog_unit *u = &units[i];
		h = fnv_str(h, u->section);
		h = fnv_int(h, u->naps);
		h = fnv_int(h, u->retype);
		for (int k = 0; k < u->naps; k++) {
			h = fnv_str(h, u->aps[k]->name);
			h = fnv_str(h, u->aps[k]->pt->name);
			h = fnv_int(h, u->aps[k]->pt->prog_type);
			h = fnv_int(h, u->aps[k]->id);
			h = fp_target(h, u->aps[k]->target, k ? u->aps[k - 1]->target : NULL);
		}
	}
	const struct rt *rt = &drv->rt;
	h = fnv_int(h, rt->nmaps);
	for (int i = 0; i < rt->nmaps; i++) {
		const struct rt_map *m = rt->maps[i];
		h = fnv_str(h, m->name);
		h = fnv_int(h, m->key_size);
		h = fnv_int(h, m->val_size);
		h = fnv_int(h, m->max_entries);
		h = fnv_int(h, m->percpu);
		h = fnv_int(h, m->type);
		h = fp_type(h, drv, m->key);
		h = fp_type(h, drv, m->val);
	}
	h = fnv_int(h, drv->prog.printfs.n);
	h = fnv_int(h, drv->prog.values.n);
	if (!post)
		return h;
	for (int i = 0; i < drv->prog.printfs.n; i++) {
		const struct rt_printf *pf = drv->prog.printfs.v[i];
		h = fnv_str(h, pf->fmt);
		h = fnv_int(h, pf->nargs);
		h = fnv_int(h, pf->size);
		for (int k = 0; k < pf->nargs; k++) {
			h = fp_type(h, drv, pf->args[k]);
			h = fnv_int(h, pf->offsets[k]);
		}
	}
	for (int i = 0; i < drv->prog.values.n; i++)
		h = fp_type(h, drv, drv->prog.values.v[i]);
	return h;
}

/* ---- map loads in the object ------------------------------------------- */

/* Calls fn on every ld_imm64 that loads a map, in every executable section
 * of the ELF object (runtime/bpfobj.h). Returns -1 when the object is
 * malformed or fn fails. */
static int each_map_load(void *obj, size_t len, int (*fn)(struct bpf_insn *insn, void *arg), void *arg)
{
	struct arena a = { 0 };
	struct bpfobj o;
	int rc = bpfobj_index(&o, &a, obj, len);
	for (int i = 0; rc == 0 && i < o.nsec; i++) {
		const struct bpfobj_sec *sec = &o.sec[i];
		if (!sec->exec || !sec->size)
			continue;
		if (!sec->in_file || sec->off % 8 || sec->size % sizeof(struct bpf_insn)) {
			rc = -1;
			break;
		}
		struct bpf_insn *insn = (struct bpf_insn *)((char *)obj + sec->off);
		size_t n = sec->size / sizeof(*insn);
		for (size_t k = 0; rc == 0 && k < n; k++) {
			if (insn[k].code != (BPF_LD | BPF_IMM | BPF_DW))
				continue;
			if (k + 1 >= n)
				rc = -1;
			else if ((insn[k].src_reg == BPF_PSEUDO_MAP_FD || insn[k].src_reg == BPF_PSEUDO_MAP_VALUE) &&
				 fn(&insn[k], arg) < 0)
				rc = -1;
			k++;   /* the second half of the instruction */
		}
	}
	arena_free(&a);
	return rc;
}

struct slots {
	struct driver *drv;
	struct slot *v;
	int n, cap;
	int *fds;        /* lookup: this run's fd of each slot */
	uint32_t *ids;   /* store: kernel map id of each of the run's maps (0: none) */
	int nids;
};

/* The kernel's id of the map behind fd, 0 if none: two fds of one map
 * (dup2) are the same map. */
static uint32_t map_id(int fd, struct bpf_map_info *info)
{
	struct bpf_map_info tmp;
	info = info ? info : &tmp;
	memset(info, 0, sizeof(*info));
	uint32_t len = sizeof(*info);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, info, &len) < 0)
		return 0;
	return info->id;
}

/* Store: the ids of the maps this run made, in slot order: ring buffer,
 * globals, script maps, extra maps. */
static void known_ids(struct slots *s)
{
	const struct rt *rt = &s->drv->rt;
	s->nids = 2 + rt->nmaps + rt->nextra;
	s->ids = xcalloc((size_t)s->nids, sizeof(*s->ids));
	s->ids[0] = map_id(rt->ringbuf_fd, NULL);
	s->ids[1] = map_id(rt->globals_fd, NULL);
	for (int i = 0; i < rt->nmaps; i++)
		s->ids[2 + i] = rt->maps[i] ? map_id(rt->maps[i]->fd, NULL) : 0;
	for (int i = 0; i < rt->nextra; i++)
		s->ids[2 + rt->nmaps + i] = map_id(rt->extra[i].fd, NULL);
}

/* Store: the map behind fd, as a slot number (added on first sight). */
static int fd_to_slot(struct bpf_insn *insn, void *arg)
{
	struct slots *s = arg;
	const struct rt *rt = &s->drv->rt;
	struct bpf_map_info info;
	uint32_t id = map_id(insn->imm, &info);
	int k = 0;
	while (id && k < s->nids && s->ids[k] != id)
		k++;
	if (!id)
		return -1;
	struct slot sl;
	memset(&sl, 0, sizeof(sl));
	if (k == 0) {
		sl.kind = SLOT_RINGBUF;
		sl.index = rt->ring_events;   /* the ring's size (runtime/load.c) */
	} else if (k == 1) {
		sl.kind = SLOT_GLOBALS;
	} else if (k < 2 + rt->nmaps) {
		sl.kind = SLOT_MAP;
		sl.index = k - 2;
	} else if (k < s->nids) {
		const struct rt_extra_map *x = &rt->extra[k - 2 - rt->nmaps];
		sl.kind = SLOT_EXTRA;
		sl.type = x->type;
		sl.key_size = x->key_size;
		sl.val_size = x->val_size;
		sl.max_entries = x->max_entries;
		snprintf(sl.name, sizeof(sl.name), "%s", x->name);
	} else {
		int p = 0;
		while (private_maps[p] && strcmp(private_maps[p], info.name))
			p++;
		if (!private_maps[p] || info.map_flags)
			return -1;   /* a map this file does not know: do not cache */
		sl.kind = SLOT_PRIVATE;
		sl.type = (int32_t)info.type;
		sl.key_size = (int32_t)info.key_size;
		sl.val_size = (int32_t)info.value_size;
		sl.max_entries = (int32_t)info.max_entries;
		snprintf(sl.name, sizeof(sl.name), "%s", info.name);
	}
	int j = 0;
	while (j < s->n && memcmp(&s->v[j], &sl, sizeof(sl)))
		j++;
	if (j == s->n) {
		if (s->n == s->cap)
			s->v = xrealloc(s->v, sizeof(*s->v) * (size_t)(s->cap = s->cap * 2 + 8));
		s->v[s->n++] = sl;
	}
	insn->imm = j;
	return 0;
}

/* Lookup: the slot number back to this run's fd. */
static int slot_to_fd(struct bpf_insn *insn, void *arg)
{
	struct slots *s = arg;
	if (insn->imm < 0 || insn->imm >= s->n)
		return -1;
	insn->imm = s->fds[insn->imm];
	return 0;
}

/* This run's fd for each slot; extra maps are created as codegen would
 * have created them. Returns -1 if a slot cannot be satisfied. */
static int slots_resolve(struct slots *s)
{
	struct rt *rt = &s->drv->rt;
	s->fds = xcalloc((size_t)s->n + 1, sizeof(int));
	for (int i = 0; i < s->n; i++) {
		const struct slot *sl = &s->v[i];
		int fd = -1;
		switch (sl->kind) {
		case SLOT_RINGBUF:
			fd = rt->ringbuf_fd;
			rt->ring_events = sl->index != 0;
			break;
		case SLOT_GLOBALS: fd = rt->globals_fd; break;
		case SLOT_MAP:
			if (sl->index >= 0 && sl->index < rt->nmaps && rt->maps[sl->index])
				fd = rt->maps[sl->index]->fd;
			break;
		case SLOT_EXTRA:
		case SLOT_PRIVATE:
			if (memchr(sl->name, 0, sizeof(sl->name)))
				fd = load_extra_map(rt, sl->name, sl->type, sl->key_size, sl->val_size, sl->max_entries);
			break;
		}
		if (fd < 0)
			return -1;
		s->fds[i] = fd;
	}
	return 0;
}

/* ---- the directory ----------------------------------------------------- */

static bool owned_by(const char *path, uid_t uid)
{
	struct stat st;
	return stat(path, &st) == 0 && st.st_uid == uid;
}

/* mkdir -p, each new level private (0700). */
static void mkdirs(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		mkdir(p, 0700);
		*s = '/';
	}
	mkdir(p, 0700);
	free(p);
}

/* The cache directory (malloc'd), created if needed; NULL with *why. */
static char *cache_dir(const char **why)
{
	uid_t uid = geteuid();
	char *dir = NULL;
	const char *env = getenv("BPFSCRIPT_CACHE_DIR");
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	if (env && *env) {
		dir = xstrdup(env);
	} else if (xdg && xdg[0] == '/' && owned_by(xdg, uid)) {
		if (asprintf(&dir, "%s/bpfscript", xdg) < 0)
			dir = NULL;
	} else {
		/* a HOME that is not this user's (sudo keeping the caller's)
		 * gets no root-owned files: use the user's own home */
		if (!home || home[0] != '/' || !owned_by(home, uid)) {
			struct passwd *pw = getpwuid(uid);
			home = pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
		}
		if (!home) {
			*why = "no home directory";
			return NULL;
		}
		if (asprintf(&dir, "%s/.cache/bpfscript", strcmp(home, "/") ? home : "") < 0)
			dir = NULL;
	}
	if (!dir) {
		*why = "out of memory";
		return NULL;
	}
	struct stat st;
	if (lstat(dir, &st) < 0) {
		mkdirs(dir);
		if (lstat(dir, &st) < 0) {
			*why = "cannot create the cache directory";
			free(dir);
			return NULL;
		}
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & 022)) {
		*why = "the cache directory is not a directory private to this user";
		free(dir);
		return NULL;
	}
	return dir;
}

struct entry {
	char *path;
	time_t mtime;
	off_t size;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	return x->mtime < y->mtime ? -1 : x->mtime > y->mtime;
}

/* Keeps the directory within CACHE_MAX_ENTRIES / CACHE_MAX_BYTES (oldest
 * entries out first, down to three quarters) and removes temporary files
 * that a killed run left behind. */
static void prune(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct entry *v = NULL;
	int n = 0, cap = 0;
	uint64_t bytes = 0;
	time_t now = time(NULL);
	struct dirent *de;
	while ((de = readdir(d))) {
		bool tmp = !strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX));
		size_t l = strlen(de->d_name);
		bool ent = l > strlen(ENTRY_SUFFIX) && !strcmp(de->d_name + l - strlen(ENTRY_SUFFIX), ENTRY_SUFFIX);
		if (!tmp && !ent)
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (tmp) {
			if (now - st.st_mtime > 3600)
				unlinkat(dirfd(d), de->d_name, 0);
			continue;
		}
		if (n == cap)
			v = xrealloc(v, sizeof(*v) * (size_t)(cap = cap * 2 + 64));
		v[n++] = (struct entry){ xstrdup(de->d_name), st.st_mtime, st.st_size };
		bytes += (uint64_t)st.st_size;
	}
	if (n > CACHE_MAX_ENTRIES || bytes > CACHE_MAX_BYTES) {
		qsort(v, (size_t)n, sizeof(*v), entry_cmp);
		for (int i = 0; i < n && (n - i > CACHE_MAX_ENTRIES * 3 / 4 || bytes > CACHE_MAX_BYTES / 4 * 3); i++) {
			unlinkat(dirfd(d), v[i].path, 0);
			bytes -= (uint64_t)v[i].size;
		}
	}
	for (int i = 0; i < n; i++)
		free(v[i].path);
	free(v);
	closedir(d);
}

/* ---- open, lookup, store ------------------------------------------------ */

struct cache *cache_open(struct driver *drv)
{
	const struct options *o = drv->opt;
	const char *why = NULL, *off = getenv("BPFSCRIPT_NO_CACHE");
	char *dir = NULL;
	if (off && *off && strcmp(off, "0"))
		why = "BPFSCRIPT_NO_CACHE is set";
	else if (o->no_cache)
		why = "--no-cache";
	else if (o->dump || o->emit_elf || o->emit_llvm || o->ir_only)
		why = "-d and --emit-* always compile";
	else if (drv->prog.no_cache)
		why = "the program bakes in a value of this run";
	else
		dir = cache_dir(&why);
	if (!dir) {
		if (o->verbose)
			fprintf(stderr, "cache: off (%s)\n", why);
		return NULL;
	}
	struct cache *c = xcalloc(1, sizeof(*c));
	c->dir = dir;
	c->verbose = o->verbose;
	put_str(&c->key, "bpfscript-cache");
	put_u64(&c->key, CACHE_VERSION);
	put_build(&c->key);
	put_kernel(&c->key, drv);
	if (put_options(&c->key, drv) < 0) {
		if (c->verbose)
			fprintf(stderr, "cache: off (an --include file is unreadable)\n");
		cache_close(c);
		return NULL;
	}
	c->key_hash = fnv(FNV0, c->key.p, c->key.n);
	if (asprintf(&c->path, "%s/%016llx%s", dir, (unsigned long long)c->key_hash, ENTRY_SUFFIX) < 0) {
		cache_close(c);
		return NULL;
	}
	return c;
}

void cache_close(struct cache *c)
{
	if (!c)
		return;
	free(c->dir);
	free(c->path);
	free(c->key.p);
	free(c);
}

/* Reads and validates the entry. Returns the file's bytes (malloc'd) or
 * NULL: missing, foreign, damaged or for another key. */
static uint8_t *read_entry(struct cache *c, size_t *len, const char **why)
{
	*why = NULL;
	int fd = open(c->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	uint8_t *data = NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		*why = "not a regular file of this user";
		goto bad;
	}
	if ((size_t)st.st_size < sizeof(struct entry_hdr) || (uint64_t)st.st_size > CACHE_MAX_BYTES) {
		*why = "bad size";
		goto bad;
	}
	*len = (size_t)st.st_size;
	data = xmalloc(*len);
	size_t got = 0;
	while (got < *len) {
		ssize_t r = read(fd, data + got, *len - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got != *len) {
		*why = "short read";
		goto bad;
	}
	struct entry_hdr h;
	memcpy(&h, data, sizeof(h));
	uint64_t want = (uint64_t)h.hdr_size + h.key_len + (uint64_t)h.nslots * sizeof(struct slot) + h.obj_len;
	if (memcmp(h.magic, entry_magic, sizeof(h.magic)) || h.version != CACHE_VERSION ||
	    h.hdr_size != sizeof(h) || want != *len) {
		*why = "bad header";
		goto bad;
	}
	uint64_t sum = h.sum;
	h.sum = 0;
	uint64_t s = fnv(fnv(FNV0, &h, sizeof(h)), data + sizeof(h), *len - sizeof(h));
	if (s != sum) {
		*why = "bad checksum";
		goto bad;
	}
	if (h.key_hash != c->key_hash || h.key_len != c->key.n || memcmp(data + sizeof(h), c->key.p, c->key.n)) {
		*why = "another key";
		goto bad;
	}
	futimens(fd, NULL);   /* most recently used: pruned last */
	close(fd);
	return data;
bad:
	free(data);
	close(fd);
	return NULL;
}

int cache_lookup(struct cache *c, struct driver *drv, void **obj, size_t *objlen)
{
	const struct prog_unit *units = drv->prog.units;
	int nunits = drv->prog.nunits;
	c->fp_pre = fingerprint(drv, units, nunits, false);
	size_t len = 0;
	const char *why;
	uint8_t *data = read_entry(c, &len, &why);
	if (!data) {
		if (c->verbose)
			fprintf(stderr, "cache: miss %s%s%s%s\n", c->path, why ? " (ignored: " : "", why ? why : "",
				why ? ")" : "");
		return 0;
	}
	struct entry_hdr h;
	memcpy(&h, data, sizeof(h));
	if (h.fp_pre != c->fp_pre) {
		if (c->verbose)
			fprintf(stderr, "cache: miss %s (the probes or maps differ)\n", c->path);
		free(data);
		return 0;
	}
	if (h.fp_post != fingerprint(drv, units, nunits, true)) {
		if (c->verbose)
			fprintf(stderr, "cache: miss %s (the argument types differ)\n", c->path);
		free(data);
		return 0;
	}
	struct slots s = { .drv = drv, .n = (int)h.nslots };
	s.v = xmalloc(sizeof(*s.v) * ((size_t)s.n + 1));
	memcpy(s.v, data + sizeof(h) + h.key_len, sizeof(*s.v) * (size_t)s.n);
	void *o = xmalloc(h.obj_len);
	memcpy(o, data + sizeof(h) + h.key_len + sizeof(*s.v) * (size_t)s.n, h.obj_len);
	free(data);
	int rc = slots_resolve(&s) < 0 || each_map_load(o, h.obj_len, slot_to_fd, &s) < 0 ? 0 : 1;
	free(s.v);
	free(s.fds);
	if (!rc) {
		if (c->verbose)
			fprintf(stderr, "cache: miss %s (unusable entry)\n", c->path);
		free(o);
		return 0;
	}
	if (c->verbose)
		fprintf(stderr, "cache: hit %s\n", c->path);
	*obj = o;
	*objlen = h.obj_len;
	return 1;
}

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

void cache_store(struct cache *c, struct driver *drv, const void *obj, size_t objlen)
{
	const char *why = NULL;
	struct slots s = { .drv = drv };
	void *o = NULL;
	char *tmp = NULL;
	int fd = -1;
	if (objlen > CACHE_MAX_BYTES / 2) {
		why = "object too large";
		goto out;
	}
	o = xmalloc(objlen ? objlen : 1);
	memcpy(o, obj, objlen);
	known_ids(&s);
	if (each_map_load(o, objlen, fd_to_slot, &s) < 0) {
		why = "the code uses a map the cache does not know";
		goto out;
	}
	struct entry_hdr h;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, entry_magic, sizeof(h.magic));
	h.version = CACHE_VERSION;
	h.hdr_size = sizeof(h);
	h.key_hash = c->key_hash;
	h.fp_pre = c->fp_pre;
	h.fp_post = fingerprint(drv, drv->prog.units, drv->prog.nunits, true);
	h.key_len = (uint32_t)c->key.n;
	h.nslots = (uint32_t)s.n;
	h.obj_len = (uint32_t)objlen;
	uint64_t sum = fnv(FNV0, &h, sizeof(h));
	sum = fnv(sum, c->key.p, c->key.n);
	sum = fnv(sum, s.v, sizeof(*s.v) * (size_t)s.n);
	h.sum = fnv(sum, o, objlen);
	if (asprintf(&tmp, "%s/" TMP_PREFIX "%016llx.XXXXXX", c->dir, (unsigned long long)c->key_hash) < 0) {
		tmp = NULL;
		why = "out of memory";
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		why = strerror(errno);
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (write_all(fd, &h, sizeof(h)) < 0 || write_all(fd, c->key.p, c->key.n) < 0 ||
	    write_all(fd, s.v, sizeof(*s.v) * (size_t)s.n) < 0 || write_all(fd, o, objlen) < 0) {
		why = strerror(errno ? errno : EIO);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		why = strerror(errno);
		goto out;
	}
	fd = -1;
	if (rename(tmp, c->path) < 0) {
		why = strerror(errno);
		goto out;
	}
	free(tmp);
	tmp = NULL;
	if (c->verbose)
		fprintf(stderr, "cache: stored %s\n", c->path);
	prune(c->dir);
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	if (why && c->verbose)
		fprintf(stderr, "cache: not stored (%s)\n", why);
	free(s.v);
	free(s.ids);
	free(o);
}
