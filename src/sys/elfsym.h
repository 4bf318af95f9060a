/* elfsym.h - what uprobes and USDT probes need from user-space ELF files:
 * function symbols, virtual address to file offset, `.note.stapsdt` probes
 * and their argument specs, library names resolved like the dynamic loader,
 * and the files a process maps.
 *
 * This is the one reader of user-space ELF files (uprobes, USDT, the stack
 * symbolizer, DWARF's debug file lookup): a file is mmap'd read-only and
 * parsed with <elf.h> (ELF64 little-endian only, but for the symbolizer's
 * elf_file_open_syms, which also reads ELF32); every offset read from it
 * is bounds-checked, so a corrupt or hostile file yields an error, never a
 * crash. The tables returned by the accessors live until elf_file_close. */
#ifndef BPFSCRIPT_ELFSYM_H
#define BPFSCRIPT_ELFSYM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct elf_file;
struct arch;

/* A function symbol (STT_FUNC or STT_GNU_IFUNC with a value; not the
 * "name.part.N" fragments of split functions). */
struct elf_sym {
	const char *name;
	uint64_t addr;          /* st_value: the virtual address */
	uint64_t size;
};

/* One USDT probe site from a `.note.stapsdt` note (owner "stapsdt", type 3). */
struct usdt_note {
	const char *provider, *name;
	const char *args;       /* the argument specs: "-4@%edi 8@-16(%rbp)", or "" */
	uint64_t pc;            /* virtual address of the site, `.stapsdt.base` adjusted */
	uint64_t sema;          /* virtual address of the semaphore, 0 if none */
};

/* Opens path. NULL on failure with one line of reason in err ("... is not
 * an ELF file", "cannot open ...: No such file or directory"). */
struct elf_file *elf_file_open(const char *path, char *err, size_t errlen);
void elf_file_close(struct elf_file *f);

/* The function symbols of .symtab and .dynsym, and of the .symtab of the
 * file's separate debug file when one is installed (found by build-id or
 * .gnu_debuglink, as bcc finds it), one per name, sorted by name with
 * strcmp: bpftrace's list for `uprobe:path:*`. When .dynsym holds several
 * versions of a name, the default version wins. */
int elf_file_funcs(struct elf_file *f, const struct elf_sym **v);
/* The path of the file's separate debug file, NULL when none is installed. */
const char *elf_file_debug_path(struct elf_file *f);
/* The function called name, or NULL. */
const struct elf_sym *elf_file_func(struct elf_file *f, const char *name);
/* The function whose [addr, addr + size) holds addr (a symbol of size 0
 * only at its own address), or NULL. */
const struct elf_sym *elf_file_func_at(struct elf_file *f, uint64_t addr);
/* The file offset of virtual address vaddr, through the PT_LOAD segment
 * that maps it; false when no segment does. */
bool elf_file_offset(struct elf_file *f, uint64_t vaddr, uint64_t *off);
/* The USDT probe sites in note order (several sites may share a probe). */
int elf_file_usdt(struct elf_file *f, const struct usdt_note **v);

/* ---- for the stack symbolizer (sys/usyms.c) ---- */

/* A PT_LOAD segment: file bytes [offset, offset + filesz) mapped at vaddr. */
struct elf_load {
	uint64_t vaddr, offset, filesz;
};
/* elf_file_open, also opening a 32-bit little-endian ELF file (a compat
 * process's), of which only elf_file_loads and elf_file_syms are meant to
 * be asked. */
struct elf_file *elf_file_open_syms(const char *path, char *err, size_t errlen);
/* elf_file_open_syms of the file open at fd (size bytes, opened as
 * util/rfile.h opens files, e.g. through /proc/PID/map_files: fd is closed
 * before this returns). path is where the file is in the file system under
 * root ("" or "/proc/PID/root": the traced process's mount namespace): it
 * names the file in messages, and its separate debug file is looked for
 * under root (build-id, and .gnu_debuglink next to path). */
struct elf_file *elf_file_open_syms_fd(int fd, uint64_t size, const char *root, const char *path, char *err,
				       size_t errlen);
