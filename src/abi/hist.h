/* hist.h - the one definition of hist()/lhist() bucket numbering.
 *
 * Codegen emits IR that computes exactly these functions (see the numbering
 * in event_abi.h); the runtime printers and the output tests call them to
 * label buckets. Keep both sides in step with this file. */
#ifndef BPFSCRIPT_HIST_H
#define BPFSCRIPT_HIST_H
#include <stdint.h>

/* hist(n): 0 for n < 0, 1 for n == 0, 2 + floor(log2(n)) for n >= 1, so
 * bucket 2 is [1], 3 is [2, 4), ... 64 is [2^62, 2^63). bpftrace 0.17's BPF
 * log2 stopped at 2^31 (every n >= 2^31 landed in [2G, 4G)); we use the
 * full 64 bits. */
static inline uint64_t hist_bucket(int64_t n)
{
	if (n < 0)
		return 0;
	if (n == 0)
		return 1;
	uint64_t v = (uint64_t)n, l = 0;
	for (int i = 5; i >= 0; i--) {
		uint64_t s = (uint64_t)(v >= (1ULL << (1 << i))) << i;
		v >>= s;
		l += s;
	}
	return l + 2;
}

/* hist(n, k) (latest bpftrace): each power of 2 split into 2^k buckets.
 *   0 for n < 0; n + 1 for 0 <= n < 2^k; otherwise, with l = floor(log2(n)) - k
 *   and x the k bits after n's leading 1: ((l + 1) << k) + x + 1.
 * k = 0 is hist_bucket(). Buckets run up to (64 - k) << k. */
static inline uint64_t hist_bucket_bits(int64_t n, int k)
{
	if (n < 0)
		return 0;
	uint64_t mask = (1ULL << k) - 1, v = (uint64_t)n;
	if (v <= mask)
		return v + 1;
	int l = (int)hist_bucket(n) - 2 - k;
	return ((uint64_t)(l + 1) << k) + ((v >> l) & mask) + 1;
}

static inline int hist_nbuckets(int k)
{
	return ((64 - k) << k) + 1;
}

/* The smallest value of hist(n, k) bucket idx >= 2^k + 1 (latest
 * bpftrace's hist_index_label): 2^p * (2^k + j) for p = (idx >> k) - 1 and
 * j = idx & (2^k - 1). */
static inline uint64_t hist_bucket_min(uint64_t idx, int k)
{
	uint64_t n = 1ULL << k;
	int power = (int)(idx >> k) - 1;
	return (1ULL << power) * (n + (idx & (n - 1)));
}

/* lhist(n, min, max, step): N = (max - min) / step in-range buckets.
 * 0 for n < min, N + 1 for n > max, else 1 + (n - min) / step. With a step
 * that does not divide max - min, values in [min + N*step, max] also land in
 * bucket N + 1 and print as "[max, ...)" (as in bpftrace 0.17). */
static inline uint64_t lhist_bucket(int64_t n, int64_t min, int64_t max, int64_t step)
{
	if (n < min)
		return 0;
	if (n > max)
		return 1 + (uint64_t)((max - min) / step);
	return 1 + (uint64_t)((n - min) / step);
}

/* Number of buckets of an lhist with these parameters, including the
 * below-min and above-max ones. */
static inline int lhist_nbuckets(int64_t min, int64_t max, int64_t step)
{
	return (int)((max - min) / step) + 2;
}

#endif
