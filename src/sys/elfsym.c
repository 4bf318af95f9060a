/* elfsym.c - function symbols, file offsets and USDT notes of user-space
 * ELF files; library resolution like the dynamic loader; the files a
 * process maps. See elfsym.h.
 *
 * Everything is read from a read-only mmap of the file with the <elf.h>
 * structures: this is the one reader of user-space ELF files. The header
 * tables are trusted only after their extent has been checked against the
 * file size, and every string is looked up through str_at, which demands a
 * NUL inside its section. An ELF32 file (opened for the stack symbolizer
 * alone) has its header tables widened into ELF64 copies first. */
#include "sys/elfsym.h"

#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/arch.h"
#include "util/arena.h"
#include "util/rfile.h"
#include "sys/procmaps.h"

struct elf_file {
	const uint8_t *map;
	size_t size;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;         /* NULL when the file has no section table */
	size_t nsh;
	const Elf64_Phdr *ph;
	size_t nph;
	char *path;
	char *root;                   /* where path and its debug files are: "" or /proc/PID/root */
	struct elf_file *debug;       /* separate debug info file, if found */
	bool is_debug;
	/* built on first use */
	struct elf_sym *funcs;        /* by name, one per name */
	int nfuncs;                   /* -1: not read yet */
	const struct elf_sym **byaddr;
	struct usdt_note *notes;
	int nnotes;                   /* -1: not read yet */
	struct elf_load *loads;
	int nloads;                   /* -1: not read yet */
	struct elf_sym *syms;         /* elf_file_syms */
	int nsyms;                    /* -1: not read yet */
	/* an ELF32 file (elf_file_open_syms): eh, sh and ph point to these
	 * copies, widened to the ELF64 structures */
	bool is32;
	Elf64_Ehdr eh32;
};

/* ---- bounds-checked access ------------------------------------------------ */

/* The bytes of section i, NULL when it has none in the file or they lie
 * outside it. */
static const uint8_t *sec_data(const struct elf_file *f, size_t i, size_t *len)
{
	if (i >= f->nsh)
		return NULL;
	const Elf64_Shdr *s = &f->sh[i];
	if (s->sh_type == SHT_NOBITS || s->sh_offset > f->size || s->sh_size > f->size - s->sh_offset)
		return NULL;
	*len = s->sh_size;
	return f->map + s->sh_offset;
}

/* The NUL-terminated string at off in a table of len bytes, or NULL. */
static const char *str_at(const uint8_t *tab, size_t len, uint64_t off)
{
	if (!tab || off >= len || !memchr(tab + off, 0, len - off))
		return NULL;
	return (const char *)tab + off;
}

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static const char *sec_name(const struct elf_file *f, size_t i)
{
	size_t len;
	const uint8_t *tab = sec_data(f, f->eh->e_shstrndx, &len);
	return i < f->nsh ? str_at(tab, len, f->sh[i].sh_name) : NULL;
}

/* Index of the first section called name (of type type, unless 0), or -1. */
static long sec_find(const struct elf_file *f, const char *name, uint32_t type)
{
	for (size_t i = 1; i < f->nsh; i++) {
		const char *n = sec_name(f, i);
		if (n && !strcmp(n, name) && (!type || f->sh[i].sh_type == type))
			return (long)i;
	}
	return -1;
}

/* ---- opening ------------------------------------------------------------------- */

/* The header tables of an ELF32 file, checked as elf_file_open checks an
 * ELF64 file's and widened into malloc'd ELF64 copies. */
static void widen32(struct elf_file *f)
{
	Elf32_Ehdr e;
	memcpy(&e, f->map, sizeof(e));
	f->is32 = true;
	memcpy(f->eh32.e_ident, e.e_ident, EI_NIDENT);
	f->eh32.e_shstrndx = e.e_shstrndx;
	f->eh = &f->eh32;
	if (e.e_shoff && e.e_shentsize == sizeof(Elf32_Shdr) && e.e_shoff < f->size && e.e_shoff % 4 == 0) {
		size_t n = e.e_shnum, room = (f->size - e.e_shoff) / sizeof(Elf32_Shdr);
		Elf32_Shdr s;
		if (!n && room) {
			memcpy(&s, f->map + e.e_shoff, sizeof(s));
			n = s.sh_size;
		}
		if (n <= room) {
			Elf64_Shdr *sh = xmalloc(sizeof(*sh) * (n ? n : 1));
			for (size_t i = 0; i < n; i++) {
				memcpy(&s, f->map + e.e_shoff + i * sizeof(s), sizeof(s));
				sh[i] = (Elf64_Shdr){
					.sh_name = s.sh_name, .sh_type = s.sh_type, .sh_flags = s.sh_flags,
					.sh_addr = s.sh_addr, .sh_offset = s.sh_offset, .sh_size = s.sh_size,
					.sh_link = s.sh_link, .sh_info = s.sh_info, .sh_addralign = s.sh_addralign,
					.sh_entsize = s.sh_entsize,
				};
			}
			f->sh = sh;
			f->nsh = n;
		}
	}
	if (e.e_phoff && e.e_phentsize == sizeof(Elf32_Phdr) && e.e_phoff < f->size && e.e_phoff % 4 == 0 &&
	    e.e_phnum <= (f->size - e.e_phoff) / sizeof(Elf32_Phdr)) {
		Elf64_Phdr *ph = xmalloc(sizeof(*ph) * (e.e_phnum ? e.e_phnum : 1));
		for (size_t i = 0; i < e.e_phnum; i++) {
			Elf32_Phdr p;
			memcpy(&p, f->map + e.e_phoff + i * sizeof(p), sizeof(p));
			ph[i] = (Elf64_Phdr){
				.p_type = p.p_type, .p_flags = p.p_flags, .p_offset = p.p_offset, .p_vaddr = p.p_vaddr,
				.p_paddr = p.p_paddr, .p_filesz = p.p_filesz, .p_memsz = p.p_memsz, .p_align = p.p_align,
			};
		}
		f->ph = ph;
		f->nph = e.e_phnum;
	}
}

