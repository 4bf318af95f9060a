/* cppexpr.h - the arithmetic of #if conditions (cppexpr.c).
 *
 * Two places decide #if: the system-header preprocessor (cpp.c), which
 * parses a condition from its tokens, and the include step (include.c),
 * which walks the expression the script's parser built. They read their
 * operands differently; what an operator does to them is this one set of
 * rules, C's for the preprocessor: 64-bit values, signed unless a value is
 * unsigned (then the usual conversions apply), wrapping arithmetic, shift
 * counts taken modulo 64, comparisons and ! giving a signed 0 or 1. */
#ifndef BPFSCRIPT_CPPEXPR_H
#define BPFSCRIPT_CPPEXPR_H
#include <stdbool.h>
#include <stdint.h>

/* A value of a condition (intmax_t, or uintmax_t when u). */
struct cpp_val {
	int64_t v;
	bool u;
};

enum cpp_op {
	/* unary */
	CPP_NEG, CPP_PLUS, CPP_BNOT, CPP_NOT,
	/* binary */
	CPP_MUL, CPP_DIV, CPP_MOD, CPP_ADD, CPP_SUB, CPP_SHL, CPP_SHR,
	CPP_LT, CPP_GT, CPP_LE, CPP_GE, CPP_EQ, CPP_NE,
	CPP_BAND, CPP_BXOR, CPP_BOR, CPP_LAND, CPP_LOR,
};

/* -x, +x, ~x or !x. */
struct cpp_val cpp_unary(enum cpp_op op, struct cpp_val x);

/* x op y. A division or remainder by 0 (or INT64_MIN / -1, signed) sets
 * *err and gives 0. && and || take both values: a caller that
 * short-circuits does so before. */
struct cpp_val cpp_binary(enum cpp_op op, struct cpp_val x, struct cpp_val y, bool *err);

#endif
