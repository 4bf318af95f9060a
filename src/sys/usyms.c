/* usyms.c - user symbols: per-pid mapping cache and per-file ELF symbol
 * tables (see usyms.h).
 *
 * An address resolves in three steps: the mapping that contains it gives a
 * file offset (addr - start + map offset); the file's PT_LOAD segment that
 * contains that offset turns it into an ELF virtual address (so PIE
 * executables and shared libraries, mapped anywhere, and non-PIE
 * executables, mapped at their link address, are handled alike); the
 * symbol table sorted by address gives the symbol whose [value, value +
 * size) contains it. A stripped file's symbols come from its separate
 * debug file (build-id or .gnu_debuglink, as elfsym.c finds it). Files
 * are read through sys/elfsym.c, the one reader of user-space ELF files.
 *
 * A file is known by its identity, never by its path: the device and inode
 * that /proc/PID/maps gives for the mapping (the same path may be another
 * file in another mount namespace, or a new file after the mapped one was
 * deleted or replaced), and two files with the same GNU build-id share one
 * symbol table. It is read through /proc/PID/map_files (the mapped file
 * itself), or /proc/PID/root/PATH when that is still the same file
 * (sys/procmaps.h). */
#define _GNU_SOURCE
#include "sys/usyms.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sys/elfsym.h"
#include "sys/procmaps.h"
#include "util/arena.h"
#include "util/rfile.h"

struct esym {
	uint64_t value, size;
	const char *name;
};

/* The symbols of one file (shared by the files with its build-id). */
struct efile {
	char *path;             /* as first seen, for messages */
	char build_id[130];     /* hex, "" when the file has none */
	bool ok;
	struct esym *syms;
	int nsyms;
	struct elf_load *loads;
	int nloads;
	char *pool;
	struct efile *next;
};

/* A file identity (device, inode) and its symbols. */
struct fid {
	uint64_t dev, ino;
	struct efile *f;
	struct fid *next;
};

struct umap {
	uint64_t start, end, off;
	char *path;
	struct efile *f;        /* read when the mapping was first seen */
};

struct uproc {
	pid_t pid;
	struct umap *maps;
	int nmaps;
	struct uproc *next;
};

static struct efile *files;
static struct fid *fids;
static struct uproc *procs;
static bool registered;
static bool keep_procs = true;   /* BPFTRACE_CACHE_USER_SYMBOLS (usyms_set_cache) */

static void reg_cleanup(void)
{
	if (!registered) {
		registered = true;
		atexit(usyms_cleanup);
	}
}

static void proc_free_maps(struct uproc *p)
{
	for (int i = 0; i < p->nmaps; i++)
		free(p->maps[i].path);
	free(p->maps);
	p->maps = NULL;
	p->nmaps = 0;
}

void usyms_cleanup(void)
{
	while (files) {
		struct efile *f = files;
		files = f->next;
		free(f->path);
		free(f->syms);
		free(f->loads);
		free(f->pool);
		free(f);
	}
	while (fids) {
		struct fid *d = fids;
		fids = d->next;
		free(d);
	}
	while (procs) {
		struct uproc *p = procs;
		procs = p->next;
		proc_free_maps(p);
		free(p);
	}
}

/* ---- ELF files -------------------------------------------------------------- */

static int cmp_esym(const void *a, const void *b)
{
	const struct esym *x = a, *y = b;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	/* sized symbols first among aliases: the resolver prefers them */
	return (y->size != 0) - (x->size != 0);
}

/* Reads the PT_LOAD segments and the symbols of ef (elfsym.h
 * elf_file_syms: .symtab and .dynsym, and a stripped file's debug file),
 * names copied into f->pool. */