/* A private copy of the file's size bytes, in an anonymous mapping (unmapped
 * as a file mapping is), or MAP_FAILED. */
static void *copy_file(int fd, size_t size)
{
	uint8_t *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t got = 0;
	while (m != MAP_FAILED && got < size) {
		ssize_t r = pread(fd, m + got, size - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			munmap(m, size);
			errno = r ? errno : EIO;   /* shortened while read */
			return MAP_FAILED;
		}
		got += (size_t)r;
	}
	if (m != MAP_FAILED)
		mprotect(m, size, PROT_READ);
	return m;
}

/* Maps the file open at fd (size bytes, a regular file: util/rfile.h) and
 * checks its headers; closes fd. A file that someone else owns or may write
 * is copied (at most RFILE_MAX_COPY bytes) rather than mapped: it could be
 * truncated while it is read, and a read of a mapped page past the new end
 * is a SIGBUS. */
static struct elf_file *open_fd(int fd, uint64_t size, const char *path, bool elf32, char *err, size_t errlen)
{
	if (size < sizeof(Elf64_Ehdr)) {
		snprintf(err, errlen, "%s is not an ELF file", path);
		close(fd);
		return NULL;
	}
	struct stat st;
	bool theirs = fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH));
	if (theirs && size > RFILE_MAX_COPY) {
		snprintf(err, errlen, "%s: it is too large to copy (%llu bytes, the limit for a file of another user is %llu)",
			 path, (unsigned long long)size, (unsigned long long)RFILE_MAX_COPY);
		close(fd);
		return NULL;
	}
	void *map = theirs ? copy_file(fd, (size_t)size) : mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		snprintf(err, errlen, "cannot map %s: %s", path, strerror(errno));
		return NULL;
	}
	struct elf_file *f = xcalloc(1, sizeof(*f));
	f->path = xstrdup(path);
	f->root = xstrdup("");
	f->map = map;
	f->size = (size_t)size;
	f->eh = map;
	f->nfuncs = f->nnotes = f->nloads = f->nsyms = -1;
	const Elf64_Ehdr *eh = f->eh;
	bool is32 = elf32 && eh->e_ident[EI_CLASS] == ELFCLASS32;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || (eh->e_ident[EI_CLASS] != ELFCLASS64 && !is32) ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB) {
		snprintf(err, errlen, "%s is not an ELF file (64-bit little-endian ELF expected)", path);
		elf_file_close(f);
		return NULL;
	}
	if (is32) {
		widen32(f);
		return f;
	}
	/* Section table: absent or well-formed (extended numbering: count in
	 * section 0's sh_size). */
	if (eh->e_shoff && eh->e_shentsize == sizeof(Elf64_Shdr) && eh->e_shoff < f->size) {
		const Elf64_Shdr *sh = (const Elf64_Shdr *)(f->map + eh->e_shoff);
		size_t n = eh->e_shnum, room = (f->size - eh->e_shoff) / sizeof(Elf64_Shdr);
		if (!n && room)
			n = sh[0].sh_size;
		if (n <= room && eh->e_shoff % 8 == 0) {
			f->sh = sh;
			f->nsh = n;
		}
	}
	if (eh->e_phoff && eh->e_phentsize == sizeof(Elf64_Phdr) && eh->e_phoff < f->size &&
	    eh->e_phoff % 8 == 0 && eh->e_phnum <= (f->size - eh->e_phoff) / sizeof(Elf64_Phdr)) {
		f->ph = (const Elf64_Phdr *)(f->map + eh->e_phoff);
		f->nph = eh->e_phnum;
	}
	return f;
}

/* Opens path as every file a user or a traced process controls is opened
 * (util/rfile.h: never blocking, a regular file of a sane size). */
static struct elf_file *open_file(const char *path, bool elf32, char *err, size_t errlen)
{
	uint64_t size;
	int fd = rfile_open(path, RFILE_MAX_ELF, &size, err, errlen);
	return fd < 0 ? NULL : open_fd(fd, size, path, elf32, err, errlen);
}

struct elf_file *elf_file_open(const char *path, char *err, size_t errlen)
{
	return open_file(path, false, err, errlen);
}

