/* tracefs.c - finding (or mounting) tracefs, the tracepoint list, and the
 * format files as types; see tracefs.h. */
#include "sys/tracefs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ast/type.h"
#include "sys/btf.h"
#include "util/arena.h"

static char root_dir[PATH_MAX];
static bool root_fixed;          /* set by tracefs_set_root: never mount */
static char root_err[256];       /* the remembered failure */

static char **events_v;          /* sorted "cat:event" */
static char *events_buf;
static int events_n = -1;

static struct tp_format **fmt_cache;
static int fmt_n, fmt_cap;

static int str_len = TRACEFS_STRLEN_DEFAULT;

void tracefs_set_strlen(int n) { str_len = n > 0 ? n : TRACEFS_STRLEN_DEFAULT; }
int tracefs_strlen(void) { return str_len; }

/* ---- the mount ---------------------------------------------------------- */

/* Is there a readable tracefs at dir? Sets errno (EACCES matters: a
 * tracefs that is mounted but closed to us must not be mounted again). */
static bool has_events(const char *dir)
{
	char p[PATH_MAX];
	struct stat st;
	snprintf(p, sizeof(p), "%s/events", dir);
	if (stat(p, &st) < 0)
		return false;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return false;
	}
	return true;
}

const char *tracefs_root(char *err, size_t errlen)
{
	if (root_dir[0])
		return root_dir;
	if (!root_err[0] && !root_fixed) {
		static const char *const cands[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
		for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
			if (has_events(cands[i])) {
				snprintf(root_dir, sizeof(root_dir), "%s", cands[i]);
				return root_dir;
			}
			if (errno == EACCES || errno == EPERM) {
				snprintf(root_err, sizeof(root_err),
					 "cannot access tracefs at %s: %s (tracing needs root)", cands[i],
					 strerror(errno));
				goto fail;
			}
		}
		/* Not mounted (no debugfs either): mount -t tracefs nodev /sys/kernel/tracing */
		if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) < 0)
			snprintf(root_err, sizeof(root_err),
				 "tracefs is not mounted at /sys/kernel/tracing and mounting it failed: %s",
				 strerror(errno));
		else if (!has_events("/sys/kernel/tracing"))
			snprintf(root_err, sizeof(root_err),
				 "tracefs mounted at /sys/kernel/tracing has no events directory");
		else {
			snprintf(root_dir, sizeof(root_dir), "/sys/kernel/tracing");
			return root_dir;
		}
	}
fail:
	if (err && errlen)
		snprintf(err, errlen, "%s", root_err[0] ? root_err : "tracefs is not available");
	errno = ENOENT;
	return NULL;
}

void tracefs_set_root(const char *dir)
{
	tracefs_cleanup();
	root_err[0] = 0;
	root_dir[0] = 0;
	root_fixed = dir != NULL;
	if (dir)
		snprintf(root_dir, sizeof(root_dir), "%s", dir);
}

/* ---- files -------------------------------------------------------------- */

/* Whole file into a malloc'd NUL-terminated buffer (tracefs files report
 * size 0, so read until EOF). */
static char *read_file(const char *path, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 65536, len = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (cap - len < 4096)
			buf = xrealloc(buf, cap *= 2);
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = 0;
	if (lenp)
		*lenp = len;
	return buf;
}

static bool safe_name(const char *s)
{
	return *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

bool tracefs_event_exists(const char *cat, const char *ev)
{
	const char *root = tracefs_root(NULL, 0);
	if (!root || !safe_name(cat) || !safe_name(ev))
		return false;
	char p[PATH_MAX];
	int n = snprintf(p, sizeof(p), "%s/events/%s/%s/format", root, cat, ev);
	return n > 0 && (size_t)n < sizeof(p) && access(p, R_OK) == 0;
}

/* ---- the event list ----------------------------------------------------- */

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Fallback when available_events is unreadable: events/<cat>/<ev>/ dirs. */
static char *events_from_dirs(const char *root)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/events", root);
	DIR *d = opendir(p);
	if (!d)
		return NULL;
	size_t cap = 65536, len = 0;
	char *buf = xmalloc(cap);
	struct dirent *c;
	while ((c = readdir(d))) {
		if (c->d_type != DT_DIR || c->d_name[0] == '.')
			continue;
		char cp[PATH_MAX + 256];
		snprintf(cp, sizeof(cp), "%s/%s", p, c->d_name);
		DIR *e = opendir(cp);
		if (!e)
			continue;
		struct dirent *ev;
		while ((ev = readdir(e))) {
			if (ev->d_type != DT_DIR || ev->d_name[0] == '.')
				continue;
			size_t need = strlen(c->d_name) + strlen(ev->d_name) + 3;
			while (cap - len < need)
				buf = xrealloc(buf, cap *= 2);
			len += (size_t)sprintf(buf + len, "%s:%s\n", c->d_name, ev->d_name);
		}
		closedir(e);
	}
	closedir(d);
	buf[len] = 0;
	return buf;
}

