/* cpp.h - system headers read for their macros (cpp.c).
 *
 * `#include <sys/socket.h>` in a script names a header of the C library or
 * of the kernel's user-space API. Their types come from the kernel's BTF;
 * what BTF cannot give are the header's macros (AF_INET). This is a small C
 * preprocessor that reads such headers the way clang would (its search
 * path, predefined macros, nested includes, #if evaluation) and keeps the
 * macro table, from which the include step takes the integer constants a
 * program names. */
#ifndef BPFSCRIPT_CPP_H
#define BPFSCRIPT_CPP_H
#include <stdbool.h>
#include <stdint.h>

struct cpp;
struct arch;

/* A preprocessor with the predefined macros of clang on Linux for the
 * architecture bpfscript was built for (util/arch.h), and
 * BPFTRACE_HAVE_BTF and _LINUX_TYPES_H when have_btf (as bpftrace defines
 * them when the kernel has BTF). Free with cpp_free. */
struct cpp *cpp_new(bool have_btf);
/* The same for the architecture arch: its predefined macros and its
 * system include directories. */
struct cpp *cpp_new_arch(const struct arch *arch, bool have_btf);
void cpp_free(struct cpp *c);

/* The path of system header `name` in the standard include directories
 * (/usr/local/include, /usr/include/<triplet>, /usr/include), or
 * NULL. The string lives as long as c. */
const char *cpp_find(struct cpp *c, const char *name);

/* Preprocesses the header at path: its #defines (and those of the headers
 * it includes) go into c's macro table. A nested header that is not found
 * is skipped. */
void cpp_read(struct cpp *c, const char *path);

/* The paths of every header read so far (a header read twice is there
 * twice); the strings live as long as c. */
int cpp_files(struct cpp *c, const char *const **files);

/* Whether NAME is a macro now (predefined or from a header). */
bool cpp_defined(struct cpp *c, const char *name);

/* The value of object-like macro NAME when its full expansion is an integer
 * constant expression. Predefined macros count only when with_predefined. */
bool cpp_value(struct cpp *c, const char *name, bool with_predefined, int64_t *v);

#endif
