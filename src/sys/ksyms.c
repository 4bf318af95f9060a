/* ksyms.c - /proc/kallsyms, read once: one sorted array by address for
 * symbolization (binary search) and a name-sorted index for lookups.
 *
 * The whole file is about 120,000 lines (5 MB) and reads in ~40 ms here, so
 * it is only read on first use: symbolizing a kernel stack, kaddr(), kprobe
 * wildcards and listing. Memory: one string pool plus two arrays, freed at
 * exit. */
#define _GNU_SOURCE
#include "sys/ksyms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/arena.h"

static struct ksym *syms;      /* by address */
static int nsyms = -1;
static int *by_name;           /* indices into syms, sorted by name */
static char *pool;
static bool have_addrs;
static int load_errno;

static void ksyms_free(void)
{
	free(syms);
	free(by_name);
	free(pool);
	syms = NULL;
	by_name = NULL;
	pool = NULL;
	nsyms = -1;
}

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* among aliases, text symbols and names without leading '_' first, so
	 * that the resolver (which takes the last of equal addresses) picks a
	 * stable one: the last in this order */
	return strcmp(y->name, x->name);
}

static int cmp_name(const void *a, const void *b)
{
	const struct ksym *x = &syms[*(const int *)a], *y = &syms[*(const int *)b];
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	bool tx = x->type == 't' || x->type == 'T', ty = y->type == 't' || y->type == 'T';
	if (tx != ty)
		return tx ? -1 : 1;
	return *(const int *)a - *(const int *)b;
}

int ksyms_load(void)
{
	if (nsyms >= 0)
		return nsyms;
	if (load_errno) {
		errno = load_errno;
		return -1;
	}
	FILE *f = fopen("/proc/kallsyms", "re");
	if (!f) {
		load_errno = errno;
		return -1;
	}
	size_t cap = 1 << 17, n = 0, pcap = 1 << 22, plen = 0;
	struct ksym *v = xmalloc(sizeof(*v) * cap);
	char *p = xmalloc(pcap);
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	/* offsets into the pool while it may move */
	size_t *name_off = xmalloc(sizeof(*name_off) * cap), *mod_off = xmalloc(sizeof(*mod_off) * cap);
	while ((len = getline(&line, &lcap, f)) > 0) {
		char *end;
		unsigned long long addr = strtoull(line, &end, 16);
		if (end == line || *end != ' ' || !end[1] || end[2] != ' ')
			continue;
		char type = end[1];
		char *name = end + 3;
		size_t nl = strcspn(name, "\t\n");
		char *mod = name[nl] == '\t' ? name + nl + 1 : NULL;
		size_t ml = 0;
		if (mod && *mod == '[') {
			mod++;
			ml = strcspn(mod, "]");
		} else {
			mod = NULL;
		}
		if (plen + nl + ml + 2 > pcap) {
			while (plen + nl + ml + 2 > pcap)
				pcap *= 2;
			p = xrealloc(p, pcap);
		}
		if (n == cap) {
			cap *= 2;
			v = xrealloc(v, sizeof(*v) * cap);
			name_off = xrealloc(name_off, sizeof(*name_off) * cap);
			mod_off = xrealloc(mod_off, sizeof(*mod_off) * cap);
		}
		memcpy(p + plen, name, nl);
		p[plen + nl] = 0;
		name_off[n] = plen;
		plen += nl + 1;
		if (mod) {
			memcpy(p + plen, mod, ml);
			p[plen + ml] = 0;
			mod_off[n] = plen;
			plen += ml + 1;
		} else {
			mod_off[n] = (size_t)-1;
		}
		v[n].addr = addr;
		v[n].type = type;
		if (addr)
			have_addrs = true;
		n++;
	}
	free(line);
	fclose(f);
	for (size_t i = 0; i < n; i++) {
		v[i].name = p + name_off[i];
		v[i].module = mod_off[i] == (size_t)-1 ? NULL : p + mod_off[i];
	}
	free(name_off);
	free(mod_off);
	qsort(v, n, sizeof(*v), cmp_addr);
	syms = v;
	pool = p;
	nsyms = (int)n;
	static bool registered;
	if (!registered) {
		registered = true;
		atexit(ksyms_free);
	}
	return nsyms;
}

const struct ksym *ksyms_at(int i)
{
	return i >= 0 && i < nsyms ? &syms[i] : NULL;
}

bool ksyms_have_addrs(void)
{
	return ksyms_load() > 0 && have_addrs;
}

static int find_le(uint64_t addr);

const struct ksym *ksyms_resolve(uint64_t addr, uint64_t *off)
{
	if (!ksyms_have_addrs())
		return NULL;
	/* BPF programs (and modules) get their symbols when they load: an
	 * address that lands in the bpf "module", or far beyond its symbol, may
	 * be a program loaded after kallsyms was read (kaddr() reads it at
	 * compile time, before our programs load). Read it again, once. */
	static bool reread;
	int best = find_le(addr);
	if (!reread && best >= 0 &&
	    ((syms[best].module && !strcmp(syms[best].module, "bpf")) || addr - syms[best].addr > (1u << 20))) {
		reread = true;
		ksyms_free();
		if (ksyms_load() < 0)
			return NULL;
		best = find_le(addr);
	}
	if (best < 0)
		return NULL;
	if (off)
		*off = addr - syms[best].addr;
	return &syms[best];
}

static int find_le(uint64_t addr)
{
	int lo = 0, hi = nsyms - 1, best = -1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (syms[mid].addr <= addr) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return best;
}

const struct ksym *ksyms_find(const char *name)
{
	if (ksyms_load() <= 0)
		return NULL;
	/* The name index is made on the first lookup by name: listing (-l)
	 * and address resolution never need it, and sorting ~200,000 names
	 * was most of what `-l` cost. */
	if (!by_name) {
		by_name = xmalloc(sizeof(*by_name) * (size_t)nsyms);
		for (int i = 0; i < nsyms; i++)
			by_name[i] = i;
		qsort(by_name, (size_t)nsyms, sizeof(*by_name), cmp_name);
	}
	int lo = 0, hi = nsyms - 1, found = -1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		int c = strcmp(syms[by_name[mid]].name, name);
		if (c < 0) {
			lo = mid + 1;
		} else {
			if (c == 0)
				found = mid;
			hi = mid - 1;
		}
	}
	return found < 0 ? NULL : &syms[by_name[found]];
}
