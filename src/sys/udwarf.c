/* udwarf.c - function parameters from the DWARF of user-space files, for
 * uprobe `args` and `-lv`. See udwarf.h.
 *
 * libdw is reached through a table of function pointers filled by dlopen
 * and dlsym once (dw_load); <elfutils/libdw.h> provides only the types.
 * Each file gets an index of its defined functions (name -> DIE offset,
 * sorted), built in one pass over the top-level DIEs of every unit; a
 * function's parameters are then its DW_TAG_formal_parameter children. */
#define _GNU_SOURCE
#include "sys/udwarf.h"

#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ast/type.h"
#include "sys/elfsym.h"
#include "util/arch.h"
#include "util/arena.h"
#include "util/rfile.h"

/* ---- libdw, loaded on demand ---------------------------------------------------- */

#define DW_FUNCS(X)                                                                 \
	X(dwarf_begin) X(dwarf_end) X(dwarf_get_units) X(dwarf_offdie) X(dwarf_dieoffset) \
	X(dwarf_child) X(dwarf_siblingof) X(dwarf_tag) X(dwarf_hasattr)              \
	X(dwarf_attr_integrate) X(dwarf_formudata) X(dwarf_formref_die) X(dwarf_formflag) \
	X(dwarf_diename) X(dwarf_bytesize) X(dwarf_bitsize) X(dwarf_attr) X(dwarf_formstring)

static struct {
#define X(f) __typeof__(f) *f;
	DW_FUNCS(X)
#undef X
	bool tried, ok;
} dw;

static bool dw_load(char *err, size_t errlen)
{
	if (!dw.tried) {
		dw.tried = true;
		void *h = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);
		dw.ok = h != NULL;
#define X(f) if (h && !(dw.f = (__typeof__(f) *)dlsym(h, #f))) dw.ok = false;
		DW_FUNCS(X)
#undef X
	}
	if (!dw.ok)
		snprintf(err, errlen, "reading DWARF needs libdw.so.1 (elfutils), which cannot be loaded");
	return dw.ok;
}

/* ---- files and their function index ------------------------------------------------ */

struct dw_func {
	const char *name;
	Dwarf_Off off;
};

struct udwarf {
	int fd;
	Dwarf *dbg;
	struct dw_func *funcs;
	int nfuncs;
};

static int cmp_func(const void *a, const void *b)
{
	const struct dw_func *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->off > y->off) - (x->off < y->off);
}

/* The die's own flag attribute (not one reached through DW_AT_specification:
 * a C++ member function's definition points at its declaration). */
static bool own_flag(Dwarf_Die *die, unsigned name)
{
	Dwarf_Attribute at;
	bool v = false;
	return dw.dwarf_attr(die, name, &at) && dw.dwarf_formflag(&at, &v) == 0 && v;
}

/* The linkage name of a function's DIE (C++ mangled, also through
 * DW_AT_specification), or NULL. */
static const char *linkage_name(Dwarf_Die *die)
{
	Dwarf_Attribute at;
	if (dw.dwarf_attr_integrate(die, DW_AT_linkage_name, &at) ||
	    dw.dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &at))
		return dw.dwarf_formstring(&at);
	return NULL;
}

static void index_add(struct udwarf *d, int *cap, const char *name, Dwarf_Off off)
{
	if (d->nfuncs == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		d->funcs = xrealloc(d->funcs, sizeof(*d->funcs) * (size_t)*cap);
	}
	d->funcs[d->nfuncs++] = (struct dw_func){ name, off };
}

/* The function definitions among die and its siblings, and inside the
 * namespaces among them (C++). */
static void index_dies(struct udwarf *d, int *cap, Dwarf_Die *die, int depth)
{
	do {
		int tag = dw.dwarf_tag(die);
		Dwarf_Die child;
		if (tag == DW_TAG_namespace && depth < 16 && dw.dwarf_child(die, &child) == 0)
			index_dies(d, cap, &child, depth + 1);
		if (tag != DW_TAG_subprogram || own_flag(die, DW_AT_declaration))
			continue;
		/* by name, and by linkage name: the symbol of a C++ function */
		const char *name = dw.dwarf_diename(die), *link = linkage_name(die);
		if (name)
			index_add(d, cap, name, dw.dwarf_dieoffset(die));
		if (link && (!name || strcmp(link, name)))
			index_add(d, cap, link, dw.dwarf_dieoffset(die));
	} while (dw.dwarf_siblingof(die, die) == 0);
}

