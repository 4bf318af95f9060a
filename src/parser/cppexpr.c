/* cppexpr.c - the arithmetic of #if conditions (cppexpr.h). */
#include "parser/cppexpr.h"

struct cpp_val cpp_unary(enum cpp_op op, struct cpp_val x)
{
	switch (op) {
	case CPP_NEG:
		x.v = (int64_t)(0 - (uint64_t)x.v);
		return x;
	case CPP_BNOT:
		x.v = ~x.v;
		return x;
	case CPP_NOT:
		return (struct cpp_val){ !x.v, false };
	default:        /* CPP_PLUS */
		return x;
	}
}

struct cpp_val cpp_binary(enum cpp_op op, struct cpp_val x, struct cpp_val y, bool *err)
{
	bool u = x.u || y.u;
	uint64_t a = (uint64_t)x.v, b = (uint64_t)y.v;
	struct cpp_val r = { 0, u };
	bool lt = u ? a < b : x.v < y.v, eq = a == b;
	switch (op) {
	case CPP_MUL:
		r.v = (int64_t)(a * b);
		return r;
	case CPP_DIV:
	case CPP_MOD:
		if (!b || (!u && x.v == INT64_MIN && y.v == -1)) {
			*err = true;
			return r;
		}
		if (op == CPP_DIV)
			r.v = u ? (int64_t)(a / b) : x.v / y.v;
		else
			r.v = u ? (int64_t)(a % b) : x.v % y.v;
		return r;
	case CPP_ADD:
		r.v = (int64_t)(a + b);
		return r;
	case CPP_SUB:
		r.v = (int64_t)(a - b);
		return r;
	case CPP_SHL:
		return (struct cpp_val){ (int64_t)(a << (b & 63)), x.u };
	case CPP_SHR:
		return (struct cpp_val){ x.u ? (int64_t)(a >> (b & 63)) : x.v >> (b & 63), x.u };
	case CPP_BAND:
		r.v = (int64_t)(a & b);
		return r;
	case CPP_BXOR:
		r.v = (int64_t)(a ^ b);
		return r;
	case CPP_BOR:
		r.v = (int64_t)(a | b);
		return r;
	case CPP_LT:
		return (struct cpp_val){ lt, false };
	case CPP_GT:
		return (struct cpp_val){ !lt && !eq, false };
	case CPP_LE:
		return (struct cpp_val){ lt || eq, false };
	case CPP_GE:
		return (struct cpp_val){ !lt, false };
	case CPP_EQ:
		return (struct cpp_val){ eq, false };
	case CPP_NE:
		return (struct cpp_val){ !eq, false };
	case CPP_LAND:
		return (struct cpp_val){ x.v && y.v, false };
	default:        /* CPP_LOR */
		return (struct cpp_val){ x.v || y.v, false };
	}
}