int tracefs_events(const char *const **names)
{
	if (events_n >= 0) {
		*names = (const char *const *)events_v;
		return events_n;
	}
	const char *root = tracefs_root(NULL, 0);
	if (!root)
		return -1;
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/available_events", root);
	char *buf = read_file(p, NULL);
	if (!buf && !(buf = events_from_dirs(root)))
		return -1;
	int n = 0, cap = 4096;
	char **v = xmalloc(sizeof(*v) * (size_t)cap);
	for (char *line = buf, *nl; *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = 0;
		else
			nl = line + strlen(line);
		if (!strchr(line, ':'))
			continue;
		if (n == cap)
			v = xrealloc(v, sizeof(*v) * (size_t)(cap *= 2));
		v[n++] = line;
	}
	qsort(v, (size_t)n, sizeof(*v), cmp_strp);
	int k = 0;
	for (int i = 0; i < n; i++)
		if (!k || strcmp(v[k - 1], v[i]))
			v[k++] = v[i];
	events_buf = buf;
	events_v = v;
	events_n = k;
	*names = (const char *const *)events_v;
	return events_n;
}

/* ---- format files ------------------------------------------------------- */

void tracefs_format_free(struct tp_format *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->nfields; i++) {
		free(f->fields[i].decl);
		free(f->fields[i].name);
	}
	free(f->fields);
	free(f->category);
	free(f->event);
	free(f);
}

/* Where the name declared by "const char * filename" / "char comm[16]" /
 * "__data_loc char[] msg" starts: the last identifier, once any [N] after
 * it is dropped. */
static const char *decl_name_pos(const char *decl, size_t *len)
{
	const char *e = decl + strlen(decl);
	while (e > decl && e[-1] == ' ')
		e--;
	if (e > decl && e[-1] == ']') {
		while (e > decl && e[-1] != '[')
			e--;
		if (e > decl)
			e--;
		while (e > decl && e[-1] == ' ')
			e--;
	}
	const char *b = e;
	while (b > decl && (b[-1] == '_' || (b[-1] >= '0' && b[-1] <= '9') ||
			    (b[-1] >= 'a' && b[-1] <= 'z') || (b[-1] >= 'A' && b[-1] <= 'Z')))
		b--;
	*len = (size_t)(e - b);
	return b;
}

/* Value of "key:N;" inside a field line, or def. */
static int field_attr(const char *line, const char *key, int def)
{
	const char *p = strstr(line, key);
	return p ? atoi(p + strlen(key)) : def;
}

struct tp_format *tracefs_format_parse(const char *cat, const char *ev, const char *text)
{
	struct tp_format *f = xcalloc(1, sizeof(*f));
	f->category = xstrdup(cat);
	f->event = xstrdup(ev);
	f->id = -1;
	int cap = 0;
	bool in_format = false, past_common = false;
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (!strncmp(line, "ID:", 3)) {
			f->id = atoi(line + 3);
		} else if (!strncmp(line, "format:", 7)) {
			in_format = true;
		} else if (in_format && len == 0) {
			past_common = true;
		} else if (in_format && len > 7 && !strncmp(line, "\tfield:", 7)) {
			char *l = strndup(line, len);
			char *semi = strchr(l, ';');
			if (semi) {
				if (f->nfields == cap)
					f->fields = xrealloc(f->fields, sizeof(*f->fields) * (size_t)(cap = cap ? cap * 2 : 16));
				struct tp_field *fd = &f->fields[f->nfields++];
				fd->decl = strndup(l + 7, (size_t)(semi - (l + 7)));
				size_t nlen;
				const char *np = decl_name_pos(fd->decl, &nlen);
				fd->name = strndup(np, nlen);
				fd->offset = field_attr(semi, "offset:", 0);
				fd->size = field_attr(semi, "size:", 0);
				fd->is_signed = field_attr(semi, "signed:", 0) != 0;
				fd->common = !past_common;
			}
			free(l);
		}
		line += len + (nl ? 1 : 0);
	}
	return f;
}

