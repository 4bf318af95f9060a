/* value.c - one value as text or JSON, the way bpftrace 0.17 prints map
 * keys, map values and print(value); plus the small text buffer that all
 * output code builds its lines in.
 *
 * Layouts read here are the ones event_abi.h documents for each kind. Kinds
 * that need symbol tables (ksym, usym, stacks, timestamps) go through the
 * optional rt_format_special hook and fall back to numbers without it. */
#include "runtime/print_int.h"

#include <inttypes.h>
#include <arpa/inet.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "sys/cgroup.h"
#include "abi/event_abi.h"
#include "util/arena.h"

/* ---- sbuf ---- */

void sb_reserve(struct sbuf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void sb_putn(struct sbuf *b, const char *s, size_t n)
{
	sb_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void sb_puts(struct sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

void sb_putc(struct sbuf *b, char c)
{
	sb_reserve(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (!b->p || b->len + (size_t)n + 1 > b->cap) {
		sb_reserve(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void sb_u64(struct sbuf *b, uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sb_putn(b, tmp + i, sizeof(tmp) - (size_t)i);
}

void sb_i64(struct sbuf *b, int64_t v)
{
	if (v < 0) {
		sb_putc(b, '-');
		sb_u64(b, -(uint64_t)v);
	} else {
		sb_u64(b, (uint64_t)v);
	}
}

void sb_pad(struct sbuf *b, char c, size_t n)
{
	sb_reserve(b, n);
	memset(b->p + b->len, c, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void sb_write(struct sbuf *b, FILE *out)
{
	if (b->len)
		fwrite(b->p, 1, b->len, out);
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void sb_free(struct sbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* The length of the well-formed UTF-8 sequence at s (at most n bytes), or 0
 * when the bytes there are not one (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	if (!len || len > n)
		return 0;
	unsigned char lo = 0x80, hi = 0xbf;   /* the second byte's range */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* bpftrace's json_escape, made to give valid JSON whatever the bytes: the
 * traced data is anything. Well-formed UTF-8 passes through; a byte that is
 * not part of one is written as the code point of the same value
 * (\u00XX, as Latin-1 reads it); control characters and DEL are escaped.
 * (0.17 sign-extended bytes >= 0x80 into "\uffffffc3", which is not JSON.) */
void sb_json_escape(struct sbuf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = u[i];
		size_t len;
		switch (c) {
		case '"': sb_puts(b, "\\\""); break;
		case '\\': sb_puts(b, "\\\\"); break;
		case '\n': sb_puts(b, "\\n"); break;
		case '\r': sb_puts(b, "\\r"); break;
		case '\t': sb_puts(b, "\\t"); break;
		default:
			if (c <= 0x1f || c == 0x7f) {
				sb_printf(b, "\\u%04x", c);
			} else if (c < 0x80) {
				sb_putc(b, (char)c);
			} else if ((len = utf8_len(u + i, n - i)) > 0) {
				sb_putn(b, s + i, len);
				i += len - 1;
			} else {
				sb_printf(b, "\\u%04x", c);
			}
		}
	}
}

/* ---- scalar readers ---- */

int64_t rd_int(const struct type *t, const uint8_t *p)
{
	switch (t->size) {
	case 1: {
		uint8_t v;
		memcpy(&v, p, 1);
		return t->is_signed ? (int64_t)(int8_t)v : (int64_t)v;
	}
	case 2: {
		uint16_t v;
		memcpy(&v, p, 2);
		return t->is_signed ? (int64_t)(int16_t)v : (int64_t)v;
	}
	case 4: {
		uint32_t v;
		memcpy(&v, p, 4);
		return t->is_signed ? (int64_t)(int32_t)v : (int64_t)v;
	}
	default: {
		int64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	}
}

static uint64_t rd_u64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static void int_text(struct sbuf *b, const struct type *t, const uint8_t *p)
{
	int64_t v = rd_int(t, p);
	if (t->is_signed || t->size < 8)
		sb_i64(b, v);
	else
		sb_u64(b, (uint64_t)v);
}

/* Bitfield member of a record: bit_size bits from bit_offset of the field. */
static int64_t rd_bits(const struct type_field *f, const uint8_t *p)
{
	uint64_t raw = 0;
	int bytes = (f->bit_offset + f->bit_size + 7) / 8;
	memcpy(&raw, p, (size_t)(bytes > 8 ? 8 : bytes));
	raw >>= f->bit_offset;
	if (f->bit_size < 64)
		raw &= (1ULL << f->bit_size) - 1;
	if (f->type->is_signed && f->bit_size < 64 && (raw >> (f->bit_size - 1)) & 1)
		raw |= ~0ULL << f->bit_size;
	return (int64_t)raw;
}

/* %r: printable ASCII kept, other bytes \xNN; 'x': all \xNN; 'h': "61 62". */
void buf_text(struct sbuf *b, const uint8_t *p, size_t n, char mode)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (mode == 'h') {
			if (i)
				sb_putc(b, ' ');
			sb_putc(b, hex[c >> 4]);
			sb_putc(b, hex[c & 15]);
		} else if (mode == 'r' && c >= 0x20 && c < 0x7f) {
			sb_putc(b, (char)c);
		} else {
			char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
			sb_putn(b, e, 4);
		}
	}
}

/* A buffer value: uint32 length, then the bytes (event_abi.h). */
static void buf_bytes(const struct type *t, const uint8_t *p, const uint8_t **data, size_t *n)
{
	uint32_t len;
	memcpy(&len, p, 4);
	size_t cap = t->size > 4 ? (size_t)t->size - 4 : 0;
	*data = p + 4;
	*n = len < cap ? len : cap;
}

static void username_text(struct sbuf *b, uint64_t uid)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];
	if (getpwuid_r((uid_t)uid, &pw, tmp, sizeof(tmp), &res) == 0 && res)
		sb_puts(b, res->pw_name);
	else
		sb_u64(b, uid);
}

/* inet: int64 address family, then 16 address bytes. */
static void inet_text(struct sbuf *b, const uint8_t *p)
{
	char tmp[INET6_ADDRSTRLEN];
	int64_t af = (int64_t)rd_u64(p);
	int fam = af == AF_INET6 ? AF_INET6 : AF_INET;
	if (inet_ntop(fam, p + 8, tmp, sizeof(tmp)))
		sb_puts(b, tmp);
}

/* strftime(fmt, ns): ns is boot time (nsecs); shown as local wall-clock
 * time. %f is the microseconds, as in bpftrace. */
static void timestamp_text(struct sbuf *b, const char *fmt, uint64_t ns)
{
	struct timespec rt_now, boot_now;
	clock_gettime(CLOCK_REALTIME, &rt_now);
	clock_gettime(CLOCK_BOOTTIME, &boot_now);
	int64_t off = ((int64_t)rt_now.tv_sec - boot_now.tv_sec) * 1000000000LL + (rt_now.tv_nsec - boot_now.tv_nsec);
	int64_t wall = (int64_t)ns + off;
	time_t sec = (time_t)(wall / 1000000000LL);
	long usec = (long)(wall % 1000000000LL / 1000);
	/* %f first (strftime does not know it), then strftime */
	struct sbuf f = { 0 };
	for (const char *q = fmt; *q; q++) {
		if (q[0] == '%' && q[1] == 'f') {
			sb_printf(&f, "%06ld", usec);
			q++;
		} else if (q[0] == '%' && q[1]) {
			sb_putc(&f, q[0]);
			sb_putc(&f, q[1]);
			q++;
		} else {
			sb_putc(&f, *q);
		}
	}
	struct tm tm;
	localtime_r(&sec, &tm);
	char out[512];
	size_t n = f.p ? strftime(out, sizeof(out), f.p, &tm) : 0;
	sb_putn(b, out, n);
	sb_free(&f);
}

/* An address without a symbol: iostream's pointer form ("0", "0x1f"). */
static void addr_text(struct sbuf *b, uint64_t a)
{
	if (a)
		sb_printf(b, "0x%llx", (unsigned long long)a);
	else
		sb_putc(b, '0');
}

static bool special_hook(struct rt *rt, struct sbuf *b, const struct type *t, const uint8_t *p,
			 enum vctx ctx)
{
	if (!rt_format_special)
		return false;
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);
	if (!f)
		return false;
	int r = rt_format_special(rt, f, t, p, ctx == V_KEY);
	fclose(f);
	if (r == 0)
		sb_putn(b, s, n);
	free(s);
	return r == 0;
}

bool val_no_delim(const struct type *t)
{
	switch (t->kind) {
	case TY_KSTACK: case TY_USTACK: case TY_KSYM: case TY_USYM: case TY_INET:
		return true;
	default:
		return false;
	}
}

/* A string: its bytes up to the NUL. On a terminal a traced process's
 * control bytes must not drive it (escape sequences, title changes,
 * clearing the screen): they are escaped. */
static void str_text(struct rt *rt, struct sbuf *b, const struct type *t, const uint8_t *p)
{
	size_t n = strnlen((const char *)p, (size_t)t->size);
	if (!rt || !rt->escape_ctl)
		sb_putn(b, (const char *)p, n);
	else
		sb_ctl_escape(b, (const char *)p, n);
}

void sb_ctl_escape(struct sbuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			sb_printf(b, "\\x%02x", c);
		else
			sb_putc(b, (char)c);
	}
}

/* Tuples "(a, b)", records "{ .x = a, .y = b }", arrays "[a,b]". */
static void aggregate_text(struct rt *rt, struct sbuf *b, const struct type *t, const uint8_t *p,
			   enum vctx ctx)
{
	if (t->kind == TY_TUPLE) {
		sb_putc(b, '(');
		for (int i = 0; i < t->nfields; i++) {
			if (i)
				sb_puts(b, ", ");
			val_text(rt, b, t->fields[i].type, p + t->fields[i].offset, ctx);
		}
		sb_putc(b, ')');
	} else if (t->kind == TY_RECORD) {
		sb_puts(b, "{ ");
		for (int i = 0; i < t->nfields; i++) {
			const struct type_field *f = &t->fields[i];
			if (i)
				sb_puts(b, ", ");
			sb_printf(b, ".%s = ", f->name ? f->name : "");
			if (f->bit_size)
				sb_i64(b, rd_bits(f, p + f->offset));
			else if (f->type->kind == TY_PTR)
				sb_printf(b, "0x%" PRIx64, rd_u64(p + f->offset));   /* as print(p) */
			else
				val_text(rt, b, f->type, p + f->offset, ctx);
		}
		sb_puts(b, " }");
	} else {
		sb_putc(b, '[');
		for (int i = 0; i < t->nelem; i++) {
			if (i)
				sb_putc(b, ',');
			val_text(rt, b, t->elem, p + (size_t)i * (size_t)t->elem->size, ctx);
		}
		sb_putc(b, ']');
	}
}

/* `probe` and `func`: an attach point's id, printed as its name (or the
 * function it names), or as the number when the table lacks it. */
static void probe_text(struct rt *rt, struct sbuf *b, const struct type *t, uint64_t id)
{
	const char *const *names = !rt ? NULL : t->kind == TY_PROBE ? rt->probe_names : rt->probe_funcs;
	if (names && id < (uint64_t)rt->nprobes && names[id])
		sb_puts(b, names[id]);
	else
		sb_u64(b, id);
}

void val_text(struct rt *rt, struct sbuf *b, const struct type *t, const uint8_t *p, enum vctx ctx)
{
	switch (t->kind) {
	case TY_BOOL:
		/* latest bpftrace: bools print as words */
		sb_puts(b, rd_int(t, p) ? "true" : "false");
		break;
	case TY_INT:
		/* 0.17 widened integer keys to 8 bytes and printed them as int64:
		 * a uint64 key of 2^64-1 prints as -1 */
		if (ctx == V_KEY)
			sb_i64(b, rd_int(t, p));
		else
			int_text(b, t, p);
		break;
	case TY_COUNT:
		sb_u64(b, rd_u64(p));
		break;
	case TY_SUM: case TY_MIN: case TY_MAX: case TY_AVG:
		if (t->is_signed)
			sb_i64(b, (int64_t)rd_u64(p));
		else
			sb_u64(b, rd_u64(p));
		break;
	case TY_PTR:
	case TY_CTX:
		/* 0.17 keeps pointers in maps as int64 and prints them so */
		sb_i64(b, (int64_t)rd_u64(p));
		break;
	case TY_STR:
		str_text(rt, b, t, p);
		break;
	case TY_BUF: {
		const uint8_t *d;
		size_t n;
		buf_bytes(t, p, &d, &n);
		buf_text(b, d, n, 'r');
		break;
	}
	case TY_TUPLE:
	case TY_RECORD:
	case TY_ARRAY:
		aggregate_text(rt, b, t, p, ctx);
		break;
	case TY_PROBE:
	case TY_FUNC:
		probe_text(rt, b, t, rd_u64(p));
		break;
	case TY_USERNAME:
		username_text(b, rd_u64(p));
		break;
	case TY_STRERROR:
		sb_puts(b, strerror((int)rd_u64(p)));
		break;
	case TY_CGROUP_PATH: {
		char *s = cgroup_paths(rd_u64(p), t->name);
		sb_puts(b, s);
		free(s);
		break;
	}
	case TY_INET:
		inet_text(b, p);
		break;
	case TY_MACADDR:
		sb_printf(b, "%02X:%02X:%02X:%02X:%02X:%02X", p[0], p[1], p[2], p[3], p[4], p[5]);
		break;
	case TY_KSYM: case TY_USYM:
		if (!special_hook(rt, b, t, p, ctx))
			addr_text(b, rd_u64(p));
		break;
	case TY_KSTACK: case TY_USTACK:
		special_hook(rt, b, t, p, ctx);
		break;
	case TY_TIMESTAMP:
		if (t->name)
			timestamp_text(b, t->name, rd_u64(p));
		else if (!special_hook(rt, b, t, p, ctx))
			sb_u64(b, rd_u64(p));
		break;
	default:
		/* void, none, hist/lhist/stats: nothing printable as one value */
		break;
	}
}

/* bpftrace quotes these kinds in JSON; 0.17 forgot strerror, macaddr and
 * timestamps (their JSON was invalid), we quote those too. */
static bool json_quoted(const struct type *t)
{
	switch (t->kind) {
	case TY_STR: case TY_BUF: case TY_PROBE: case TY_FUNC: case TY_KSTACK: case TY_USTACK:
	case TY_KSYM: case TY_USYM: case TY_USERNAME: case TY_INET: case TY_STRERROR:
	case TY_MACADDR: case TY_TIMESTAMP: case TY_CGROUP_PATH:
		return true;
	default:
		return false;
	}
}

void val_json(struct rt *rt, struct sbuf *b, const struct type *t, const uint8_t *p)
{
	if (json_quoted(t)) {
		struct sbuf tmp = { 0 };
		val_text(rt, &tmp, t, p, V_VALUE);
		sb_putc(b, '"');
		sb_json_escape(b, tmp.p ? tmp.p : "", tmp.len);
		sb_putc(b, '"');
		sb_free(&tmp);
		return;
	}
	switch (t->kind) {
	case TY_TUPLE:
		sb_putc(b, '[');
		for (int i = 0; i < t->nfields; i++) {
			if (i)
				sb_putc(b, ',');
			val_json(rt, b, t->fields[i].type, p + t->fields[i].offset);
		}
		sb_putc(b, ']');
		break;
	case TY_ARRAY:
		sb_putc(b, '[');
		for (int i = 0; i < t->nelem; i++) {
			if (i)
				sb_putc(b, ',');
			val_json(rt, b, t->elem, p + (size_t)i * (size_t)t->elem->size);
		}
		sb_putc(b, ']');
		break;
	case TY_RECORD:
		sb_puts(b, "{ ");
		for (int i = 0; i < t->nfields; i++) {
			const struct type_field *f = &t->fields[i];
			if (i)
				sb_puts(b, ", ");
			sb_putc(b, '"');
			sb_json_escape(b, f->name ? f->name : "", f->name ? strlen(f->name) : 0);
			sb_puts(b, "\": ");
			if (f->bit_size)
				sb_i64(b, rd_bits(f, p + f->offset));
			else
				val_json(rt, b, f->type, p + f->offset);
		}
		sb_puts(b, " }");
		break;
	default:
		val_text(rt, b, t, p, V_VALUE);
		break;
	}
}

void key_text(struct rt *rt, struct sbuf *b, const struct type *key, const uint8_t *p)
{
	if (!key || !p || key->nfields == 0)
		return;
	sb_putc(b, '[');
	for (int i = 0; i < key->nfields; i++) {
		if (i)
			sb_puts(b, ", ");
		val_text(rt, b, key->fields[i].type, p + key->fields[i].offset, V_KEY);
	}
	sb_putc(b, ']');
}

void key_json(struct rt *rt, struct sbuf *b, const struct type *key, const uint8_t *p)
{
	struct sbuf tmp = { 0 };
	for (int i = 0; i < key->nfields; i++) {
		if (i)
			sb_putc(&tmp, ',');
		val_text(rt, &tmp, key->fields[i].type, p + key->fields[i].offset, V_KEY);
	}
	sb_json_escape(b, tmp.p ? tmp.p : "", tmp.len);
	sb_free(&tmp);
}

/* ---- public entry points ---- */

void rt_value_print(struct rt *rt, FILE *out, const struct type *t, const uint8_t *data)
{
	struct sbuf b = { 0 };
	val_text(rt, &b, t, data, V_VALUE);
	sb_write(&b, out);
	sb_free(&b);
}

void rt_value_event(struct rt *rt, FILE *out, const struct type *t, const uint8_t *data)
{
	struct sbuf b = { 0 };
	if (rt && rt->format == OUT_JSON) {
		sb_puts(&b, "{\"type\": \"value\", \"data\": ");
		val_json(rt, &b, t, data);
		sb_puts(&b, "}\n");
	} else if (t->kind == TY_PTR) {
		/* print(p): the address in hex (latest bpftrace) */
		sb_printf(&b, "0x%" PRIx64 "\n", rd_u64(data));
	} else {
		val_text(rt, &b, t, data, V_VALUE);
		sb_putc(&b, '\n');
	}
	sb_write(&b, out);
	sb_free(&b);
}

void rt_json_message(FILE *out, const char *type, const char *text, size_t len)
{
	struct sbuf b = { 0 };
	sb_puts(&b, "{\"type\": \"");
	sb_puts(&b, type);
	sb_puts(&b, "\", \"data\": \"");
	sb_json_escape(&b, text, len);
	sb_puts(&b, "\"}\n");
	sb_write(&b, out);
	sb_free(&b);
}
