/* prefault_hook.c - libbpfscript-prefault.so: the LLVM plugin's writable pages
 * made present in one system call, after the dynamic loader has mapped the
 * plugin and before it relocates it.
 *
 * Relocating the plugin writes a pointer into each of the ~80 pages of its
 * .data.rel.ro (LLVM's vtables and tables of names), and each first write
 * copies a page of the file: a fault apiece, ~25 us each in this VM, ~2 ms in
 * all (BENCHMARKS.md, "Cold start-up"). MADV_POPULATE_WRITE copies them in
 * one call; the writes then find them present. The only code that runs at
 * that moment is an IFUNC resolver of a library the plugin needs: dlopen()
 * maps the plugin and its dependencies, then relocates the dependencies
 * first, and relocating this library's one IRELATIVE relocation calls the
 * resolver below. It finds the plugin in the loader's list of objects,
 * populates every writable segment of it (the .bss too) and returns a
 * function that does nothing.
 *
 * It runs before this library's own relocations are certain to be done, so it
 * calls nothing: no libc function, madvise through the syscall instruction,
 * and the loader's list only if the GOT entry for it is already bound (null
 * otherwise: then the pages fault in as they used to). Best effort throughout:
 * slower if it finds nothing, never wrong.
 *
 * It is the one exception to "one reader each" (ELF headers are otherwise
 * read only by sys/elfsym.c, user binaries, and runtime/bpfobj.c, the BPF
 * object): it reads no file, only the plugin's own program headers as the
 * loader mapped them, and it cannot call either reader (nor dl_iterate_phdr,
 * a libc function): it is linked apart, with no dependencies, and runs
 * before its own relocations are done. */
#include <elf.h>
#include <link.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

extern struct r_debug _r_debug;   /* the dynamic loader's, for namespace 0 */

static const char plugin_name[] = "/libbpfscript-llvm.so";
static int populated;   /* segments populated: bpfs_prefault_count() */

static void populate(uintptr_t from, uintptr_t to)
{
#if defined(__x86_64__)
	long ret;
	from &= ~(uintptr_t)4095;
	to = (to + 4095) & ~(uintptr_t)4095;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_madvise), "D"(from), "S"(to - from), "d"((long)MADV_POPULATE_WRITE)
			 : "rcx", "r11", "memory");
	if (ret == 0)
		populated++;
#else
	(void)from;
	(void)to;
#endif
}

static int is_plugin(const char *path)
{
	size_t n = 0, k = sizeof(plugin_name) - 1;
	if (!path)
		return 0;
	while (path[n])
		n++;
	if (n < k)
		return 0;
	for (size_t i = 0; i < k; i++)
		if (path[n - k + i] != plugin_name[i])
			return 0;
	return 1;
}

static void populate_plugin(void)
{
	struct r_debug *volatile r = &_r_debug;   /* volatile: the null test stays */
	if (!r)
		return;
	for (const struct link_map *l = r->r_map; l; l = l->l_next) {
		if (!is_plugin(l->l_name) || !l->l_addr)
			continue;
		const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)l->l_addr;
		if (eh->e_ident[EI_MAG0] != ELFMAG0 || eh->e_ident[EI_MAG1] != ELFMAG1 ||
		    eh->e_ident[EI_MAG2] != ELFMAG2 || eh->e_ident[EI_MAG3] != ELFMAG3 ||
		    eh->e_phentsize != sizeof(ElfW(Phdr)))
			return;
		const ElfW(Phdr) *ph = (const ElfW(Phdr) *)(l->l_addr + eh->e_phoff);
		for (int i = 0; i < eh->e_phnum; i++)
			if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_W))
				populate(l->l_addr + ph[i].p_vaddr, l->l_addr + ph[i].p_vaddr + ph[i].p_memsz);
		return;
	}
}

static void nothing(void)
{
}

static void (*resolve_hook(void))(void)
{
	populate_plugin();
	return nothing;
}

/* For tests/plugin: how many of the plugin's segments the resolver made
 * present (2 for the plugin as linked here: .data.rel.ro, then .data and .bss;
 * 0 if it never found the plugin, or the kernel lacks MADV_POPULATE_WRITE). */
int bpfs_prefault_count(void);
int bpfs_prefault_count(void)
{
	return populated;
}

/* The IFUNC, and the one reference to it that makes the linker emit the
 * IRELATIVE relocation (a reference from the plugin would be bound only
 * while the plugin itself is relocated: too late). */
__attribute__((visibility("hidden"), ifunc("resolve_hook"))) void bpfs_prefault_hook(void);
__attribute__((used, visibility("hidden"))) void (*const bpfs_prefault_ref)(void) = bpfs_prefault_hook;