static void load_elf(struct efile *f, struct elf_file *ef)
{
	const struct elf_load *l;
	int nl = elf_file_loads(ef, &l);
	f->loads = xmalloc(sizeof(*f->loads) * (size_t)(nl ? nl : 1));
	memcpy(f->loads, l, sizeof(*l) * (size_t)nl);
	f->nloads = nl;
	const struct elf_sym *v;
	int n = elf_file_syms(ef, &v);
	size_t plen = 0;
	for (int i = 0; i < n; i++)
		plen += strlen(v[i].name) + 1;
	f->pool = xmalloc(plen ? plen : 1);
	f->syms = xmalloc(sizeof(*f->syms) * (size_t)(n ? n : 1));
	plen = 0;
	for (int i = 0; i < n; i++) {
		size_t len = strlen(v[i].name) + 1;
		memcpy(f->pool + plen, v[i].name, len);
		f->syms[i] = (struct esym){ v[i].addr, v[i].size, f->pool + plen };
		plen += len;
	}
	f->nsyms = n;
	if (f->nsyms)
		qsort(f->syms, (size_t)f->nsyms, sizeof(*f->syms), cmp_esym);
	f->ok = true;
}

static struct fid *fid_find(uint64_t dev, uint64_t ino)
{
	for (struct fid *d = fids; d; d = d->next)
		if (d->dev == dev && d->ino == ino)
			return d;
	return NULL;
}

/* The symbols of file (dev, ino), read from fd (size bytes; -1: the file
 * could not be opened) unless known already: under that identity, or
 * under its build-id. fd is closed. A file that could not be opened is not
 * remembered: another process that maps it may still offer it. */
static struct efile *efile_get(uint64_t dev, uint64_t ino, int fd, uint64_t size, const char *root,
			       const char *path)
{
	static struct efile unopened;   /* ok false: no symbols */
	struct fid *d = fid_find(dev, ino);
	if (d) {
		if (fd >= 0)
			close(fd);
		return d->f;
	}
	if (fd < 0)
		return &unopened;
	reg_cleanup();
	char err[256], id[130] = "";
	struct elf_file *ef = elf_file_open_syms_fd(fd, size, root, path, err, sizeof(err));
	struct efile *f = NULL;
	if (ef && elf_file_build_id(ef, id, sizeof(id)))
		for (struct efile *g = files; g && !f; g = g->next)
			if (g->ok && !strcmp(g->build_id, id))
				f = g;
	if (!f) {
		f = xcalloc(1, sizeof(*f));
		f->path = xstrdup(path);
		snprintf(f->build_id, sizeof(f->build_id), "%s", id);
		if (ef)
			load_elf(f, ef);
		f->next = files;
		files = f;
	}
	elf_file_close(ef);
	d = xcalloc(1, sizeof(*d));
	*d = (struct fid){ dev, ino, f, fids };
	fids = d;
	return f;
}

static const struct esym *efile_find(const struct efile *f, uint64_t vaddr)
{
	int lo = 0, hi = f->nsyms - 1, best = -1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (f->syms[mid].value <= vaddr) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	/* among symbols starting at or below vaddr, the nearest that covers it */
	for (int i = best; i >= 0 && i > best - 8; i--) {
		const struct esym *s = &f->syms[i];
		if (vaddr < s->value + s->size || (!s->size && i == best))
			return s;
	}
	return NULL;
}

bool usyms_lookup(const char *path, const char *name, uint64_t *addr, uint64_t *size)
{
	char err[PATH_MAX + 128];
	uint64_t fsize;
	struct stat st;
	int fd = rfile_open(path, RFILE_MAX_ELF, &fsize, err, sizeof(err));
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	struct efile *f = efile_get(st.st_dev, st.st_ino, fd, fsize, "", path);
	for (int i = 0; f->ok && i < f->nsyms; i++) {
		if (!strcmp(f->syms[i].name, name)) {
			*addr = f->syms[i].value;
			*size = f->syms[i].size;
			return true;
		}
	}
	return false;
}

/* ---- processes ---------------------------------------------------------------- */

