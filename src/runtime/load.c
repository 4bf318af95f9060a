/* load.c - creates the kernel maps and loads the programs.
 *
 * Route A of KERNEL-NOTES: maps are created here, before code generation,
 * and referenced by fd from the code; each program is its own ELF section,
 * loaded with bpf_prog_load. A relocation against a program section would
 * mean codegen emitted something the kernel cannot resolve (global data, a
 * call to a subprogram): that is an internal error, reported as such. */
#include "runtime/load.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "abi/event_abi.h"
#include "sys/bpfsys.h"
#include "abi/event_abi.h"
#include "abi/hist.h"
#include "runtime/bpfobj.h"
#include "runtime/subprog.h"

static void map_name(char *out, size_t n, const char *name)
{
	/* "@x" -> "AT_x", truncated to the kernel's 15 characters */
	snprintf(out, n, "AT_%s", name[1] ? name + 1 : "");
	for (char *p = out; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
			*p = '_';
	out[15] = 0;
}

static int value_size(const struct type *t)
{
	switch (t->kind) {
	case TY_MIN: case TY_MAX: case TY_AVG: case TY_STATS:
		return 16;
	case TY_COUNT: case TY_SUM: case TY_HIST: case TY_LHIST:
		return 8;
	case TY_STR: case TY_BUF: case TY_TUPLE: case TY_ARRAY:
		return (t->size + 7) / 8 * 8;
	default:
		/* any other value wider than 8 bytes (usym: address and pid) */
		return t->size > 8 ? (t->size + 7) / 8 * 8 : 8;
	}
}

static int create_error(struct loader *L, const char *what, int err)
{
	if (err == EPERM)
		diag_plain(L->diag, "failed to create BPF map %s: %s (bpfscript must run as root)", what, strerror(err));
	else
		diag_plain(L->diag, "failed to create BPF map %s: %s", what, strerror(err));
	return -1;
}

/* Roughly what the kernel allocates for map m up front (hash maps are
 * preallocated): per element a header, the key and the value (one per
 * possible CPU for per-CPU maps), plus the bucket array. */
static uint64_t map_bytes(const struct rt_map *m, int ncpus)
{
	uint64_t key = ((uint64_t)m->key_size + 7) / 8 * 8, val = ((uint64_t)m->val_size + 7) / 8 * 8;
	uint64_t n = (uint64_t)m->max_entries, elem = 48 + key + (m->percpu ? 8 + val * (uint64_t)ncpus : val);
	uint64_t buckets = 1;
	while (buckets < n)
		buckets <<= 1;
	return n * elem + buckets * 16;
}

/* MemAvailable of /proc/meminfo in bytes, or 0 when unknown. */
uint64_t load_mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	if (!f)
		return 0;
	char line[256];
	unsigned long long kb = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb * 1024;
}

/* Maps larger than half the machine's available memory (an absurd
 * BPFTRACE_MAP_KEYS_MAX, a huge declared map) would take the kernel minutes
 * of allocation before failing, or push the machine into the OOM killer:
 * refuse them first, naming the largest. */
static int check_memory(struct loader *L)
{
	struct rt *rt = L->rt;
	uint64_t total = 0, biggest = 0;
	const struct rt_map *big = NULL;
	for (int i = 0; i < L->prog->maps.n; i++) {
		uint64_t b = map_bytes(rt->maps[i], rt->ncpus);
		total += b;
		if (b > biggest) {
			biggest = b;
			big = rt->maps[i];
		}
	}
	if (!big)
		return 0;
	uint64_t avail = load_mem_available();
	if (!avail || total <= avail / 2)
		return 0;
	diag_plain(L->diag, "the maps need about %llu MB of kernel memory, more than half the %llu MB available: "
		   "%s alone needs %llu MB (%d entries of %d-byte keys and %d-byte values%s)",
		   (unsigned long long)(total >> 20), (unsigned long long)(avail >> 20), big->name,
		   (unsigned long long)(biggest >> 20), big->max_entries, big->key_size, big->val_size,
		   big->percpu ? ", one value per CPU" : "");
	diag_hint(L->diag, "lower BPFTRACE_MAP_KEYS_MAX (now %d), or the size of the maps declared with let",
		  L->prog->set.map_keys_max);
	return -1;
}

