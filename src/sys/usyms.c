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
 * are read through sys/elfsym.c, the one reader of user-space ELF files. */
#define _GNU_SOURCE
#include "sys/usyms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sys/elfsym.h"
#include "util/arena.h"

struct esym {
	uint64_t value, size;
	const char *name;
};

struct efile {
	char *path;
	bool ok;
	struct esym *syms;
	int nsyms;
	struct elf_load *loads;
	int nloads;
	char *pool;
	struct efile *next;
};

struct umap {
	uint64_t start, end, off;
	char *path;
};

struct uproc {
	pid_t pid;
	struct umap *maps;
	int nmaps;
	struct uproc *next;
};

static struct efile *files;
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

/* Reads the PT_LOAD segments and the symbols of the file (elfsym.h
 * elf_file_syms: .symtab and .dynsym, and a stripped file's debug file),
 * names copied into f->pool: the file is closed again. */
static void load_elf(struct efile *f, const char *open_path)
{
	char err[256];
	struct elf_file *ef = elf_file_open_syms(open_path, err, sizeof(err));
	if (!ef)
		return;
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
	elf_file_close(ef);
	if (f->nsyms)
		qsort(f->syms, (size_t)f->nsyms, sizeof(*f->syms), cmp_esym);
	f->ok = true;
}

/* The cached file `path`; open_path is where to read it (it may be
 * reachable only through /proc/PID/root). */
static struct efile *efile_get(const char *path, const char *open_path)
{
	for (struct efile *f = files; f; f = f->next)
		if (!strcmp(f->path, path))
			return f;
	reg_cleanup();
	struct efile *f = xcalloc(1, sizeof(*f));
	f->path = xstrdup(path);
	load_elf(f, open_path ? open_path : path);
	if (!f->ok && open_path)
		load_elf(f, path);
	f->next = files;
	files = f;
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
	struct efile *f = efile_get(path, NULL);
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

/* (Re)reads the mappings of pid into its cache entry. */
static int read_maps(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *fp = fopen(path, "re");
	if (!fp)
		return -1;
	reg_cleanup();
	/* read into a fresh list: a zombie's maps file is empty, and what was
	 * read while the process lived must survive that */
	struct uproc fresh = { .pid = pid }, *p = &fresh;
	int cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	while (getline(&line, &lcap, fp) > 0) {
		unsigned long long start, end, off;
		char perms[8];
		int pos = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &off, &pos) < 4 || !pos)
			continue;
		char *file = line + pos;
		file[strcspn(file, "\n")] = 0;
		if (file[0] != '/')
			continue;
		char *del = strstr(file, " (deleted)");
		if (del)
			*del = 0;
		if (p->nmaps == cap) {
			cap = cap ? cap * 2 : 16;
			p->maps = xrealloc(p->maps, sizeof(*p->maps) * (size_t)cap);
		}
		p->maps[p->nmaps++] = (struct umap){ start, end, off, xstrdup(file) };
	}
	free(line);
	fclose(fp);
	struct uproc *old = proc_find(pid);
	if (!fresh.nmaps && old)
		return 0;
	if (old) {
		proc_free_maps(old);
		old->maps = fresh.maps;
		old->nmaps = fresh.nmaps;
		p = old;
	} else {
		p = xcalloc(1, sizeof(*p));
		*p = fresh;
		p->next = procs;
		procs = p;
	}
	/* read the symbols now too: the files may go away with the process */
	for (int i = 0; i < p->nmaps; i++) {
		if (i && !strcmp(p->maps[i].path, p->maps[i - 1].path))
			continue;
		char alt[4200];
		snprintf(alt, sizeof(alt), "/proc/%d/root%s", (int)pid, p->maps[i].path);
		efile_get(p->maps[i].path, alt);
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
	struct efile *f = efile_get(m->path, NULL);
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