struct tp_format *tracefs_format_read(const char *cat, const char *ev)
{
	const char *root = tracefs_root(NULL, 0);
	if (!root)
		return NULL;
	if (!safe_name(cat) || !safe_name(ev)) {
		errno = ENOENT;
		return NULL;
	}
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/events/%s/%s/format", root, cat, ev);
	char *text = read_file(p, NULL);
	if (!text)
		return NULL;
	struct tp_format *f = tracefs_format_parse(cat, ev, text);
	free(text);
	return f;
}

const struct tp_format *tracefs_format(const char *cat, const char *ev)
{
	for (int i = 0; i < fmt_n; i++)
		if (!strcmp(fmt_cache[i]->category, cat) && !strcmp(fmt_cache[i]->event, ev))
			return fmt_cache[i];
	struct tp_format *f = tracefs_format_read(cat, ev);
	if (!f)
		return NULL;
	if (fmt_n == fmt_cap)
		fmt_cache = xrealloc(fmt_cache, sizeof(*fmt_cache) * (size_t)(fmt_cap = fmt_cap ? fmt_cap * 2 : 16));
	fmt_cache[fmt_n++] = f;
	return f;
}

void tracefs_cleanup(void)
{
	for (int i = 0; i < fmt_n; i++)
		tracefs_format_free(fmt_cache[i]);
	free(fmt_cache);
	fmt_cache = NULL;
	fmt_n = fmt_cap = 0;
	free(events_v);
	free(events_buf);
	events_v = NULL;
	events_buf = NULL;
	events_n = -1;
}

/* ---- format -> type ------------------------------------------------------ */

/* C integer types and the kernel typedefs seen in format files, with their
 * natural size and signedness. Unknown names fall back to the format's
 * size and signed: flag. */
static const struct ctype {
	const char *name;
	int size;
	bool is_signed;
} ctypes[] = {
	{ "char", 1, true }, { "signed char", 1, true }, { "unsigned char", 1, false },
	{ "short", 2, true }, { "short int", 2, true }, { "signed short", 2, true },
	{ "unsigned short", 2, false }, { "unsigned short int", 2, false },
	{ "int", 4, true }, { "signed", 4, true }, { "signed int", 4, true },
	{ "unsigned", 4, false }, { "unsigned int", 4, false },
	{ "long", 8, true }, { "long int", 8, true }, { "signed long", 8, true },
	{ "unsigned long", 8, false }, { "unsigned long int", 8, false },
	{ "long long", 8, true }, { "long long int", 8, true }, { "signed long long", 8, true },
	{ "unsigned long long", 8, false }, { "unsigned long long int", 8, false },
	{ "bool", 1, false }, { "_Bool", 1, false },
	{ "s8", 1, true }, { "s16", 2, true }, { "s32", 4, true }, { "s64", 8, true },
	{ "u8", 1, false }, { "u16", 2, false }, { "u32", 4, false }, { "u64", 8, false },
	{ "__s8", 1, true }, { "__s16", 2, true }, { "__s32", 4, true }, { "__s64", 8, true },
	{ "__u8", 1, false }, { "__u16", 2, false }, { "__u32", 4, false }, { "__u64", 8, false },
	{ "int8_t", 1, true }, { "int16_t", 2, true }, { "int32_t", 4, true }, { "int64_t", 8, true },
	{ "uint8_t", 1, false }, { "uint16_t", 2, false }, { "uint32_t", 4, false },
	{ "uint64_t", 8, false }, { "uint", 4, false }, { "ulong", 8, false },
	{ "__le16", 2, false }, { "__le32", 4, false }, { "__le64", 8, false },
	{ "__be16", 2, false }, { "__be32", 4, false }, { "__be64", 8, false },
	{ "size_t", 8, false }, { "ssize_t", 8, true }, { "loff_t", 8, true }, { "off_t", 8, true },
	{ "pid_t", 4, true }, { "uid_t", 4, false }, { "gid_t", 4, false }, { "umode_t", 2, false },
	{ "dev_t", 4, false }, { "ino_t", 8, false }, { "time_t", 8, true }, { "time64_t", 8, true },
	{ "clockid_t", 4, true }, { "key_serial_t", 4, true }, { "key_t", 4, true },
	{ "mqd_t", 4, true }, { "timer_t", 4, true }, { "qid_t", 4, false }, { "gfp_t", 4, false },
	{ "sector_t", 8, false }, { "dma_addr_t", 8, false }, { "aio_context_t", 8, false },
	{ "fmode_t", 4, false }, { "blk_opf_t", 4, false }, { "rwf_t", 4, true },
	{ "__kernel_old_time_t", 8, true },
};