/* Buckets of a scalar count/hist/lhist map that can be a per-CPU array, or
 * 0. bpftrace 0.17 keeps count maps without keys in a per-CPU array too;
 * hist/lhist ones were hashes keyed by bucket. Counts only grow by 1, so a
 * zero element is one nobody counted into: absent, as in a hash (print.c).
 * Anything the program does besides aggregating (a read, delete(), for,
 * has_key) wants hash semantics: sema marks those maps bpf_used. */
static int map_as_array(const struct map_info *mi)
{
	if (mi->key || mi->map_type || mi->bpf_used || !mi->val)
		return 0;
	const struct type *t = mi->val;
	switch (t->kind) {
	case TY_COUNT:
		return 1;
	case TY_HIST:
		return t->hist_bits ? hist_nbuckets(t->hist_bits) : HIST_BUCKETS;
	case TY_LHIST:
		return t->lstep > 0 ? lhist_nbuckets(t->lmin, t->lmax, t->lstep) : 0;
	default:
		return 0;
	}
}

/* The output ring: one BPF ring buffer shared by all CPUs where bpftrace 0.17
 * had a perf buffer of perf_rb_pages pages per CPU, so as many bytes in all,
 * rounded up to the power of two the kernel wants (64 pages on 2 CPUs: 512
 * KiB). Its size is also start-up time: the kernel zeroes and maps every
 * page, and unmaps them at exit (~0.7 ms here for 512 KiB), so programs whose
 * only event is exit() -- maps and aggregations, printed at exit -- get one
 * page: exits that find it full are not output (abi/event_abi.h, G_EXIT). */
static unsigned ring_size(const struct loader *L)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t size = (uint64_t)(page > 0 ? page : 4096);
	if (!L->rt->ring_events)
		return (unsigned)size;
	uint64_t want = (uint64_t)L->prog->set.perf_rb_pages * size * (uint64_t)(L->rt->ncpus > 0 ? L->rt->ncpus : 1);
	while (size < want && size < (1ull << 30))
		size <<= 1;
	return (unsigned)size;
}

/* onto the fd number the code holds (reserved by load_maps) */
static int load_ring(struct loader *L)
{
	if (bpfsys_map_create_at(L->rt->ringbuf_fd, BPF_MAP_TYPE_RINGBUF, "events", 0, 0, ring_size(L)) < 0)
		return create_error(L, "ringbuf", errno);
	return 0;
}

