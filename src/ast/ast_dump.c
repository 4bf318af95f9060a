/* ast_dump.c - stable text dump of a syntax tree (`-d ast`, golden tests).
 *
 * Format (see ast.h): one node per line, indented by one space per depth,
 * the kind's dump name, then its payload:
 *   attach, ident, var, map, call, define, include   the name / text as is
 *   string, cdef        the bytes in double quotes, escaped (\n \t \r \" \\
 *                       and \xNN for other non-printable bytes)
 *   int                 the value (unsigned unless sema typed it signed)
 *   param, tuple_index  the number
 *   binop, unop         the operator
 *   assign              "=" or the compound operator ("+=" ...), then "let"
 *                       for a declaration
 *   incdec              "++x", "--x", "x++" or "x--"
 *   field               "." or "->", then the field name
 *   cast, sizeof        the type name (sizeof: only when a type was given)
 * Children follow: first the list, then a, b, c. A missing child that is
 * followed by a present one prints as "(none)" so positions stay readable
 * (`a ?: b`, `let $x: T;`); a probe's missing predicate is simply absent.
 * With types, " :: <type name>" ends the line of every typed node. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ast/ast.h"
#include "ast/type.h"

static void dump_escaped(FILE *out, const char *s, size_t n)
{
	fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '\r': fputs("\\r", out); break;
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		default:
			if (c >= 0x20 && c < 0x7f)
				fputc(c, out);
			else
				fprintf(out, "\\x%02x", c);
		}
	}
	fputc('"', out);
}

static void dump_payload(FILE *out, const struct node *n)
{
	const char *s = n->str ? n->str : "";
	switch (n->kind) {
	case N_ATTACH:
	case N_IDENT:
	case N_VAR:
	case N_MAP:
	case N_CALL:
	case N_DEFINE:
	case N_INCLUDE:
	case N_CAST:
		fprintf(out, " %s", s);
		break;
	case N_SIZEOF:
		if (n->str)
			fprintf(out, " %s", s);
		break;
	case N_STR:
		fputc(' ', out);
		dump_escaped(out, s, (size_t)n->ival);
		break;
	case N_CDEF:
		fputc(' ', out);
		dump_escaped(out, s, strlen(s));
		break;
	case N_INT:
		if (!n->type || (n->type->kind == TY_INT && !n->type->is_signed))
			fprintf(out, " %" PRIu64, (uint64_t)n->ival);
		else
			fprintf(out, " %" PRId64, n->ival);
		break;
	case N_POSPARAM:
	case N_TUPLE_INDEX:
		fprintf(out, " %" PRId64, n->ival);
		break;
	case N_BINOP:
	case N_UNOP:
		fprintf(out, " %s", op_name(n->op));
		break;
	case N_ASSIGN:
		if (n->op == OP_ASSIGN || n->op == OP_NONE)
			fputs(" =", out);
		else
			fprintf(out, " %s=", op_name(n->op));
		if (n->ival)
			fputs(" let", out);
		break;
	case N_INCDEC:
		if (n->op == OP_PREINC || n->op == OP_PREDEC)
			fprintf(out, " %sx", op_name(n->op));
		else
			fprintf(out, " x%s", op_name(n->op));
		break;
	case N_FIELD:
		fprintf(out, " %s %s", op_name(n->op), s);
		break;
	default:
		break;
	}
}

static void dump(FILE *out, const struct node *n, int depth, bool with_types, struct arena *a)
{
	fprintf(out, "%*s", depth, "");
	if (!n) {
		fputs("(none)\n", out);
		return;
	}
	fputs(node_kind_name(n->kind), out);
	dump_payload(out, n);
	if (with_types && n->type)
		fprintf(out, " :: %s", type_name(a, n->type));
	if (with_types && n->type && n->kind == N_SIZEOF)
		fprintf(out, " = %" PRId64, n->ival);   /* the size sema found */
	fputc('\n', out);

	for (int i = 0; i < n->list.n; i++)
		dump(out, n->list.v[i], depth + 1, with_types, a);
	const struct node *kids[3] = { n->a, n->b, n->c };
	int last = 2;
	while (last >= 0 && !kids[last])
		last--;
	for (int i = 0; i <= last; i++) {
		if (!kids[i] && n->kind == N_PROBE)
			continue;
		dump(out, kids[i], depth + 1, with_types, a);
	}
}

void ast_dump(FILE *out, const struct node *n, bool with_types, struct arena *a)
{
	dump(out, n, 0, with_types, a);
}
