/* util.c - helpers shared by the probe types: wildcards, attach-point
 * splitting and counts, the attach-point list, the link set, and perf event
 * attachment (one event, or one per online CPU for the named perf events of
 * software:* and hardware:*). See probe.h and probes_int.h. */
#include "probes/probes_int.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>

/* ---- wildcards ---------------------------------------------------------- */

bool has_wildcard(const char *s)
{
	return s && strpbrk(s, "*?") != NULL;
}

/* Iterative glob with one backtrack point: on a mismatch after a '*', retry
 * with the star swallowing one more character. Linear in practice. */
bool glob_match(const char *p, const char *s)
{
	const char *star = NULL, *resume = NULL;
	while (*s) {
		if (*p == '*') {
			star = ++p;
			resume = s;
		} else if (*p == '?' || *p == *s) {
			p++;
			s++;
		} else if (star) {
			p = star;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == 0;
}

/* ---- attach-point text -------------------------------------------------- */

/* split_colon: "a:b:c" -> {"a","b","c"}. Double quotes protect ':' and are
 * dropped; inside them a backslash escapes the next character (bpftrace's
 * attach-point lexer). Returns the number of parts found, which may exceed
 * max; only the first max parts are stored. */
int split_colon(struct arena *a, const char *text, char **parts, int max)
{
	size_t len = strlen(text);
	char *buf = arena_alloc(a, len + 1);
	int n = 0;
	size_t o = 0;
	bool quoted = false;
	for (size_t i = 0;; i++) {
		char c = text[i];
		if (c == 0 || (c == ':' && !quoted)) {
			buf[o] = 0;
			if (n < max)
				parts[n] = arena_strdup(a, buf);
			n++;
			o = 0;
			if (c == 0)
				break;
		} else if (c == '"') {
			quoted = !quoted;
		} else if (quoted && c == '\\' && text[i + 1]) {
			buf[o++] = text[++i];
		} else {
			buf[o++] = c;
		}
	}
	return n;
}

/* Counts as bpftrace's attach-point parser takes them: 123, 0x7b, 0173,
 * 1_000, 1e3. No sign, nothing trailing, no overflow. */
bool probe_parse_uint(const char *s, uint64_t *out)
{
	if (!s || !*s || *s == '_')
		return false;
	int base = 10;
	const char *p = s;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!*p)
			return false;
	} else if (p[0] == '0' && p[1]) {
		base = 8;
		p++;
	}
	uint64_t v = 0;
	int digits = 0;
	for (; *p; p++) {
		if (*p == '_')
			continue;
		int d;
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (d >= base)
			return false;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
		digits++;
	}
	if (!digits && base != 8)
		return false;
	if (*p == 'e' && base == 10 && p[1]) {
		/* 1e6: an integer exponent */
		char *end;
		unsigned long e = strtoul(p + 1, &end, 10);
		if (*end || p[1] < '0' || p[1] > '9')
			return false;
		for (unsigned long i = 0; i < e; i++) {
			if (v > UINT64_MAX / 10)
				return false;
			v *= 10;
		}
		p = end;
	}
	if (*p)
		return false;
	*out = v;
	return true;
}

/* ---- collections -------------------------------------------------------- */

void ap_list_push(struct arena *a, struct ap_list *l, struct attach_point *ap)
{
	if (l->n == l->cap) {
		int ncap = l->cap ? l->cap * 2 : 8;
		l->v = arena_realloc(a, l->v, sizeof(*l->v) * (size_t)l->cap, sizeof(*l->v) * (size_t)ncap);
		l->cap = ncap;
	}
	l->v[l->n++] = ap;
}

void rt_links_add(struct rt_links *l, int fd)
{
	if (fd < 0)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->fds = xrealloc(l->fds, sizeof(*l->fds) * (size_t)l->cap);
	}
	l->fds[l->n++] = fd;
}

/* Closing a BPF link waits for an RCU tasks-trace grace period under a
 * kernel mutex (perf_event_detach_bpf_prog): 700 tracepoints closed one
 * after the other keep the user waiting ~35 s after Ctrl-C on this kernel.
 * Closed by many threads at once, the rest of the work overlaps: measured
 * ~17 s. A uprobe_multi link waits for its grace periods without that mutex
 * (50-85 ms a link here): links closed at once share them, so from two fds
 * on every fd gets a thread of its own, up to CLOSE_THREADS (8 links of a
 * USDT wildcard: 0.45 s serially, 0.09 s). Each thread closes a contiguous
 * slice in reverse (a link before the perf event it holds; the link keeps
 * its perf event alive anyway). */
