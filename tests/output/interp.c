/* interp.c - see interp.h. Test code: clarity over speed. */
#include "interp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "abi/event_abi.h"
#include "abi/hist.h"

#define MAXMAPS 64
#define STRSZ 64
#define MAXVAL 1024

struct val {
	struct type *t;
	uint8_t d[MAXVAL];   /* ints: 8 bytes, extended; others: t->size bytes */
};

struct tmap {
	struct rt_map m;
	int agg_size;        /* per-CPU value bytes */
};

struct interp {
	struct arena a;
	struct rt rt;
	struct rt_map *maps[MAXMAPS];
	int nstmt;
	char err[512];
	const char *p;       /* parse position */
};

static const char *probe_names[] = { "BEGIN" };

struct interp *interp_new(FILE *out, bool json, bool *skip)
{
	*skip = false;
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, 8, 8, 1, NULL);
	if (fd < 0) {
		*skip = true;
		return NULL;
	}
	close(fd);
	struct interp *in = xcalloc(1, sizeof(*in));
	in->rt.maps = in->maps;
	in->rt.out = out;
	in->rt.format = json ? OUT_JSON : OUT_TEXT;
	in->rt.ncpus = libbpf_num_possible_cpus();
	in->rt.probe_names = probe_names;
	in->rt.nprobes = 1;
	return in;
}

const char *interp_error(struct interp *in)
{
	return in->err;
}

void interp_finish(struct interp *in)
{
	rt_maps_print_all(&in->rt, in->rt.out);
}

void interp_free(struct interp *in)
{
	if (!in)
		return;
	for (int i = 0; i < in->rt.nmaps; i++)
		close(in->maps[i]->fd);
	arena_free(&in->a);
	free(in);
}