struct elf_file *elf_file_open_syms(const char *path, char *err, size_t errlen)
{
	return open_file(path, true, err, errlen);
}

struct elf_file *elf_file_open_syms_fd(int fd, uint64_t size, const char *root, const char *path, char *err,
				       size_t errlen)
{
	struct elf_file *f = open_fd(fd, size, path, true, err, errlen);
	if (f) {
		free(f->root);
		f->root = xstrdup(root);
	}
	return f;
}

void elf_file_close(struct elf_file *f)
{
	if (!f)
		return;
	munmap((void *)f->map, f->size);
	if (f->is32) {
		free((void *)f->sh);
		free((void *)f->ph);
	}
	elf_file_close(f->debug);
	free(f->path);
	free(f->root);
	free(f->funcs);
	free(f->byaddr);
	free(f->notes);
	free(f->loads);
	free(f->syms);
	free(f);
}

/* ---- function symbols ----------------------------------------------------------- */

struct sym_tmp {
	struct elf_sym s;
	int rank;               /* lower wins among equal names */
};

static int cmp_tmp(const void *pa, const void *pb)
{
	const struct sym_tmp *a = pa, *b = pb;
	int c = strcmp(a->s.name, b->s.name);
	return c ? c : a->rank - b->rank;
}

/* Appends the function symbols of symbol table section i. */
static void read_symtab(const struct elf_file *f, size_t i, int rank, struct sym_tmp **v, int *n,
			int *cap)
{
	size_t len = 0, strlen_ = 0, verlen = 0;
	const uint8_t *data = sec_data(f, i, &len);
	const Elf64_Shdr *s = &f->sh[i];
	const uint8_t *strs = sec_data(f, s->sh_link, &strlen_);
	if (!data || !strs || s->sh_entsize != sizeof(Elf64_Sym) || (uintptr_t)data % 8)
		return;
	/* .gnu.version parallels .dynsym: bit 15 marks a hidden (non-default)
	 * version of a name that has several. */
	const uint8_t *ver = NULL;
	for (size_t k = 1; s->sh_type == SHT_DYNSYM && k < f->nsh && !ver; k++)
		if (f->sh[k].sh_type == SHT_GNU_versym && f->sh[k].sh_link == i)
			ver = sec_data(f, k, &verlen);
	const Elf64_Sym *syms = (const Elf64_Sym *)data;
	size_t nsyms = len / sizeof(Elf64_Sym);
	for (size_t k = 0; k < nsyms; k++) {
		const Elf64_Sym *y = &syms[k];
		int type = ELF64_ST_TYPE(y->st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || !y->st_value)
			continue;
		const char *name = str_at(strs, strlen_, y->st_name);
		/* gcc's ipa-split fragments ("f.part.0") are no whole function:
		 * bpftrace (bcc) leaves them out */
		if (!name || !*name || strstr(name, ".part."))
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			*v = xrealloc(*v, sizeof(**v) * (size_t)*cap);
		}
		uint16_t vs = 0;   /* copied out: the section need not be aligned */
		if (ver && (k + 1) * 2 <= verlen)
			memcpy(&vs, ver + k * 2, 2);
		bool hidden = vs & 0x8000;
		(*v)[(*n)++] = (struct sym_tmp){
			.s = { .name = name, .addr = y->st_value, .size = y->st_size },
			.rank = rank * 2 + hidden,
		};
	}
}

/* ---- separate debug files ---------------------------------------------------- */

/* The GNU build-id of f as hex, or false. */
static bool build_id(const struct elf_file *f, char *hex, size_t len)
{
	for (size_t i = 1; i < f->nsh; i++) {
		size_t sz;
		const uint8_t *p = f->sh[i].sh_type == SHT_NOTE ? sec_data(f, i, &sz) : NULL;
		for (size_t o = 0; p && sz - o >= sizeof(Elf64_Nhdr);) {
			Elf64_Nhdr nh;
			memcpy(&nh, p + o, sizeof(nh));
			o += sizeof(nh);
			size_t nsz = align4(nh.n_namesz), dsz = align4(nh.n_descsz);
			if (nsz > sz - o || dsz > sz - o - nsz)
				break;
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && !memcmp(p + o, "GNU", 4) &&
			    nh.n_descsz >= 2 && nh.n_descsz * 2 + 1 <= len) {
				for (size_t k = 0; k < nh.n_descsz; k++)
					sprintf(hex + 2 * k, "%02x", p[o + nsz + k]);
				return true;
			}
			o += nsz + dsz;
		}
	}
	return false;
}

bool elf_file_build_id(const struct elf_file *f, char *hex, size_t len)
{
	return build_id(f, hex, len);
}

/* Where gdb and bcc look for the debug file of f: by build-id under
 * /usr/lib/debug/.build-id, then by .gnu_debuglink name next to the file,
 * in its .debug directory and under /usr/lib/debug. */
