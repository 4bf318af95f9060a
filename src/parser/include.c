/* include.c - the include step: `#include "x.h"`, `#include <x.h>` and
 * every --include FILE are read, #if/#ifdef/#ifndef/#elif/#else/#endif are
 * decided, and what the language can take from a C header becomes part of
 * the program.
 *
 * A header found next to the file that names it (quoted includes; the
 * current directory for -e and stdin) or in an -I directory is the
 * program's own: it gives
 *   - object-like #define NAME value, and the #if/#ifdef/... around them;
 *   - struct/union/enum definitions (`typedef struct X {...} Y;` gives
 *     `struct X {...};`; anonymous enums are kept for their constants),
 *     typed later like the script's own definitions;
 *   - nested #include lines, resolved the same way.
 * Everything else it holds (function prototypes and bodies, typedefs of
 * scalars, variables, #pragma, function-like macros) is blanked out,
 * keeping line numbers, so that a syntax error in what is kept points at
 * the header's own line. Such a header is read once per run (as if it said
 * #pragma once). A quoted include that is found nowhere is an error, as in
 * bpftrace.
 *
 * An angle include found in no -I directory is a system header: it is
 * looked up where clang looks (/usr/local/include, the target's multiarch
 * /usr/include/x86_64-linux-gnu or aarch64-linux-gnu, /usr/include: see
 * util/arch.h) and preprocessed by cpp.c, which keeps its macros and enum constants only: the types come from the
 * kernel's BTF (bpftrace takes a header's structs over BTF's; here BTF's
 * always win, so a header's user-space `struct msghdr` cannot shadow the
 * kernel's). Every identifier of the program that such a header gives an
 * integer value becomes a #define right after the first system #include
 * (`AF_INET` after `#include <sys/socket.h>`). A system header found nowhere
 * is an error, as in bpftrace ('net/sock.h' file not found), except the
 * compiler's own (<stddef.h>, <stdarg.h> ...).
 *
 * #if conditions are decided here, in order, from the #defines seen so far
 * (the program's, then those of the system headers, then clang's
 * predefined ones for the target, such as __x86_64__ or __aarch64__);
 * BPFTRACE_HAVE_BTF is defined when the kernel has BTF, as bpftrace does. Only the branch taken is kept, so
 * an #include in a branch not taken is not read.
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

#include "parser/cpp.h"
#include "parser/cppexpr.h"
#include "parser/parse.h"
#include "util/rfile.h"

#define INCLUDE_MAX_DEPTH 32

struct inc {
	struct arena *a;
	struct diag *d;
	const char *const *dirs;
	struct ptrvec seen;        /* realpaths of the headers read */
	struct ptrvec defines;     /* the N_DEFINE items so far, in order */
	struct cpp *cpp;           /* system headers: their macros */
	int sys_at;                /* index in the output of the first system #include, or -1 */
	struct loc sys_loc;        /* its location */
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

/* A candidate for an #include: anything but a directory, so that a FIFO or
 * a device is found and refused by name (read_text), not "not found". */
static bool is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && !S_ISDIR(st.st_mode);
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

/* The file's text in the arena: a regular file of at most
 * RFILE_MAX_SCRIPT bytes (util/rfile.h), or NULL with the reason in err. */
static char *read_text(struct arena *a, const char *path, int *len, char *err, size_t errlen)
{
	size_t n;
	char *buf = rfile_read(path, RFILE_MAX_SCRIPT, &n, err, errlen);
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

static int walk(struct inc *in, struct node_list *l, const char *from_dir, struct node_list *out);

/* The items of header `path` (through walk, so its #if and #include are
 * done), appended to out; nothing when it was read before. Returns -1
 * after a diagnostic. */
static int read_header(struct inc *in, const char *path, struct loc at, struct node_list *out)
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
	char err[PATH_MAX + 128];
	const char *text = read_text(in->a, path, &len, err, sizeof(err));
	if (!text) {
		diag_error(in->d, at, "cannot read include file: %s", err);
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
	int rc = walk(in, &root->list, dir_of(in->a, path), out);
	in->depth--;
	return rc;
}

/* ------------------------------------------------------------------ */
/* #if conditions                                                       */

static struct node *find_define(struct inc *in, const char *name)
{
	for (int i = in->defines.n - 1; i >= 0; i--) {
		struct node *d = in->defines.v[i];
		if (!strcmp(d->str, name))
			return d;
	}
	return NULL;
}

/* The #if arithmetic's name (cppexpr.h) for a binary operator of the
 * language; false for one that has no meaning in a condition. */
static bool pp_binop(enum op op, enum cpp_op *to)
{
	static const struct { enum op op; enum cpp_op to; } ops[] = {
		{ OP_ADD, CPP_ADD }, { OP_SUB, CPP_SUB }, { OP_MUL, CPP_MUL }, { OP_DIV, CPP_DIV },
		{ OP_MOD, CPP_MOD }, { OP_BAND, CPP_BAND }, { OP_BOR, CPP_BOR }, { OP_BXOR, CPP_BXOR },
		{ OP_SHL, CPP_SHL }, { OP_SHR, CPP_SHR }, { OP_LT, CPP_LT }, { OP_LE, CPP_LE },
		{ OP_GT, CPP_GT }, { OP_GE, CPP_GE }, { OP_EQ, CPP_EQ }, { OP_NE, CPP_NE },
		{ OP_LAND, CPP_LAND }, { OP_LOR, CPP_LOR },
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].op == op) {
			*to = ops[i].to;
			return true;
		}
	return false;
}

