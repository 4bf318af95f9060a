/* stacks.h - kernel and user stacks, and symbol values (ksym, usym), as
 * the generated code records them and the runtime prints them.
 *
 * A stack is one uint64 in maps and events: the stack id from
 * bpf_get_stackid in the low 32 bits (negative: no stack, e.g. -EFAULT)
 * and, for user stacks, the pid in the high 32 bits (symbolization needs
 * the process's mappings). The frames live in a BPF_MAP_TYPE_STACK_TRACE
 * map per frame limit, the extra map "stack_<limit>" (load.h). The type
 * carries how to print: TY_KSTACK / TY_USTACK with nelem = the frame limit
 * and lmin = enum stack_mode.
 *
 * ksym values are a uint64 address; usym values an address and a pid
 * (event_abi.h). */
#ifndef BPFSCRIPT_STACKS_H
#define BPFSCRIPT_STACKS_H
#include <stdbool.h>
#include <stdint.h>
#include "ast/type.h"

struct arena;
struct rt;

enum stack_mode { STACK_BPFTRACE, STACK_PERF, STACK_RAW };

#define STACK_DEFAULT_LIMIT 127   /* bpftrace's default and the kernel's default
				     kernel.perf_event_max_stack */
/* Entries of each stack trace map (BPFTRACE_MAX_STACK_KEYS, config
 * max_stack_keys): latest bpftrace's stack maps hold 131072 stacks. A
 * capture fails when the map has no room for a new stack or two stacks
 * share a bucket (-EEXIST): counted in G_STACK_LOST, reported at exit, and
 * the value prints as "[lost stack: ...]", never as an empty stack. */
#define STACK_KEYS_DEFAULT 131072

/* The type of a kstack/ustack value. */
struct type *stack_type(struct arena *a, bool user, enum stack_mode mode, int limit);
/* The stack trace map for `limit` frames, created on first use (fd, or -1
 * with errno). */
int stack_map_fd(struct rt *rt, int limit, int max_entries);
/* A stack trace map not created yet that would take more than half the
 * available memory (preallocated: per slot of the power-of-two table a
 * bucket header, the frames and a pointer): *need and *avail in bytes. */
bool stack_map_too_big(struct rt *rt, int limit, int max_entries, uint64_t *need, uint64_t *avail);
/* The set of processes that recorded user addresses (HASH {u64 pid, u64
 * mm} -> u8): a process's first ustack or usym (after each exec) sends
 * EV_PID_SEEN so that its mappings are read while it lives. */
int stack_pid_map_fd(struct rt *rt, int max_entries);
/* kernel.perf_event_max_stack: the deepest stack the kernel records. */
int stack_max_depth(void);

#endif