#define CLOSE_THREADS 256
#define CLOSE_SERIAL 2    /* fewer fds than this: the calling thread alone */

struct close_slice {
	const int *fds;
	int n;
};

static void *close_slice(void *arg)
{
	struct close_slice *c = arg;
	for (int i = c->n - 1; i >= 0; i--)
		close(c->fds[i]);
	return NULL;
}

void rt_links_truncate(struct rt_links *l, int n)
{
	int count = l->n - n;
	if (count >= CLOSE_SERIAL) {
		int nt = count < CLOSE_THREADS ? count : CLOSE_THREADS;
		pthread_t *th = xmalloc(sizeof(*th) * (size_t)nt);
		struct close_slice *sl = xmalloc(sizeof(*sl) * (size_t)nt);
		bool *started = xcalloc((size_t)nt, sizeof(*started));
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 64 * 1024);
		int per = (count + nt - 1) / nt;
		for (int t = 0; t < nt; t++) {
			int from = n + t * per, to = from + per < l->n ? from + per : l->n;
			sl[t] = (struct close_slice){ l->fds + from, to > from ? to - from : 0 };
			started[t] = pthread_create(&th[t], &attr, close_slice, &sl[t]) == 0;
			if (!started[t])
				close_slice(&sl[t]);
		}
		for (int t = 0; t < nt; t++)
			if (started[t])
				pthread_join(th[t], NULL);
		pthread_attr_destroy(&attr);
		free(th);
		free(sl);
		free(started);
		l->n = n;
		return;
	}
	/* close in reverse: links before the perf events they hold */
	while (l->n > n)
		close(l->fds[--l->n]);
}

void rt_links_close(struct rt_links *l)
{
	rt_links_truncate(l, 0);
	free(l->fds);
	l->fds = NULL;
	l->n = l->cap = 0;
}

/* ---- perf events -------------------------------------------------------- */

static int read_online_cpus(int **cpus)
{
	*cpus = NULL;
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	if (!f)
		return -1;
	char line[4096];
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		errno = EIO;
		return -1;
	}
	fclose(f);
	int n = 0, cap = 8;
	int *v = xmalloc(sizeof(*v) * (size_t)cap);
	for (char *p = line; *p && *p != '\n';) {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;
		if (end == p)
			break;
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		for (long c = lo; c <= hi; c++) {
			if (n == cap)
				v = xrealloc(v, sizeof(*v) * (size_t)(cap *= 2));
			v[n++] = (int)c;
		}
		p = *end == ',' ? end + 1 : end;
	}
	if (!n) {
		free(v);
		errno = EIO;
		return -1;
	}
	*cpus = v;
	return n;
}

/* Read once and kept: the perf-event probe types read it when they expand,
 * so that attaching opens no file (which a probe of the same program on
 * openat or read would see as bpfscript's own event). */
int probe_online_cpus(const int **cpus)
{
	static int *cached, ncached;
	if (!cached) {
		int n = read_online_cpus(&cached);
		if (n < 0)
			return -1;
		ncached = n;
	}
	*cpus = cached;
	return ncached;
}

int probe_perf_attach(const struct attach_point *ap, struct perf_event_attr *attr, pid_t pid,
		      int cpu, int prog_fd, struct rt_links *links, char *err, size_t errlen)
{
	attr->size = sizeof(*attr);
	attr->disabled = 1;
	int pfd = (int)syscall(__NR_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0) {
		int e = errno;
		snprintf(err, errlen, "Error attaching probe: %s: perf_event_open failed: %s", ap->name,
			 strerror(e));
		return -e;
	}
	/* The cookie lets one program serve several attach points (`probe`). */
	LIBBPF_OPTS(bpf_link_create_opts, opts, .perf_event.bpf_cookie = (uint64_t)ap->id);
	int lfd = bpf_link_create(prog_fd, pfd, BPF_PERF_EVENT, &opts);
	if (lfd < 0) {
		int e = errno;
		/* Kernels before 5.15 have no perf-event links: attach the old way
		 * (no cookie then). */
		if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog_fd) < 0) {
			close(pfd);
			snprintf(err, errlen, "Error attaching probe: %s: bpf_link_create failed: %s",
				 ap->name, strerror(e));
			return -e;
		}
	}
	if (ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
		int e = errno;
		if (lfd >= 0)
			close(lfd);
		close(pfd);
		snprintf(err, errlen, "Error attaching probe: %s: enabling the perf event failed: %s",
			 ap->name, strerror(e));
		return -e;
	}
	rt_links_add(links, pfd);
	rt_links_add(links, lfd);
	return 0;
}