static void index_funcs(struct udwarf *d)
{
	int cap = 0;
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie, die;
	Dwarf_Half ver;
	uint8_t utype;
	while (dw.dwarf_get_units(d->dbg, cu, &cu, &ver, &utype, &cudie, NULL) == 0)
		if (dw.dwarf_child(&cudie, &die) == 0)
			index_dies(d, &cap, &die, 0);
	if (d->nfuncs)
		qsort(d->funcs, (size_t)d->nfuncs, sizeof(*d->funcs), cmp_func);
}

static struct udwarf *open_one(const char *path)
{
	char err[PATH_MAX + 128];
	int fd = rfile_open(path, RFILE_MAX_ELF, NULL, err, sizeof(err));
	if (fd < 0)
		return NULL;
	Dwarf *dbg = dw.dwarf_begin(fd, DWARF_C_READ);
	if (!dbg) {
		close(fd);
		return NULL;
	}
	struct udwarf *d = xcalloc(1, sizeof(*d));
	d->fd = fd;
	d->dbg = dbg;
	index_funcs(d);
	if (!d->nfuncs) {
		udwarf_close(d);
		return NULL;
	}
	return d;
}

bool udwarf_available(char *err, size_t errlen)
{
	return dw_load(err, errlen);
}

struct udwarf *udwarf_open(const char *path, char *err, size_t errlen)
{
	if (!dw_load(err, errlen))
		return NULL;
	struct udwarf *d = open_one(path);
	if (!d) {
		struct elf_file *f = elf_file_open(path, err, errlen);
		const char *dbg = f ? elf_file_debug_path(f) : NULL;
		if (dbg)
			d = open_one(dbg);
		elf_file_close(f);
	}
	if (!d)
		snprintf(err, errlen, "no DWARF in the file or a separate debug file");
	return d;
}

void udwarf_close(struct udwarf *d)
{
	if (!d)
		return;
	if (d->dbg)
		dw.dwarf_end(d->dbg);
	close(d->fd);
	free(d->funcs);
	free(d);
}