static struct elf_file *open_debug(const struct elf_file *f)
{
	char cand[PATH_MAX + 64], err[64], id[130];
	struct elf_file *d = NULL;
	if (build_id(f, id, sizeof(id))) {
		snprintf(cand, sizeof(cand), "%s/usr/lib/debug/.build-id/%.2s/%s.debug", f->root, id, id + 2);
		if (access(cand, R_OK) == 0)
			d = elf_file_open(cand, err, sizeof(err));
	}
	long li = sec_find(f, ".gnu_debuglink", SHT_PROGBITS);
	size_t len;
	const uint8_t *link = li > 0 ? sec_data(f, (size_t)li, &len) : NULL;
	const char *name = link ? str_at(link, len, 0) : NULL;
	const char *slash = strrchr(f->path, '/');
	int dl = slash ? (int)(slash - f->path) : 0;
	static const char *const fmt[] = { "%s%.*s/%s", "%s%.*s/.debug/%s", "%s/usr/lib/debug%.*s/%s" };
	size_t rl = strlen(f->root);
	for (size_t i = 0; !d && name && *name && !strchr(name, '/') && i < 3; i++) {
		snprintf(cand, sizeof(cand), fmt[i], f->root, dl, f->path, name);
		if (strcmp(cand + rl, f->path) && access(cand, R_OK) == 0)
			d = elf_file_open(cand, err, sizeof(err));
	}
	if (d)
		d->is_debug = true;
	return d;
}

static void load_funcs(struct elf_file *f)
{
	if (f->nfuncs >= 0)
		return;
	struct sym_tmp *v = NULL;
	int n = 0, cap = 0;
	for (size_t i = 1; i < f->nsh; i++)
		if (f->sh[i].sh_type == SHT_SYMTAB)
			read_symtab(f, i, 0, &v, &n, &cap);
	for (size_t i = 1; i < f->nsh; i++)
		if (f->sh[i].sh_type == SHT_DYNSYM)
			read_symtab(f, i, 1, &v, &n, &cap);
	/* a stripped file's local functions live in its debug file */
	if (!f->is_debug && (f->debug = open_debug(f)))
		for (size_t i = 1; i < f->debug->nsh; i++)
			if (f->debug->sh[i].sh_type == SHT_SYMTAB)
				read_symtab(f->debug, i, 2, &v, &n, &cap);
	if (n)
		qsort(v, (size_t)n, sizeof(*v), cmp_tmp);
	f->funcs = xmalloc(sizeof(*f->funcs) * (size_t)(n ? n : 1));
	int m = 0;
	for (int i = 0; i < n; i++)
		if (!m || strcmp(f->funcs[m - 1].name, v[i].s.name))
			f->funcs[m++] = v[i].s;
	free(v);
	f->nfuncs = m;
}

/* ---- dynamic linking ---------------------------------------------------------- */

int elf_file_needed(struct elf_file *f, const char **v, int max)
{
	int n = 0;
	for (size_t i = 1; i < f->nsh; i++) {
		size_t len = 0, slen = 0;
		const uint8_t *data = f->sh[i].sh_type == SHT_DYNAMIC ? sec_data(f, i, &len) : NULL;
		const uint8_t *strs = data ? sec_data(f, f->sh[i].sh_link, &slen) : NULL;
		if (!strs || (uintptr_t)data % 8)
			continue;
		const Elf64_Dyn *d = (const Elf64_Dyn *)data;
		for (size_t k = 0; k < len / sizeof(*d) && d[k].d_tag != DT_NULL; k++) {
			const char *name = d[k].d_tag == DT_NEEDED ? str_at(strs, slen, d[k].d_un.d_val) : NULL;
			if (name && n < max)
				v[n++] = name;
		}
	}
	return n;
}

bool elf_file_exports(struct elf_file *f, const char *name)
{
	for (size_t i = 1; i < f->nsh; i++) {
		size_t len = 0, slen = 0;
		const uint8_t *data = f->sh[i].sh_type == SHT_DYNSYM ? sec_data(f, i, &len) : NULL;
		const uint8_t *strs = data ? sec_data(f, f->sh[i].sh_link, &slen) : NULL;
		if (!strs || f->sh[i].sh_entsize != sizeof(Elf64_Sym) || (uintptr_t)data % 8)
			continue;
		const Elf64_Sym *y = (const Elf64_Sym *)data;
		for (size_t k = 1; k < len / sizeof(*y); k++) {
			int type = ELF64_ST_TYPE(y[k].st_info), bind = ELF64_ST_BIND(y[k].st_info);
			const char *nm = str_at(strs, slen, y[k].st_name);
			if ((type == STT_FUNC || type == STT_GNU_IFUNC) && y[k].st_shndx != SHN_UNDEF &&
			    (bind == STB_GLOBAL || bind == STB_WEAK) &&
			    ELF64_ST_VISIBILITY(y[k].st_other) == STV_DEFAULT && nm && !strcmp(nm, name))
				return true;
		}
	}
	return false;
}

const char *elf_file_debug_path(struct elf_file *f)
{
	load_funcs(f);
	return f->debug ? f->debug->path : NULL;
}

int elf_file_funcs(struct elf_file *f, const struct elf_sym **v)
{
	load_funcs(f);
	*v = f->funcs;
	return f->nfuncs;
}