/* ---- named perf events (software:*, hardware:*) ------------------------- */

const struct perf_named_event *perf_named_of(const struct attach_point *ap)
{
	return ap->priv;
}

static const struct perf_named_event *named_find(const struct perf_named_event *tab, int n,
						 const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(tab[i].name, name) || (tab[i].alias && !strcmp(tab[i].alias, name)))
			return &tab[i];
	return NULL;
}

int split_ap_1or2(const struct probe_env *env, const char *type_name, const char *text,
		  struct loc loc, char *parts[3])
{
	int np = split_colon(env->arena, text, parts, 3);
	if (np != 2 && np != 3) {
		diag_error(env->diag, loc, "%s probe type requires 1 or 2 arguments", type_name);
		return -1;
	}
	return np;
}

int probe_arg_index(const char *name, const char *prefix)
{
	size_t pl = strlen(prefix);
	if (strncmp(name, prefix, pl) || name[pl] < '0' || name[pl] > '9')
		return -1;
	char *end;
	long i = strtol(name + pl, &end, 10);
	return *end || i > 1000 || (name[pl] == '0' && name[pl + 1]) ? -1 : (int)i;
}

int perf_named_expand(const struct probe_type *pt, const struct probe_env *env, const char *text,
		      struct loc loc, struct ap_list *out)
{
	const int *cpus;
	(void)probe_online_cpus(&cpus); /* read now, not while attaching */
	const struct perf_named_type *t = pt->data;
	const struct perf_named_event *tab = t->events;
	int n = t->nevents;
	char *parts[3];
	int np = split_ap_1or2(env, pt->name, text, loc, parts);
	if (np < 0)
		return -1;
	const char *ev = parts[1];
	if (!*ev) {
		diag_error(env->diag, loc, "%s probe must have a %s event name", pt->name, pt->name);
		return -1;
	}
	uint64_t count = 0;
	bool has_count = np == 3;
	if (has_count && !probe_parse_uint(parts[2], &count)) {
		diag_error(env->diag, loc, "Invalid count for %s probe: %s", pt->name, parts[2]);
		return -1;
	}
	int found = 0;
	for (int i = 0; i < n; i++) {
		const struct perf_named_event *e = &tab[i];
		const char *as_written;
		if (has_wildcard(ev)) {
			if (!glob_match(ev, e->name))
				continue;
			as_written = e->name;
		} else if (e == named_find(tab, n, ev)) {
			as_written = ev;   /* bpftrace keeps the alias in the name */
		} else {
			continue;
		}
		struct attach_point *ap = arena_alloc(env->arena, sizeof(*ap));
		ap->pt = pt;
		ap->target = e->name;
		ap->freq = count ? count : e->defcount;
		ap->name = has_count ? arena_printf(env->arena, "%s:%s:%llu", pt->name, as_written,
						    (unsigned long long)count)
				     : arena_printf(env->arena, "%s:%s", pt->name, as_written);
		ap->loc = loc;
		ap->priv = (void *)e;
		ap_list_push(env->arena, out, ap);
		found++;
	}
	if (found)
		return 0;
	if (has_wildcard(ev)) {
		diag_error(env->diag, loc, "No %s probe matches '%s'", pt->name, ev);
		return -1;
	}
	diag_error(env->diag, loc, "%s is not a %s probe", ev, pt->name);
	const char *best = NULL;
	int bd = 3;
	for (int i = 0; i < n; i++) {
		int d = diag_distance(ev, tab[i].name);
		if (d < bd) {
			bd = d;
			best = tab[i].name;
		}
		if (tab[i].alias && (d = diag_distance(ev, tab[i].alias)) < bd && d < (int)strlen(ev)) {
			bd = d;
			best = tab[i].alias;
		}
	}
	if (best)
		diag_hint(env->diag, "did you mean '%s'?", best);
	return -1;
}

/* Orders names as the printed "name:" strings sort (bpftrace keeps them in
 * a std::set): "cpu-clock:" before "cpu:". */