/* The value of an #if condition: the program's #defines so far, then the
 * macros of the system headers read so far (and the predefined ones). What
 * the operators do is cpp.c's arithmetic (cppexpr.h); what it cannot take
 * is 0: a name nothing defines, a division by 0, an expression of a kind a
 * condition has no use for (a string, a cast, a field ...). A #define
 * without a value (or a function-like one) is 1. */
static struct cpp_val pp_eval(struct inc *in, struct node *n, int depth)
{
	struct cpp_val zero = { 0, false };
	if (!n || depth > 64)
		return zero;
	switch (n->kind) {
	case N_INT:
		/* a literal >= 2^63 (negative as int64) is unsigned, as in C */
		return (struct cpp_val){ n->ival, n->ival < 0 };
	case N_CALL: {
		if (strcmp(n->str, "defined") || n->list.n != 1 || n->list.v[0]->kind != N_IDENT)
			return zero;
		const char *name = n->list.v[0]->str;
		return (struct cpp_val){ find_define(in, name) || cpp_defined(in->cpp, name), false };
	}
	case N_IDENT: {
		struct node *d = find_define(in, n->str);
		if (d)
			return d->a ? pp_eval(in, d->a, depth + 1) : (struct cpp_val){ 1, false };
		int64_t v = 0;
		return cpp_value(in->cpp, n->str, true, &v) ? (struct cpp_val){ v, false } : zero;
	}
	case N_UNOP: {
		struct cpp_val x = pp_eval(in, n->a, depth + 1);
		switch (n->op) {
		case OP_NOT: return cpp_unary(CPP_NOT, x);
		case OP_NEG: return cpp_unary(CPP_NEG, x);
		case OP_BNOT: return cpp_unary(CPP_BNOT, x);
		default: return zero;
		}
	}
	case N_BINOP: {
		struct cpp_val x = pp_eval(in, n->a, depth + 1);
		if (n->op == OP_LAND && !x.v)
			return zero;
		if (n->op == OP_LOR && x.v)
			return (struct cpp_val){ 1, false };
		struct cpp_val y = pp_eval(in, n->b, depth + 1);
		enum cpp_op op;
		bool err = false;   /* the value is 0 then, and the condition goes on */
		return pp_binop(n->op, &op) ? cpp_binary(op, x, y, &err) : zero;
	}
	case N_TERNARY:
		return pp_eval(in, n->a, depth + 1).v ? pp_eval(in, n->b ? n->b : n->a, depth + 1)
						      : pp_eval(in, n->c, depth + 1);
	default:
		return zero;
	}
}

/* ------------------------------------------------------------------ */
/* The walk                                                             */

/* Headers a compiler brings along (clang's resource directory), found
 * nowhere else here: they hold no constants a probe needs. */
