/* bpfsys.h - the bpf() commands that create maps and load programs, issued
 * directly.
 *
 * libbpf's bpf_map_create() and bpf_prog_load() probe the kernel on their
 * first call in a process: a program load to learn whether memory is charged
 * to the memory cgroup (else they raise RLIMIT_MEMLOCK) and another to learn
 * whether objects may be named. Two verifier runs on every start, ~0.3 ms of a
 * 20 ms compiling run. bpfscript needs a kernel with BPF ring buffers (5.8),
 * which names objects; it raises RLIMIT_MEMLOCK itself once, as bpftrace
 * does, for kernels before 5.11 that still count it. */
#ifndef BPFSCRIPT_BPFSYS_H
#define BPFSCRIPT_BPFSYS_H
#include <stddef.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

/* As bpf_map_create(type, name, key_size, value_size, max_entries, NULL):
 * the map's fd (close-on-exec), or -1 with errno set. */
int bpfsys_map_create(enum bpf_map_type type, const char *name, unsigned key_size, unsigned value_size,
		      unsigned max_entries);
/* An fd number for a map made later (code generation embeds the number): a
 * close-on-exec copy of `of`, an fd the run already holds. -1 with errno. */
int bpfsys_fd_reserve(int of);
/* bpfsys_map_create() onto the reserved fd number `at` (which it replaces,
 * close-on-exec). Returns 0, or -1 with errno set. */
int bpfsys_map_create_at(int at, enum bpf_map_type type, const char *name, unsigned key_size,
			 unsigned value_size, unsigned max_entries);
/* As bpf_prog_load() with the license "GPL" and the fields of opts that
 * bpfscript sets (opts may be NULL); retried while the kernel says EAGAIN.
 * The program's fd, or -1 with errno set. */
int bpfsys_prog_load(enum bpf_prog_type type, const char *name, const struct bpf_insn *insns, size_t n,
		     const struct bpf_prog_load_opts *opts);
/* Whether a program of this type (attach type, BTF id: 0 when it has none)
 * may call BPF helper `func` on this kernel, tried for real: a program
 * calling it gets past the verifier's lookup of the helper (the program
 * itself may still be rejected for its arguments), as libbpf's and
 * bpftrace's probes and --info do. */
#include <stdbool.h>
#include <stdint.h>
/* Loads the program `r0 = 0; exit` of this type (and expected attach type):
 * what the feature probes and the bench baseline need. The fd, or -1. */
int bpfsys_prog_load_empty(enum bpf_prog_type type, enum bpf_attach_type eat, const char *name);
bool bpfsys_prog_has_helper(enum bpf_prog_type type, enum bpf_attach_type eat, uint32_t btf_id, int func);

/* uprobe_multi links (Linux 6.6): one BPF_LINK_CREATE puts cnt uprobes on
 * the file at path, at the file offsets offsets[i], each with its BPF
 * cookie cookies[i] (NULL: 0) and its USDT semaphore's file offset
 * ref_ctr_offsets[i] (NULL, or 0: none); return probes with
 * BPFSYS_F_UPROBE_MULTI_RETURN in flags; only in process pid (0: every
 * process). The program must be BPF_PROG_TYPE_KPROBE loaded with expected
 * attach type BPFSYS_TRACE_UPROBE_MULTI. libbpf 1.1 and older uapi headers
 * know neither the attach type nor the attribute's layout (the kernel's
 * include/uapi/linux/bpf.h: link_create.uprobe_multi), so both are here.
 * Returns the link's fd, or -1 with errno set. */
enum { BPFSYS_TRACE_UPROBE_MULTI = 48, BPFSYS_F_UPROBE_MULTI_RETURN = 1 };
int bpfsys_uprobe_multi(int prog_fd, const char *path, const uint64_t *offsets, const uint64_t *ref_ctr_offsets,
			const uint64_t *cookies, uint32_t cnt, uint32_t flags, uint32_t pid);

/* Does the kernel take the instructions of BPF cpu v4 (gotol, sign-extending
 * loads and moves, sdiv, bswap: Linux 6.6)? Found out once by loading a
 * three-instruction program; BPFSCRIPT_BPF_CPU=v3 or v4 says it instead. LLVM
 * then generates for v4, whose long jumps let a probe body exceed the 32767
 * instructions a v3 branch can span (thousands of printf). */
bool bpfsys_cpu_v4(void);

#endif
