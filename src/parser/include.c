/* include.c - the include step: `#include "x.h"`, `#include <x.h>` found
 * in an -I directory, and every --include FILE are read, and what the
 * language can take from a C header becomes part of the program:
 *
 *   - object-like #define NAME value, and #if/#ifdef/#ifndef/#elif/#else/
 *     #endif around them (include guards work: the preamble pass evaluates
 *     them in order, as it does for the script's own);
 *   - struct/union/enum definitions (`typedef struct X {...} Y;` gives
 *     `struct X {...};`; anonymous enums are kept for their constants),
 *     typed later like the script's own definitions;
 *   - nested #include lines, resolved the same way.
 *
 * Everything else a header holds (function prototypes and bodies,
 * typedefs of scalars, variables, #pragma, function-like macros) is blanked
 * out, keeping line numbers, so that a syntax error in what is kept points
 * at the header's own line. A header is read once per run (as if it said
 * #pragma once). A quoted include is looked up next to the file that names
 * it (the current directory for -e and stdin), then in the -I directories;
 * an angle include only in the -I directories: kernel and system headers
 * (<linux/sched.h>) are not read, their types come from the kernel's BTF.
 * A quoted include that is found nowhere is an error, as in bpftrace.
 *
 * The items a header gives carry the location of the #include line that
 * brought them in (line 1 column 1 for --include): later diagnostics about
 * them point there. */
#include "parser/include.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parser/parse.h"

#define INCLUDE_MAX_DEPTH 32

struct inc {
	struct arena *a;
	struct diag *d;
	const char *const *dirs;
	struct ptrvec seen;        /* realpaths of the headers read */
	int depth;
};

/* ------------------------------------------------------------------ */
/* Header text -> the part the parser takes                             */