static int cmp_name_key(const void *key, const void *elem)
{
	return strcmp(key, ((const struct elf_sym *)elem)->name);
}

const struct elf_sym *elf_file_func(struct elf_file *f, const char *name)
{
	load_funcs(f);
	if (!f->nfuncs)
		return NULL;
	return bsearch(name, f->funcs, (size_t)f->nfuncs, sizeof(*f->funcs), cmp_name_key);
}

/* By address; at one address the larger symbol first, then by name. */
static int cmp_addr(const void *pa, const void *pb)
{
	const struct elf_sym *a = *(const struct elf_sym *const *)pa, *b = *(const struct elf_sym *const *)pb;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	return strcmp(a->name, b->name);
}

const struct elf_sym *elf_file_func_at(struct elf_file *f, uint64_t addr)
{
	load_funcs(f);
	if (!f->byaddr) {
		f->byaddr = xmalloc(sizeof(*f->byaddr) * (size_t)(f->nfuncs ? f->nfuncs : 1));
		for (int i = 0; i < f->nfuncs; i++)
			f->byaddr[i] = &f->funcs[i];
		if (f->nfuncs)
			qsort(f->byaddr, (size_t)f->nfuncs, sizeof(*f->byaddr), cmp_addr);
	}
	/* the last symbol starting at or below addr, walking back over the
	 * ones that end before it (nested or zero-sized symbols) */
	int lo = 0, hi = f->nfuncs;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (f->byaddr[mid]->addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int i = lo - 1; i >= 0; i--) {
		const struct elf_sym *s = f->byaddr[i];
		if (s->addr == addr || (addr >= s->addr && addr - s->addr < s->size))
			return s;
		if (addr - s->addr > (1u << 24))
			break;  /* far below: no function is that large */
	}
	return NULL;
}

bool elf_file_offset(struct elf_file *f, uint64_t vaddr, uint64_t *off)
{
	for (size_t i = 0; i < f->nph; i++) {
		const Elf64_Phdr *p = &f->ph[i];
		if (p->p_type != PT_LOAD || vaddr < p->p_vaddr || vaddr - p->p_vaddr >= p->p_filesz)
			continue;
		*off = vaddr - p->p_vaddr + p->p_offset;
		return true;
	}
	return false;
}

/* ---- for the stack symbolizer ----------------------------------------------------- */

int elf_file_loads(struct elf_file *f, const struct elf_load **v)
{
	if (f->nloads < 0) {
		f->nloads = 0;
		f->loads = xmalloc(sizeof(*f->loads) * (f->nph ? f->nph : 1));
		for (size_t i = 0; i < f->nph; i++)
			if (f->ph[i].p_type == PT_LOAD)
				f->loads[f->nloads++] = (struct elf_load){
					.vaddr = f->ph[i].p_vaddr, .offset = f->ph[i].p_offset, .filesz = f->ph[i].p_filesz,
				};
	}
	*v = f->loads;
	return f->nloads;
}

/* Appends the defined function and object symbols of every .symtab and
 * .dynsym of g to f->syms; true when g has a .symtab. Entries are copied
 * out (no alignment assumed); a name is looked up only in an SHT_STRTAB
 * section and must end inside it. */
static bool read_all_syms(struct elf_file *f, const struct elf_file *g, int *cap)
{
	bool has_symtab = false;
	for (size_t i = 1; i < g->nsh; i++) {
		const Elf64_Shdr *s = &g->sh[i];
		if (s->sh_type != SHT_SYMTAB && s->sh_type != SHT_DYNSYM)
			continue;
		has_symtab |= s->sh_type == SHT_SYMTAB;
		size_t len = 0, slen = 0;
		const uint8_t *data = sec_data(g, i, &len);
		const uint8_t *strs = s->sh_link < g->nsh && g->sh[s->sh_link].sh_type == SHT_STRTAB
					      ? sec_data(g, s->sh_link, &slen)
					      : NULL;
		size_t esz = g->is32 ? sizeof(Elf32_Sym) : sizeof(Elf64_Sym);
		size_t n = data && s->sh_entsize ? s->sh_size / s->sh_entsize : 0;
		for (size_t k = 0; k < n && k < len / esz; k++) {
			Elf64_Sym y;
			if (g->is32) {
				Elf32_Sym y32;
				memcpy(&y32, data + k * esz, esz);
				y = (Elf64_Sym){ .st_name = y32.st_name, .st_info = y32.st_info, .st_other = y32.st_other,
						 .st_shndx = y32.st_shndx, .st_value = y32.st_value, .st_size = y32.st_size };
			} else {
				memcpy(&y, data + k * esz, esz);
			}
			int type = ELF64_ST_TYPE(y.st_info);
			if (y.st_shndx == SHN_UNDEF || !y.st_value ||
			    (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_OBJECT))
				continue;
			const char *name = str_at(strs, slen, y.st_name);
			if (!name || !*name)
				continue;
			if (f->nsyms == *cap) {
				*cap = *cap ? *cap * 2 : 256;
				f->syms = xrealloc(f->syms, sizeof(*f->syms) * (size_t)*cap);
			}
			f->syms[f->nsyms++] = (struct elf_sym){ .name = name, .addr = y.st_value, .size = y.st_size };
		}
	}
	return has_symtab;
}