/* The GNU build-id note of f in hex (at most len - 1 digits), or false. */
bool elf_file_build_id(const struct elf_file *f, char *hex, size_t len);
/* The PT_LOAD segments, in program header order. */
int elf_file_loads(struct elf_file *f, const struct elf_load **v);
/* Every defined function and object symbol (STT_FUNC, STT_GNU_IFUNC or
 * STT_OBJECT; not SHN_UNDEF; a nonzero value; a name) of the file's
 * .symtab and .dynsym in section table and symbol order, unsorted, names
 * repeated; when the file has no .symtab (it is stripped), followed by
 * those of its separate debug file (elf_file_debug_path). */
int elf_file_syms(struct elf_file *f, const struct elf_sym **v);

/* The DT_NEEDED sonames of the file ("libc.so.6"), in order, at most max
 * of them into v. Returns the count. */
int elf_file_needed(struct elf_file *f, const char **v, int max);
/* Whether the file's .dynsym defines name as a global or weak function of
 * default visibility: what the dynamic linker binds another object's
 * reference to. */
bool elf_file_exports(struct elf_file *f, const char *name);

/* ---- USDT argument specs ----
 * In the architecture's assembler syntax (util/arch.h usdt_att). x86-64,
 * AT&T: "-4@%edi" (register), "8@-16(%rbp)" (memory at register +
 * displacement), "4@$5" (constant). arm64: "-4@w0", "8@[sp, 16]", "4@5".
 * The N@ prefix gives the size in bytes, negative when the value is signed
 * ("%rax" alone: 8 bytes, unsigned). */
enum usdt_arg_kind { USDT_ARG_CONST, USDT_ARG_REG, USDT_ARG_MEM };

struct usdt_arg {
	enum usdt_arg_kind kind;
	int size;               /* 1, 2, 4 or 8 bytes */
	bool is_signed;
	int reg_off;            /* REG, MEM: offset of the register in struct pt_regs */
	int reg_shift;          /* REG: 8 for ah/bh/ch/dh, else 0 */
	int64_t val;            /* CONST: the value; MEM: the displacement */
};

/* Parses the whole spec string into at most max arguments. Returns the
 * count, or -1 with the offending spec named in err. */
int usdt_parse_args(const char *spec, struct usdt_arg *out, int max, char *err, size_t errlen);
/* The same in the syntax and registers of arch (bpfscript's own:
 * usdt_parse_args). */
int usdt_parse_args_arch(const struct arch *arch, const char *spec, struct usdt_arg *out, int max, char *err,
			 size_t errlen);

/* ---- finding files ---- */

/* Resolves a uprobe/usdt target that is not a path ("libc", "c", "bash") as
 * the dynamic loader and bpftrace do. "libc" and "c" both stand for
 * lib<c>: with pid > 0 a file that process maps ("libc.so..." or
 * "libc-..."), then /etc/ld.so.cache (the first entry of bpfscript's own
 * architecture whose name starts with "libc.so", or is name), then libc.so*
 * in that architecture's standard library directories (util/arch.h), then an executable called name on $PATH. Writes the
 * path into out; false if nothing matched. */
bool elf_resolve_target(const char *name, pid_t pid, char *out, size_t outlen);
/* ld.so.cache lookup alone (cache = NULL: /etc/ld.so.cache), among the
 * entries of bpfscript's own architecture. */
bool elf_ldcache_lookup(const char *cache, const char *name, char *out, size_t outlen);
/* The same among the entries of arch (their flags: arch->ldcache_flags). */
bool elf_ldcache_lookup_arch(const char *cache, const struct arch *arch, const char *name, char *out,
			     size_t outlen);

/* The distinct files process pid maps (/proc/PID/maps order), as
 * malloc'd strings in a malloc'd array; *paths is NULL-terminated. Returns
 * the count, -1 (errno set) when the maps are unreadable. */
int elf_proc_files(pid_t pid, char ***paths);
void elf_proc_files_free(char **paths);

#endif
