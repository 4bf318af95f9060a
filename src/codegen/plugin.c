/* plugin.c - loads LLVM on demand (plugin.h).
 *
 * Compiled twice: into the bpfscript executable of the plugin build with
 * BPFSCRIPT_LLVM_PLUGIN defined (the loader below), and into
 * libbpfscript_core without it (LLVM linked in: nothing to load).
 *
 * The plugin is found relative to the running executable, never through
 * the environment or the library path: bpfscript runs as root, and what it
 * loads is what was installed with it. It must carry the same ABI tag as
 * the stubs (a hash of the LLVM version and of the list of functions), so
 * a plugin left over from another build is refused instead of called. */
#define _GNU_SOURCE
#include "codegen/plugin.h"

#include <limits.h>
#include <stdio.h>

#ifdef BPFSCRIPT_LLVM_PLUGIN
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util/prefault.h"

/* gen/llvm_stubs.c */
extern void *bpfs_llvm_tab[];
extern const char *const bpfs_llvm_names[];
extern const unsigned bpfs_llvm_count;
extern const char bpfs_llvm_abi[];

void bpfs_llvm_unloaded(void);

/* Every stub points here until the plugin is loaded: an LLVM call before
 * cg_plugin_load() is a bug in the caller, not something to survive. */
void bpfs_llvm_unloaded(void)
{
	fputs("bpfscript: internal error: LLVM called before the code generator was loaded\n", stderr);
	abort();
}

static int try_load(const char *path, char *why, size_t whylen)
{
	/* LLVM's constructors, target machine, passes and code generation of a
	 * small script allocate ~1.5 MiB (BENCHMARKS.md, "Cold start-up": 1, 1.5,
	 * 2 and 3 MiB measured, 1.5 the fastest for BEGIN { exit(); }) */
	heap_prefault(3 << 19);
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(why, whylen, "%s", e ? e : "dlopen failed");
		return -1;
	}
	const char *abi = dlsym(h, "bpfscript_llvm_plugin_abi");
	if (!abi || strcmp(abi, bpfs_llvm_abi)) {
		snprintf(why, whylen, "%s was built for another bpfscript (ABI %s, expected %s)", path,
			 abi ? abi : "none", bpfs_llvm_abi);
		dlclose(h);
		return -1;
	}
	for (unsigned i = 0; i < bpfs_llvm_count; i++) {
		void *f = dlsym(h, bpfs_llvm_names[i]);
		if (!f) {
			snprintf(why, whylen, "%s lacks %s", path, bpfs_llvm_names[i]);
			dlclose(h);
			return -1;
		}
		bpfs_llvm_tab[i] = f;
	}
	/* never closed: LLVM's static state lives until exit */
	return 0;
}

/* Where the plugin is, relative to the executable's directory: beside it
 * (the build tree), then where `cmake --install` puts it,
 * BPFSCRIPT_PLUGIN_RELDIR being CMAKE_INSTALL_LIBDIR/bpfscript relative to
 * CMAKE_INSTALL_BINDIR (CMakeLists.txt): ../lib/bpfscript for the default
 * prefix, ../lib/x86_64-linux-gnu/bpfscript for Debian's /usr. Relative, so
 * an install tree copied elsewhere still finds its own plugin. */
#ifndef BPFSCRIPT_PLUGIN_RELDIR
#error "BPFSCRIPT_PLUGIN_RELDIR: the plugin's install directory relative to the binary's (CMakeLists.txt)"
#endif
static const char *const where[] = { "%s/libbpfscript-llvm.so", "%s/" BPFSCRIPT_PLUGIN_RELDIR "/libbpfscript-llvm.so" };

/* The running executable's directory into dir; -1 if /proc/self/exe is unreadable. */
static int exe_dir(char *dir, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", dir, len - 1);
	if (n <= 0)
		return -1;
	dir[n] = 0;
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	return 0;
}

int cg_plugin_path(char *path, size_t len)
{
	char exe[PATH_MAX];
	if (exe_dir(exe, sizeof(exe)) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		snprintf(path, len, where[i], exe);
		if (access(path, F_OK) == 0)
			return 0;
	}
	return -1;
}

static int do_load(struct diag *d, bool verbose)
{
	char exe[PATH_MAX];
	if (exe_dir(exe, sizeof(exe)) < 0) {
		diag_plain(d, "cannot load the code generator: /proc/self/exe is unreadable");
		return -1;
	}
	char path[PATH_MAX + 64], why[PATH_MAX + 256] = "";
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		snprintf(path, sizeof(path), where[i], exe);
		if (access(path, F_OK) < 0)
			continue;
		if (try_load(path, why, sizeof(why)) == 0) {
			if (verbose)
				fprintf(stderr, "llvm: loaded %s\n", path);
			return 0;
		}
	}
	if (why[0])
		diag_plain(d, "cannot load the code generator: %s", why);
	else
		diag_plain(d, "cannot load the code generator: no libbpfscript-llvm.so in %s or %s/" BPFSCRIPT_PLUGIN_RELDIR,
			   exe, exe);
	return -1;
}

#define HAVE_LOADER 1
#else
#define HAVE_LOADER 0
static int do_load(struct diag *d, bool verbose)
{
	(void)d;
	(void)verbose;
	return 0;
}

int cg_plugin_path(char *path, size_t len)
{
	(void)path;
	(void)len;
	return -1;
}
#endif

static int state;   /* 0 not tried, 1 loaded, -1 failed (and said why, once) */

int cg_plugin_load(struct diag *d, bool verbose)
{
	if (!state)
		state = do_load(d, verbose) == 0 ? 1 : -1;
	return state > 0 ? 0 : -1;
}

bool cg_plugin_loaded(void)
{
	return HAVE_LOADER && state > 0;
}