/* The DIE of func's definition (one with parameters when several). */
static bool find_func(struct udwarf *d, const char *func, Dwarf_Die *out)
{
	struct dw_func key = { func, 0 };
	int lo = 0, hi = d->nfuncs;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (cmp_func(&d->funcs[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	bool found = false;
	for (int i = lo; i < d->nfuncs && !strcmp(d->funcs[i].name, func); i++) {
		Dwarf_Die die, child;
		if (!dw.dwarf_offdie(d->dbg, d->funcs[i].off, &die))
			continue;
		*out = die;
		found = true;
		if (dw.dwarf_child(&die, &child) == 0)
			break;
	}
	return found;
}

/* The DIE the DW_AT_type of die names; false for void (no type). */
static bool type_of(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute at;
	return dw.dwarf_attr_integrate(die, DW_AT_type, &at) && dw.dwarf_formref_die(&at, out);
}

/* typedefs and qualifiers out of the way */
static bool strip(Dwarf_Die *die)
{
	for (int depth = 0; depth < 32; depth++) {
		switch (dw.dwarf_tag(die)) {
		case DW_TAG_typedef: case DW_TAG_const_type: case DW_TAG_volatile_type:
		case DW_TAG_restrict_type: case DW_TAG_atomic_type:
			if (!type_of(die, die))
				return false;    /* void */
			break;
		default:
			return true;
		}
	}
	return false;
}

/* ---- DWARF types as ours ------------------------------------------------------------- */

struct conv {
	struct arena *a;
	/* records being built, by DIE offset: self-referential structs */
	struct {
		Dwarf_Off off;
		struct type *t;
	} seen[64];
	int nseen;
	int depth;
};

static struct type *conv_type(struct conv *c, Dwarf_Die *die);

static struct type *int_of(Dwarf_Die *die, bool is_signed)
{
	int sz = dw.dwarf_bytesize(die);
	return sz == 1 || sz == 2 || sz == 4 || sz == 8 ? type_int(sz, is_signed) : NULL;
}

static struct type *conv_record(struct conv *c, Dwarf_Die *die)
{
	Dwarf_Off off = dw.dwarf_dieoffset(die);
	for (int i = 0; i < c->nseen; i++)
		if (c->seen[i].off == off)
			return c->seen[i].t;
	const char *name = dw.dwarf_diename(die);
	bool is_union = dw.dwarf_tag(die) == DW_TAG_union_type;
	struct type *t = type_simple(c->a, TY_RECORD, dw.dwarf_bytesize(die) > 0 ? dw.dwarf_bytesize(die) : 0);
	t->name = arena_printf(c->a, "%s %s", is_union ? "union" : "struct", name ? name : "(anonymous)");
	t->align = 8;
	if (c->nseen < 64) {
		c->seen[c->nseen].off = off;
		c->seen[c->nseen++].t = t;
	}
	Dwarf_Die m;
	int n = 0, cap = 0;
	if (dw.dwarf_child(die, &m) != 0 || c->depth > 8)
		return t;       /* declared only, or deep enough: opaque */
	c->depth++;
	do {
		if (dw.dwarf_tag(&m) != DW_TAG_member)
			continue;
		Dwarf_Die mt;
		if (!type_of(&m, &mt))
			continue;
		struct type *ft = conv_type(c, &mt);
		if (!ft)
			continue;
		Dwarf_Attribute at;
		Dwarf_Word loc = 0, bitoff = 0;
		int bits = dw.dwarf_bitsize(&m);
		if (dw.dwarf_attr_integrate(&m, DW_AT_data_member_location, &at))
			dw.dwarf_formudata(&at, &loc);
		if (bits > 0) {
			if (dw.dwarf_attr_integrate(&m, DW_AT_data_bit_offset, &at)) {
				dw.dwarf_formudata(&at, &bitoff);
			} else if (dw.dwarf_attr_integrate(&m, DW_AT_bit_offset, &at)) {
				/* DWARF 2/3: counted from the storage unit's MSB */
				Dwarf_Word msb = 0;
				dw.dwarf_formudata(&at, &msb);
				int unit = dw.dwarf_bytesize(&m) > 0 ? dw.dwarf_bytesize(&m) : ft->size;
				bitoff = loc * 8 + (Dwarf_Word)unit * 8 - msb - (Dwarf_Word)bits;
			}
			loc = bitoff / 8 / (Dwarf_Word)(ft->size ? ft->size : 1) * (Dwarf_Word)(ft->size ? ft->size : 1);
			bitoff -= loc * 8;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			t->fields = arena_realloc(c->a, t->fields, sizeof(*t->fields) * (size_t)n,
						  sizeof(*t->fields) * (size_t)cap);
		}
		const char *mname = dw.dwarf_diename(&m);
		t->fields[n++] = (struct type_field){
			.name = arena_strdup(c->a, mname ? mname : ""), .type = ft, .offset = (int)loc,
			.bit_offset = bits > 0 ? (int)bitoff : 0, .bit_size = bits > 0 ? bits : 0,
		};
	} while (dw.dwarf_siblingof(&m, &m) == 0);
	c->depth--;
	t->nfields = n;
	return t;
}

static struct type *conv_type(struct conv *c, Dwarf_Die *in)
{
	Dwarf_Die die = *in, sub;
	if (!strip(&die))
		return NULL;
	Dwarf_Attribute at;
	Dwarf_Word enc = 0;
	switch (dw.dwarf_tag(&die)) {
	case DW_TAG_base_type:
		if (dw.dwarf_attr_integrate(&die, DW_AT_encoding, &at))
			dw.dwarf_formudata(&at, &enc);
		if (enc == DW_ATE_float || enc == DW_ATE_complex_float)
			return NULL;
		return int_of(&die, enc == DW_ATE_signed || enc == DW_ATE_signed_char);
	case DW_TAG_enumeration_type: {
		Dwarf_Die ut;
		bool is_signed = false;
		if (type_of(&die, &ut) && strip(&ut) && dw.dwarf_attr_integrate(&ut, DW_AT_encoding, &at) &&
		    dw.dwarf_formudata(&at, &enc) == 0)
			is_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char;
		return int_of(&die, is_signed);
	}
	case DW_TAG_pointer_type: case DW_TAG_reference_type: case DW_TAG_rvalue_reference_type: {
		/* user memory; void * points at bytes */
		struct type *to = NULL;
		if (type_of(&die, &sub) && strip(&sub)) {
			int tag = dw.dwarf_tag(&sub);
			to = tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_class_type
				     ? conv_record(c, &sub)
			     : tag == DW_TAG_pointer_type || tag == DW_TAG_base_type ||
				       tag == DW_TAG_enumeration_type ? conv_type(c, &sub) : NULL;
		}
		return type_ptr(c->a, to ? to : type_int(1, false), AS_USER);
	}
	case DW_TAG_structure_type: case DW_TAG_union_type: case DW_TAG_class_type:
		return conv_record(c, &die);
	case DW_TAG_array_type: {
		if (!type_of(&die, &sub))
			return NULL;
		struct type *et = conv_type(c, &sub);
		Dwarf_Die r;
		Dwarf_Word n = 0;
		if (!et || dw.dwarf_child(&die, &r) != 0)
			return NULL;
		if (dw.dwarf_attr_integrate(&r, DW_AT_count, &at))
			dw.dwarf_formudata(&at, &n);
		else if (dw.dwarf_attr_integrate(&r, DW_AT_upper_bound, &at) && dw.dwarf_formudata(&at, &n) == 0)
			n++;
		if (!n || n > 65536)
			return NULL;
		/* char arrays are strings, as in tracepoint records */
		if (et->kind == TY_INT && et->size == 1)
			return type_str(c->a, (int)n);
		return type_array(c->a, et, (int)n);
	}
	default:
		return NULL;    /* floats, functions, class types we do not model */
	}
}

/* The general registers a parameter of DWARF type die takes: 0 for
 * floating point (SSE or SIMD registers), 1 or 2 for aggregates up to 16
 * bytes (taken as INTEGER class: the common case of structs of integers and
 * pointers), 1 for everything else. An aggregate over 16 bytes is passed in
 * memory under the SysV x86-64 ABI (0), by a pointer in the next register
 * under the AAPCS64 (1). The argument registers themselves are the
 * architecture's (util/arch.h). */
static int gp_regs(const struct arch *arch, Dwarf_Die *die)
{
	Dwarf_Die t = *die;
	Dwarf_Attribute at;
	Dwarf_Word enc = 0;
	if (!strip(&t))
		return 1;
	switch (dw.dwarf_tag(&t)) {
	case DW_TAG_base_type:
		if (dw.dwarf_attr_integrate(&t, DW_AT_encoding, &at))
			dw.dwarf_formudata(&at, &enc);
		return enc == DW_ATE_float || enc == DW_ATE_complex_float ? 0 : 1;
	case DW_TAG_structure_type: case DW_TAG_union_type: case DW_TAG_class_type: {
		int sz = dw.dwarf_bytesize(&t);
		if (sz > 16)
			return arch->regs.large_by_ref ? 1 : 0;
		return sz <= 0 ? 0 : (sz + 7) / 8;
	}
	default:
		return 1;
	}
}

struct type *udwarf_args_type(struct udwarf *d, struct arena *a, const char *func, char *err,
			      size_t errlen)
{
	Dwarf_Die fn, p;
	if (!find_func(d, func, &fn)) {
		snprintf(err, errlen, "no DWARF for function %s", func);
		return NULL;
	}
	const struct arch *arch = arch_host();
	const int nargs = arch->regs.nargs;
	struct type *t = type_simple(a, TY_RECORD, arch->regs.size);     /* struct pt_regs */
	t->name = "struct uprobe_args";
	t->align = 8;
	t->is_ctx_record = true;
	t->fields = arena_alloc(a, sizeof(*t->fields) * (size_t)nargs);
	struct conv c = { .a = a };
	int reg = 0;     /* the next free argument register */
	if (dw.dwarf_child(&fn, &p) != 0)
		return t;
	do {
		if (dw.dwarf_tag(&p) != DW_TAG_formal_parameter)
			continue;
		Dwarf_Die pt;
		if (!type_of(&p, &pt))
			break;   /* cannot place what follows */
		int nregs = gp_regs(arch, &pt);
		const char *name = dw.dwarf_diename(&p);
		struct type *ft = nregs == 1 ? conv_type(&c, &pt) : NULL;
		/* records and arrays by value are not in one register */
		if (name && ft && ft->kind != TY_RECORD && ft->kind != TY_ARRAY && ft->kind != TY_STR &&
		    reg < nargs)
			t->fields[t->nfields++] = (struct type_field){
				.name = arena_strdup(a, name), .type = ft, .offset = arch->regs.args[reg],
			};
		/* an aggregate that does not fit the registers left goes to memory whole */
		if (reg + nregs <= nargs)
			reg += nregs;
	} while (reg < nargs && dw.dwarf_siblingof(&p, &p) == 0);
	return t;
}

/* ---- -lv ------------------------------------------------------------------------------ */

/* A C-like name of a DWARF type, as bpftrace prints it: "const char*". */
static void type_text(Dwarf_Die *die, char *buf, size_t len, int depth)
{
	Dwarf_Die sub;
	const char *name = dw.dwarf_diename(die);
	char inner[256];
	if (depth > 16) {
		snprintf(buf, len, "...");
		return;
	}
	switch (dw.dwarf_tag(die)) {
	case DW_TAG_pointer_type: case DW_TAG_reference_type: case DW_TAG_rvalue_reference_type:
		if (type_of(die, &sub))
			type_text(&sub, inner, sizeof(inner), depth + 1);
		else
			snprintf(inner, sizeof(inner), "void");
		snprintf(buf, len, "%s%s", inner, dw.dwarf_tag(die) == DW_TAG_pointer_type ? "*" : "&");
		return;
	case DW_TAG_const_type: case DW_TAG_volatile_type:
		if (type_of(die, &sub))
			type_text(&sub, inner, sizeof(inner), depth + 1);
		else
			snprintf(inner, sizeof(inner), "void");
		{
			const char *q = dw.dwarf_tag(die) == DW_TAG_const_type ? "const" : "volatile";
			/* a qualified pointer: "char* const" */
			if (type_of(die, &sub) && dw.dwarf_tag(&sub) == DW_TAG_pointer_type)
				snprintf(buf, len, "%s %s", inner, q);
			else
				snprintf(buf, len, "%s %s", q, inner);
		}
		return;
	case DW_TAG_restrict_type: case DW_TAG_atomic_type:
		if (type_of(die, &sub))
			type_text(&sub, buf, len, depth + 1);
		else
			snprintf(buf, len, "void");
		return;
	case DW_TAG_structure_type:
		snprintf(buf, len, "struct %s", name ? name : "");
		return;
	case DW_TAG_union_type:
		snprintf(buf, len, "union %s", name ? name : "");
		return;
	case DW_TAG_enumeration_type:
		snprintf(buf, len, "enum %s", name ? name : "");
		return;
	case DW_TAG_array_type:
		if (type_of(die, &sub))
			type_text(&sub, inner, sizeof(inner), depth + 1);
		else
			snprintf(inner, sizeof(inner), "void");
		snprintf(buf, len, "%s[]", inner);
		return;
	case DW_TAG_subroutine_type:
		snprintf(buf, len, "void (*)()");
		return;
	default:
		snprintf(buf, len, "%s", name ? name : "?");
	}
}

int udwarf_print_params(struct udwarf *d, const char *func, FILE *out)
{
	Dwarf_Die fn, p;
	if (!find_func(d, func, &fn))
		return -1;
	int n = 0;
	if (dw.dwarf_child(&fn, &p) != 0)
		return 0;
	do {
		if (dw.dwarf_tag(&p) != DW_TAG_formal_parameter)
			continue;
		Dwarf_Die pt;
		char text[512];
		if (type_of(&p, &pt))
			type_text(&pt, text, sizeof(text), 0);
		else
			snprintf(text, sizeof(text), "void");
		const char *name = dw.dwarf_diename(&p);
		fprintf(out, "    %s%s%s\n", text, name ? " " : "", name ? name : "");
		n++;
	} while (dw.dwarf_siblingof(&p, &p) == 0);
	return n;
}
