// cxx_target [N]: a C++ user-space target for demangled uprobe names, DWARF
// arguments in C++ (member functions, namespaces) and under the SysV ABI's
// register assignment, and stacks symbolized through a separate debug file
// (tests/uprobes_cxx.cmake also builds cxx_target_stripped: the same program
// stripped, its symbols and DWARF in .debug/cxx_target_stripped.debug found
// through .gnu_debuglink).
//
// -O0 -g -fno-omit-frame-pointer; main() runs this sequence N times
// (default 1), every call, argument and return value fixed:
//
//   function (demangled)                      called as               returns
//   ns::Counter::bump(int)                    c.bump(5), c.n == 0     5
//   ns::twice(int)                            ns::twice(4)            8
//   ns::twice(long)                           ns::twice(5L)           15
//   cx_mixed(double, int, cx_pair, int, float, long)   (C linkage)
//                                             cx_mixed(1.5, 11, {5, 6}, 12, 2.5f, -13)
//                                             (registers: d xmm0, a rdi, p rsi,
//                                              b rdx, f xmm1, c rcx)  21
//   cx_local(int) (static: only in .symtab)   cx_local(7)             8
//   ns::outer(int) -> ns::inner(int)          ns::outer(2)            3 (stack: inner, outer, main)
#include <cstdlib>

#define NOINLINE __attribute__((noinline, used))

namespace ns {
struct Counter {
	int n;
	int bump(int by);
};
NOINLINE int Counter::bump(int by)
{
	n += by;
	return n;
}
NOINLINE int twice(int x) { return 2 * x; }
NOINLINE int twice(long x) { return 3 * (int)x; }
NOINLINE int inner(int x) { return x + 1; }
NOINLINE int outer(int x) { return inner(x); }
} // namespace ns

struct cx_pair {
	int x, y;
};

extern "C" NOINLINE int cx_mixed(double d, int a, cx_pair p, int b, float f, long c)
{
	return a + b + (int)c + p.x + p.y + (int)(d + f) - 4;
}

static NOINLINE int cx_local(int v) { return v + 1; }

volatile long cx_sink;

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], nullptr, 10) : 1;
	for (long i = 0; i < n; i++) {
		ns::Counter c{0};
		cx_sink += c.bump(5);
		cx_sink += ns::twice(4);
		cx_sink += ns::twice(5L);
		cx_sink += cx_mixed(1.5, 11, cx_pair{5, 6}, 12, 2.5f, -13);
		cx_sink += cx_local(7);
		cx_sink += ns::outer(2);
	}
	return 0;
}