static struct uproc *proc_find(pid_t pid)
{
	for (struct uproc *p = procs; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

/* (Re)reads the mappings of pid into its cache entry, and the symbols of
 * the files newly mapped, now: they may go away with the process. */
static int read_maps(pid_t pid)
{
	struct procmap *pm;
	int n = procmaps_read(pid, &pm);
	if (n < 0)
		return -1;
	reg_cleanup();
	/* read into a fresh list: a zombie's maps file is empty, and what was
	 * read while the process lived must survive that */
	struct uproc fresh = { .pid = pid }, *p = &fresh;
	p->maps = xmalloc(sizeof(*p->maps) * (size_t)(n ? n : 1));
	char root[64];
	snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	for (int i = 0; i < n; i++) {
		struct efile *f = NULL;
		/* one open for the mappings of one file */
		for (int k = 0; k < p->nmaps && !f; k++)
			if (pm[k].dev == pm[i].dev && pm[k].ino == pm[i].ino)
				f = p->maps[k].f;
		if (!f) {
			struct fid *d = fid_find(pm[i].dev, pm[i].ino);
			char err[256];
			uint64_t size = 0;
			int fd = d ? -1 : procmaps_open(pid, &pm[i], RFILE_MAX_ELF, &size, err, sizeof(err));
			f = efile_get(pm[i].dev, pm[i].ino, fd, size, root, pm[i].path);
		}
		p->maps[p->nmaps++] = (struct umap){ pm[i].start, pm[i].end, pm[i].off, pm[i].path, f };
		pm[i].path = NULL;
	}
	procmaps_free(pm, n);
	struct uproc *old = proc_find(pid);
	if (!fresh.nmaps && old) {
		free(fresh.maps);
		return 0;
	}
	if (old) {
		proc_free_maps(old);
		old->maps = fresh.maps;
		old->nmaps = fresh.nmaps;
	} else {
		p = xcalloc(1, sizeof(*p));
		*p = fresh;
		p->next = procs;
		procs = p;
	}
	return 0;
}

int usyms_cache_pid(pid_t pid)
{
	if (!keep_procs)
		return 0;
	return pid > 0 ? read_maps(pid) : -1;
}

void usyms_set_cache(int mode)
{
	keep_procs = mode != 0;
}

/* Forgets what was read of pid (caching off: every lookup reads afresh). */
static void proc_forget(pid_t pid)
{
	for (struct uproc **pp = &procs; *pp; pp = &(*pp)->next)
		if ((*pp)->pid == pid) {
			struct uproc *p = *pp;
			*pp = p->next;
			proc_free_maps(p);
			free(p);
			return;
		}
}

static const struct umap *map_of(const struct uproc *p, uint64_t addr)
{
	for (int i = 0; p && i < p->nmaps; i++)
		if (addr >= p->maps[i].start && addr < p->maps[i].end)
			return &p->maps[i];
	return NULL;
}

bool usyms_resolve(pid_t pid, uint64_t addr, struct usym *out)
{
	memset(out, 0, sizeof(*out));
	if (pid <= 0)
		return false;
	if (!keep_procs) {
		/* no cache: the process's mappings as they are now, or nothing
		 * once it is gone (bpftrace with BPFTRACE_CACHE_USER_SYMBOLS=0) */
		proc_forget(pid);
		if (read_maps(pid) < 0 || !proc_find(pid))
			return false;
	}
	const struct umap *m = map_of(proc_find(pid), addr);
	/* not cached yet, or mapped since (dlopen, exec): read again while the
	 * process is there */
	if (!m && read_maps(pid) == 0)
		m = map_of(proc_find(pid), addr);
	if (!m)
		return false;
	out->module = m->path;
	struct efile *f = m->f;
	if (!f->ok)
		return false;
	uint64_t foff = addr - m->start + m->off, vaddr = addr;
	for (int k = 0; k < f->nloads; k++) {
		const struct elf_load *l = &f->loads[k];
		if (foff >= l->offset && foff < l->offset + l->filesz) {
			vaddr = foff - l->offset + l->vaddr;
			break;
		}
	}
	const struct esym *s = efile_find(f, vaddr);
	if (!s)
		return false;
	out->name = s->name;
	out->off = vaddr - s->value;
	return true;
}