static int cmp_listed(const void *pa, const void *pb)
{
	const unsigned char *a = *(const unsigned char *const *)pa, *b = *(const unsigned char *const *)pb;
	for (;; a++, b++) {
		int ca = *a ? *a : ':', cb = *b ? *b : ':';
		if (ca != cb || !*a || !*b)
			return ca != cb ? ca - cb : (int)!!*a - (int)!!*b;
	}
}

int perf_named_list(const struct probe_type *pt, const char *pattern, bool verbose, FILE *out)
{
	const struct perf_named_type *t = pt->data;
	const struct perf_named_event *tab = t->events;
	int n = t->nevents;
	const char *rest;
	if (!probe_pattern_rest(pt, pattern, &rest))
		return 0;
	/* Match the event part only: "software:cs:*" lists cs. */
	char evpat[256] = "*";
	if (rest) {
		size_t l = strcspn(rest, ":");
		if (l >= sizeof(evpat))
			return 0;
		memcpy(evpat, rest, l);
		evpat[l] = 0;
	}
	/* As latest bpftrace: names and aliases, sorted, each with a trailing
	 * ':' (the place of the optional count). */
	const char *names[64];
	int k = 0;
	for (int i = 0; i < n && k < 62; i++) {
		if (glob_match(evpat, tab[i].name))
			names[k++] = tab[i].name;
		if (tab[i].alias && glob_match(evpat, tab[i].alias))
			names[k++] = tab[i].alias;
	}
	qsort(names, (size_t)k, sizeof(names[0]), cmp_listed);
	for (int i = 0; i < k; i++)
		fprintf(out, "%s:%s:\n", pt->name, names[i]);
	return 0;
}

/* attr on the first online CPU, or on every one (all or none). Returns 0, or
 * the -errno of the perf attach that failed (-1 when the CPUs cannot be
 * read), with one line in err. */
static int perf_attach_cpus(const struct attach_point *ap, struct perf_event_attr *attr, bool all_cpus,
			    int prog_fd, struct rt_links *links, char *err, size_t errlen)
{
	const int *cpus;
	int n = probe_online_cpus(&cpus);
	if (n < 0) {
		snprintf(err, errlen, "Error attaching probe: %s: cannot read the online CPUs: %s",
			 ap->name, strerror(errno));
		return -1;
	}
	int first = links->n, rc = 0;
	for (int i = 0; i < (all_cpus ? n : 1) && rc == 0; i++)
		rc = probe_perf_attach(ap, attr, -1, cpus[i], prog_fd, links, err, errlen);
	if (rc < 0)
		rt_links_truncate(links, first);
	return rc;
}

int perf_named_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd,
		      struct rt_links *links, char *err, size_t errlen)
{
	const struct perf_named_type *t = ap->pt->data;
	struct perf_event_attr attr = {
		.type = t->perf_type,
		.config = perf_named_of(ap)->config,
		.sample_period = ap->freq,
	};
	int rc = perf_attach_cpus(ap, &attr, true, prog_fd, links, err, errlen);
	if (t->pmu && (rc == -ENOENT || rc == -EOPNOTSUPP || rc == -ENODEV))
		snprintf(err, errlen,
			 "Error attaching probe: %s: %s events are not supported on this machine "
			 "(no PMU: perf_event_open gave %s)",
			 ap->name, ap->pt->name,
			 rc == -ENOENT ? "ENOENT" : rc == -ENODEV ? "ENODEV" : "EOPNOTSUPP");
	return rc < 0 ? -1 : 0;
}

/* ---- timed perf events (interval:*, profile:*) --------------------------- */

static const struct time_unit {
	const char *name;
	uint64_t ns;            /* 0: hz */
} time_units[] = { { "hz", 0 }, { "ms", 1000000 }, { "s", 1000000000 }, { "us", 1000 } };

static const struct time_unit *unit_find(const char *s)
{
	for (size_t i = 0; i < sizeof(time_units) / sizeof(time_units[0]); i++)
		if (!strcmp(time_units[i].name, s))
			return &time_units[i];
	return NULL;
}