int elf_file_syms(struct elf_file *f, const struct elf_sym **v)
{
	if (f->nsyms < 0) {
		f->nsyms = 0;
		int cap = 0;
		/* stripped: the local functions are in the debug file (none
		 * for an ELF32 file: elf_file_open, which finds it, opens none) */
		if (!read_all_syms(f, f, &cap) && !f->is_debug && !f->is32 && elf_file_debug_path(f))
			read_all_syms(f, f->debug, &cap);
	}
	*v = f->syms;
	return f->nsyms;
}

/* ---- USDT notes ------------------------------------------------------------------- */

/* One note section: appends every stapsdt note. */
static void read_notes(struct elf_file *f, size_t i, uint64_t base_addr, bool has_base, int *cap)
{
	size_t len;
	const uint8_t *p = sec_data(f, i, &len);
	if (!p)
		return;
	size_t o = 0;
	while (len - o >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		memcpy(&nh, p + o, sizeof(nh));
		o += sizeof(nh);
		size_t nsz = align4(nh.n_namesz), dsz = align4(nh.n_descsz);
		if (nsz > len - o || dsz > len - o - nsz || nh.n_descsz > dsz)
			break;
		const uint8_t *name = p + o, *desc = p + o + nsz;
		o += nsz + dsz;
		if (nh.n_type != 3 || nh.n_namesz != 8 || memcmp(name, "stapsdt", 8) || nh.n_descsz < 3 * 8 + 3)
			continue;
		/* desc: pc, link-time .stapsdt.base, semaphore, then three strings */
		uint64_t pc, base, sema;
		memcpy(&pc, desc, 8);
		memcpy(&base, desc + 8, 8);
		memcpy(&sema, desc + 16, 8);
		const uint8_t *strs = desc + 24;
		size_t slen = nh.n_descsz - 24;
		const char *prov = str_at(strs, slen, 0);
		const char *pname = prov ? str_at(strs, slen, strlen(prov) + 1) : NULL;
		const char *args = pname ? str_at(strs, slen, (size_t)(pname - (const char *)strs) + strlen(pname) + 1) : NULL;
		if (!pname)
			continue;
		if (has_base && base)
			pc += base_addr - base;   /* prelinked or relocated since the note was written */
		if (f->nnotes == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			f->notes = xrealloc(f->notes, sizeof(*f->notes) * (size_t)*cap);
		}
		f->notes[f->nnotes++] = (struct usdt_note){
			.provider = prov, .name = pname, .args = args ? args : "", .pc = pc, .sema = sema,
		};
	}
}

int elf_file_usdt(struct elf_file *f, const struct usdt_note **v)
{
	if (f->nnotes < 0) {
		f->nnotes = 0;
		long b = sec_find(f, ".stapsdt.base", 0);
		uint64_t base_addr = b > 0 ? f->sh[b].sh_addr : 0;
		int cap = 0;
		for (size_t i = 1; i < f->nsh; i++) {
			const char *n = sec_name(f, i);
			if (f->sh[i].sh_type == SHT_NOTE && n && !strcmp(n, ".note.stapsdt"))
				read_notes(f, i, base_addr, b > 0, &cap);
		}
	}
	*v = f->notes;
	return f->nnotes;
}

/* ---- USDT argument specs ------------------------------------------------------------ */

/* A register name at *p (after AT&T's '%'): sets the offset and shift,
 * advances *p past it. */
static bool parse_reg(const struct arch *arch, const char **p, int *off, int *shift)
{
	char name[8];
	size_t n = 0;
	for (; isalnum((unsigned char)**p) && n < sizeof(name) - 1; (*p)++)
		name[n++] = **p;
	name[n] = 0;
	return (*off = arch_usdt_reg_offset(arch, name, shift)) >= 0;
}

/* A number at *s filling the rest of it up to stop (NUL or a character). */
static bool parse_num(const char *s, int64_t *v, const char **end)
{
	char *e;
	errno = 0;
	*v = strtoll(s, &e, 0);
	*end = e;
	return e != s && !errno;
}

/* x86-64, AT&T syntax: -4@%edi (register), -8@-16(%rbp) or 8@(%rax)
 * (memory at a register plus a displacement), 4@$5 (constant). */
static bool parse_att(const struct arch *arch, const char *s, struct usdt_arg *a)
{
	const char *end;
	if (*s == '$') {
		a->kind = USDT_ARG_CONST;
		return parse_num(s + 1, &a->val, &end) && !*end;
	}
	if (*s == '%') {
		s++;
		a->kind = USDT_ARG_REG;
		return parse_reg(arch, &s, &a->reg_off, &a->reg_shift) && !*s;
	}
	a->kind = USDT_ARG_MEM;
	if (*s != '(') {
		if (!parse_num(s, &a->val, &end))
			return false;
		s = end;
	}
	int shift;
	if (*s++ != '(' || *s++ != '%' || !parse_reg(arch, &s, &a->reg_off, &shift) || shift ||
	    a->reg_off == arch->regs.ip)
		return false;   /* no %rip-relative (symbol) or index forms */
	return s[0] == ')' && !s[1];
}

