/* ksyms.h - kernel symbols from /proc/kallsyms: read once per process,
 * sorted by address for symbolization (kstack, ksym, func) and searchable
 * by name (kaddr, kprobe expansion and listing). */
#ifndef BPFSCRIPT_KSYMS_H
#define BPFSCRIPT_KSYMS_H
#include <stdbool.h>
#include <stdint.h>

struct ksym {
	uint64_t addr;
	const char *name;
	const char *module;   /* NULL for vmlinux */
	char type;            /* kallsyms type letter: 't', 'T', 'd' ... */
};

/* Loads /proc/kallsyms (cached); returns the number of symbols, -1 with
 * errno on failure. */
int ksyms_load(void);
/* Symbol i in address order (0 <= i < ksyms_load()). */
const struct ksym *ksyms_at(int i);
/* The symbol containing addr (the last one at or below it), and the offset
 * of addr in it; NULL when addr is below every symbol or kallsyms shows no
 * addresses (kptr_restrict). */
const struct ksym *ksyms_resolve(uint64_t addr, uint64_t *off);
/* The first symbol called `name` (text symbols preferred), or NULL. */
const struct ksym *ksyms_find(const char *name);
/* Is kallsyms readable with real addresses? */
bool ksyms_have_addrs(void);

#endif
