/* udwarf.h - DWARF of user-space files: the parameters of a function, as
 * the `args` of a uprobe (bpftrace: "args.name when the binary has debug
 * info") and as `-lv` prints them.
 *
 * libdw is loaded with dlopen on first use, so that runs which never ask
 * for DWARF neither link nor load it; without libdw.so.1 the functions fail
 * with a message saying so. The debug info is the file's own, or that of
 * its separate debug file (elfsym.h elf_file_debug_path). */
#ifndef BPFSCRIPT_UDWARF_H
#define BPFSCRIPT_UDWARF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct arena;
struct type;
struct udwarf;

/* Whether libdw can be loaded; false with the reason in err. */
bool udwarf_available(char *err, size_t errlen);
/* The DWARF of path (or of its debug file). NULL with one line in err when
 * it has none or libdw is missing. */
struct udwarf *udwarf_open(const char *path, char *err, size_t errlen);
void udwarf_close(struct udwarf *d);

/* The record of func's parameters for a uprobe at its entry: each of the
 * parameters passed in the six general argument registers a field at the
 * offset of its register in the x86-64 struct pt_regs (registers counted
 * as the SysV ABI assigns them: floating point and large aggregates take
 * none), typed from DWARF (integers, enums, bools, pointers to user memory
 * with their pointee: strings for char, records for structs and unions);
 * parameters that are no such value (structs by value, floating point)
 * are left out. A TY_RECORD
 * "struct uprobe_args" with is_ctx_record set, or NULL with err. */
struct type *udwarf_args_type(struct udwarf *d, struct arena *a, const char *func, char *err,
			      size_t errlen);

/* -lv: one line per parameter of func, "    int a", "    const char* s", as
 * bpftrace prints them. Returns the count, -1 when func has no DWARF. */
int udwarf_print_params(struct udwarf *d, const char *func, FILE *out);

#endif