/* arm64, GNU as syntax: -4@x0 or 4@w1 (register), 8@[sp, 16], -4@[x29,-8]
 * or 8@[x1] (memory at a register plus an offset), -4@5 (constant). */
static bool parse_a64(const struct arch *arch, const char *s, struct usdt_arg *a)
{
	const char *end;
	int shift;
	if (*s == '-' || isdigit((unsigned char)*s)) {
		a->kind = USDT_ARG_CONST;
		return parse_num(s, &a->val, &end) && !*end;
	}
	if (*s != '[') {
		a->kind = USDT_ARG_REG;
		return parse_reg(arch, &s, &a->reg_off, &a->reg_shift) && !*s;
	}
	a->kind = USDT_ARG_MEM;
	s++;
	if (!parse_reg(arch, &s, &a->reg_off, &shift))
		return false;
	if (*s == ',') {
		for (s++; *s == ' '; s++)
			;
		if (*s == '#')
			s++;
		if (!parse_num(s, &a->val, &end))
			return false;
		s = end;
	}
	return s[0] == ']' && !s[1];
}

static bool parse_one(const struct arch *arch, const char *s, struct usdt_arg *a)
{
	memset(a, 0, sizeof(*a));
	a->size = 8;
	const char *at = strchr(s, '@');
	if (at) {
		char *end;
		long sz = strtol(s, &end, 10);
		if (end != at)
			return false;
		a->is_signed = sz < 0;
		a->size = (int)(sz < 0 ? -sz : sz);
		if (a->size != 1 && a->size != 2 && a->size != 4 && a->size != 8)
			return false;
		s = at + 1;
	}
	return arch->usdt_att ? parse_att(arch, s, a) : parse_a64(arch, s, a);
}

/* The length of the argument at p: up to a blank outside brackets (arm64's
 * "[sp, 8]" has one inside). */
static size_t arg_len(const char *p)
{
	size_t n = 0;
	int depth = 0;
	for (; p[n] && (depth || (p[n] != ' ' && p[n] != '\t')); n++)
		depth += p[n] == '[' ? 1 : p[n] == ']' && depth ? -1 : 0;
	return n;
}

int usdt_parse_args(const char *spec, struct usdt_arg *out, int max, char *err, size_t errlen)
{
	return usdt_parse_args_arch(arch_host(), spec, out, max, err, errlen);
}

int usdt_parse_args_arch(const struct arch *arch, const char *spec, struct usdt_arg *out, int max, char *err,
			 size_t errlen)
{
	int n = 0;
	for (const char *p = spec; *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		size_t len = arg_len(p);
		char one[128];
		if (len >= sizeof(one) || n == max) {
			snprintf(err, errlen, "%s USDT argument spec: %.*s", n == max ? "too many arguments in" : "unsupported",
				 (int)(len > 64 ? 64 : len), p);
			return -1;
		}
		memcpy(one, p, len);
		one[len] = 0;
		if (!parse_one(arch, one, &out[n])) {
			snprintf(err, errlen, "unsupported USDT argument spec: %s", one);
			return -1;
		}
		n++;
		p += len;
	}
	return n;
}

/* ---- finding libraries ---------------------------------------------------------------- */

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* "libc" and "c" both name libc.so: the soname prefix wanted for name. */
static void lib_prefix(const char *name, char *want, size_t len)
{
	snprintf(want, len, "%s%s.so", starts_with(name, "lib") ? "" : "lib", name);
}

/* An ld.so.cache key for name: "libc.so.6" for name "libc" or "c" (the
 * "lib<name>.so" prefix, as bcc matches it), or name itself. */
static bool lib_key_matches(const char *key, const char *name)
{
	char want[PATH_MAX];
	lib_prefix(name, want, sizeof(want));
	return starts_with(key, want) || !strcmp(key, name);
}

#define LDCACHE_NEW "glibc-ld.so.cache1.1"
#define LDCACHE_OLD "ld.so-1.7.0"

bool elf_ldcache_lookup(const char *cache, const char *name, char *out, size_t outlen)
{
	return elf_ldcache_lookup_arch(cache, arch_host(), name, out, outlen);
}

