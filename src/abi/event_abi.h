/* event_abi.h - data-only contract between generated BPF code and the
 * user-space runtime: ring buffer event layout, aggregation value layouts,
 * histogram bucket numbering. Included by codegen and runtime; no code. */
#ifndef BPFSCRIPT_EVENT_ABI_H
#define BPFSCRIPT_EVENT_ABI_H
#include <stdint.h>

/* Every ring buffer record starts with this header; the payload follows at
 * offset 8 and is laid out as described per kind. */
struct ev_hdr {
	uint32_t kind;   /* enum ev_kind */
	uint32_t id;     /* index into the matching table of struct rt */
};

enum ev_kind {
	EV_PRINTF = 1,     /* id: rt.printfs[id]; payload: args at rt_printf.offsets */
	EV_EXIT,           /* payload: int64 exit code */
	EV_PRINT_MAP,      /* id: map id; payload: int64 top, int64 div */
	EV_CLEAR,          /* id: map id */
	EV_ZERO,           /* id: map id */
	EV_PRINT_VALUE,    /* id: rt.values[id] (a type); payload: the value */
	EV_TIME,           /* id: rt.printfs[id] (fmt for strftime of now) */
	EV_SYSTEM,         /* like EV_PRINTF, the text is run by /bin/sh */
	EV_CAT,            /* like EV_PRINTF, the text names a file to print */
	EV_JOIN,           /* payload: argv-style strings */
	EV_HELPER_ERROR,   /* -k: id: rt.helper_errs[id]; payload: int64 the helper's return code */
	EV_DIAG,           /* errorf/warnf: like EV_PRINTF, the text printed on stderr as an
	                      error or warning at rt.printfs[id].loc (diag_level) */
	EV_PID_SEEN = 64,  /* id: 0; payload: uint64 pid whose user symbols should be
	                      cached while it lives (ustack, usym); handled by the
	                      runtime's rt_event_hook, as are further kinds >= 64 */
};

/* Aggregation values, per CPU (BPF_MAP_TYPE_PERCPU_HASH), summed or combined
 * in user space:
 *   count, sum:   int64
 *   min, max:     struct agg_minmax (set = 0 means no value on that CPU)
 *   avg, stats:   struct agg_avg
 *   hist, lhist:  the key is the user key (rounded up to 8 bytes) followed by
 *                 a uint64 bucket index; the value is an int64 count. */
struct agg_minmax {
	int64_t value;
	uint64_t set;
};
struct agg_avg {
	int64_t total;
	uint64_t count;
};

/* hist(n) (0.17, 1 bucket per power of 2):
 *   bucket 0 = (..., 0)   n < 0
 *   bucket 1 = [0]        n == 0
 *   bucket 2 = [1]        n == 1
 *   bucket k = [2^(k-2), 2^(k-1)) for k >= 3, i.e. k = 2 + floor(log2(n)) for n >= 1
 * lhist(n, min, max, step), with N = (max - min) / step:
 *   bucket 0 = (..., min), bucket i (1..N) = [min + (i-1)*step, min + i*step),
 *   bucket N+1 = [max, ...)
 * i.e. 0 for n < min, N+1 for n >= max, else 1 + (n - min) / step; when step
 * does not divide max - min, [min + N*step, max) also lands in N+1, as in
 * 0.17. hist_bucket() and lhist_bucket() in abi/hist.h are the reference
 * implementations (codegen mirrors them in IR; the printers use them). Unlike
 * 0.17, whose BPF log2 stopped at 2^31 (every n >= 2^31 went to [2G, 4G)),
 * hist uses all 64 bits, so buckets up to 64 ([2^62, 2^63)) occur. */
#define HIST_BUCKETS 67

/* Layouts of other printable values (map keys/values, printf and print()
 * payloads), as runtime/value.c reads them:
 *   integers        type->size bytes inside tuples/records/keys; 8 bytes
 *                   (sign- or zero-extended) as map values and payload args
 *   TY_STR          type->size bytes, NUL-terminated and zero-filled
 *   TY_BUF          uint32 length, then the bytes; type->size = 4 + capacity
 *   TY_PROBE        uint64 index into rt.probe_names
 *   TY_FUNC         uint64 index into rt.probe_funcs
 *   TY_USERNAME     uint64 uid
 *   TY_STRERROR     uint64 errno value
 *   TY_CGROUP_PATH  uint64 cgroup id (the hierarchy filter is the type's name)
 *   TY_INET         int64 address family (AF_INET/AF_INET6), then 16 address
 *                   bytes (IPv4 in the first 4)
 *   TY_MACADDR      6 bytes
 *   TY_KSYM         uint64 address; TY_USYM: uint64 address, uint64 pid
 *   TY_KSTACK, TY_USTACK, TY_TIMESTAMP: whatever rt_format_special expects */

/* The globals array (an ARRAY map of one value, G_NGLOBALS u64), written
 * by the programs and the runtime:
 * G_START_NS: CLOCK_BOOTTIME at start (`elapsed`), G_CPID: the -c child,
 * G_LOST: output events lost to a full ring.
 * G_MAP_FULL: bit i set when an update of map i (i < 64) failed with E2BIG.
 * G_PID: the -p pid (a global, not a constant, so that the compiled-object
 * cache serves every pid with one object).
 * G_EXIT: exit(code) was called: 1 << 32 | (uint32_t)code. Its event says so
 * at once; this says it when the event found the output ring full.
 * G_STACK_LOST: kstack/ustack captures that failed (bpf_get_stackid < 0,
 * except -EFAULT: no stack of that kind, e.g. kstack of a task in user
 * mode); G_STACK_ERR: the last such error, a positive errno.
 * G_LOOP_CUT: range loops (for $i : a..b) cut short at BPF_LOOP_MAX
 * iterations, the most one bpf_loop runs; a range known at compile time
 * to be longer is an error instead. */
enum cg_global { G_START_NS, G_CPID, G_LOST, G_MAP_FULL, G_PID, G_EXIT, G_STACK_LOST, G_STACK_ERR,
		 G_LOOP_CUT, G_NGLOBALS };

#define BPF_LOOP_MAX (1 << 23)   /* the kernel's BPF_MAX_LOOPS */

#endif
