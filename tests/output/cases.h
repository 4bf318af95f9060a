/* cases.h - the output test cases: statement lists run by interp.c here and
 * by bpftrace 0.17 in regen.sh. */
#ifndef OUTPUT_TEST_CASES_H
#define OUTPUT_TEST_CASES_H

enum {
	C_HAND = 1,   /* golden checked by hand: 0.17 cannot produce the data or
	                 prints it in a random order; regen.sh leaves it alone */
	C_ERR = 2,    /* a printf that fmt_check must reject: golden .err */
	C_NOJSON = 4, /* no JSON golden */
};

struct slist {
	char **s;
	int n, cap;
};
void slist_add(struct slist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void slist_free(struct slist *l);

struct tcase {
	const char *name;
	unsigned flags;
	const char *const *stmts;        /* NULL-terminated, or NULL */
	void (*gen)(struct slist *out);  /* or generated */
};

extern const struct tcase test_cases[];

/* The statements of a case (stmts or gen). */
void case_stmts(const struct tcase *c, struct slist *out);

#endif
