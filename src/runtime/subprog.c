/* subprog.c - BPF callbacks in a raw program section (route A).
 *
 * A for-loop body is a second function in its probe's section (codegen's
 * cg_for.c). LLVM resolves calls inside a section itself, but a callback is
 * passed by address: a 64-bit load with an R_BPF_64_64 relocation against
 * the function. Here that load becomes what libbpf would make of it, a
 * BPF_PSEUDO_FUNC load whose immediate is the callee's offset in
 * instructions from the next one. The kernel also insists that a program
 * passing callbacks carries BTF func info, one FUNC per function, the
 * callbacks static ("missing btf func_info", "callback function not
 * static"); a minimal BTF with one prototype `long f(void)` serves all. */
#include "runtime/subprog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/btf.h>
#include "runtime/bpfobj.h"
#include "util/arena.h"

#ifndef R_BPF_64_64
#define R_BPF_64_64 1
#endif

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Appends to a growing byte buffer. */
static void put(uint8_t **buf, size_t *len, const void *p, size_t n)
{
	*buf = xrealloc(*buf, *len + n);
	memcpy(*buf + *len, p, n);
	*len += n;
}

/* BTF: [1] long, [2] long (*)(void), [3..] one FUNC per function. */
static int load_btf(int nfuncs, char *err, size_t errlen)
{
	uint8_t *types = NULL, *strs = NULL;
	size_t tlen = 0, slen = 0;
	put(&strs, &slen, "\0long", 6);
	struct btf_type t = { .name_off = 1, .info = BTF_KIND_INT << 24, .size = 8 };
	uint32_t enc = (BTF_INT_SIGNED << 24) | 64;
	put(&types, &tlen, &t, sizeof(t));
	put(&types, &tlen, &enc, sizeof(enc));
	t = (struct btf_type){ .name_off = 0, .info = BTF_KIND_FUNC_PROTO << 24, .type = 1 };
	put(&types, &tlen, &t, sizeof(t));
	for (int i = 0; i < nfuncs; i++) {
		char name[16];
		int n = snprintf(name, sizeof(name), "f%d", i) + 1;
		t = (struct btf_type){ .name_off = (uint32_t)slen, .info = (BTF_KIND_FUNC << 24) | BTF_FUNC_STATIC,
				       .type = 2 };
		put(&strs, &slen, name, (size_t)n);
		put(&types, &tlen, &t, sizeof(t));
	}
	struct btf_header h = {
		.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h),
		.type_off = 0, .type_len = (uint32_t)tlen, .str_off = (uint32_t)tlen, .str_len = (uint32_t)slen,
	};
	uint8_t *blob = NULL;
	size_t blen = 0;
	put(&blob, &blen, &h, sizeof(h));
	put(&blob, &blen, types, tlen);
	put(&blob, &blen, strs, slen);
	free(types);
	free(strs);
	int fd = bpf_btf_load(blob, blen, NULL);
	if (fd < 0)
		snprintf(err, errlen, "loading the BTF of the program's callbacks failed: %s", strerror(errno));
	free(blob);
	return fd;
}

int subprog_fixup(const struct bpfobj *o, int idx, struct subprog_fix *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->btf_fd = -1;
	const char *section = idx >= 0 && idx < o->nsec && o->sec[idx].name ? o->sec[idx].name : "?";
	size_t size = 0;
	const void *data = bpfobj_data(o, idx, &size);
	if (!data || o->symtab < 0 || !o->sec[o->symtab].in_file) {
		snprintf(err, errlen, "section %s or the symbol table is missing", section);
		return -1;
	}
	size_t nsyms = bpfobj_nsyms(o);
	size_t ninsn = size / sizeof(struct bpf_insn);
	struct bpf_insn *insns = xmalloc(size ? size : 1);
	memcpy(insns, data, size);
	out->insns = insns;
	out->ninsns = ninsn;

	/* functions of the section, by offset */
	uint64_t *starts = xmalloc(sizeof(*starts) * (nsyms + 1));
	int nf = 0;
	for (size_t i = 0; i < nsyms; i++) {
		struct bpfobj_sym y = bpfobj_sym(o, i);
		if (y.shndx == (unsigned)idx && y.func)
			starts[nf++] = y.value;
	}
	qsort(starts, (size_t)nf, sizeof(*starts), cmp_u64);

	for (int i = 0; i < o->nsec; i++) {
		if (o->sec[i].rel_of != idx)
			continue;
		if (!o->sec[i].in_file) {
			snprintf(err, errlen, "malformed object");
			goto fail;
		}
		for (size_t k = 0; k < bpfobj_nrels(o, i); k++) {
			struct bpfobj_rel r = bpfobj_rel(o, i, k);
			size_t si = r.sym;
			size_t at = r.offset / sizeof(struct bpf_insn);
			if (r.type != R_BPF_64_64 || si >= nsyms || bpfobj_sym(o, si).shndx != (unsigned)idx ||
			    at + 1 >= ninsn || insns[at].code != (BPF_LD | BPF_IMM | BPF_DW)) {
				snprintf(err, errlen, "section %s needs a relocation the loader cannot apply", section);
				goto fail;
			}
			int64_t target = (int64_t)bpfobj_sym(o, si).value + insns[at].imm;
			insns[at].src_reg = BPF_PSEUDO_FUNC;
			insns[at].imm = (int32_t)(target / 8 - (int64_t)at - 1);
			insns[at + 1].imm = 0;
		}
	}
	if (nf > 1) {
		out->func_info = xmalloc(sizeof(*out->func_info) * (size_t)nf);
		for (int i = 0; i < nf; i++)
			out->func_info[i] = (struct bpf_func_info){ .insn_off = (uint32_t)(starts[i] / 8),
								    .type_id = (uint32_t)(3 + i) };
		out->nfunc_info = nf;
		out->btf_fd = load_btf(nf, err, errlen);
		if (out->btf_fd < 0)
			goto fail;
	}
	free(starts);
	return 0;
fail:
	free(starts);
	subprog_free(out);
	return -1;
}

void subprog_free(struct subprog_fix *f)
{
	free(f->insns);
	free(f->func_info);
	if (f->btf_fd >= 0)
		close(f->btf_fd);
	memset(f, 0, sizeof(*f));
	f->btf_fd = -1;
}