static bool is_ident(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* End of the comment, string or char literal starting at i, or i if none. */
static int skip_lexeme(const char *t, int n, int i)
{
	if (t[i] == '/' && i + 1 < n && t[i + 1] == '*') {
		const char *e = NULL;
		for (int j = i + 2; j + 1 < n; j++)
			if (t[j] == '*' && t[j + 1] == '/') {
				e = t + j + 2;
				break;
			}
		return e ? (int)(e - t) : n;
	}
	if (t[i] == '/' && i + 1 < n && t[i + 1] == '/') {
		while (i < n && t[i] != '\n')
			i++;
		return i;
	}
	if (t[i] == '"' || t[i] == '\'') {
		char q = t[i++];
		while (i < n && t[i] != q && t[i] != '\n')
			i += t[i] == '\\' ? 2 : 1;
		return i < n ? i + 1 : n;
	}
	return i;
}

/* Copies t[from, to) into out, comments blanked (newlines kept). */
static void keep(const char *t, char *out, int from, int to)
{
	for (int i = from; i < to;) {
		int e = (t[i] == '/' && i + 1 < to && (t[i + 1] == '*' || t[i + 1] == '/')) ? skip_lexeme(t, to, i) : i;
		if (e > i) {
			i = e;      /* out already holds blanks and newlines there */
			continue;
		}
		out[i] = t[i];
		i++;
	}
}

static int skip_space(const char *t, int n, int i)
{
	for (;;) {
		while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r' || t[i] == '\f'))
			i++;
		int e = i < n && t[i] == '/' ? skip_lexeme(t, n, i) : i;
		if (e == i)
			return i;
		i = e;
	}
}

/* Index just past the brace matching the `{` at i. */
static int match_brace(const char *t, int n, int i)
{
	int depth = 0;
	while (i < n) {
		int e = skip_lexeme(t, n, i);
		if (e > i) {
			i = e;
			continue;
		}
		if (t[i] == '{')
			depth++;
		else if (t[i] == '}' && --depth == 0)
			return i + 1;
		i++;
	}
	return n;
}

/* A preprocessor line at i (t[i] == '#'): kept when the language has it.
 * Returns the index of its end (the newline). */
static int directive(const char *t, char *out, int n, int i)
{
	int end = i;
	while (end < n && t[end] != '\n') {
		if (t[end] == '\\' && end + 1 < n && t[end + 1] == '\n')
			end++;
		end++;
	}
	int w = i + 1;
	while (w < end && (t[w] == ' ' || t[w] == '\t'))
		w++;
	int we = w;
	while (we < end && is_ident(t[we]))
		we++;
	static const char *const kept[] = { "include", "define", "if", "ifdef", "ifndef", "elif", "else", "endif",
					     NULL };
	bool ok = false;
	for (int k = 0; kept[k] && !ok; k++)
		ok = (int)strlen(kept[k]) == we - w && !strncmp(t + w, kept[k], (size_t)(we - w));
	if (ok && we - w == 6 && !strncmp(t + w, "define", 6)) {
		/* function-like macros (NAME immediately followed by `(`) are not kept */
		int nm = we;
		while (nm < end && (t[nm] == ' ' || t[nm] == '\t'))
			nm++;
		while (nm < end && is_ident(t[nm]))
			nm++;
		ok = nm >= end || t[nm] != '(';
	}
	if (ok)
		keep(t, out, i, end);
	return end;
}

/* `struct|union|enum [tag] { ... } [declarators] ;` at i: kept as
 * `struct tag { ... } ;` (an untagged struct or union is dropped: nothing
 * could name it). Returns the index after it, or i when it is not a
 * definition. */
static int definition(const char *t, char *out, int n, int i, int wlen)
{
	bool is_enum = wlen == 4;
	int j = skip_space(t, n, i + wlen);
	int tag = j;
	while (j < n && is_ident(t[j]))
		j++;
	bool tagged = j > tag;
	j = skip_space(t, n, j);
	if (j >= n || t[j] != '{')
		return i;
	int close = match_brace(t, n, j);
	int semi = close;
	while (semi < n && t[semi] != ';' && t[semi] != '{') {
		int e = skip_lexeme(t, n, semi);
		semi = e > semi ? e : semi + 1;
	}
	if (tagged || is_enum) {
		keep(t, out, i, close);
		if (semi < n && t[semi] == ';')
			out[semi] = ';';
	}
	return semi < n && t[semi] == ';' ? semi + 1 : close;
}

/* The parser's view of a header: what it takes, everything else blanked.
 * A trailing empty BEGIN probe makes it a program (dropped after parsing). */
static char *filter(struct arena *a, const char *t, int n, int *outlen)
{
	static const char tail[] = "\nBEGIN {}\n";
	char *out = arena_alloc(a, (size_t)n + sizeof(tail));
	for (int i = 0; i < n; i++)
		out[i] = t[i] == '\n' ? '\n' : ' ';
	bool line_start = true;
	int depth = 0;
	for (int i = 0; i < n;) {
		char c = t[i];
		if (c == '\n') {
			line_start = true;
			i++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			i++;
			continue;
		}
		if (c == '#' && line_start) {
			i = depth == 0 ? directive(t, out, n, i) : i + 1;
			continue;
		}
		line_start = false;
		int e = skip_lexeme(t, n, i);
		if (e > i) {
			i = e;
			continue;
		}
		if (c == '{') {
			i = match_brace(t, n, i);   /* a function body or an initializer */
			continue;
		}
		if (is_ident(c)) {
			int w = i;
			while (w < n && is_ident(t[w]))
				w++;
			int wl = w - i;
			if ((i == 0 || !is_ident(t[i - 1])) &&
			    ((wl == 6 && (!strncmp(t + i, "struct", 6))) || (wl == 5 && !strncmp(t + i, "union", 5)) ||
			     (wl == 4 && !strncmp(t + i, "enum", 4)))) {
				int after = definition(t, out, n, i, wl);
				if (after > i) {
					i = after;
					continue;
				}
			}
			i = w;
			continue;
		}
		i++;
	}
	memcpy(out + n, tail, sizeof(tail));
	*outlen = n + (int)sizeof(tail) - 1;
	return out;
}

/* ------------------------------------------------------------------ */
/* Finding and reading headers                                          */

static bool is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* dir part of path ("." when none), in the arena. */
static const char *dir_of(struct arena *a, const char *path)
{
	const char *sl = path ? strrchr(path, '/') : NULL;
	if (!sl)
		return ".";
	return sl == path ? "/" : arena_strndup(a, path, (size_t)(sl - path));
}

static const char *find(struct inc *in, const char *name, bool quoted, const char *from_dir)
{
	if (name[0] == '/')
		return is_file(name) ? name : NULL;
	if (quoted) {
		const char *p = arena_printf(in->a, "%s/%s", from_dir, name);
		if (is_file(p))
			return p;
	}
	for (int i = 0; in->dirs && in->dirs[i]; i++) {
		const char *p = arena_printf(in->a, "%s/%s", in->dirs[i], name);
		if (is_file(p))
			return p;
	}
	return NULL;
}

static char *read_text(struct arena *a, const char *path, int *len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *nb = n < (1u << 26) ? realloc(buf, cap *= 2) : NULL;
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	fclose(f);
	if (!buf)
		return NULL;
	char *s = arena_strndup(a, buf, n);
	free(buf);
	*len = (int)n;
	return s;
}

static void relocate(struct node *n, struct loc at)
{
	if (!n)
		return;
	n->loc = at;
	for (int i = 0; i < n->list.n; i++)
		relocate(n->list.v[i], at);
	relocate(n->a, at);
	relocate(n->b, at);
	relocate(n->c, at);
}

static int expand_list(struct inc *in, struct node_list *l, const char *from_dir);

/* The items of header `path`, or an empty list when it was read before.
 * Returns -1 after a diagnostic. */
static int read_header(struct inc *in, const char *path, struct loc at, struct node_list *items)
{
	char real[PATH_MAX];
	if (!realpath(path, real))
		snprintf(real, sizeof(real), "%s", path);
	for (int i = 0; i < in->seen.n; i++)
		if (!strcmp(in->seen.v[i], real))
			return 0;
	ptrvec_push(in->a, &in->seen, arena_strdup(in->a, real));
	if (in->depth >= INCLUDE_MAX_DEPTH) {
		diag_error(in->d, at, "#include nested too deeply (more than %d levels): %s", INCLUDE_MAX_DEPTH, path);
		return -1;
	}
	int len = 0;
	const char *text = read_text(in->a, path, &len);
	if (!text) {
		diag_error(in->d, at, "cannot read include file '%s': %s", path, strerror(errno));
		return -1;
	}
	struct source src = { .name = path };
	src.text = filter(in->a, text, len, &src.len);
	struct diag hd;
	diag_init(&hd, &src, in->d->out);
	hd.quiet_warnings = in->d->quiet_warnings;
	struct node *root = parse_program(in->a, &hd, &src);
	in->d->errors += hd.errors;
	in->d->warnings += hd.warnings;
	if (!root || hd.errors)
		return -1;
	/* drop the BEGIN {} that filter() added */
	if (root->list.n > 0 && root->list.v[root->list.n - 1]->kind == N_PROBE)
		root->list.n--;
	for (int i = 0; i < root->list.n; i++)
		relocate(root->list.v[i], at);
	in->depth++;
	int rc = expand_list(in, &root->list, dir_of(in->a, path));
	in->depth--;
	if (rc < 0)
		return -1;
	for (int i = 0; i < root->list.n; i++)
		node_list_push(in->a, items, root->list.v[i]);
	return 0;
}

/* Replaces every #include of list l (and of the #if branches in it) that
 * names a header found on disk by that header's items. */
static int expand_list(struct inc *in, struct node_list *l, const char *from_dir)
{
	struct node_list out = { 0 };
	bool changed = false;
	for (int i = 0; i < l->n; i++) {
		struct node *n = l->v[i];
		if (n->kind == N_IF) {
			for (struct node *br = n; br && br->kind == N_IF; br = br->c) {
				if (br->b && expand_list(in, &br->b->list, from_dir) < 0)
					return -1;
				if (br->c && br->c->kind == N_BLOCK && expand_list(in, &br->c->list, from_dir) < 0)
					return -1;
			}
		}
		if (n->kind != N_INCLUDE || !n->str || strlen(n->str) < 3) {
			node_list_push(in->a, &out, n);
			continue;
		}
		bool quoted = n->str[0] == '"';
		const char *name = arena_strndup(in->a, n->str + 1, strlen(n->str) - 2);
		const char *path = find(in, name, quoted, from_dir);
		if (!path) {
			if (quoted) {
				diag_error(in->d, n->loc, "'%s' file not found", name);
				return -1;
			}
			node_list_push(in->a, &out, n);   /* a system header: BTF has its types */
			continue;
		}
		if (read_header(in, path, n->loc, &out) < 0)
			return -1;
		changed = true;
	}
	if (changed)
		*l = out;
	return 0;
}

int include_expand(struct arena *a, struct diag *d, struct node *root, const char *script,
		   const char *const *dirs, const char *const *files)
{
	struct inc in = { .a = a, .d = d, .dirs = dirs };
	if (expand_list(&in, &root->list, dir_of(a, script)) < 0)
		return -1;
	if (!files || !files[0])
		return in.seen.n;
	/* --include FILE: its items go first, in the order given */
	struct node_list pre = { 0 };
	struct loc top = { 1, 1, 1, 1 };
	for (int i = 0; files[i]; i++)
		if (read_header(&in, files[i], top, &pre) < 0)
			return -1;
	for (int i = 0; i < root->list.n; i++)
		node_list_push(a, &pre, root->list.v[i]);
	root->list = pre;
	return in.seen.n;
}
