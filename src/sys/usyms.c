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
 * debug file (build-id or .gnu_debuglink, as elfsym.c finds it). */
#define _GNU_SOURCE
#include "sys/usyms.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
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

struct eload {
	uint64_t vaddr, offset, filesz;
};

struct efile {
	char *path;
	bool ok;
	struct esym *syms;
	int nsyms;
	struct eload *loads;
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

/* Symbol loading state: names are offsets into f->pool until the end. */
struct symload {
	size_t cap, pcap, plen;
	size_t *name_off;
};

/* Adds the function and object symbols of e's .symtab and .dynsym; true
 * when e has a .symtab. */
static bool read_syms(struct efile *f, Elf *e, struct symload *L)
{
	bool has_symtab = false;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		has_symtab |= sh.sh_type == SHT_SYMTAB;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; d && i < n; i++) {
			GElf_Sym s;
			if (!gelf_getsym(d, (int)i, &s) || s.st_shndx == SHN_UNDEF || !s.st_value)
				continue;
			int type = GELF_ST_TYPE(s.st_info);
			if (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_OBJECT)
				continue;
			const char *name = elf_strptr(e, sh.sh_link, s.st_name);
			if (!name || !*name)
				continue;
			size_t nl = strlen(name) + 1;
			if ((size_t)f->nsyms == L->cap) {
				L->cap = L->cap ? L->cap * 2 : 256;
				f->syms = xrealloc(f->syms, sizeof(*f->syms) * L->cap);
				L->name_off = xrealloc(L->name_off, sizeof(*L->name_off) * L->cap);
			}
			if (L->plen + nl > L->pcap) {
				L->pcap = L->pcap ? L->pcap * 2 : 4096;
				while (L->plen + nl > L->pcap)
					L->pcap *= 2;
				f->pool = xrealloc(f->pool, L->pcap);
			}
			memcpy(f->pool + L->plen, name, nl);
			L->name_off[f->nsyms] = L->plen;
			L->plen += nl;
			f->syms[f->nsyms++] = (struct esym){ s.st_value, s.st_size, NULL };
		}
	}
	return has_symtab;
}

/* The symbols of the separate debug file of open_path (found by build-id
 * or .gnu_debuglink, elfsym.h), for a stripped file. */
static void read_debug_syms(struct efile *f, const char *open_path, struct symload *L)
{
	char err[256];
	struct elf_file *ef = elf_file_open(open_path, err, sizeof(err));
	const char *dbg = ef ? elf_file_debug_path(ef) : NULL;
	int fd = dbg ? open(dbg, O_RDONLY | O_CLOEXEC) : -1;
	elf_file_close(ef);
	if (fd < 0)
		return;
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (e && elf_kind(e) == ELF_K_ELF)
		read_syms(f, e, L);
	if (e)
		elf_end(e);
	close(fd);
}

static void load_elf(struct efile *f, const char *open_path)
{
	int fd = open(open_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		if (e)
			elf_end(e);
		close(fd);
		return;
	}
	size_t nph = 0;
	elf_getphdrnum(e, &nph);
	f->loads = xcalloc(nph ? nph : 1, sizeof(*f->loads));
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD)
			f->loads[f->nloads++] = (struct eload){ ph.p_vaddr, ph.p_offset, ph.p_filesz };
	}
	struct symload L = { 0 };
	bool has_symtab = read_syms(f, e, &L);
	elf_end(e);
	close(fd);
	/* stripped: the local functions are in the debug file */
	if (!has_symtab)
		read_debug_syms(f, open_path, &L);
	for (int i = 0; i < f->nsyms; i++)
		f->syms[i].name = f->pool + L.name_off[i];
	free(L.name_off);
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
		const struct eload *l = &f->loads[k];
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