bool elf_ldcache_lookup_arch(const char *cache, const struct arch *arch, const char *name, char *out,
			     size_t outlen)
{
	char err[PATH_MAX + 128];
	uint64_t fsize;
	int fd = rfile_open(cache ? cache : "/etc/ld.so.cache", RFILE_MAX_ELF, &fsize, err, sizeof(err));
	if (fd < 0)
		return false;
	if (fsize < 48) {
		close(fd);
		return false;
	}
	size_t size = (size_t)fsize;
	const uint8_t *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return false;
	/* The new format alone, or after the old one's entries (12 bytes each). */
	size_t hdr = 0;
	if (!memcmp(map, LDCACHE_OLD, strlen(LDCACHE_OLD))) {
		uint32_t nold;
		memcpy(&nold, map + 12, 4);
		hdr = (16 + (size_t)nold * 12 + 7) & ~(size_t)7;
	}
	bool found = false;
	if (hdr <= size - 48 && !memcmp(map + hdr, LDCACHE_NEW, strlen(LDCACHE_NEW))) {
		uint32_t nlibs;
		memcpy(&nlibs, map + hdr + 20, 4);
		const uint8_t *base = map + hdr;
		size_t room = size - hdr;
		for (uint32_t i = 0; i < nlibs && 48 + ((size_t)i + 1) * 24 <= room && !found; i++) {
			int32_t flags;
			uint32_t key, value;
			memcpy(&flags, base + 48 + (size_t)i * 24, 4);
			memcpy(&key, base + 48 + (size_t)i * 24 + 4, 4);
			memcpy(&value, base + 48 + (size_t)i * 24 + 8, 4);
			/* the type (libc6) and the ABI both those of arch */
			if ((flags & ARCH_LDCACHE_TYPE_MASK) != (arch->ldcache_flags & ARCH_LDCACHE_TYPE_MASK) ||
			    (flags & ARCH_LDCACHE_ABI_MASK) != (arch->ldcache_flags & ARCH_LDCACHE_ABI_MASK))
				continue;
			const char *k = str_at(base, room, key), *v = str_at(base, room, value);
			if (k && v && lib_key_matches(k, name) && strlen(v) < outlen) {
				strcpy(out, v);
				found = true;
			}
		}
	}
	munmap((void *)map, size);
	return found;
}

/* A mapped "/lib<name>.so..." or "/lib<name>-..." of process pid. */
static bool lib_in_process(const char *name, pid_t pid, char *out, size_t outlen)
{
	char **files;
	int n = elf_proc_files(pid, &files);
	if (n < 0)
		return false;
	char a[PATH_MAX], b[PATH_MAX];
	const char *lib = starts_with(name, "lib") ? "" : "lib";
	snprintf(a, sizeof(a), "/%s%s.", lib, name);
	snprintf(b, sizeof(b), "/%s%s-", lib, name);
	bool found = false;
	for (int i = 0; i < n && !found; i++) {
		const char *base = strrchr(files[i], '/');
		if (base && (starts_with(base, a) || starts_with(base, b)) && strlen(files[i]) < outlen) {
			strcpy(out, files[i]);
			found = true;
		}
	}
	elf_proc_files_free(files);
	return found;
}

/* lib<name>.so* in the target's standard library directories (the lowest
 * name: libfoo.so before libfoo.so.1). */
static bool lib_in_dirs(const char *name, char *out, size_t outlen)
{
	const char *const *dirs = arch_host()->lib_dirs;
	char want[PATH_MAX];
	lib_prefix(name, want, sizeof(want));
	for (size_t i = 0; dirs[i]; i++) {
		DIR *d = opendir(dirs[i]);
		if (!d)
			continue;
		char best[NAME_MAX + 1] = "";
		struct dirent *e;
		while ((e = readdir(d)))
			if (starts_with(e->d_name, want) && (!best[0] || strcmp(e->d_name, best) < 0))
				snprintf(best, sizeof(best), "%s", e->d_name);
		closedir(d);
		if (best[0] && (size_t)snprintf(out, outlen, "%s/%s", dirs[i], best) < outlen)
			return true;
	}
	return false;
}

static bool in_path(const char *name, char *out, size_t outlen)
{
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, ":");
		char cand[PATH_MAX];
		if (len && (size_t)snprintf(cand, sizeof(cand), "%.*s/%s", (int)len, p, name) < sizeof(cand) &&
		    access(cand, X_OK) == 0 && strlen(cand) < outlen) {
			struct stat st;
			if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
				strcpy(out, cand);
				return true;
			}
		}
		p += len + (p[len] == ':');
	}
	return false;
}

bool elf_resolve_target(const char *name, pid_t pid, char *out, size_t outlen)
{
	if (!*name)
		return false;
	if (pid > 0 && lib_in_process(name, pid, out, outlen))
		return true;
	return elf_ldcache_lookup(NULL, name, out, outlen) || lib_in_dirs(name, out, outlen) ||
	       in_path(name, out, outlen);
}

/* ---- process mappings ------------------------------------------------------------------- */

int elf_proc_files(pid_t pid, char ***paths)
{
	struct procmap *m;
	int nm = procmaps_read(pid, &m);
	*paths = NULL;
	if (nm < 0)
		return -1;
	int n = 0;
	char **v = xmalloc(sizeof(*v) * (size_t)(nm + 1));
	for (int i = 0; i < nm; i++) {
		bool dup = m[i].deleted;
		for (int k = 0; k < n && !dup; k++)
			dup = !strcmp(v[k], m[i].path);
		if (!dup)
			v[n++] = xstrdup(m[i].path);
	}
	procmaps_free(m, nm);
	v[n] = NULL;
	*paths = v;
	return n;
}

void elf_proc_files_free(char **paths)
{
	for (char **p = paths; p && *p; p++)
		free(*p);
	free(paths);
}
