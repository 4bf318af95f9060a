/* subprog.h - makes a program section with callbacks (for-loop bodies)
 * loadable as raw instructions; see subprog.c. */
#ifndef BPFSCRIPT_SUBPROG_H
#define BPFSCRIPT_SUBPROG_H
#include <stddef.h>
#include <linux/bpf.h>

struct subprog_fix {
	struct bpf_insn *insns;          /* the section's instructions, patched */
	size_t ninsns;
	struct bpf_func_info *func_info; /* NULL when the section has one function */
	int nfunc_info;
	int btf_fd;                      /* -1 without func info */
};

struct bpfobj;

/* Copies section idx of the object (runtime/bpfobj.h) and applies its
 * relocations (loads of callback addresses); with several functions, also
 * loads the BTF their func info refers to. Returns 0, or -1 with a one-line
 * reason in err. */
int subprog_fixup(const struct bpfobj *o, int idx, struct subprog_fix *out, char *err, size_t errlen);
void subprog_free(struct subprog_fix *f);

#endif
