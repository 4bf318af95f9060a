/* metrics.c - --metrics: every map served live to Prometheus (metrics.h).
 *
 * Naming: map @opens is the family bpfscript_opens (@ alone: bpfscript).
 * Its keys are labels: `key` for one key, key0, key1... for several, and a
 * record key's field names for a record ((pid=1, comm="x")). Each kind of
 * value says what it is through its struct map_kind (mapview.h):
 *
 *   count()                       counter   bpfscript_x_total
 *   sum/min/max/avg, ints, bools  gauge     bpfscript_x
 *   stats()                       gauge     bpfscript_x{stat="count"|"average"|"total"}
 *   hist()/lhist()                histogram bpfscript_x_bucket{le=...}, bpfscript_x_count
 *
 * Histogram buckets are cumulative; `le` is the largest (integer) value a
 * bucket holds, so hist's [4, 8) is le="7". A family shows the buckets from
 * the one below the lowest used to the highest used by any of its entries,
 * then +Inf. No _sum: hist()/lhist() keep counts only, and a sum made up
 * from bucket bounds would not be the sum. Maps of other values (strings,
 * stacks, tuples, addresses) are left out, and so are maps named @_...,
 * the program's own bookkeeping (@_start[tid] = nsecs): said under -v.
 *
 * Text format 0.0.4 names a counter's family with its _total, OpenMetrics
 * without it, and OpenMetrics ends with `# EOF`. */
#define _GNU_SOURCE
#include "runtime/metrics.h"
#include "runtime/mapview.h"
#include "runtime/print_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "util/arena.h"

#define TEXT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define OM_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"
#define SCRAPE_WAIT_S 10   /* a scrape waits this long for a busy event loop */

/* One label of a family: its name and where its value sits in the key. */
struct label {
	char name[72];
	const struct type *t;
	int offset;
};

/* One map as a metric family. */
struct family {
	struct rt_map *m;
	const struct map_kind *k;
	char name[80];           /* bpfscript_x */
	struct label *labels;
	int nlabels;
};

struct metrics {
	struct rt *rt;
	struct rt view_rt;       /* rt as labels format values (no terminal escapes), per scrape */
	struct MHD_Daemon *d;
	struct family *fams;
	int nfams;
	/* the turns of the event loop and the scrapes */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool loop_busy;          /* the event loop uses the maps */
	bool reading;            /* a scrape uses them */
	bool stopping;
	atomic_int want;         /* scrapes waiting for the loop */
};

/* ---- the address ---- */

int metrics_parse(const char *spec, char *host, size_t hostlen, int *port, char *err, size_t errlen)
{
	const char *p = spec, *colon;
	size_t hl = 0;
	const char *h = NULL;
	if (*p == '[') {
		const char *close = strchr(p, ']');
		if (!close || close[1] != ':')
			goto bad;
		h = p + 1;
		hl = (size_t)(close - h);
		p = close + 2;
	} else if ((colon = strrchr(p, ':'))) {
		if (memchr(p, ':', (size_t)(colon - p)))
			goto bad;   /* an IPv6 address needs brackets */
		h = p;
		hl = (size_t)(colon - p);
		p = colon + 1;
	}
	if (!*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 5 || atoi(p) > 65535)
		goto bad;
	*port = atoi(p);
	if (!h || hl == 0) {
		h = "127.0.0.1";
		hl = strlen(h);
	}
	if (hl + 1 > hostlen)
		goto bad;
	memcpy(host, h, hl);
	host[hl] = 0;
	return 0;
bad:
	snprintf(err, errlen, "invalid metrics address '%s': expected [HOST:]PORT, PORT 0 to 65535 "
		 "(an IPv6 host in brackets: [::1]:9435)", spec);
	return -1;
}

/* A bound, listening, non-blocking socket for host:port, or -1 after a
 * message. *url gets the address as a URL's host:port. */