int load_maps(struct loader *L)
{
	struct rt *rt = L->rt;
	struct ptrvec *maps = &L->prog->maps;
	rt->ncpus = libbpf_num_possible_cpus();
	if (rt->ncpus <= 0)
		rt->ncpus = 1;
	rt->maps = arena_alloc(L->env->arena, sizeof(*rt->maps) * (size_t)(maps->n + 1));
	for (int i = 0; i < maps->n; i++) {
		struct map_info *mi = maps->v[i];
		struct rt_map *m = arena_alloc(L->env->arena, sizeof(*m));
		m->name = mi->name;
		m->id = i;
		m->key = mi->key;
		m->val = mi->val;
		m->key_size = mi->key ? mi->key->size : 8;
		if (mi->val->kind == TY_HIST || mi->val->kind == TY_LHIST)
			m->key_size += 8;
		m->val_size = value_size(mi->val);
		m->percpu = type_is_agg(mi->val);
		/* `let @m = lruhash(n)` chose the kind and size (sema checked that
		 * per-CPU kinds hold aggregations and only they) */
		m->max_entries = mi->max_entries ? mi->max_entries : L->prog->set.map_keys_max;
		if (mi->val->kind == TY_HIST)
			m->max_entries *= 8;
		else if (mi->val->kind == TY_LHIST)
			m->max_entries *= 8;
		m->type = mi->map_type ? mi->map_type : m->percpu ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH;
		int nb = map_as_array(mi);
		if (nb > 0) {
			m->array = true;
			m->type = BPF_MAP_TYPE_PERCPU_ARRAY;
			m->max_entries = nb;
		}
		m->fd = -1;
		mi->rt = m;
		rt->maps[i] = m;
	}
	if (check_memory(L) < 0)
		return -1;
	for (int i = 0; i < maps->n; i++) {
		struct rt_map *m = rt->maps[i];
		char name[32];
		map_name(name, sizeof(name), m->name);
		m->fd = bpfsys_map_create((enum bpf_map_type)m->type, name, m->array ? 4u : (unsigned)m->key_size,
					  (unsigned)m->val_size, (unsigned)m->max_entries);
		if (m->fd < 0) {
			rt->nmaps = i;
			return create_error(L, m->name, errno);
		}
		rt->nmaps = i + 1;
	}
	L->rt->globals_fd = bpfsys_map_create(BPF_MAP_TYPE_ARRAY, "globals", 4, 8 * G_NGLOBALS, 1);
	if (L->rt->globals_fd < 0)
		return create_error(L, "globals", errno);
	/* the ring's fd number, reserved until load_ring */
	rt->ringbuf_fd = bpfsys_fd_reserve(L->rt->globals_fd);
	if (rt->ringbuf_fd < 0)
		return create_error(L, "ringbuf", errno);
	uint64_t g[G_NGLOBALS] = { 0 };
	g[G_START_NS] = L->start_ns;
	g[G_CPID] = (uint64_t)L->cpid;
	g[G_PID] = (uint64_t)(L->prog->set.pid > 0 ? L->prog->set.pid : 0);
	uint32_t k = 0;
	if (bpf_map_update_elem(L->rt->globals_fd, &k, g, BPF_ANY) < 0)
		return create_error(L, "globals", errno);
	return 0;
}

/* Prints the last `keep` lines of the verifier log. */
static void print_log_tail(FILE *out, const char *log, int keep)
{
	const char *end = log + strlen(log);
	while (end > log && end[-1] == '\n')
		end--;
	const char *p = end;
	int lines = 0;
	while (p > log) {
		if (p[-1] == '\n' && ++lines == keep)
			break;
		p--;
	}
	fprintf(out, "%.*s\n", (int)(end - p), p);
}

/* A load the verifier rejected at a helper call that a builtin recorded
 * (struct verifier_site): the builtin reports it at the source. The log's
 * last instruction line is the call ("162: (85) call bpf_d_path#147"); the
 * lines after it say why. Which call of that helper in the unit it was is
 * its rank among the program's calls of the helper, which codegen emitted
 * in the order it recorded them. True if a builtin reported it. */
static bool explain_rejection(const struct prog_unit *u, const struct bpf_insn *insns, size_t ninsns,
			      const char *log, struct diag *d)
{
	if (!u->vsites.n)
		return false;
	const char *call = NULL, *why = NULL;
	for (const char *l = log; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
		const char *p = l;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == l || *p != ':')
			continue;   /* not an instruction line */
		call = strncmp(p, ": (85) call ", 12) ? NULL : l;
		why = call ? strchr(l, '\n') : NULL;
	}
	if (!call || !why)
		return false;
	why++;
	const char *hash = memchr(call, '#', (size_t)(why - call));
	if (!hash)
		return false;
	long idx = strtol(call, NULL, 10), helper = strtol(hash + 1, NULL, 10);
	int rank = 0, total = 0;
	for (size_t i = 0; i < ninsns; i++) {
		if (insns[i].code == (BPF_JMP | BPF_CALL) && insns[i].src_reg == 0 && insns[i].imm == helper) {
			if ((long)i < idx)
				rank++;
			total++;
		}
	}
	const struct verifier_site *sites[64];
	int n = 0;
	for (int i = 0; i < u->vsites.n && n < 64; i++) {
		const struct verifier_site *vs = u->vsites.v[i];
		if (vs->helper == helper)
			sites[n++] = vs;
	}
	if (!n)
		return false;
	/* LLVM may have merged or duplicated calls: then the first one */
	const struct verifier_site *vs = n == total && rank < n ? sites[rank] : sites[0];
	return vs->explain(vs, log, why, d);
}

