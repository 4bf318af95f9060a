/* bpfobj.h - the one reader of the compiled BPF object: the ELF64
 * relocatable file that codegen emits and the cache stores, in memory.
 *
 * The loader (load.c) finds each program's section in it, subprog.c
 * relocates the callback loads of for-loop bodies, and the cache (cache.c)
 * rewrites map loads in place; all three go through this index, built once
 * per object, in which every table's extent has been checked against the
 * object's size. Callers see no <elf.h> structure: ELF headers are read in
 * bpfobj.c alone (user binaries are read by sys/elfsym.c). */
#ifndef BPFSCRIPT_BPFOBJ_H
#define BPFSCRIPT_BPFOBJ_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/arena.h"
#include "util/strmap.h"

struct bpfobj_sec {
	const char *name;   /* NULL when the section name table does not name it */
	uint64_t off, size; /* its bytes: [off, off + size) of the object */
	bool in_file;       /* ... lie inside the object */
	bool exec;          /* SHT_PROGBITS with SHF_EXECINSTR: instructions */
	int rel_of;         /* a relocation section (SHT_REL, SHT_RELA): the section it applies to; else -1 */
	bool has_rel;       /* a relocation section applies to it */
	unsigned relsz;     /* private: a relocation section's entry size */
};

struct bpfobj {
	const uint8_t *obj;
	size_t len;
	struct bpfobj_sec *sec;
	int nsec;           /* 0 when the object is malformed */
	int symtab;         /* the symbol table section (the last SHT_SYMTAB), -1 if none */
	/* private */
	struct arena *arena;
	const char *shstr;  /* the section name table, NUL-terminated; NULL when unusable */
	uint64_t shstr_size;
	bool named;         /* names is built (on the first bpfobj_find) */
	struct strmap names;
};

/* Indexes the object; its tables live in arena a. Returns 0, or -1 when
 * the object is no ELF64 file or its section table lies outside it: the
 * index then has no sections. */
int bpfobj_index(struct bpfobj *o, struct arena *a, const void *obj, size_t len);

/* The index of the section called name (the last one of that name), or -1.
 * The first call hashes every name, so that finding the sections of n
 * programs costs O(n), not O(n * sections). */
int bpfobj_find(struct bpfobj *o, const char *name);
/* The bytes of section i and their size; NULL when they lie outside the object. */
const void *bpfobj_data(const struct bpfobj *o, int i, size_t *size);

/* The symbols of the symbol table (whole entries inside the object). */
struct bpfobj_sym {
	uint64_t value;
	unsigned shndx;     /* the section it is defined in */
	bool func;          /* STT_FUNC */
};
size_t bpfobj_nsyms(const struct bpfobj *o);
struct bpfobj_sym bpfobj_sym(const struct bpfobj *o, size_t k);

/* The entries of relocation section i (SHT_REL or SHT_RELA; 0 when its bytes
 * lie outside the object). */
struct bpfobj_rel {
	uint64_t offset;    /* r_offset: in bytes, in the section it applies to */
	uint32_t sym;       /* ELF64_R_SYM */
	uint32_t type;      /* ELF64_R_TYPE */
};
size_t bpfobj_nrels(const struct bpfobj *o, int i);
struct bpfobj_rel bpfobj_rel(const struct bpfobj *o, int i, size_t k);

#endif