static const struct ctype *ctype_find(const char *name)
{
	for (size_t i = 0; i < sizeof(ctypes) / sizeof(ctypes[0]); i++)
		if (!strcmp(ctypes[i].name, name))
			return &ctypes[i];
	return NULL;
}

/* Qualifiers and address-space markers that do not change the type. */
static bool is_qualifier(const char *w, size_t n)
{
	static const char *const q[] = { "const", "volatile", "restrict", "__restrict", "__user",
					 "__seg_gs", "__seg_fs", "__iomem", "__percpu", "__rcu",
					 "__force" };
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		if (strlen(q[i]) == n && !strncmp(q[i], w, n))
			return true;
	return false;
}

/* "const char *const *" -> base "char", *stars = 2. */
static void base_type(const char *text, size_t len, char *base, size_t basesz, int *stars)
{
	size_t o = 0;
	*stars = 0;
	for (size_t i = 0; i < len;) {
		if (text[i] == '*') {
			(*stars)++;
			i++;
			continue;
		}
		if (text[i] == ' ' || text[i] == '\t') {
			i++;
			continue;
		}
		size_t j = i;
		while (j < len && text[j] != ' ' && text[j] != '\t' && text[j] != '*')
			j++;
		if (!is_qualifier(text + i, j - i) && o + (j - i) + 2 < basesz) {
			if (o)
				base[o++] = ' ';
			memcpy(base + o, text + i, j - i);
			o += j - i;
		}
		i = j;
	}
	base[o] = 0;
}

/* Scalar integer of a field: `int` in an 8-byte slot is read as the int it
 * is (int32, sign-extended: -100 stays -100, as latest bpftrace does; 0.17
 * read it as a zero-extended 64-bit value), these unsigned names widen to
 * uint64 (syscall records store every
 * argument as a long); other known names keep their natural size when it
 * is smaller (bpftrace reads umode_t as uint16); unknown names use the
 * format's size and signed flag. */
static struct type *field_int(const char *base, int size, bool flag_signed)
{
	if (size == 8) {
		if (!strcmp(base, "int"))
			return type_int(4, true);
		static const char *const widen_u[] = { "unsigned int", "unsigned", "u32", "pid_t",
						       "uid_t", "gid_t" };
		for (size_t i = 0; i < sizeof(widen_u) / sizeof(widen_u[0]); i++)
			if (!strcmp(base, widen_u[i]))
				return type_int(8, false);
	}
	const struct ctype *ct = ctype_find(base);
	if (ct && ct->size <= size)
		return type_int(ct->size, ct->is_signed);
	if (size == 1 || size == 2 || size == 4 || size == 8)
		return type_int(size, ct ? ct->is_signed : flag_signed);
	return NULL;
}

/* What a pointer points to: char -> int8, known integers, a struct or
 * union of the kernel's BTF (args->rqtp->tv_sec), else int8 (a stand-in for
 * void and unknown types: byte-sized arithmetic, like GNU C). */