static void set_func_info(struct bpf_prog_load_opts *o, const struct subprog_fix *fix)
{
	if (fix->btf_fd < 0)
		return;
	o->prog_btf_fd = (unsigned)fix->btf_fd;
	o->func_info = fix->func_info;
	o->func_info_cnt = (unsigned)fix->nfunc_info;
	o->func_info_rec_size = sizeof(struct bpf_func_info);
}

/* A load the kernel refused: loaded again with the verifier's log, which a
 * builtin may explain at the source, the probe type may reword, or else is
 * reported with its last lines. Returns the fd if the second load worked
 * (it does not: the kernel is consistent), else -1 after a diagnostic. */
static int report_refusal(struct loader *L, const struct prog_unit *u, const char *name, const void *insns,
			  size_t ninsns, const struct bpf_prog_load_opts *opts, const struct subprog_fix *fix)
{
	const struct probe_type *pt = u->aps[0]->pt;
	/* config log_size (bpftrace's default 1000000); the kernel keeps the
	 * log's last part when it does not fit and then says ENOSPC */
	size_t logsz = L->prog->set.log_size >= 128 ? (size_t)L->prog->set.log_size : 128;
	char *log = xcalloc(1, logsz);
	LIBBPF_OPTS(bpf_prog_load_opts, o2, .log_buf = log, .log_size = (unsigned)logsz, .log_level = 1);
	o2.expected_attach_type = opts->expected_attach_type;
	o2.attach_btf_id = opts->attach_btf_id;
	o2.attach_btf_obj_fd = opts->attach_btf_obj_fd;
	set_func_info(&o2, fix);
	int fd = bpfsys_prog_load(pt->prog_type, name, insns, ninsns, &o2);
	int err = errno;
	char why[512];
	if (fd >= 0) {
		/* accepted the second time */
	} else if (explain_rejection(u, insns, ninsns, log, L->diag)) {
		/* a builtin said it at the source */
	} else if (pt->load_error && pt->load_error(u->aps[0], err, log, why, sizeof(why))) {
		/* the probe type knows what this failure means (one line) */
		diag_plain(L->diag, "%s", why);
	} else {
		if (err == EPERM && !log[0])
			diag_plain(L->diag, "Error loading program %s: %s (the kernel refused this program type; are you root?)",
				   u->aps[0]->name, strerror(err));
		else
			diag_plain(L->diag, "Error loading program %s: the kernel verifier rejected it (%s)",
				   u->aps[0]->name, strerror(err));
		if (err == ENOSPC)
			diag_hint(L->diag, "the verifier log did not fit in log_size (%zu bytes): its last part follows; "
				  "raise config log_size or BPFTRACE_LOG_SIZE for the whole log", logsz);
		if (log[0]) {
			fprintf(L->diag->out, "Verifier log (last lines):\n");
			print_log_tail(L->diag->out, log, 12);
		}
	}
	free(log);
	return fd;
}

/* Loads the program of unit i (its section of the object, its for-loop
 * callbacks relocated). Returns its fd, or -1 after a diagnostic. */
