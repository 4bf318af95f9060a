/* type.h - the type model shared by sema, codegen and the runtime printers.
 *
 * A type describes a value as it sits in BPF memory (map keys and values,
 * event payloads, the stack). All integers travel as 8 bytes in maps and
 * events, whatever their declared width; `size` is the in-memory size. */
#ifndef BPFSCRIPT_TYPE_H
#define BPFSCRIPT_TYPE_H
#include <stdbool.h>
#include <stdint.h>

struct arena;

/* X-macro: kind, printable name. ORDER TYPE: keep type_kind_name in type.c in sync (generated). */
#define TYPE_KINDS(X)                                   \
	X(TY_NONE, "none")                              \
	X(TY_VOID, "void")                              \
	X(TY_INT, "int")                                \
	X(TY_BOOL, "bool")                              \
	X(TY_STR, "string")                             \
	X(TY_BUF, "buffer")                             \
	X(TY_TUPLE, "tuple")                            \
	X(TY_RECORD, "struct")    /* tracepoint args, BTF structs */ \
	X(TY_PTR, "pointer")                            \
	X(TY_ARRAY, "array")                            \
	X(TY_PROBE, "probe")      /* u64 probe id, printed as its name */ \
	X(TY_FUNC, "func")        /* u64 probe id, printed as its function (ap->func) */ \
	X(TY_KSTACK, "kstack")                          \
	X(TY_USTACK, "ustack")                          \
	X(TY_KSYM, "ksym")                              \
	X(TY_USYM, "usym")                              \
	X(TY_USERNAME, "username")                      \
	X(TY_TIMESTAMP, "timestamp")                    \
	X(TY_INET, "inet")                              \
	X(TY_MACADDR, "macaddr")                        \
	X(TY_STRERROR, "strerror")                      \
	X(TY_CGROUP_PATH, "cgroup_path")  /* u64 cgroup id; name = hierarchy filter */ \
	X(TY_CTX, "ctx")          /* the raw probe context pointer */ \
	X(TY_COUNT, "count")                            \
	X(TY_SUM, "sum")                                \
	X(TY_MIN, "min")                                \
	X(TY_MAX, "max")                                \
	X(TY_AVG, "avg")                                \
	X(TY_STATS, "stats")                            \
	X(TY_HIST, "hist")                              \
	X(TY_LHIST, "lhist")

enum type_kind {
#define X(k, n) k,
	TYPE_KINDS(X)
#undef X
};

enum addrspace { AS_NONE, AS_KERNEL, AS_USER };

struct type;

/* One enumerator of an enum type (BTF or script): `name = value`. */
struct type_enumval {
	const char *name;
	int64_t value;
};

struct type_field {
	const char *name;     /* NULL for tuple elements */
	struct type *type;
	int offset;           /* byte offset in the containing record/tuple */
	int bit_offset, bit_size; /* bitfields; bit_size 0 for ordinary members */
	bool data_loc;        /* tracepoint __data_loc: a u32 (len << 16 | offset) in
	                         the record; the member's type is the TY_STR it yields */
};

struct type {
	enum type_kind kind;
	int size;             /* bytes; TY_STR: buffer size including the NUL */
	int align;
	bool is_signed;       /* TY_INT; for aggregations: the sign of their input */
	enum addrspace as;    /* TY_PTR, TY_RECORD reached through a pointer */
	struct type *elem;    /* TY_PTR pointee, TY_ARRAY element */
	int nelem;            /* TY_ARRAY */
	const char *name;     /* TY_RECORD: "struct task_struct", "args" ... */
	int nfields;
	struct type_field *fields;   /* TY_TUPLE, TY_RECORD */
	/* TY_HIST: bits; TY_LHIST: min, max, step */
	int hist_bits;
	int64_t lmin, lmax, lstep;
	/* TY_RECORD of tracepoint args: fields marked as __data_loc strings */
	bool is_ctx_record;
	/* ---- C types (issue 4: BTF and script definitions) ----
	 * complete: a TY_RECORD whose fields are filled on first use (vmlinux
	 * BTF records are converted member by member only when a program
	 * looks inside them); call type_complete() before reading `fields`.
	 * It is cleared once the fields are in. src_id: the BTF type id the
	 * type came from (0: not from BTF). is_union: a union record.
	 * enum_name / enumvals: a TY_INT that is a C enum ("enum task_state"
	 * from BTF or the script), with its enumerators; printf %s prints the
	 * enumerator's name. */
	void (*complete)(struct type *t);
	int src_id;
	bool is_union;
	const char *enum_name;
	struct type_enumval *enumvals;
	int nenumvals;
};

const char *type_kind_name(enum type_kind k);

/* Constructors (arena-allocated; the int/bool/void ones are shared constants). */
struct type *type_int(int bytes, bool is_signed);   /* 1, 2, 4, 8 */
struct type *type_bool(void);
struct type *type_void(void);
struct type *type_none(void);
struct type *type_simple(struct arena *a, enum type_kind k, int size);
struct type *type_str(struct arena *a, int size);
struct type *type_ptr(struct arena *a, struct type *to, enum addrspace as);
struct type *type_array(struct arena *a, struct type *elem, int n);
/* Builds a tuple laying out elements as they are stored: each element
 * aligned to its own alignment, the whole rounded up to 8. */
struct type *type_tuple(struct arena *a, struct type **elems, int n);
struct type *type_agg(struct arena *a, enum type_kind k, bool is_signed);

bool type_is_int(const struct type *t);     /* TY_INT or TY_BOOL */
/* Fills a lazily converted record's fields (see `complete`); returns t. */
struct type *type_complete(struct type *t);
/* A copy of t (arena) that sema may change (address space, enum info). */
struct type *type_copy(struct arena *a, const struct type *t);
/* The enumerator name of `v` in enum type t, or NULL. */
const char *type_enum_name(const struct type *t, int64_t v);
bool type_is_agg(const struct type *t);     /* count..lhist */
bool type_is_strlike(const struct type *t); /* accepted by printf %s */
bool type_equal(const struct type *a, const struct type *b);
/* Type name as bpftrace spells it in messages: "uint64", "int32", "string[16]",
 * "(int64,string[16])", "count_t", "struct task_struct *" ... */
const char *type_name(struct arena *a, const struct type *t);

#endif
