/* demangle.h - C++ symbol names as people write them: "_ZN2ns5twiceEi" is
 * "ns::twice(int)". uprobe attach points match them (bpftrace: a quoted
 * demangled name, with or without its parameter list, or a wildcard), and
 * user stacks print them.
 *
 * The Itanium C++ ABI demangler is libstdc++'s __cxa_demangle, found with
 * dlopen on first use (bpfscript is C and does not link libstdc++);
 * without it names stay mangled. */
#ifndef BPFSCRIPT_DEMANGLE_H
#define BPFSCRIPT_DEMANGLE_H
#include <stdbool.h>

/* The demangled form of name (malloc'd, for free()), or NULL when name is
 * no C++ mangled name or cannot be demangled. */
char *cxx_demangle(const char *name);

/* cpp_demangle (bpftrace's setting, on by default): whether symbols are
 * printed demangled (ustack, usym, func of a uprobe). Matching uprobe
 * attach points against demangled names does not depend on it (as in
 * bpftrace). */
void cxx_demangle_set_output(bool on);
/* cxx_demangle(name) when cpp_demangle is on, else NULL. */
char *cxx_demangle_output(const char *name);

/* Cuts a demangled name before its parameter list: "ns::twice(int)"
 * becomes "ns::twice" (templates and operator() handled). */
void cxx_strip_params(char *demangled);

#endif