static int load_unit(struct loader *L, struct bpfobj *ix, const struct prog_unit *u, int i)
{
	size_t sz;
	int sec = bpfobj_find(ix, u->section);
	const void *insns = bpfobj_data(ix, sec, &sz);
	/* for-loop bodies: callbacks referenced by relocations (subprog.c) */
	struct subprog_fix fix = { .btf_fd = -1 };
	char fixwhy[256];
	if (insns && ix->sec[sec].has_rel && subprog_fixup(ix, sec, &fix, fixwhy, sizeof(fixwhy)) < 0) {
		diag_plain(L->diag, "internal error: %s", fixwhy);
		return -1;
	}
	if (fix.insns) {
		insns = fix.insns;
		sz = fix.ninsns * sizeof(struct bpf_insn);
	}
	if (!insns) {
		diag_plain(L->diag, "internal error: program section %s missing from the object", u->section);
		return -1;
	}
	const struct probe_type *pt = u->aps[0]->pt;
	char name[16];
	snprintf(name, sizeof(name), "p%d", i);
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	set_func_info(&opts, &fix);
	char why[512] = "";
	if (pt->load_opts && pt->load_opts(L->env, u->aps, u->naps, &opts, why, sizeof(why)) < 0) {
		diag_plain(L->diag, "%s", why[0] ? why : "cannot prepare the program load");
		subprog_free(&fix);
		return -1;
	}
	/* -d verifier: the verifier's log of every program, even accepted ones. */
	char *vlog = L->dump_verifier ? xcalloc(1, 4u << 20) : NULL;
	if (vlog) {
		opts.log_buf = vlog;
		opts.log_size = 4u << 20;
		opts.log_level = 2;
	}
	size_t ninsns = sz / sizeof(struct bpf_insn);
	int fd = bpfsys_prog_load(pt->prog_type, name, insns, ninsns, &opts);
	if (vlog) {
		printf("Verifier log of %s:\n%s\n", u->aps[0]->name, vlog);
		free(vlog);
	}
	if (fd < 0)
		fd = report_refusal(L, u, name, insns, ninsns, &opts, &fix);
	subprog_free(&fix);
	return fd;
}

int load_programs(struct loader *L, const void *obj, size_t len)
{
	struct prog_unit *units = L->prog->units;
	int n = L->prog->nunits;
	struct rt *rt = L->rt;
	if (load_ring(L) < 0)
		return -1;
	rt->progs = arena_alloc(L->env->arena, sizeof(*rt->progs) * (size_t)(n + 1));
	struct bpfobj ix;
	bpfobj_index(&ix, L->env->arena, obj, len);
	for (int i = 0; i < n; i++) {
		struct prog_unit *u = &units[i];
		int fd = load_unit(L, &ix, u, i);
		if (fd < 0)
			return -1;
		rt->progs[i].fd = fd;
		rt->progs[i].section = u->section;
		rt->progs[i].ap = u->aps[0];
		rt->progs[i].aps = u->aps;
		rt->progs[i].naps = u->naps;
		rt->nprogs = i + 1;
	}
	return 0;
}

int load_extra_map(struct rt *rt, const char *name, int type, int key_size, int val_size,
		   int max_entries)
{
	int fd = load_extra_map_fd(rt, name);
	if (fd >= 0)
		return fd;
	char kname[16];
	snprintf(kname, sizeof(kname), "%s", name);
	fd = bpfsys_map_create((enum bpf_map_type)type, kname, (unsigned)key_size, (unsigned)val_size,
			       (unsigned)max_entries);
	if (fd < 0)
		return -1;
	rt->extra = xrealloc(rt->extra, sizeof(*rt->extra) * (size_t)(rt->nextra + 1));
	struct rt_extra_map *m = &rt->extra[rt->nextra++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->fd = fd;
	m->type = type;
	m->key_size = key_size;
	m->val_size = val_size;
	m->max_entries = max_entries;
	return fd;
}

int load_extra_map_fd(const struct rt *rt, const char *name)
{
	for (int i = 0; i < rt->nextra; i++)
		if (!strcmp(rt->extra[i].name, name))
			return rt->extra[i].fd;
	return -1;
}

void load_close(struct rt *rt)
{
	for (int i = 0; i < rt->nextra; i++)
		close(rt->extra[i].fd);
	free(rt->extra);
	rt->extra = NULL;
	rt->nextra = 0;
	for (int i = 0; i < rt->nprogs; i++)
		if (rt->progs[i].fd > 0)
			close(rt->progs[i].fd);
	for (int i = 0; i < rt->nmaps; i++)
		if (rt->maps[i] && rt->maps[i]->fd > 0)
			close(rt->maps[i]->fd);
	if (rt->ringbuf_fd > 0)
		close(rt->ringbuf_fd);
	if (rt->globals_fd > 0)
		close(rt->globals_fd);
	if (rt->scratch_fd > 0)
		close(rt->scratch_fd);
	rt->scratch_fd = 0;
	rt->nprogs = rt->nmaps = 0;
	rt->ringbuf_fd = rt->globals_fd = -1;
}
