/* struct_target.c - passes a known struct by pointer to a function that
 * uprobe tests read through their own definition of the struct (issue 4).
 *
 *   struct_target [N]   calls take_rec(&r) N times (default 1), then exits
 *
 * The values (see main) are what tests/runtime/types.test expects; keep the
 * two in step. Built -O0 -g so take_rec stays a real function. */
#include <stdlib.h>
#include <string.h>

struct inner {
	short s;
	char tag[6];
};

struct rec {
	int a;
	long long b;
	char name[8];
	struct inner in;
	unsigned int f1 : 3, f2 : 5;
	int f3 : 4;
	int arr[4];
	struct rec *next;
};

__attribute__((noinline)) int take_rec(struct rec *r)
{
	return r->a + (r->next ? r->next->a : 0);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	struct rec other = { .a = 99 };
	struct rec r = { .a = 42, .b = -7000000000LL, .f1 = 5, .f2 = 17, .f3 = -3, .next = &other };
	strcpy(r.name, "hello");
	r.in.s = 300;
	strcpy(r.in.tag, "tag");
	for (int i = 0; i < 4; i++)
		r.arr[i] = (i + 1) * 11;
	int sum = 0;
	for (int i = 0; i < n; i++)
		sum += take_rec(&r);
	return sum == n * 141 ? 0 : 1;
}