/* "1000000", "10ms", "1s": a duration in ns (latest bpftrace's bare form). */
static bool parse_duration(struct arena *a, const char *s, uint64_t *ns)
{
	static const struct { const char *sfx; uint64_t mul; } sfx[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000ull },
		{ "m", 60000000000ull }, { "h", 3600000000000ull }, { "d", 86400000000000ull },
	};
	size_t len = strlen(s);
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	uint64_t v, mul = 1;
	const char *num = s;
	/* As in the language's literals (lexer.l): in hex, a suffix starts after
	 * the last hex digit, so 0x10ms is 16ms and 0x1d is 29. */
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		size_t sl = strlen(sfx[i].sfx);
		if (hex && isxdigit((unsigned char)sfx[i].sfx[0]))
			continue;
		if (len > sl && !strcmp(s + len - sl, sfx[i].sfx) &&
		    (hex ? isxdigit((unsigned char)s[len - sl - 1]) :
			   s[len - sl - 1] >= '0' && s[len - sl - 1] <= '9')) {
			num = arena_strndup(a, s, len - sl);
			mul = sfx[i].mul;
			break;
		}
	}
	if (!probe_parse_uint(num, &v) || (v && mul > UINT64_MAX / v))
		return false;
	*ns = v * mul;
	return true;
}

int perf_timed_expand(const struct probe_type *pt, const struct probe_env *env, const char *text,
		      struct loc loc, struct ap_list *out)
{
	const int *cpus;
	(void)probe_online_cpus(&cpus); /* read now, not while attaching */
	char *parts[3];
	int np = split_colon(env->arena, text, parts, 3);
	const struct time_unit *u;
	uint64_t count;
	if (np == 2) {
		uint64_t ns;
		if (unit_find(parts[1])) {
			diag_error(env->diag, loc, "%s probe type requires 2 arguments", pt->name);
			return -1;
		}
		if (!parse_duration(env->arena, parts[1], &ns)) {
			diag_error(env->diag, loc, "Invalid rate of %s probe: %s", pt->name, parts[1]);
			return -1;
		}
		if (ns < 1000) {
			diag_error(env->diag, loc,
				   "Invalid rate of %s probe. Minimum is 1000 or 1us. Found: %llu nanoseconds",
				   pt->name, (unsigned long long)ns);
			return -1;
		}
		u = unit_find("us");
		count = ns / 1000;
	} else if (np == 3) {
		if (!*parts[1]) {
			diag_error(env->diag, loc, "%s probe must have unit of time", pt->name);
			return -1;
		}
		if (!(u = unit_find(parts[1]))) {
			diag_error(env->diag, loc, "%s is not an accepted unit of time", parts[1]);
			return -1;
		}
		if (!probe_parse_uint(parts[2], &count)) {
			diag_error(env->diag, loc, "Invalid rate of %s probe: %s", pt->name, parts[2]);
			return -1;
		}
		if (!count) {
			diag_error(env->diag, loc, "%s frequency should be a positive integer", pt->name);
			return -1;
		}
	} else {
		diag_error(env->diag, loc, "%s probe type requires 1 or 2 arguments", pt->name);
		return -1;
	}
	struct attach_point *ap = arena_alloc(env->arena, sizeof(*ap));
	if (u->ns) {
		if (count > UINT64_MAX / u->ns) {
			diag_error(env->diag, loc, "Invalid rate of %s probe: %llu%s is too long", pt->name,
				   (unsigned long long)count, u->name);
			return -1;
		}
		ap->period = count * u->ns;
	} else {
		ap->freq = count;
	}
	ap->pt = pt;
	ap->target = u->name;
	ap->name = arena_printf(env->arena, "%s:%s:%llu", pt->name, u->name, (unsigned long long)count);
	ap->loc = loc;
	ap_list_push(env->arena, out, ap);
	return 0;
}

int perf_timed_list(const struct probe_type *pt, const char *pattern, bool verbose, FILE *out)
{
	const char *rest;
	if (probe_pattern_rest(pt, pattern, &rest) != 2)
		return 0;
	char upat[64] = "*";
	if (rest) {
		size_t l = strcspn(rest, ":");
		if (l >= sizeof(upat))
			return 0;
		memcpy(upat, rest, l);
		upat[l] = 0;
	}
	for (size_t i = 0; i < sizeof(time_units) / sizeof(time_units[0]); i++)
		if (glob_match(upat, time_units[i].name))
			fprintf(out, "%s:%s:\n", pt->name, time_units[i].name);
	return 0;
}

int perf_timed_attach(const struct probe_env *env, struct attach_point *ap, int prog_fd,
		      struct rt_links *links, char *err, size_t errlen)
{
	const struct perf_timed_type *t = ap->pt->data;
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
	};
	if (ap->freq) {
		attr.freq = 1;
		attr.sample_freq = ap->freq;
	} else {
		attr.sample_period = ap->period;
	}
	return perf_attach_cpus(ap, &attr, t->all_cpus, prog_fd, links, err, errlen) < 0 ? -1 : 0;
}