static struct type *pointee(const char *base)
{
	const struct ctype *ct = ctype_find(base);
	if (ct)
		return type_int(ct->size, ct->is_signed);
	if (!strncmp(base, "struct ", 7) || !strncmp(base, "union ", 6)) {
		struct type *t = btf_named_type(base);
		if (t && t->kind == TY_RECORD)
			return t;
	}
	return type_int(1, true);
}

static struct type *bytes_array(struct arena *a, int size)
{
	return type_array(a, type_int(1, false), size > 0 ? size : 0);
}

static struct type *field_type(struct arena *a, const struct tp_field *fd, enum addrspace as,
			       bool *data_loc)
{
	const char *decl = fd->decl;
	*data_loc = false;
	if (!strncmp(decl, "__data_loc ", 11)) {
		/* u32: (length << 16) | offset of the data in the record */
		char base[128];
		int stars;
		const char *br = strchr(decl, '[');
		base_type(decl + 11, br ? (size_t)(br - (decl + 11)) : 0, base, sizeof(base), &stars);
		*data_loc = true;
		if (!strcmp(base, "char"))
			return type_str(a, str_len);
		return type_simple(a, TY_BUF, str_len);
	}
	if (!strncmp(decl, "__rel_loc ", 10))
		return type_int(4, false);   /* relative data location: left as its raw u32 */
	/* type text: everything before the name; [N] after it */
	size_t nlen;
	const char *np = decl_name_pos(decl, &nlen);
	char base[128];
	int stars;
	base_type(decl, (size_t)(np - decl), base, sizeof(base), &stars);
	const char *br = strchr(np + nlen, '[');
	if (br) {
		/* array: [N] numeric, or a macro; trust the field size */
		char *end;
		long n = strtol(br + 1, &end, 10);
		bool numeric = end != br + 1 && *end == ']';
		if (stars)
			return type_array(a, type_ptr(a, pointee(base), as), fd->size / 8);
		if (!strcmp(base, "char") && fd->size > 0)
			return type_str(a, fd->size);
		const struct ctype *ct = ctype_find(base);
		int esz = ct ? ct->size : numeric && n > 0 ? fd->size / (int)n : 1;
		if (esz != 1 && esz != 2 && esz != 4 && esz != 8)
			return bytes_array(a, fd->size);
		struct type *et = type_int(esz, ct ? ct->is_signed : fd->is_signed);
		return type_array(a, et, fd->size / esz);
	}
	if (stars) {
		struct type *t = pointee(base);
		for (int i = 0; i < stars; i++)
			t = type_ptr(a, t, as);
		return t;
	}
	struct type *t = field_int(base, fd->size, fd->is_signed);
	return t ? t : bytes_array(a, fd->size);
}

struct type *tracefs_args_type(struct arena *a, const struct tp_format *f)
{
	struct type *t = type_simple(a, TY_RECORD, 0);
	t->name = arena_printf(a, "struct _tracepoint_%s_%s", f->category, f->event);
	t->align = 8;
	t->is_ctx_record = true;
	t->fields = arena_alloc(a, sizeof(*t->fields) * (size_t)(f->nfields ? f->nfields : 1));
	t->nfields = f->nfields;
	/* Syscall arguments are user pointers (bpftrace reads them with
	 * probe_read_user); every other tracepoint records kernel pointers. */
	enum addrspace as = !strcmp(f->category, "syscalls") ? AS_USER : AS_KERNEL;
	int end = 0;
	for (int i = 0; i < f->nfields; i++) {
		const struct tp_field *fd = &f->fields[i];
		struct type_field *tf = &t->fields[i];
		tf->name = arena_strdup(a, fd->name);
		tf->offset = fd->offset;
		tf->type = field_type(a, fd, as, &tf->data_loc);
		if (as == AS_USER && tf->type->kind == TY_INT && !tf->data_loc) {
			/* an integer syscall argument may hold a user address:
			 * a pointer cast from it reads user memory (latest
			 * bpftrace gives every member the record's space) */
			tf->type = type_copy(a, tf->type);
			tf->type->as = AS_USER;
		}
		if (fd->offset + fd->size > end)
			end = fd->offset + fd->size;
	}
	t->size = end;
	return t;
}
