/* test_output.c - golden tests of map printing, printf and JSON output.
 *
 *   test_output GOLDEN_DIR        run every case, compare with the goldens
 *   test_output --list            case names and flags, for regen.sh
 *   test_output --bt CASE         the bpftrace program of a case
 *   test_output --run CASE [--json]   print a case's output
 *
 * Needs root (or CAP_BPF) to create maps; fails with a message otherwise
 * (CI runs as root: a skip there would hide a broken printer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cases.h"
#include "interp.h"

static const struct tcase *find_case(const char *name)
{
	for (const struct tcase *c = test_cases; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* Runs a case; the output (or an error) goes to a string. */
static int run_case(const struct tcase *c, bool json, char **text, size_t *len, bool *skip)
{
	FILE *out = open_memstream(text, len);
	struct interp *in = interp_new(out, json, skip);
	int rc = 0;
	if (!in) {
		fclose(out);
		return -1;
	}
	struct slist st = { 0 };
	case_stmts(c, &st);
	for (int i = 0; i < st.n && !rc; i++) {
		if (interp_run(in, st.s[i])) {
			fprintf(stderr, "%s: statement %d '%s': %s\n", c->name, i, st.s[i], interp_error(in));
			rc = -1;
		}
	}
	if (!(c->flags & C_ERR))
		interp_finish(in);
	interp_free(in);
	slist_free(&st);
	fclose(out);
	return rc;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *s = NULL;
	size_t cap = 0;
	*len = 0;
	for (;;) {
		if (*len + 4096 > cap) {
			cap = cap ? cap * 2 : 8192;
			s = xrealloc(s, cap);
		}
		size_t n = fread(s + *len, 1, cap - *len - 1, f);
		if (!n)
			break;
		*len += n;
	}
	s[*len] = '\0';
	fclose(f);
	return s;
}

/* Prints the first differing line of two texts. */
static void show_diff(const char *want, size_t wl, const char *got, size_t gl)
{
	size_t i = 0, line = 1, ls = 0;
	while (i < wl && i < gl && want[i] == got[i]) {
		if (want[i] == '\n') {
			line++;
			ls = i + 1;
		}
		i++;
	}
	const char *we = memchr(want + ls, '\n', wl - ls), *ge = memchr(got + ls, '\n', gl - ls);
	int wn = (int)((we ? (size_t)(we - want) : wl) - ls), gn = (int)((ge ? (size_t)(ge - got) : gl) - ls);
	fprintf(stderr, "    first difference at line %zu:\n    want: %.*s%s\n    got:  %.*s%s\n", line, wn,
		want + ls, ls >= wl ? "<EOF>" : "", gn, got + ls, ls >= gl ? "<EOF>" : "");
}

static int check(const struct tcase *c, const char *dir, bool json, int *fails, bool *skip)
{
	char path[4096];
	const char *ext = c->flags & C_ERR ? "err" : json ? "json" : "txt";
	snprintf(path, sizeof(path), "%s/%s.%s", dir, c->name, ext);
	size_t wl, gl;
	char *want = read_file(path, &wl), *got = NULL;
	if (!want) {
		fprintf(stderr, "not ok - %s.%s: no golden %s\n", c->name, ext, path);
		(*fails)++;
		return 0;
	}
	int rc = run_case(c, json, &got, &gl, skip);
	if (*skip) {
		free(want);
		free(got);
		return 2;
	}
	if (rc || gl != wl || memcmp(want, got, wl)) {
		fprintf(stderr, "not ok - %s.%s\n", c->name, ext);
		if (!rc)
			show_diff(want, wl, got, gl);
		(*fails)++;
	} else {
		printf("ok - %s.%s\n", c->name, ext);
	}
	free(want);
	free(got);
	return 0;
}

static void print_program(const struct tcase *c)
{
	struct slist st = { 0 };
	case_stmts(c, &st);
	printf("BEGIN { ");
	for (int i = 0; i < st.n; i++)
		printf("%s; ", st.s[i]);
	printf("exit(); }\n");
	slist_free(&st);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "--list")) {
		for (const struct tcase *c = test_cases; c->name; c++)
			printf("%s %s\n", c->name, c->flags & C_HAND ? "hand" : c->flags & C_ERR ? "err" : "bt");
		return 0;
	}
	if (argc >= 3 && (!strcmp(argv[1], "--bt") || !strcmp(argv[1], "--run"))) {
		const struct tcase *c = find_case(argv[2]);
		if (!c) {
			fprintf(stderr, "no case %s\n", argv[2]);
			return 2;
		}
		if (!strcmp(argv[1], "--bt")) {
			print_program(c);
			return 0;
		}
		char *text = NULL;
		size_t len = 0;
		bool skip;
		int rc = run_case(c, argc >= 4 && !strcmp(argv[3], "--json"), &text, &len, &skip);
		if (text)
			fwrite(text, 1, len, stdout);
		free(text);
		return skip || rc ? 1 : 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: %s GOLDEN_DIR | --list | --bt CASE | --run CASE [--json]\n", argv[0]);
		return 2;
	}
	int fails = 0, n = 0;
	for (const struct tcase *c = test_cases; c->name; c++) {
		bool skip = false;
		if (check(c, argv[1], false, &fails, &skip) == 2) {
			printf("FAIL: cannot create BPF maps (run the tests as root)\n");
			return 1;
		}
		n++;
		if (!(c->flags & (C_ERR | C_NOJSON))) {
			check(c, argv[1], true, &fails, &skip);
			n++;
		}
	}
	printf("%d/%d output goldens match\n", n - fails, n);
	return fails ? 1 : 0;
}
