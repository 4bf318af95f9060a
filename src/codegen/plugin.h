/* plugin.h - where LLVM comes from.
 *
 * In the default build LLVM is not part of the bpfscript executable: it
 * lives in libbpfscript-llvm.so beside it (or, installed, in the libdir's
 * bpfscript/ directory, found relative to the binary: plugin.c), and
 * every LLVM-C call of the code generator goes through a stub that jumps
 * through a table (gen/llvm_stubs.c, made by cmake/llvm_stubs.cmake).
 * cg_plugin_load() dlopen()s the plugin and fills the table; it must run
 * before the first LLVM call, and a run that finds its programs in the
 * compiled-object cache never calls it, so it never maps, relocates or
 * initialises LLVM. In the one-binary build (BPFSCRIPT_STATIC_LLVM) and in
 * the test programs LLVM is linked in and cg_plugin_load() does nothing. */
#ifndef BPFSCRIPT_PLUGIN_H
#define BPFSCRIPT_PLUGIN_H
#include <stdbool.h>
#include <stddef.h>
#include "ast/diag.h"

/* Makes LLVM callable. Returns 0, or -1 after a diagnostic saying which
 * file was tried and why it failed. Loads at most once per process;
 * verbose prints the plugin's path on stderr. */
int cg_plugin_load(struct diag *d, bool verbose);

/* Whether LLVM was dlopen()ed into this process (plugin build only). */
bool cg_plugin_loaded(void);

/* The path of the plugin cg_plugin_load() would load, without loading it;
 * -1 if there is none (or LLVM is linked in). The compiled-object cache keys
 * on that file: the optimisation pipeline (opt.cpp) is part of it. */
int cg_plugin_path(char *path, size_t len);

#endif