static int listen_on(const char *spec, const char *host, int port, char *url, size_t urllen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *res = NULL;
	char ps[8];
	snprintf(ps, sizeof(ps), "%d", port);
	int rc = getaddrinfo(host, ps, &hints, &res);
	if (rc) {
		fprintf(stderr, "ERROR: metrics: cannot listen on %s: %s\n", spec, gai_strerror(rc));
		return -1;
	}
	int fd = -1, err = 0;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			err = errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 64) < 0) {
			err = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		fprintf(stderr, "ERROR: metrics: cannot listen on %s: %s\n", spec, strerror(err));
		return -1;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char hs[INET6_ADDRSTRLEN] = "?", sv[8] = "?";
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		getnameinfo((struct sockaddr *)&ss, sl, hs, sizeof(hs), sv, sizeof(sv), NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(url, urllen, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", hs, sv);
	return fd;
}

/* ---- families ---- */

/* A Prometheus label name from a field name: [a-zA-Z_][a-zA-Z0-9_]*, and
 * not one the format reserves (__*) or this family uses (le, stat). */
static void label_name(char *out, size_t n, const char *in, const char *reserved)
{
	char tmp[64];
	size_t i = 0;
	for (; in[i] && i + 1 < sizeof(tmp); i++) {
		char c = in[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i && c >= '0' && c <= '9');
		tmp[i] = ok ? c : '_';
	}
	tmp[i] = 0;
	bool clash = !tmp[0] || !strncmp(tmp, "__", 2) || (reserved && !strcmp(tmp, reserved));
	snprintf(out, n, "%s%s", clash ? "key_" : "", tmp);
}

/* A key that is one record with named fields ((pid=1, comm="x")). */
static const struct type *record_key(const struct type *key)
{
	if (!key || key->nfields != 1)
		return NULL;
	const struct type *r = key->fields[0].type;
	if (r->kind != TY_RECORD || r->nfields == 0)
		return NULL;
	for (int i = 0; i < r->nfields; i++)
		if (!r->fields[i].name || r->fields[i].bit_size)
			return NULL;
	return r;
}

static void family_labels(struct family *f)
{
	const struct type *key = f->m->key;
	const char *reserved = f->k->metric == MV_METRIC_HISTOGRAM ? "le" : f->k->metric == MV_METRIC_STATS ? "stat" : NULL;
	const struct type *rec = record_key(key);
	if (!key || key->nfields == 0)
		return;
	if (rec) {
		f->nlabels = rec->nfields;
		f->labels = xcalloc((size_t)f->nlabels, sizeof(*f->labels));
		for (int i = 0; i < rec->nfields; i++) {
			label_name(f->labels[i].name, sizeof(f->labels[i].name), rec->fields[i].name, reserved);
			f->labels[i].t = rec->fields[i].type;
			f->labels[i].offset = key->fields[0].offset + rec->fields[i].offset;
		}
		return;
	}
	f->nlabels = key->nfields;
	f->labels = xcalloc((size_t)f->nlabels, sizeof(*f->labels));
	for (int i = 0; i < key->nfields; i++) {
		if (key->nfields == 1)
			snprintf(f->labels[i].name, sizeof(f->labels[i].name), "key");
		else
			snprintf(f->labels[i].name, sizeof(f->labels[i].name), "key%d", i);
		f->labels[i].t = key->fields[i].type;
		f->labels[i].offset = key->fields[i].offset;
	}
}

/* The sample names a family uses (to find two maps that would clash:
 * @a = count() is bpfscript_a_total, as a gauge @a_total would be). */
static int family_names(const struct family *f, char names[3][96])
{
	switch (f->k->metric) {
	case MV_METRIC_COUNTER:
		snprintf(names[0], 96, "%s", f->name);
		snprintf(names[1], 96, "%s_total", f->name);
		return 2;
	case MV_METRIC_HISTOGRAM:
		snprintf(names[0], 96, "%s", f->name);
		snprintf(names[1], 96, "%s_bucket", f->name);
		snprintf(names[2], 96, "%s_count", f->name);
		return 3;
	default:
		snprintf(names[0], 96, "%s", f->name);
		return 1;
	}
}

static bool family_clashes(const struct family *f, const struct family *fams, int n, const char **with)
{
	char a[3][96], b[3][96];
	int na = family_names(f, a);
	for (int i = 0; i < n; i++) {
		int nb = family_names(&fams[i], b);
		for (int x = 0; x < na; x++)
			for (int y = 0; y < nb; y++)
				if (!strcmp(a[x], b[y])) {
					*with = fams[i].m->name;
					return true;
				}
	}
	return false;
}

static int cmp_maps(const void *a, const void *b)
{
	const struct rt_map *x = *(struct rt_map *const *)a, *y = *(struct rt_map *const *)b;
	return strcmp(x->name, y->name);
}

/* The families of rt's maps, by map name; the maps left out are said
 * under -v. */
static void make_families(struct metrics *ms, bool verbose)
{
	struct rt *rt = ms->rt;
	int n = rt->nmaps > 0 ? rt->nmaps : 0;
	struct rt_map **sorted = xcalloc((size_t)n + 1, sizeof(*sorted));
	memcpy(sorted, rt->maps, sizeof(*sorted) * (size_t)n);
	qsort(sorted, (size_t)n, sizeof(*sorted), cmp_maps);
	ms->fams = xcalloc((size_t)n + 1, sizeof(*ms->fams));
	for (int i = 0; i < n; i++) {
		struct family *f = &ms->fams[ms->nfams];
		f->m = sorted[i];
		f->k = mview_kind(f->m);
		if (f->k->metric == MV_METRIC_NONE) {
			if (verbose)
				fprintf(stderr, "Metrics: %s is not served: its values are not numbers (%s)\n", f->m->name,
					type_kind_name(f->m->val->kind));
			continue;
		}
		if (f->m->name[1] == '_') {
			if (verbose)
				fprintf(stderr, "Metrics: %s is not served: its name starts with an underscore\n",
					f->m->name);
			continue;
		}
		snprintf(f->name, sizeof(f->name), "bpfscript%s%s", f->m->name[1] ? "_" : "", f->m->name + 1);
		const char *with = NULL;
		if (family_clashes(f, ms->fams, ms->nfams, &with)) {
			if (verbose)
				fprintf(stderr, "Metrics: %s is not served: its names clash with those of %s\n", f->m->name,
					with);
			continue;
		}
		family_labels(f);
		ms->nfams++;
	}
	free(sorted);
}

/* ---- the exposition ---- */

/* A label value: valid UTF-8 kept, backslash, double quote and newline
 * escaped; a byte that is not UTF-8 becomes the text \xHH. */
static void label_escape(struct sbuf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		bool ok = len > 0 && i + len <= n;
		for (size_t k = 1; ok && k < len; k++)
			ok = (p[i + k] & 0xc0) == 0x80;
		if (ok && len == 2 && c < 0xc2)
			ok = false;   /* overlong */
		if (ok && len == 3 && ((c == 0xe0 && p[i + 1] < 0xa0) || (c == 0xed && p[i + 1] >= 0xa0)))
			ok = false;   /* overlong, surrogate */
		if (ok && len == 4 && ((c == 0xf0 && p[i + 1] < 0x90) || c > 0xf4 || (c == 0xf4 && p[i + 1] >= 0x90)))
			ok = false;
		if (!ok) {
			sb_printf(b, "\\\\x%02x", c);
			i++;
			continue;
		}
		if (c == '\\')
			sb_puts(b, "\\\\");
		else if (c == '"')
			sb_puts(b, "\\\"");
		else if (c == '\n')
			sb_puts(b, "\\n");
		else
			sb_putn(b, s + i, len);
		i += len;
	}
}

/* `k1="v1",k2="v2"` of one entry (nothing for a scalar map). */
static void entry_labels(struct metrics *ms, struct sbuf *b, const struct family *f, const struct mview *v,
			 const struct mentry *e)
{
	const uint8_t *key = me_key(v, e);
	if (!key)
		return;
	struct sbuf t = { 0 };
	for (int i = 0; i < f->nlabels; i++) {
		const struct label *l = &f->labels[i];
		t.len = 0;
		val_text(&ms->view_rt, &t, l->t, key + l->offset, V_KEY);
		sb_printf(b, "%s%s=\"", i ? "," : "", l->name);
		label_escape(b, t.p ? t.p : "", t.len);
		sb_putc(b, '"');
	}
	sb_free(&t);
}

/* name{labels,extra} value */
static void sample_start(struct sbuf *b, const char *name, const char *suffix, const struct sbuf *labels,
			 const char *extra)
{
	sb_puts(b, name);
	sb_puts(b, suffix);
	if (labels->len || extra) {
		sb_putc(b, '{');
		if (labels->len)
			sb_putn(b, labels->p, labels->len);
		if (extra)
			sb_printf(b, "%s%s", labels->len ? "," : "", extra);
		sb_putc(b, '}');
	}
	sb_putc(b, ' ');
}

static void put_value(struct sbuf *b, const struct mview *v, int64_t x)
{
	if (v->uns)
		sb_u64(b, (uint64_t)x);
	else
		sb_i64(b, x);
	sb_putc(b, '\n');
}

/* A bucket bound: OpenMetrics wants a float's canonical form (1.0). */
static void put_le(struct sbuf *b, int64_t le, bool om)
{
	if (!om)
		sb_i64(b, le);
	else if (le > -(1LL << 53) && le < (1LL << 53))
		sb_printf(b, "%" PRId64 ".0", le);
	else
		sb_printf(b, "%.17g", (double)le);
}

/* One entry's labels; the rows of a view sorted by labels, then by place
 * in the view, put the entries that are one series next to each other. */
struct row {
	char *labels;
	size_t len;
	size_t idx;               /* in mview.e */
};

static int cmp_rows(const void *x, const void *y)
{
	const struct row *a = x, *b = y;
	int c = memcmp(a->labels, b->labels, a->len < b->len ? a->len : b->len);
	if (c)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static bool same_labels(const struct row *a, const struct row *b)
{
	return a->len == b->len && !memcmp(a->labels, b->labels, a->len);
}

static struct row *label_rows(struct metrics *ms, const struct family *f, const struct mview *v)
{
	struct row *rows = xcalloc(v->n + 1, sizeof(*rows));
	for (size_t i = 0; i < v->n; i++) {
		struct sbuf l = { 0 };
		sb_reserve(&l, 1);
		entry_labels(ms, &l, f, v, &v->e[i]);
		rows[i] = (struct row){ .labels = l.p, .len = l.len, .idx = i };
	}
	qsort(rows, v->n, sizeof(*rows), cmp_rows);
	return rows;
}

/* The buckets any entry of the view used, and the one below: [*lo, *hi]
 * (hi -1: none). */
static void used_range(const struct mview *v, int *lo, int *hi)
{
	*lo = *hi = -1;
	for (size_t i = 0; i < v->n; i++) {
		const uint64_t *c = mview_buckets(v, &v->e[i]);
		for (int j = 0; j < v->nbuckets; j++)
			if (c[j]) {
				if (*lo < 0 || j < *lo)
					*lo = j;
				if (j > *hi)
					*hi = j;
			}
	}
	if (*lo > 0)
		(*lo)--;
}

/* One histogram series: the summed buckets of rows [first, last). */
static void histogram_series(struct sbuf *b, const struct family *f, const struct mview *v, const struct row *rows,
			     size_t first, size_t last, int lo, int hi, uint64_t *acc, bool om)
{
	memset(acc, 0, sizeof(*acc) * (size_t)v->nbuckets);
	for (size_t k = first; k < last; k++) {
		const uint64_t *c = mview_buckets(v, &v->e[rows[k].idx]);
		for (int j = 0; j < v->nbuckets; j++)
			acc[j] += c[j];
	}
	struct sbuf labels = { .p = rows[first].labels, .len = rows[first].len };
	uint64_t cum = 0, total = 0;
	for (int j = 0; j < v->nbuckets; j++)
		total += acc[j];
	for (int j = 0; j <= hi; j++) {
		int64_t le;
		cum += acc[j];
		if (j < lo || !f->k->bucket_le(f->m->val, j, &le))
			continue;
		struct sbuf lb = { 0 };
		sb_puts(&lb, "le=\"");
		put_le(&lb, le, om);
		sb_putc(&lb, '"');
		sample_start(b, f->name, "_bucket", &labels, lb.p);
		sb_free(&lb);
		sb_u64(b, cum);
		sb_putc(b, '\n');
	}
	sample_start(b, f->name, "_bucket", &labels, "le=\"+Inf\"");
	sb_u64(b, total);
	sb_putc(b, '\n');
	sample_start(b, f->name, "_count", &labels, NULL);
	sb_u64(b, total);
	sb_putc(b, '\n');
}

/* One series of the other kinds: rows [first, last) added up. */
static void value_series(struct sbuf *b, const struct family *f, const struct mview *v, const struct row *rows,
			 size_t first, size_t last, const char *total_suffix)
{
	struct sbuf labels = { .p = rows[first].labels, .len = rows[first].len };
	if (f->k->metric == MV_METRIC_STATS) {
		uint64_t count = 0;
		int64_t sum = 0;
		for (size_t k = first; k < last; k++) {
			uint64_t c;
			int64_t t;
			f->k->stats(v, &v->e[rows[k].idx], &c, &t);
			count += c;
			sum = (int64_t)((uint64_t)sum + (uint64_t)t);
		}
		sample_start(b, f->name, "", &labels, "stat=\"count\"");
		sb_u64(b, count);
		sb_putc(b, '\n');
		sample_start(b, f->name, "", &labels, "stat=\"average\"");
		sb_i64(b, count ? sum / (int64_t)count : 0);
		sb_putc(b, '\n');
		sample_start(b, f->name, "", &labels, "stat=\"total\"");
		sb_i64(b, sum);
		sb_putc(b, '\n');
		return;
	}
	uint64_t x = 0;
	for (size_t k = first; k < last; k++)
		x += (uint64_t)v->e[rows[k].idx].v;
	sample_start(b, f->name, total_suffix, &labels, NULL);
	put_value(b, v, (int64_t)x);
}

static void render_family(struct metrics *ms, struct sbuf *b, const struct family *f, bool om)
{
	struct mview v;
	if (mview_build(ms->rt, &v, f->m, 0, 0) < 0)
		return;   /* the map cannot be read: the family is left out of this scrape */
	const char *type = "gauge", *total = "";
	if (f->k->metric == MV_METRIC_COUNTER) {
		type = "counter";
		total = "_total";
	} else if (f->k->metric == MV_METRIC_HISTOGRAM) {
		type = "histogram";
	}
	const char *fam_suffix = om ? "" : total;
	sb_printf(b, "# HELP %s%s map %s of bpfscript\n", f->name, fam_suffix, f->m->name);
	sb_printf(b, "# TYPE %s%s %s\n", f->name, fam_suffix, type);
	struct row *rows = label_rows(ms, f, &v);
	bool hist = f->k->metric == MV_METRIC_HISTOGRAM;
	int lo = -1, hi = -1;
	uint64_t *acc = NULL;
	if (hist) {
		used_range(&v, &lo, &hi);
		acc = xcalloc((size_t)v.nbuckets + 1, sizeof(*acc));
	}
	for (size_t i = 0; i < v.n;) {
		size_t j = i + 1;
		while (j < v.n && same_labels(&rows[j], &rows[i]))
			j++;
		size_t last = f->k->metric_adds ? j : i + 1;
		if (hist)
			histogram_series(b, f, &v, rows, i, last, lo, hi, acc, om);
		else
			value_series(b, f, &v, rows, i, last, total);
		i = j;
	}
	for (size_t i = 0; i < v.n; i++)
		free(rows[i].labels);
	free(rows);
	free(acc);
	mview_free(&v);
}

void metrics_render(struct metrics *ms, struct sbuf *b, bool openmetrics)
{
	sb_reserve(b, 1);
	ms->view_rt = *ms->rt;
	ms->view_rt.escape_ctl = false;
	for (int i = 0; i < ms->nfams; i++)
		render_family(ms, b, &ms->fams[i], openmetrics);
	if (openmetrics)
		sb_puts(b, "# EOF\n");
}

/* ---- taking turns with the event loop ---- */

void metrics_loop_wait(struct metrics *ms)
{
	pthread_mutex_lock(&ms->mu);
	ms->loop_busy = false;
	pthread_cond_broadcast(&ms->cv);
	pthread_mutex_unlock(&ms->mu);
}

void metrics_loop_busy(struct metrics *ms)
{
	pthread_mutex_lock(&ms->mu);
	while (ms->reading || atomic_load(&ms->want))
		pthread_cond_wait(&ms->cv, &ms->mu);
	ms->loop_busy = true;
	pthread_mutex_unlock(&ms->mu);
}

bool metrics_pending(struct metrics *ms)
{
	return atomic_load_explicit(&ms->want, memory_order_relaxed) != 0;
}

/* One scrape: waits for the loop to hand the maps over, renders them.
 * -1: the loop stayed busy (or the run is ending). */
static int scrape(struct metrics *ms, struct sbuf *b, bool om)
{
	struct timespec dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += SCRAPE_WAIT_S;
	pthread_mutex_lock(&ms->mu);
	atomic_fetch_add(&ms->want, 1);
	int rc = 0;
	while (ms->loop_busy && !ms->stopping && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&ms->cv, &ms->mu, &dl);
	atomic_fetch_sub(&ms->want, 1);
	bool ok = !ms->loop_busy && !ms->stopping;
	ms->reading = ok;
	pthread_cond_broadcast(&ms->cv);
	pthread_mutex_unlock(&ms->mu);
	if (!ok)
		return -1;
	metrics_render(ms, b, om);
	pthread_mutex_lock(&ms->mu);
	ms->reading = false;
	pthread_cond_broadcast(&ms->cv);
	pthread_mutex_unlock(&ms->mu);
	return 0;
}

/* ---- HTTP ---- */

/* Does the Accept header prefer OpenMetrics (q > 0, not below text/plain)? */
static bool wants_openmetrics(const char *accept)
{
	if (!accept)
		return false;
	double om = -1, text = -1;
	const char *p = accept;
	while (*p) {
		size_t len = strcspn(p, ",");
		char item[256];
		snprintf(item, sizeof(item), "%.*s", (int)(len < sizeof(item) ? len : sizeof(item) - 1), p);
		double q = 1;
		const char *qs = strstr(item, ";q=");
		if (!qs)
			qs = strstr(item, "; q=");
		if (qs)
			q = strtod(strchr(qs, '=') + 1, NULL);
		const char *t = item + strspn(item, " ");
		if (!strncmp(t, "application/openmetrics-text", 28) && q > om)
			om = q;
		else if (!strncmp(t, "text/plain", 10) && q > text)
			text = q;
		p += len + (p[len] == ',');
	}
	return om > 0 && om >= text;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	return reply(c, status, "text/plain; charset=utf-8", xstrdup(text), strlen(text));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **req)
{
	struct metrics *ms = cls;
	(void)version;
	(void)upload;
	(void)req;
	if (*upload_size) {
		*upload_size = 0;   /* a body is not read */
		return MHD_YES;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
	if (!strcmp(url, "/"))
		return reply_text(c, MHD_HTTP_OK, "bpfscript: the maps are at /metrics\n");
	if (strcmp(url, "/metrics"))
		return reply_text(c, MHD_HTTP_NOT_FOUND, "not found: the maps are at /metrics\n");
	bool om = wants_openmetrics(MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT));
	struct sbuf b = { 0 };
	if (scrape(ms, &b, om) < 0) {
		sb_free(&b);
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "bpfscript is busy or ending\n");
	}
	return reply(c, MHD_HTTP_OK, om ? OM_TYPE : TEXT_TYPE, b.p, b.len);
}

struct metrics *metrics_start(struct rt *rt, const char *spec, bool verbose)
{
	char host[256], err[512], url[INET6_ADDRSTRLEN + 16];
	int port;
	if (metrics_parse(spec, host, sizeof(host), &port, err, sizeof(err)) < 0) {
		fprintf(stderr, "ERROR: %s\n", err);
		return NULL;
	}
	int fd = listen_on(spec, host, port, url, sizeof(url));
	if (fd < 0)
		return NULL;
	struct metrics *ms = xcalloc(1, sizeof(*ms));
	ms->rt = rt;
	ms->loop_busy = true;
	pthread_mutex_init(&ms->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ms->cv, &ca);
	pthread_condattr_destroy(&ca);
	make_families(ms, verbose);
	/* the server's thread takes no signals: Ctrl-C goes to the event loop */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ms->d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, on_request, ms,
				 MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT, 64U,
				 MHD_OPTION_CONNECTION_TIMEOUT, 30U, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!ms->d) {
		fprintf(stderr, "ERROR: metrics: cannot start the HTTP server on %s\n", spec);
		close(fd);
		ms->d = NULL;
		metrics_stop(ms);
		return NULL;
	}
	if (verbose)
		fprintf(stderr, "Metrics served on http://%s/metrics\n", url);
	return ms;
}

void metrics_stop(struct metrics *ms)
{
	if (!ms)
		return;
	pthread_mutex_lock(&ms->mu);
	ms->stopping = true;
	pthread_cond_broadcast(&ms->cv);
	pthread_mutex_unlock(&ms->mu);
	if (ms->d)
		MHD_stop_daemon(ms->d);
	for (int i = 0; i < ms->nfams; i++)
		free(ms->fams[i].labels);
	free(ms->fams);
	pthread_cond_destroy(&ms->cv);
	pthread_mutex_destroy(&ms->mu);
	free(ms);
}
