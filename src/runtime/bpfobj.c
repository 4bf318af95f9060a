/* bpfobj.c - the index of the compiled BPF object; see bpfobj.h.
 *
 * The section table is used only once its extent has been checked against
 * the object's size, section names only inside a name table whose last byte
 * is a NUL, and a section's bytes, symbols and relocations only inside the
 * object. Headers and entries are copied out with memcpy: no alignment of
 * the object is assumed. */
#include "runtime/bpfobj.h"

#include <elf.h>
#include <string.h>

int bpfobj_index(struct bpfobj *o, struct arena *a, const void *obj, size_t len)
{
	memset(o, 0, sizeof(*o));
	o->obj = obj;
	o->len = len;
	o->arena = a;
	o->symtab = -1;
	Elf64_Ehdr eh;
	if (len < sizeof(eh))
		return -1;
	memcpy(&eh, obj, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shoff > len ||
	    (len - eh.e_shoff) / sizeof(Elf64_Shdr) < eh.e_shnum)
		return -1;
	const uint8_t *shdrs = o->obj + eh.e_shoff;
	int n = eh.e_shnum;
	if (eh.e_shstrndx < n) {
		Elf64_Shdr str;
		memcpy(&str, shdrs + (size_t)eh.e_shstrndx * sizeof(str), sizeof(str));
		if (str.sh_offset <= len && len - str.sh_offset >= str.sh_size && str.sh_size &&
		    !o->obj[str.sh_offset + str.sh_size - 1]) {
			o->shstr = (const char *)o->obj + str.sh_offset;
			o->shstr_size = str.sh_size;
		}
	}
	o->sec = arena_alloc(a, sizeof(*o->sec) * (size_t)(n ? n : 1));
	o->nsec = n;
	for (int i = 0; i < n; i++) {
		Elf64_Shdr s;
		memcpy(&s, shdrs + (size_t)i * sizeof(s), sizeof(s));
		struct bpfobj_sec *x = &o->sec[i];
		x->name = o->shstr && s.sh_name < o->shstr_size ? o->shstr + s.sh_name : NULL;
		x->off = s.sh_offset;
		x->size = s.sh_size;
		x->in_file = s.sh_offset <= len && s.sh_size <= len - s.sh_offset;
		x->exec = s.sh_type == SHT_PROGBITS && (s.sh_flags & SHF_EXECINSTR);
		x->rel_of = -1;
		if (s.sh_type == SHT_REL || s.sh_type == SHT_RELA) {
			x->relsz = s.sh_type == SHT_REL ? sizeof(Elf64_Rel) : sizeof(Elf64_Rela);
			if (s.sh_info < (unsigned)n)
				x->rel_of = (int)s.sh_info;
		}
		if (s.sh_type == SHT_SYMTAB)
			o->symtab = i;
	}
	for (int i = 0; i < n; i++)
		if (o->sec[i].rel_of >= 0)
			o->sec[o->sec[i].rel_of].has_rel = true;
	return 0;
}

int bpfobj_find(struct bpfobj *o, const char *name)
{
	if (!o->named) {
		o->named = true;
		for (int i = 0; i < o->nsec; i++)
			if (o->sec[i].name)
				strmap_put(o->arena, &o->names, o->sec[i].name, (void *)(intptr_t)(i + 1));
	}
	return (int)((intptr_t)strmap_get(&o->names, name) - 1);
}

const void *bpfobj_data(const struct bpfobj *o, int i, size_t *size)
{
	if (i < 0 || i >= o->nsec || !o->sec[i].in_file)
		return NULL;
	*size = o->sec[i].size;
	return o->obj + o->sec[i].off;
}

size_t bpfobj_nsyms(const struct bpfobj *o)
{
	if (o->symtab < 0 || !o->sec[o->symtab].in_file)
		return 0;
	return o->sec[o->symtab].size / sizeof(Elf64_Sym);
}

struct bpfobj_sym bpfobj_sym(const struct bpfobj *o, size_t k)
{
	Elf64_Sym s;
	memcpy(&s, o->obj + o->sec[o->symtab].off + k * sizeof(s), sizeof(s));
	return (struct bpfobj_sym){
		.value = s.st_value, .shndx = s.st_shndx, .func = ELF64_ST_TYPE(s.st_info) == STT_FUNC,
	};
}

size_t bpfobj_nrels(const struct bpfobj *o, int i)
{
	const struct bpfobj_sec *x = &o->sec[i];
	return x->relsz && x->in_file ? x->size / x->relsz : 0;
}

struct bpfobj_rel bpfobj_rel(const struct bpfobj *o, int i, size_t k)
{
	Elf64_Rel r;   /* an Elf64_Rela begins as one */
	memcpy(&r, o->obj + o->sec[i].off + k * o->sec[i].relsz, sizeof(r));
	return (struct bpfobj_rel){
		.offset = r.r_offset, .sym = (uint32_t)ELF64_R_SYM(r.r_info), .type = (uint32_t)ELF64_R_TYPE(r.r_info),
	};
}