static bool compiler_header(const char *name)
{
	static const char *const names[] = { "stddef.h", "stdarg.h", "stdbool.h", "stdalign.h", "stdnoreturn.h",
					     "float.h", "iso646.h", "stdatomic.h", "varargs.h", NULL };
	for (int i = 0; names[i]; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* `#include <x.h>` not in an -I directory: a system header, read for its
 * macros; the #include item stays in the program (a dump shows it). */
static int system_include(struct inc *in, struct node *n, const char *name, struct node_list *out)
{
	const char *path = cpp_find(in->cpp, name);
	if (!path && !compiler_header(name)) {
		diag_error(in->d, n->loc, "'%s' file not found", name);
		return -1;
	}
	if (path)
		cpp_read(in->cpp, path);
	if (in->sys_at < 0) {
		in->sys_at = out->n;
		in->sys_loc = n->loc;
	}
	node_list_push(in->a, out, n);
	return 0;
}

/* Appends the items of l to out with every #if replaced by the items of the
 * branch taken and every #include by the header's items. */
static int walk(struct inc *in, struct node_list *l, const char *from_dir, struct node_list *out)
{
	for (int i = 0; i < l->n; i++) {
		struct node *n = l->v[i];
		if (n->kind == N_IF) {
			struct node *br = n;
			while (br && br->kind == N_IF && !pp_eval(in, br->a, 0).v)
				br = br->c;
			if (br && walk(in, &(br->kind == N_IF ? br->b : br)->list, from_dir, out) < 0)
				return -1;
			continue;
		}
		if (n->kind == N_DEFINE)
			ptrvec_push(in->a, &in->defines, n);
		if (n->kind != N_INCLUDE || !n->str || strlen(n->str) < 3) {
			node_list_push(in->a, out, n);
			continue;
		}
		bool quoted = n->str[0] == '"';
		const char *name = arena_strndup(in->a, n->str + 1, strlen(n->str) - 2);
		const char *path = find(in, name, quoted, from_dir);
		if (path) {
			if (read_header(in, path, n->loc, out) < 0)
				return -1;
		} else if (quoted) {
			diag_error(in->d, n->loc, "'%s' file not found", name);
			return -1;
		} else if (system_include(in, n, name, out) < 0) {
			return -1;
		}
	}
	return 0;
}

/* Every identifier of the program that a system header gives a value
 * (and the program does not #define itself) becomes a #define of that
 * value, right after the first system #include. */
static void collect_idents(struct arena *a, struct node *n, struct ptrvec *names)
{
	if (!n)
		return;
	if (n->kind == N_IDENT && n->str) {
		for (int i = 0; i < names->n; i++)
			if (!strcmp(names->v[i], n->str))
				goto kids;
		ptrvec_push(a, names, (void *)n->str);
	}
kids:
	for (int i = 0; i < n->list.n; i++)
		collect_idents(a, n->list.v[i], names);
	collect_idents(a, n->a, names);
	collect_idents(a, n->b, names);
	collect_idents(a, n->c, names);
}

static void system_defines(struct inc *in, struct node_list *l)
{
	if (in->sys_at < 0)
		return;
	struct ptrvec names = { 0 };
	for (int i = 0; i < l->n; i++)
		collect_idents(in->a, l->v[i], &names);
	struct node_list out = { 0 };
	for (int i = 0; i <= in->sys_at && i < l->n; i++)
		node_list_push(in->a, &out, l->v[i]);
	for (int i = 0; i < names.n; i++) {
		const char *name = names.v[i];
		int64_t v;
		if (find_define(in, name) || !cpp_value(in->cpp, name, false, &v))
			continue;
		struct node *d = node_new(in->a, N_DEFINE, in->sys_loc);
		d->str = name;
		d->a = node_new(in->a, N_INT, in->sys_loc);
		d->a->ival = v;
		node_list_push(in->a, &out, d);
	}
	for (int i = in->sys_at + 1; i < l->n; i++)
		node_list_push(in->a, &out, l->v[i]);
	*l = out;
}

int include_expand(struct arena *a, struct diag *d, struct node *root, const char *script,
		   const char *const *dirs, const char *const *files, bool have_btf, struct ptrvec *sys_files)
{
	/* Nothing to expand, the common case: no preprocessor is set up (its
	 * predefined macros cost a few hundred microseconds of a start-up). */
	bool any = files && files[0];
	for (int i = 0; i < root->list.n && !any; i++)
		any = root->list.v[i]->kind == N_IF || root->list.v[i]->kind == N_INCLUDE;
	if (!any)
		return 0;
	struct inc in = { .a = a, .d = d, .dirs = dirs, .sys_at = -1, .cpp = cpp_new(have_btf) };
	struct node_list out = { 0 };
	int rc = 0;
	/* --include FILE: its items go first, in the order given */
	struct loc top = { 1, 1, 1, 1 };
	for (int i = 0; files && files[i] && rc == 0; i++)
		rc = read_header(&in, files[i], top, &out);
	if (rc == 0)
		rc = walk(&in, &root->list, dir_of(a, script), &out);
	if (rc == 0) {
		root->list = out;
		system_defines(&in, &root->list);
	}
	const char *const *sf;
	int nsf = cpp_files(in.cpp, &sf);
	for (int i = 0; i < nsf; i++)
		ptrvec_push(a, sys_files, arena_strdup(a, sf[i]));
	cpp_free(in.cpp);
	return rc < 0 ? -1 : in.seen.n;
}