static int fail(struct interp *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct interp *in, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(in->err, sizeof(in->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- lexing ---- */

static void ws(struct interp *in)
{
	while (*in->p == ' ' || *in->p == '\t' || *in->p == '\n')
		in->p++;
}

static bool eat(struct interp *in, const char *tok)
{
	ws(in);
	size_t n = strlen(tok);
	if (strncmp(in->p, tok, n))
		return false;
	in->p += n;
	return true;
}

static bool ident(struct interp *in, char *buf, size_t sz)
{
	ws(in);
	size_t n = 0;
	while ((in->p[n] >= 'a' && in->p[n] <= 'z') || (in->p[n] >= 'A' && in->p[n] <= 'Z') ||
	       in->p[n] == '_' || (n && in->p[n] >= '0' && in->p[n] <= '9'))
		n++;
	if (!n || n >= sz)
		return false;
	memcpy(buf, in->p, n);
	buf[n] = '\0';
	in->p += n;
	return true;
}

/* @name, "@" alone included */
static bool mapname(struct interp *in, char *buf, size_t sz)
{
	ws(in);
	if (*in->p != '@')
		return false;
	size_t n = 1;
	while ((in->p[n] >= 'a' && in->p[n] <= 'z') || (in->p[n] >= 'A' && in->p[n] <= 'Z') ||
	       in->p[n] == '_' || (in->p[n] >= '0' && in->p[n] <= '9'))
		n++;
	if (n >= sz)
		return false;
	memcpy(buf, in->p, n);
	buf[n] = '\0';
	in->p += n;
	return true;
}

static int string_lit(struct interp *in, char *out, size_t cap, size_t *len)
{
	ws(in);
	if (*in->p != '"')
		return fail(in, "string expected at '%s'", in->p);
	in->p++;
	size_t n = 0;
	while (*in->p && *in->p != '"') {
		char c = *in->p++;
		if (c == '\\') {
			char e = *in->p++;
			switch (e) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			case 'x': {
				char hx[3] = { in->p[0], in->p[1], 0 };
				c = (char)strtol(hx, NULL, 16);
				in->p += 2;
				break;
			}
			default: {
				char oc[4] = { e, in->p[0], in->p[1], 0 };
				c = (char)strtol(oc, NULL, 8);
				in->p += 2;
				break;
			}
			}
		}
		if (n + 1 < cap)
			out[n++] = c;
	}
	if (*in->p != '"')
		return fail(in, "unterminated string");
	in->p++;
	out[n] = '\0';
	*len = n;
	return 0;
}

static int int_lit(struct interp *in, int64_t *v)
{
	ws(in);
	char *end;
	errno = 0;
	bool neg = false;
	if (*in->p == '-') {
		neg = true;
		in->p++;
	}
	unsigned long long u = strtoull(in->p, &end, 0);
	if (end == in->p)
		return fail(in, "number expected at '%s'", in->p);
	in->p = end;
	*v = neg ? -(int64_t)u : (int64_t)u;
	if (eat(in, "<<")) {
		int64_t s;
		if (int_lit(in, &s))
			return -1;
		*v = (int64_t)((uint64_t)*v << s);
	}
	return 0;
}

/* ---- values ---- */

/* Truncates x to the type, then extends it back to 8 bytes. */
static void set_int(struct val *v, struct type *t, int64_t x)
{
	int64_t e;
	switch (t->size) {
	case 1: e = t->is_signed ? (int64_t)(int8_t)x : (int64_t)(uint8_t)x; break;
	case 2: e = t->is_signed ? (int64_t)(int16_t)x : (int64_t)(uint16_t)x; break;
	case 4: e = t->is_signed ? (int64_t)(int32_t)x : (int64_t)(uint32_t)x; break;
	default: e = x; break;
	}
	memcpy(v->d, &e, 8);
	v->t = t;
}

static int parse_value(struct interp *in, struct val *v);

static struct type *cast_type(const char *name)
{
	static const struct { const char *n; int sz; bool s; } casts[] = {
		{ "int8", 1, true }, { "uint8", 1, false }, { "int16", 2, true }, { "uint16", 2, false },
		{ "int32", 4, true }, { "uint32", 4, false }, { "int64", 8, true }, { "uint64", 8, false },
	};
	for (size_t i = 0; i < sizeof(casts) / sizeof(casts[0]); i++)
		if (!strcmp(name, casts[i].n))
			return type_int(casts[i].sz, casts[i].s);
	return NULL;
}

static int parse_value(struct interp *in, struct val *v)
{
	ws(in);
	memset(v, 0, sizeof(*v));
	if (*in->p == '"') {
		size_t n;
		v->t = type_str(&in->a, STRSZ);
		return string_lit(in, (char *)v->d, STRSZ, &n);
	}
	if (*in->p == '(') {
		const char *save = in->p;
		char name[16];
		in->p++;
		struct type *ct = NULL;
		if (ident(in, name, sizeof(name)) && (ct = cast_type(name)) && eat(in, ")")) {
			struct val inner;
			if (parse_value(in, &inner))
				return -1;
			int64_t x;
			memcpy(&x, inner.d, 8);
			set_int(v, ct, x);
			return 0;
		}
		in->p = save + 1;
		struct val *el = xcalloc(16, sizeof(*el));
		struct type *types[16];
		int n = 0;
		do {
			if (n == 16 || parse_value(in, &el[n])) {
				free(el);
				return n == 16 ? fail(in, "tuple too long") : -1;
			}
			types[n] = el[n].t;
			n++;
		} while (eat(in, ","));
		if (!eat(in, ")")) {
			free(el);
			return fail(in, "')' expected at '%s'", in->p);
		}
		if (n == 1) {
			*v = el[0];
		} else {
			v->t = type_tuple(&in->a, types, n);
			for (int i = 0; i < n; i++)
				memcpy(v->d + v->t->fields[i].offset, el[i].d, (size_t)types[i]->size);
		}
		free(el);
		return 0;
	}
	if (eat(in, "buf(")) {
		char tmp[STRSZ];
		size_t n;
		int64_t len;
		if (string_lit(in, tmp, sizeof(tmp), &n) || !eat(in, ",") || int_lit(in, &len) || !eat(in, ")"))
			return fail(in, "bad buf()");
		v->t = type_simple(&in->a, TY_BUF, 4 + STRSZ);
		v->t->align = 4;
		uint32_t l = (uint32_t)len;
		memcpy(v->d, &l, 4);
		memcpy(v->d + 4, tmp, (size_t)len < sizeof(tmp) ? (size_t)len : sizeof(tmp));
		return 0;
	}
	if (eat(in, "probe")) {
		v->t = type_simple(&in->a, TY_PROBE, 8);
		return 0;
	}
	int64_t x;
	if (int_lit(in, &x))
		return -1;
	set_int(v, type_int(8, true), x);
	return 0;
}

/* ---- maps ---- */

static struct rt_map *find_map(struct interp *in, const char *name)
{
	for (int i = 0; i < in->rt.nmaps; i++)
		if (!strcmp(in->maps[i]->name, name))
			return in->maps[i];
	return NULL;
}

static int val_size_of(const struct type *t)
{
	switch (t->kind) {
	case TY_MIN: case TY_MAX: return sizeof(struct agg_minmax);
	case TY_AVG: case TY_STATS: return sizeof(struct agg_avg);
	case TY_COUNT: case TY_SUM: case TY_HIST: case TY_LHIST: return 8;
	case TY_INT: case TY_BOOL: case TY_PROBE: return 8;
	default: return t->size;
	}
}

static struct rt_map *get_map(struct interp *in, const char *name, struct type *key, struct type *valt)
{
	struct rt_map *m = find_map(in, name);
	if (m)
		return m;
	if (in->rt.nmaps == MAXMAPS)
		return NULL;
	m = arena_alloc(&in->a, sizeof(*m));
	m->name = arena_strdup(&in->a, name);
	m->id = in->rt.nmaps;
	m->key = key;
	m->val = valt;
	bool hist = valt->kind == TY_HIST || valt->kind == TY_LHIST;
	m->key_size = (key ? key->size : 8) + (hist ? 8 : 0);
	m->val_size = val_size_of(valt);
	m->percpu = type_is_agg(valt);
	m->max_entries = 4096;
	m->fd = bpf_map_create(m->percpu ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH, NULL,
			       (unsigned)m->key_size, (unsigned)m->val_size, (unsigned)m->max_entries, NULL);
	if (m->fd < 0)
		return NULL;
	in->maps[in->rt.nmaps++] = m;
	return m;
}

/* Applies fn to this CPU's slot of the per-CPU value of key. */
static int percpu_update(struct interp *in, struct rt_map *m, const uint8_t *key,
			 void (*fn)(uint8_t *slot, const struct val *arg, const struct type *t),
			 const struct val *arg)
{
	size_t stride = ((size_t)m->val_size + 7) / 8 * 8;
	size_t total = stride * (size_t)in->rt.ncpus;
	uint8_t *buf = xcalloc(1, total);
	if (bpf_map_lookup_elem(m->fd, key, buf))
		memset(buf, 0, total);
	int cpu = in->nstmt % in->rt.ncpus;
	fn(buf + (size_t)cpu * stride, arg, m->val);
	int r = bpf_map_update_elem(m->fd, key, buf, BPF_ANY);
	free(buf);
	return r ? fail(in, "map update: %s", strerror(errno)) : 0;
}

static int64_t ival(const struct val *v)
{
	int64_t x;
	memcpy(&x, v->d, 8);
	return x;
}

static void op_add(uint8_t *slot, const struct val *a, const struct type *t)
{
	int64_t x;
	memcpy(&x, slot, 8);
	x = (int64_t)((uint64_t)x + (uint64_t)(a ? ival(a) : 1));
	memcpy(slot, &x, 8);
}

static void op_minmax(uint8_t *slot, const struct val *a, const struct type *t)
{
	struct agg_minmax mm;
	memcpy(&mm, slot, sizeof(mm));
	int64_t x = ival(a);
	bool better = !mm.set || (t->kind == TY_MIN ? x < mm.value : x > mm.value);
	if (better) {
		mm.value = x;
		mm.set = 1;
	}
	memcpy(slot, &mm, sizeof(mm));
}

static void op_avg(uint8_t *slot, const struct val *a, const struct type *t)
{
	struct agg_avg av;
	memcpy(&av, slot, sizeof(av));
	av.total = (int64_t)((uint64_t)av.total + (uint64_t)ival(a));
	av.count++;
	memcpy(slot, &av, sizeof(av));
}

static int parse_args(struct interp *in, struct val *args, int max, int *n)
{
	*n = 0;
	if (eat(in, ")"))
		return 0;
	do {
		if (*n == max)
			return fail(in, "too many arguments");
		if (parse_value(in, &args[(*n)++]))
			return -1;
	} while (eat(in, ","));
	return eat(in, ")") ? 0 : fail(in, "')' expected at '%s'", in->p);
}

static int assign(struct interp *in, const char *name)
{
	struct val *keys = xcalloc(8, sizeof(*keys));
	struct val *args = xcalloc(4, sizeof(*args));
	struct type *ktypes[8];
	int nk = 0, rc = -1, na = 0;
	uint8_t keybuf[MAXVAL + 8] = { 0 };
	struct type *key = NULL;
	if (eat(in, "[")) {
		do {
			if (nk == 8 || parse_value(in, &keys[nk]))
				goto out;
			ktypes[nk] = keys[nk].t;
			nk++;
		} while (eat(in, ","));
		if (!eat(in, "]")) {
			fail(in, "']' expected");
			goto out;
		}
		/* an existing map keeps its key layout; values go into its slots */
		struct rt_map *old = find_map(in, name);
		key = old && old->key && old->key->nfields == nk ? old->key : type_tuple(&in->a, ktypes, nk);
		for (int i = 0; i < nk; i++) {
			const struct type *ft = key->fields[i].type;
			size_t sz = (size_t)ft->size;
			if (type_is_int(ft) && !type_is_int(ktypes[i])) {
				fail(in, "key %d: type mismatch", i);
				goto out;
			}
			memcpy(keybuf + key->fields[i].offset, keys[i].d, sz < MAXVAL ? sz : MAXVAL);
		}
	}
	if (!eat(in, "=")) {
		fail(in, "'=' expected");
		goto out;
	}
	static const struct { const char *fn; enum type_kind k; } aggs[] = {
		{ "count(", TY_COUNT }, { "sum(", TY_SUM }, { "min(", TY_MIN }, { "max(", TY_MAX },
		{ "avg(", TY_AVG }, { "stats(", TY_STATS }, { "hist(", TY_HIST }, { "lhist(", TY_LHIST },
	};
	for (size_t i = 0; i < sizeof(aggs) / sizeof(aggs[0]); i++) {
		if (!eat(in, aggs[i].fn))
			continue;
		if (parse_args(in, args, 4, &na))
			goto out;
		struct rt_map *m = find_map(in, name);
		if (!m) {
			struct type *t = type_agg(&in->a, aggs[i].k, na ? args[0].t->is_signed : false);
			if (aggs[i].k == TY_LHIST) {
				if (na != 4) {
					fail(in, "lhist needs 4 arguments");
					goto out;
				}
				t->lmin = ival(&args[1]);
				t->lmax = ival(&args[2]);
				t->lstep = ival(&args[3]);
			}
			m = get_map(in, name, key, t);
			if (!m) {
				fail(in, "cannot create map %s: %s", name, strerror(errno));
				goto out;
			}
		}
		size_t ks = key ? (size_t)key->size : 8;
		switch (aggs[i].k) {
		case TY_COUNT:
			rc = percpu_update(in, m, keybuf, op_add, NULL);
			break;
		case TY_SUM:
			rc = percpu_update(in, m, keybuf, op_add, &args[0]);
			break;
		case TY_MIN: case TY_MAX:
			rc = percpu_update(in, m, keybuf, op_minmax, &args[0]);
			break;
		case TY_AVG: case TY_STATS:
			rc = percpu_update(in, m, keybuf, op_avg, &args[0]);
			break;
		case TY_HIST: case TY_LHIST: {
			uint64_t b = aggs[i].k == TY_HIST
					     ? hist_bucket(ival(&args[0]))
					     : lhist_bucket(ival(&args[0]), m->val->lmin, m->val->lmax, m->val->lstep);
			memcpy(keybuf + ks, &b, 8);
			rc = percpu_update(in, m, keybuf, op_add, NULL);
			break;
		}
		default:
			break;
		}
		goto out;
	}
	struct val v;
	if (parse_value(in, &v))
		goto out;
	struct rt_map *m = get_map(in, name, key, v.t);
	if (!m) {
		fail(in, "cannot create map %s", name);
		goto out;
	}
	rc = bpf_map_update_elem(m->fd, keybuf, v.d, BPF_ANY) ? fail(in, "update: %s", strerror(errno)) : 0;
out:
	free(keys);
	free(args);
	return rc;
}

static int map_call(struct interp *in, const char *fn)
{
	char name[64];
	int64_t top = 0, div = 0;
	if (!mapname(in, name, sizeof(name)))
		return fail(in, "map expected");
	struct rt_map *m = find_map(in, name);
	if (!m)
		return fail(in, "unknown map %s", name);
	if (eat(in, ",") && int_lit(in, &top))
		return -1;
	if (eat(in, ",") && int_lit(in, &div))
		return -1;
	if (!eat(in, ")"))
		return fail(in, "')' expected");
	if (!strcmp(fn, "print"))
		return rt_map_print(&in->rt, in->rt.out, m, top, div) ? fail(in, "print failed") : 0;
	if (!strcmp(fn, "clear"))
		return rt_map_clear(&in->rt, m) ? fail(in, "clear failed") : 0;
	return rt_map_zero(&in->rt, m) ? fail(in, "zero failed") : 0;
}

static int do_printf(struct interp *in)
{
	char fmt[512];
	size_t n;
	if (string_lit(in, fmt, sizeof(fmt), &n))
		return -1;
	struct val *args = xcalloc(16, sizeof(*args));
	int na = 0, rc = -1;
	if (eat(in, ",")) {
		if (parse_args(in, args, 16, &na))
			goto out;
	} else if (!eat(in, ")")) {
		fail(in, "')' expected");
		goto out;
	}
	struct type *types[16];
	int offsets[16], off = 0;
	uint8_t payload[16 * MAXVAL];
	for (int i = 0; i < na; i++) {
		types[i] = args[i].t;
		int sz = type_is_int(types[i]) ? 8 : types[i]->size;
		offsets[i] = off;
		memcpy(payload + off, args[i].d, (size_t)sz);
		off += (sz + 7) / 8 * 8;
	}
	char err[256];
	int bad;
	if (fmt_check(fmt, types, na, err, sizeof(err), &bad)) {
		fprintf(in->rt.out, "ERROR: %s\n", err);
		rc = 0;
		goto out;
	}
	struct rt_printf pf = { .fmt = fmt, .nargs = na, .args = types, .offsets = offsets, .size = off };
	fmt_print_event(&in->rt, in->rt.out, &pf, payload, "printf");
	rc = 0;
out:
	free(args);
	return rc;
}

int interp_run(struct interp *in, const char *stmt)
{
	char name[64];
	in->p = stmt;
	in->err[0] = '\0';
	int rc;
	if (mapname(in, name, sizeof(name))) {
		rc = assign(in, name);
	} else if (eat(in, "printf(")) {
		rc = do_printf(in);
	} else if (eat(in, "print(")) {
		ws(in);
		if (*in->p == '@') {
			rc = map_call(in, "print");
		} else {
			struct val v;
			rc = parse_value(in, &v) || !eat(in, ")") ? -1 : 0;
			if (!rc)
				rt_value_event(&in->rt, in->rt.out, v.t, v.d);
		}
	} else if (eat(in, "clear(")) {
		rc = map_call(in, "clear");
	} else if (eat(in, "zero(")) {
		rc = map_call(in, "zero");
	} else {
		rc = fail(in, "unknown statement '%s'", stmt);
	}
	in->nstmt++;
	if (!rc) {
		ws(in);
		if (*in->p)
			rc = fail(in, "trailing text '%s'", in->p);
	}
	return rc;
}
