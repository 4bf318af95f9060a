/* btf.h - vmlinux BTF for the probe types: function prototypes (fentry,
 * fexit, rawtracepoint, iter), declarations as -lv prints them, and a
 * minimal conversion of BTF types into struct type.
 *
 * The conversion covers integers, enums (integers carrying their
 * enumerators), pointers, arrays (char arrays as strings), structs and
 * unions (anonymous members flattened into their parent, bitfields with
 * their bit offset and size; members converted on first use, see
 * type_complete) and typedef/qualifier chains. Each BTF type is converted
 * once per process; the results live until exit, so that a type found by
 * one run can be handed to any arena's AST. */
#ifndef BPFSCRIPT_BTF_H
#define BPFSCRIPT_BTF_H
#include <stdbool.h>
#include <stdio.h>
#include "ast/type.h"

struct btf;
struct arena;

/* The kernel's BTF (/sys/kernel/btf/vmlinux), loaded once; NULL with errno
 * set when it is unavailable. */
const struct btf *btf_vmlinux(void);
/* BPFTRACE_BTF: btf_vmlinux() is this file's BTF (raw BTF or an ELF file
 * with a .BTF section) instead of the kernel's. Reads it now, as a regular
 * file of at most RFILE_MAX_BTF bytes (util/rfile.h); false with one line
 * of reason in err. Call before the first use. */
bool btf_set_file(const char *path, char *err, size_t errlen);

/* Id of the FUNC named `name` (BTF_KIND_FUNC), and in *proto the id of its
 * FUNC_PROTO. Returns -1 when there is none. */
int btf_find_func(const char *name, int *proto);
/* Id of the type `name` of BTF kind `kind` (BTF_KIND_*), -1 if none. */
int btf_find(const char *name, int kind);

/* Number of parameters of a FUNC_PROTO, and the type id / name of one. */
int btf_proto_nparams(int proto);
int btf_proto_param(int proto, int i, const char **name);
/* Return type id of a FUNC_PROTO (0 for void). */
int btf_proto_ret(int proto);

/* The struct type of BTF type `id` (typedefs and qualifiers resolved); NULL
 * for void and for kinds this conversion does not cover. */
struct type *btf_type(int id);
/* The type a C type name denotes in vmlinux BTF: "struct task_struct",
 * "union bpf_attr", "enum pid_type", or a typedef / base type name
 * ("pid_t", "u32"); NULL when BTF has none. */
struct type *btf_named_type(const char *name);
/* The enum type that declares enumerator `name` (TASK_RUNNING ...), with
 * its value in *value; NULL when no enum of vmlinux has it. */
struct type *btf_enumerator(const char *name, int64_t *value);

/* The struct/union name of vmlinux closest to `name` ("struct task_strct")
 * at an edit distance below `limit`, for "did you mean" hints; or NULL. */
const char *btf_near_name(const char *name, int limit);

/* Byte offset of `member` in struct `name` (anonymous members searched),
 * -1 when BTF or either is missing. */
int btf_member_offset(const char *name, const char *member);
/* "struct file *", "const char *", "unsigned long" (libbpf's declaration
 * dump, without a name), in a malloc'd string. */
char *btf_decl(int id);

/* A record whose fields are the parameters of FUNC_PROTO `proto` from the
 * `skip`-th on, each a u64 slot of the context (field i at byte 8 * i), plus
 * a `retval` field after them when with_retval. name: the record's name. */
struct type *btf_args_record(struct arena *a, int proto, int skip, bool with_retval,
			     const char *name);

/* -lv: "    <decl> <name>" lines for the parameters of a FUNC_PROTO from
 * skip on, then "    <decl> retval" when with_retval and the return type is
 * not void. */
void btf_print_params(FILE *out, int proto, int skip, bool with_retval);

/* Calls fn(name, proto, arg) for every FUNC in vmlinux BTF, in id order.
 * Stops early when fn returns non-zero. */
void btf_each_func(int (*fn)(const char *name, int proto, void *arg), void *arg);
/* Calls fn on every named or anonymous struct of vmlinux BTF, in id order,
 * until fn returns non-zero. */
void btf_each_struct(int (*fn)(const char *name, int id, void *arg), void *arg);

/* -l 'struct NAME': calls fn("struct list_head", id, arg) for every named
 * struct, union and enum of vmlinux BTF ("union bpf_attr", "enum
 * pid_type"), in id order, until fn returns non-zero. */
void btf_each_named_type(int (*fn)(const char *full, int id, void *arg), void *arg);
/* -lv 'struct NAME': the C definition of each type ids[i] (names[i] is its
 * full name as btf_each_named_type gives it), as libbpf's btf_dump writes
 * it and bpftrace -lv prints it ("struct list_head {\n\tstruct list_head
 * *next;\n...};\n"), into defs[i], malloc'd; NULL when BTF has none. */
void btf_definitions(const int *ids, const char *const *names, int n, char **defs);

#endif
