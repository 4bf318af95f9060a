/* parse_dump.c - test driver for the front end: parses a script and prints
 * its AST dump, or its diagnostics, to stdout.
 *
 *   bpfscript_parse_test [-n NAME] FILE      parse FILE ("-" reads stdin)
 *   bpfscript_parse_test [-n NAME] -e TEXT   parse TEXT (named "stdin")
 *   bpfscript_parse_test -q FILE...          parse each, print errors only
 *   bpfscript_parse_test -l FILE             print node kinds with locations
 *
 * Exit status: 0 when everything parsed, 1 on a syntax error, 2 on usage or
 * I/O errors. NAME replaces the file name in diagnostics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast/ast.h"
#include "ast/diag.h"
#include "parser/parse.h"

static char *read_all(FILE *f, int *len)
{
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	size_t r;
	while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (cap - n - 1 == 0)
			buf = xrealloc(buf, cap *= 2);
	}
	buf[n] = 0;
	*len = (int)n;
	return buf;
}

enum mode { DUMP, QUIET, LOCATIONS };

/* Kind and first_line:first_column-last_line:last_column of every node. */
static void dump_locations(const struct node *n, int depth)
{
	if (!n)
		return;
	printf("%*s%s %d:%d-%d:%d\n", depth, "", node_kind_name(n->kind), n->loc.first_line,
	       n->loc.first_column, n->loc.last_line, n->loc.last_column);
	for (int i = 0; i < n->list.n; i++)
		dump_locations(n->list.v[i], depth + 1);
	dump_locations(n->a, depth + 1);
	dump_locations(n->b, depth + 1);
	dump_locations(n->c, depth + 1);
}

/* Parses one source; prints the dump (unless quiet) or the diagnostics. */
static int run(const char *name, char *text, int len, enum mode mode)
{
	struct source src = { .name = name, .text = text, .len = len };
	struct diag d;
	struct arena a = { 0 };
	diag_init(&d, &src, stdout);
	struct node *root = parse_program(&a, &d, &src);
	int rc = 0;
	if (!root || d.errors) {
		rc = 1;
		if (mode == QUIET)
			printf("%s: FAILED\n", name);
	} else if (mode == DUMP) {
		ast_dump(stdout, root, false, &a);
	} else if (mode == LOCATIONS) {
		dump_locations(root, 0);
	}
	arena_free(&a);
	return rc;
}

static int run_file(const char *path, const char *name, enum mode mode)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		perror(path);
		return 2;
	}
	int len;
	char *text = read_all(f, &len);
	if (f != stdin)
		fclose(f);
	int rc = run(name ? name : path, text, len, mode);
	free(text);
	return rc;
}

int main(int argc, char **argv)
{
	const char *name = NULL;
	enum mode mode = DUMP;
	int i = 1, rc = 0;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			name = argv[++i];
		} else if (!strcmp(argv[i], "-q")) {
			mode = QUIET;
		} else if (!strcmp(argv[i], "-l")) {
			mode = LOCATIONS;
		} else if (!strcmp(argv[i], "-e") && i + 1 < argc) {
			const char *t = argv[++i];
			return run(name ? name : "stdin", (char *)t, (int)strlen(t), mode);
		} else {
			break;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "usage: %s [-q|-l] [-n NAME] FILE... | -e PROGRAM\n", argv[0]);
		return 2;
	}
	for (; i < argc; i++) {
		int r = run_file(argv[i], name, mode);
		if (r > rc)
			rc = r;
	}
	return rc;
}
