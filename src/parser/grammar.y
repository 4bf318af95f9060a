/* grammar.y - bison grammar of the bpfscript (bpftrace) language.
 *
 * Actions only build AST nodes (ast.h) with the rule's location. The lexer
 * (lexer.l) does the context-sensitive work: a whole attach point is one
 * ATTACH token, preprocessor lines and struct definitions arrive as single
 * tokens, and the `/` that ends a predicate is ENDPRED (a `/` followed by
 * `{`), so the predicate is plain `"/" expr ENDPRED` and division works
 * anywhere inside it.
 *
 * Representations that ast.h leaves open (the dump shows them as is):
 *  - `let $x: T = e;`  N_ASSIGN, ival = 1 (declaration), a = N_VAR, b = value
 *                      or NULL, c = type-name node or NULL. Top-level
 *                      `let @m = hash(n);` is the same with a = N_MAP.
 *  - type-name node    N_CAST with a = NULL, str = the type as written.
 *  - `_ = e`           N_ASSIGN with a = N_IDENT "_".
 *  - config block      N_CALL str = "config", list = N_ASSIGN (a = N_IDENT key).
 *  - import "f";       N_CALL str = "import", list = [N_STR].
 *  - offsetof(T, f.g)  N_CALL str = "offsetof", list = [type-name node (or an
 *                      expression), N_IDENT "f", N_IDENT "g"].
 *  - typeof(e)         a type-name node with str = "typeof" and b = e (an
 *                      expression, or the type-name node of typeof(T)). As a
 *                      cast `(typeof(e))x`: N_CAST str = "typeof", a = x,
 *                      b = that node; in sizeof/offsetof it is their type.
 *  - comptime e        N_CALL str = "comptime", list = [e]. `if comptime e {}`
 *                      is an N_IF whose condition is that call (sema checks
 *                      and codegen emits only the branch taken).
 *  - f(x, T, a.b)      a call with a type argument (container_of): N_CALL,
 *                      list = [x, type-name node, N_IDENT "a", N_IDENT "b"].
 *  - macro m(a) {...}  N_CALL str = "macro", a = N_CALL m (list = parameters:
 *                      N_VAR, N_IDENT or N_MAP), b = body (N_BLOCK).
 *  - #define N v       N_DEFINE str = N, a = v parsed as an expression (NULL if
 *                      it is not one, or for function-like macros), b = N_STR
 *                      raw value text (NULL when empty; starts with the
 *                      parameter list for function-like macros).
 *  - #if/#ifdef/...    N_IF in the preamble: a = condition (#ifdef X is
 *                      N_CALL defined(N_IDENT X), #ifndef adds N_UNOP !),
 *                      b = N_BLOCK of preamble items, c = N_BLOCK (#else),
 *                      N_IF (#elif) or NULL.
 *  - #include <x.h>    N_INCLUDE str = "<x.h>" (delimiters kept).
 *  - struct S {...};   N_CDEF str = the C text as written, `;` included when
 *                      present (comments replaced by a space).
 *  - integer literals  N_INT ival = the 64-bit pattern: a literal >= 2^63 is
 *                      negative as int64 (literals themselves never are).
 * Casts need a type that starts with a type word (int8 .. uint64, the
 * <stdint.h> names, C base-type words) or struct/union/enum: that is what
 * keeps `(x) - 1` a subtraction. `let $x: T` accepts any identifier as T.
 */

%define api.pure full
%define api.prefix {bs_}
%define api.location.type {struct loc}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%parse-param {struct parse_state *ps}
%param {void *scanner}

%code requires {
#include <stdint.h>
#include "ast/ast.h"
#include "parser/parse_int.h"

/* Semantic value of every token. */
struct tok {
	const char *s;      /* text: name, decoded string bytes ... */
	int len;            /* length of s (strings may hold NUL) */
	int64_t ival;       /* integer value */
	const char *s2;     /* #define value / #if condition text */
	int len2;
	struct loc loc2;    /* where s2 starts in the source */
};
}

%code provides {
int bs_lex(BS_STYPE *lval, BS_LTYPE *lloc, void *scanner);
}

%code {
#include <inttypes.h>
#include <string.h>

static void bs_error(BS_LTYPE *loc, struct parse_state *ps, void *scanner, const char *msg);

static struct node *mk(struct parse_state *ps, enum node_kind k, struct loc l)
{
	return node_new(ps->arena, k, l);
}

static struct node *mk_s(struct parse_state *ps, enum node_kind k, const char *s, struct loc l)
{
	struct node *n = node_new(ps->arena, k, l);
	n->str = s;
	return n;
}

static struct node *mk_abc(struct parse_state *ps, enum node_kind k, struct node *a,
			   struct node *b, struct node *c, struct loc l)
{
	struct node *n = node_new(ps->arena, k, l);
	n->a = a;
	n->b = b;
	n->c = c;
	return n;
}

static struct node *mk_assign(struct parse_state *ps, enum op op, struct node *lv,
			      struct node *v, struct loc l)
{
	struct node *n = mk_abc(ps, N_ASSIGN, lv, v, NULL, l);
	n->op = op;
	return n;
}

static struct node *mk_let(struct parse_state *ps, struct node *lv, const char *type,
			   struct loc tloc, struct node *v, struct loc l)
{
	struct node *n = mk_assign(ps, OP_ASSIGN, lv, v, l);
	n->ival = 1;
	if (type)
		n->c = mk_s(ps, N_CAST, type, tloc);
	return n;
}

static struct node *mk_incdec(struct parse_state *ps, enum op op, struct node *x, struct loc l)
{
	struct node *n = mk_abc(ps, N_INCDEC, x, NULL, NULL, l);
	n->op = op;
	return n;
}

static struct node *mk_field(struct parse_state *ps, enum op op, struct node *base,
			     const char *name, struct loc l)
{
	struct node *n = mk_abc(ps, N_FIELD, base, NULL, NULL, l);
	n->op = op;
	n->str = name;
	return n;
}

static struct node_list list1(struct parse_state *ps, struct node *n)
{
	struct node_list l = { 0 };
	node_list_push(ps->arena, &l, n);
	return l;
}

static struct node_list list_add(struct parse_state *ps, struct node_list l, struct node *n)
{
	if (n)
		node_list_push(ps->arena, &l, n);
	return l;
}

static struct node *mk_block(struct parse_state *ps, struct node_list l, struct loc loc)
{
	struct node *n = mk(ps, N_BLOCK, loc);
	n->list = l;
	return n;
}

/* f(args, T, a.b): only container_of takes a type among its arguments. */
static struct node *mk_type_call(struct parse_state *ps, const char *name, struct node_list args,
				 struct node *type, struct node_list path, struct loc l)
{
	struct node *n = mk_s(ps, N_CALL, name, l);
	if (strcmp(name, "container_of"))
		parse_error(ps, type->loc, "%s() does not take a type argument", name);
	n->list = list_add(ps, args, type);
	for (int i = 0; i < path.n; i++)
		node_list_push(ps->arena, &n->list, path.v[i]);
	return n;
}

/* `#ifdef X` / `#ifndef X` condition: defined(X), or !defined(X). */
static struct node *mk_defined(struct parse_state *ps, struct tok t, bool negate, struct loc l)
{
	struct node *c = mk_s(ps, N_CALL, "defined", l);
	node_list_push(ps->arena, &c->list, mk_s(ps, N_IDENT, t.s, t.loc2));
	return negate ? node_unop(ps->arena, OP_NOT, c, l) : c;
}

/* `#if expr` / `#elif expr`: the condition text parsed as an expression. */
static struct node *mk_ppcond(struct parse_state *ps, struct tok t, struct loc l)
{
	struct node *c = t.len2 ? parse_sub_expr(ps, t.s2, t.len2, t.loc2) : NULL;
	if (!c)
		parse_error(ps, l, "invalid preprocessor condition");
	return c;
}

/* `#define NAME value`; see the file header for the shape. */
static struct node *mk_define(struct parse_state *ps, struct tok t, struct loc l)
{
	struct node *n = mk_s(ps, N_DEFINE, t.s, l);
	if (!t.len2)
		return n;
	struct node *raw = mk(ps, N_STR, t.loc2);
	raw->str = t.s2;
	raw->ival = t.len2;
	n->b = raw;
	if (!t.ival)	/* not function-like */
		n->a = parse_sub_expr(ps, t.s2, t.len2, t.loc2);
	return n;
}
}

%union {
	struct tok tok;
	struct node *node;
	struct node_list list;
	const char *str;
	enum op op;
}

%token YYEOF 0 "end of file"
%token START_PROGRAM "start of program" START_EXPR "start of expression"
%token <tok> ATTACH "attach point"
%token <tok> IDENT "identifier" TYPE_WORD "type name" VAR "variable" MAP "map"
%token <tok> PARAM "positional parameter" INT "integer" STRING "string"
%token PARAMCOUNT "$#"
%token <tok> CDEF "struct definition"
%token <tok> PP_INCLUDE "#include" PP_DEFINE "#define" PP_IF "#if" PP_IFDEF "#ifdef"
%token <tok> PP_IFNDEF "#ifndef" PP_ELIF "#elif"
%token PP_ELSE "#else" PP_ENDIF "#endif"
%token ENDPRED "end of predicate"
%token IF "if" ELSE "else" WHILE "while" FOR "for" RETURN "return" BREAK "break"
%token CONTINUE "continue" SIZEOF "sizeof" OFFSETOF "offsetof" STRUCT "struct"
%token UNION "union" ENUM "enum" TYPEOF "typeof" COMPTIME "comptime"
%token <tok> UNROLL "unroll" LET "let" CONFIG "config" MACRO "macro" IMPORT "import"
%token LBRACE "{" RBRACE "}" LPAREN "(" RPAREN ")" LBRACKET "[" RBRACKET "]"
%token SEMI ";" COMMA "," COLON ":" QUESTION "?" DOT "." DOTDOT ".." ARROW "->"
%token PLUS "+" MINUS "-" STAR "*" SLASH "/" PERCENT "%" AMP "&" PIPE "|" CARET "^"
%token TILDE "~" BANG "!" LT "<" GT ">" LE "<=" GE ">=" EQ "==" NE "!="
%token SHL "<<" SHR ">>" LAND "&&" LOR "||" ASSIGN "=" INC "++" DEC "--"
%token ADD_ASSIGN "+=" SUB_ASSIGN "-=" MUL_ASSIGN "*=" DIV_ASSIGN "/=" MOD_ASSIGN "%="
%token AND_ASSIGN "&=" OR_ASSIGN "|=" XOR_ASSIGN "^=" SHL_ASSIGN "<<=" SHR_ASSIGN ">>="

%type <node> program pre_item probe pred block simple_stmt compound_stmt if_stmt
%type <node> macro_def map_decl config import pp_cond pp_open pp_rest define
%type <node> expr unary postfix primary mparam cfg_assign value rec_field typeof_type comptime
%type <list> preamble probes attach_list stmts args mparams mparam_list cfg_list field_path rec_fields
%type <str> type any_type base_type c_words ptrs array_opt field_name
%type <op> compound_op

/* Binary operators, lowest first; unary and postfix operators have rules of
 * their own (unary, postfix), which bind tighter than all of these. */
%right "?" ":"
%left "||"
%left "&&"
%left "|"
%left "^"
%left "&"
%left "==" "!="
%left "<" "<=" ">" ">="
%left "<<" ">>"
%left "+" "-"
%left "*" "/" "%"
/* `@m` followed by `[` is a keyed map access, not an index on a scalar map. */
%precedence MAP_ALONE
%precedence "["

%start start

%%

start:
		START_PROGRAM program	{ ps->result = $2; }
	|	START_EXPR expr		{ ps->result = $2; }
	;

/* program -> preamble probes: C definitions, config and imports first; then
 * probes, with macros and map declarations allowed among them. */
program:
		preamble probes {
			$$ = mk(ps, N_PROGRAM, @$);
			$$->list = $1;
			for (int i = 0; i < $2.n; i++)
				node_list_push(ps->arena, &$$->list, $2.v[i]);
		}
	;

preamble:
		%empty			{ $$ = (struct node_list){ 0 }; }
	|	preamble pre_item	{ $$ = list_add(ps, $1, $2); }
	;

pre_item:
		PP_INCLUDE		{ $$ = mk_s(ps, N_INCLUDE, $1.s, @$); }
	|	define			{ $$ = $1; }
	|	CDEF			{ $$ = mk_s(ps, N_CDEF, $1.s, @$); }
	|	pp_cond			{ $$ = $1; }
	|	config			{ $$ = $1; }
	|	import			{ $$ = $1; }
	|	macro_def		{ $$ = $1; }
	|	map_decl		{ $$ = $1; }
	;

define:
		PP_DEFINE		{ $$ = mk_define(ps, $1, @$); }
	;

/* pp_cond -> #if preamble [#elif preamble]... [#else preamble] #endif */
pp_cond:
		pp_open preamble pp_rest PP_ENDIF {
			$$ = mk_abc(ps, N_IF, $1, mk_block(ps, $2, @2), $3, @$);
		}
	;

pp_open:
		PP_IF			{ $$ = mk_ppcond(ps, $1, @$); }
	|	PP_IFDEF		{ $$ = mk_defined(ps, $1, false, @$); }
	|	PP_IFNDEF		{ $$ = mk_defined(ps, $1, true, @$); }
	;

pp_rest:
		%empty			{ $$ = NULL; }
	|	PP_ELSE preamble	{ $$ = mk_block(ps, $2, @$); }
	|	PP_ELIF preamble pp_rest {
			$$ = mk_abc(ps, N_IF, mk_ppcond(ps, $1, @1), mk_block(ps, $2, @2), $3, @$);
		}
	;

/* config -> config = { key = value; ... } */
config:
		CONFIG "=" "{" cfg_list "}" {
			$$ = mk_s(ps, N_CALL, "config", @$);
			$$->list = $4;
		}
	|	CONFIG "=" "{" cfg_list cfg_assign "}" {
			$$ = mk_s(ps, N_CALL, "config", @$);
			$$->list = list_add(ps, $4, $5);
		}
	|	config ";"		{ $$ = $1; }
	;

cfg_list:
		%empty			{ $$ = (struct node_list){ 0 }; }
	|	cfg_list ";"		{ $$ = $1; }
	|	cfg_list cfg_assign ";"	{ $$ = list_add(ps, $1, $2); }
	;

cfg_assign:
		IDENT "=" expr {
			$$ = mk_assign(ps, OP_ASSIGN, mk_s(ps, N_IDENT, $1.s, @1), $3, @$);
		}
	;

import:
		IMPORT STRING ";" {
			struct node *s = mk_s(ps, N_STR, $2.s, @2);
			s->ival = $2.len;
			$$ = mk_s(ps, N_CALL, "import", @$);
			$$->list = list1(ps, s);
		}
	;

/* macro_def -> macro name(params) block */
macro_def:
		MACRO IDENT "(" mparams ")" block {
			struct node *proto = mk_s(ps, N_CALL, $2.s, @2);
			proto->list = $4;
			$$ = mk_abc(ps, N_CALL, proto, $6, NULL, @$);
			$$->str = "macro";
		}
	;

mparams:
		%empty			{ $$ = (struct node_list){ 0 }; }
	|	mparam_list		{ $$ = $1; }
	;

mparam_list:
		mparam			{ $$ = list1(ps, $1); }
	|	mparam_list "," mparam	{ $$ = list_add(ps, $1, $3); }
	;

mparam:
		VAR			{ $$ = mk_s(ps, N_VAR, $1.s, @$); }
	|	IDENT			{ $$ = mk_s(ps, N_IDENT, $1.s, @$); }
	|	MAP			{ $$ = mk_s(ps, N_MAP, $1.s, @$); }
	;

/* map_decl -> let @m = expr; */
map_decl:
		LET MAP "=" expr ";" {
			$$ = mk_let(ps, mk_s(ps, N_MAP, $2.s, @2), NULL, @$, $4, @$);
		}
	;

probes:
		probe			{ $$ = list1(ps, $1); }
	|	probes probe		{ $$ = list_add(ps, $1, $2); }
	|	probes macro_def	{ $$ = list_add(ps, $1, $2); }
	|	probes map_decl		{ $$ = list_add(ps, $1, $2); }
	;

/* probe -> attach_point [, attach_point]... [/ predicate /] block */
probe:
		attach_list pred block {
			ps->probes++;
			$$ = mk_abc(ps, N_PROBE, $2, $3, NULL, @$);
			$$->list = $1;
		}
	;

attach_list:
		ATTACH			{ $$ = list1(ps, mk_s(ps, N_ATTACH, $1.s, @1)); }
	|	attach_list "," ATTACH	{ $$ = list_add(ps, $1, mk_s(ps, N_ATTACH, $3.s, @3)); }
	;

pred:
		%empty			{ $$ = NULL; }
	|	"/" expr ENDPRED	{ $$ = $2; }
	;

/* block -> { stmt [; stmt]... [;] }: `;` separates simple statements (the
 * last one may omit it); compound statements need none. */
block:
		"{" stmts "}"			{ $$ = mk_block(ps, $2, @$); }
	|	"{" stmts simple_stmt "}"	{ $$ = mk_block(ps, list_add(ps, $2, $3), @$); }
	|	"{" stmts error "}"		{ $$ = mk_block(ps, $2, @$); }
	;

stmts:
		%empty				{ $$ = (struct node_list){ 0 }; }
	|	stmts ";"			{ $$ = $1; }
	|	stmts simple_stmt ";"		{ $$ = list_add(ps, $1, $2); }
	|	stmts compound_stmt		{ $$ = list_add(ps, $1, $2); }
	|	stmts error ";"			{ $$ = $1; }
	;

simple_stmt:
		expr			{ $$ = mk_abc(ps, N_EXPR_STMT, $1, NULL, NULL, @$); }
	|	postfix "=" value	{ $$ = mk_assign(ps, OP_ASSIGN, $1, $3, @$); }
	|	postfix compound_op expr { $$ = mk_assign(ps, $2, $1, $3, @$); }
	|	LET VAR {
			$$ = mk_let(ps, mk_s(ps, N_VAR, $2.s, @2), NULL, @$, NULL, @$);
		}
	|	LET VAR "=" value {
			$$ = mk_let(ps, mk_s(ps, N_VAR, $2.s, @2), NULL, @$, $4, @$);
		}
	|	LET VAR ":" any_type {
			$$ = mk_let(ps, mk_s(ps, N_VAR, $2.s, @2), $4, @4, NULL, @$);
		}
	|	LET VAR ":" any_type "=" value {
			$$ = mk_let(ps, mk_s(ps, N_VAR, $2.s, @2), $4, @4, $6, @$);
		}
	|	LET VAR ":" typeof_type {
			$$ = mk_let(ps, mk_s(ps, N_VAR, $2.s, @2), NULL, @4, NULL, @$);
			$$->c = $4;
		}
	|	LET VAR ":" typeof_type "=" value {
			$$ = mk_let(ps, mk_s(ps, N_VAR, $2.s, @2), NULL, @4, $6, @$);
			$$->c = $4;
		}
	|	RETURN			{ $$ = mk(ps, N_RETURN, @$); }
	|	RETURN expr		{ $$ = mk_abc(ps, N_RETURN, $2, NULL, NULL, @$); }
	|	BREAK			{ $$ = mk(ps, N_BREAK, @$); }
	|	CONTINUE		{ $$ = mk(ps, N_CONTINUE, @$); }
	;

compound_op:
		"+="	{ $$ = OP_ADD; }
	|	"-="	{ $$ = OP_SUB; }
	|	"*="	{ $$ = OP_MUL; }
	|	"/="	{ $$ = OP_DIV; }
	|	"%="	{ $$ = OP_MOD; }
	|	"&="	{ $$ = OP_BAND; }
	|	"|="	{ $$ = OP_BOR; }
	|	"^="	{ $$ = OP_BXOR; }
	|	"<<="	{ $$ = OP_SHL; }
	|	">>="	{ $$ = OP_SHR; }
	;

compound_stmt:
		if_stmt				{ $$ = $1; }
	|	WHILE "(" expr ")" block	{ $$ = mk_abc(ps, N_WHILE, $3, $5, NULL, @$); }
	|	UNROLL "(" expr ")" block	{ $$ = mk_abc(ps, N_UNROLL, $3, $5, NULL, @$); }
	|	FOR "(" VAR ":" expr ")" block {
			$$ = mk_abc(ps, N_FOR, mk_s(ps, N_VAR, $3.s, @3), $5, $7, @$);
		}
	|	FOR "(" VAR ":" expr ".." expr ")" block {
			struct node *r = mk_abc(ps, N_RANGE, $5, $7, NULL, @5);
			r->loc.last_line = @7.last_line;
			r->loc.last_column = @7.last_column;
			$$ = mk_abc(ps, N_FOR, mk_s(ps, N_VAR, $3.s, @3), r, $9, @$);
		}
	|	block				{ $$ = $1; }
	;

/* if_stmt -> if (expr) block [else (block | if_stmt)]; `if comptime e` too */
if_stmt:
		IF "(" expr ")" block			{ $$ = mk_abc(ps, N_IF, $3, $5, NULL, @$); }
	|	IF "(" expr ")" block ELSE block	{ $$ = mk_abc(ps, N_IF, $3, $5, $7, @$); }
	|	IF "(" expr ")" block ELSE if_stmt	{ $$ = mk_abc(ps, N_IF, $3, $5, $7, @$); }
	|	IF comptime block			{ $$ = mk_abc(ps, N_IF, $2, $3, NULL, @$); }
	|	IF comptime block ELSE block		{ $$ = mk_abc(ps, N_IF, $2, $3, $5, @$); }
	|	IF comptime block ELSE if_stmt		{ $$ = mk_abc(ps, N_IF, $2, $3, $5, @$); }
	;

comptime:
		COMPTIME unary {
			$$ = mk_s(ps, N_CALL, "comptime", @$);
			$$->list = list1(ps, $2);
		}
	;

expr:
		expr "?" expr ":" expr	{ $$ = mk_abc(ps, N_TERNARY, $1, $3, $5, @$); }
	|	expr "?" ":" expr	{ $$ = mk_abc(ps, N_TERNARY, $1, NULL, $4, @$); }
	|	expr "||" expr		{ $$ = node_binop(ps->arena, OP_LOR, $1, $3, @$); }
	|	expr "&&" expr		{ $$ = node_binop(ps->arena, OP_LAND, $1, $3, @$); }
	|	expr "|" expr		{ $$ = node_binop(ps->arena, OP_BOR, $1, $3, @$); }
	|	expr "^" expr		{ $$ = node_binop(ps->arena, OP_BXOR, $1, $3, @$); }
	|	expr "&" expr		{ $$ = node_binop(ps->arena, OP_BAND, $1, $3, @$); }
	|	expr "==" expr		{ $$ = node_binop(ps->arena, OP_EQ, $1, $3, @$); }
	|	expr "!=" expr		{ $$ = node_binop(ps->arena, OP_NE, $1, $3, @$); }
	|	expr "<" expr		{ $$ = node_binop(ps->arena, OP_LT, $1, $3, @$); }
	|	expr "<=" expr		{ $$ = node_binop(ps->arena, OP_LE, $1, $3, @$); }
	|	expr ">" expr		{ $$ = node_binop(ps->arena, OP_GT, $1, $3, @$); }
	|	expr ">=" expr		{ $$ = node_binop(ps->arena, OP_GE, $1, $3, @$); }
	|	expr "<<" expr		{ $$ = node_binop(ps->arena, OP_SHL, $1, $3, @$); }
	|	expr ">>" expr		{ $$ = node_binop(ps->arena, OP_SHR, $1, $3, @$); }
	|	expr "+" expr		{ $$ = node_binop(ps->arena, OP_ADD, $1, $3, @$); }
	|	expr "-" expr		{ $$ = node_binop(ps->arena, OP_SUB, $1, $3, @$); }
	|	expr "*" expr		{ $$ = node_binop(ps->arena, OP_MUL, $1, $3, @$); }
	|	expr "/" expr		{ $$ = node_binop(ps->arena, OP_DIV, $1, $3, @$); }
	|	expr "%" expr		{ $$ = node_binop(ps->arena, OP_MOD, $1, $3, @$); }
	|	unary			{ $$ = $1; }
	;

unary:
		postfix			{ $$ = $1; }
	|	"-" unary		{ $$ = node_unop(ps->arena, OP_NEG, $2, @$); }
	|	"!" unary		{ $$ = node_unop(ps->arena, OP_NOT, $2, @$); }
	|	"~" unary		{ $$ = node_unop(ps->arena, OP_BNOT, $2, @$); }
	|	"*" unary		{ $$ = node_unop(ps->arena, OP_DEREF, $2, @$); }
	|	"&" unary		{ $$ = node_unop(ps->arena, OP_ADDR, $2, @$); }
	|	"++" unary		{ $$ = mk_incdec(ps, OP_PREINC, $2, @$); }
	|	"--" unary		{ $$ = mk_incdec(ps, OP_PREDEC, $2, @$); }
	|	comptime		{ $$ = $1; }
	|	"(" type ")" unary {
			$$ = mk_abc(ps, N_CAST, $4, NULL, NULL, @$);
			$$->str = $2;
		}
	|	"(" typeof_type ")" unary {
			$$ = mk_abc(ps, N_CAST, $4, $2, NULL, @$);
			$$->str = "typeof";
		}
	;

postfix:
		primary				{ $$ = $1; }
	|	postfix "." field_name		{ $$ = mk_field(ps, OP_DOT, $1, $3, @$); }
	|	postfix "->" field_name		{ $$ = mk_field(ps, OP_ARROW, $1, $3, @$); }
	|	postfix "." INT {
			$$ = mk_abc(ps, N_TUPLE_INDEX, $1, NULL, NULL, @$);
			$$->ival = $3.ival;
		}
	|	postfix "[" expr "]"		{ $$ = mk_abc(ps, N_INDEX, $1, $3, NULL, @$); }
	|	postfix "++"			{ $$ = mk_incdec(ps, OP_POSTINC, $1, @$); }
	|	postfix "--"			{ $$ = mk_incdec(ps, OP_POSTDEC, $1, @$); }
	;

primary:
		INT {
			$$ = mk(ps, N_INT, @$);
			$$->ival = $1.ival;
		}
	|	STRING {
			$$ = mk_s(ps, N_STR, $1.s, @$);
			$$->ival = $1.len;
		}
	|	IDENT			{ $$ = mk_s(ps, N_IDENT, $1.s, @$); }
	|	VAR			{ $$ = mk_s(ps, N_VAR, $1.s, @$); }
	|	PARAM {
			$$ = mk(ps, N_POSPARAM, @$);
			$$->ival = $1.ival;
		}
	|	PARAMCOUNT		{ $$ = mk(ps, N_POSCOUNT, @$); }
	|	MAP %prec MAP_ALONE	{ $$ = mk_s(ps, N_MAP, $1.s, @$); }
	|	MAP "[" args "]" {
			$$ = mk_s(ps, N_MAP, $1.s, @$);
			$$->list = $3;
		}
	|	IDENT "(" ")"		{ $$ = mk_s(ps, N_CALL, $1.s, @$); }
	|	IDENT "(" args ")" {
			$$ = mk_s(ps, N_CALL, $1.s, @$);
			$$->list = $3;
		}
	|	IDENT "(" args "," type "," field_path ")" {
			$$ = mk_type_call(ps, $1.s, $3, mk_s(ps, N_CAST, $5, @5), $7, @$);
		}
	|	"(" expr ")"		{ $$ = $2; }
	|	"(" ")"			{ $$ = mk(ps, N_TUPLE, @$); }
	|	"(" expr "," ")" {
			$$ = mk(ps, N_TUPLE, @$);
			$$->list = list1(ps, $2);
		}
	|	"(" expr "," args ")" {
			$$ = mk(ps, N_TUPLE, @$);
			$$->list = list1(ps, $2);
			for (int i = 0; i < $4.n; i++)
				node_list_push(ps->arena, &$$->list, $4.v[i]);
		}
	|	"(" expr "," args "," ")" {
			$$ = mk(ps, N_TUPLE, @$);
			$$->list = list1(ps, $2);
			for (int i = 0; i < $4.n; i++)
				node_list_push(ps->arena, &$$->list, $4.v[i]);
		}
	|	"(" rec_fields ")" {
			$$ = mk(ps, N_TUPLE, @$);
			$$->list = $2;
		}
	|	"(" rec_fields "," ")" {
			$$ = mk(ps, N_TUPLE, @$);
			$$->list = $2;
		}
	|	SIZEOF "(" type ")"	{ $$ = mk_s(ps, N_SIZEOF, $3, @$); }
	|	SIZEOF "(" expr ")"	{ $$ = mk_abc(ps, N_SIZEOF, $3, NULL, NULL, @$); }
	|	SIZEOF "(" typeof_type ")" { $$ = mk_abc(ps, N_SIZEOF, $3, NULL, NULL, @$); }
	|	OFFSETOF "(" type "," field_path ")" {
			$$ = mk_s(ps, N_CALL, "offsetof", @$);
			$$->list = list1(ps, mk_s(ps, N_CAST, $3, @3));
			for (int i = 0; i < $5.n; i++)
				node_list_push(ps->arena, &$$->list, $5.v[i]);
		}
	|	OFFSETOF "(" expr "," field_path ")" {
			$$ = mk_s(ps, N_CALL, "offsetof", @$);
			$$->list = list1(ps, $3);
			for (int i = 0; i < $5.n; i++)
				node_list_push(ps->arena, &$$->list, $5.v[i]);
		}
	|	OFFSETOF "(" typeof_type "," field_path ")" {
			$$ = mk_s(ps, N_CALL, "offsetof", @$);
			$$->list = list1(ps, $3);
			for (int i = 0; i < $5.n; i++)
				node_list_push(ps->arena, &$$->list, $5.v[i]);
		}
	;

/* typeof(expr) | typeof(TYPE): a type-name node (see the file header). */
typeof_type:
		TYPEOF "(" expr ")" {
			$$ = mk_abc(ps, N_CAST, NULL, $3, NULL, @$);
			$$->str = "typeof";
		}
	|	TYPEOF "(" type ")" {
			$$ = mk_abc(ps, N_CAST, NULL, mk_s(ps, N_CAST, $3, @3), NULL, @$);
			$$->str = "typeof";
		}
	|	TYPEOF "(" typeof_type ")" {
			$$ = mk_abc(ps, N_CAST, NULL, $3, NULL, @$);
			$$->str = "typeof";
		}
	;

args:
		value			{ $$ = list1(ps, $1); }
	|	args "," value		{ $$ = list_add(ps, $1, $3); }
	;

/* value -> expr | block: where a value is wanted (right of `=`, call and
 * tuple arguments, record fields), a block is a block expression whose
 * value is its last statement, an expression without `;` (latest bpftrace).
 * A statement that starts with `{` stays a block statement. */
value:
		expr			{ $$ = $1; }
	|	block			{ $$ = $1; }
	;

/* record fields: (name = value, ...); N_ASSIGN a = N_IDENT name, b = value */
rec_fields:
		rec_field			{ $$ = list1(ps, $1); }
	|	rec_fields "," rec_field	{ $$ = list_add(ps, $1, $3); }
	;

rec_field:
		IDENT "=" value {
			$$ = mk_assign(ps, OP_ASSIGN, mk_s(ps, N_IDENT, $1.s, @1), $3, @$);
		}
	;

field_path:
		field_name			{ $$ = list1(ps, mk_s(ps, N_IDENT, $1, @1)); }
	|	field_path "." field_name	{ $$ = list_add(ps, $1, mk_s(ps, N_IDENT, $3, @3)); }
	;

/* Names after `.` / `->`: identifiers, plus the words that are keywords
 * here but can be C member names. */
field_name:
		IDENT		{ $$ = $1.s; }
	|	TYPE_WORD	{ $$ = $1.s; }
	|	UNROLL		{ $$ = $1.s; }
	|	LET		{ $$ = $1.s; }
	|	CONFIG		{ $$ = $1.s; }
	|	MACRO		{ $$ = $1.s; }
	|	IMPORT		{ $$ = $1.s; }
	|	TYPEOF		{ $$ = "typeof"; }
	|	COMPTIME	{ $$ = "comptime"; }
	;

/* Types in casts, sizeof and offsetof start with a type word (int8 ..
 * uint64, C base types) or struct/union/enum, which keeps `(x) - 1` an
 * expression. The text is normalised: "unsigned int", "struct sock *",
 * "uint8 **", "uint8[4]". */
type:
		base_type ptrs array_opt {
			$$ = arena_printf(ps->arena, "%s%s%s%s", $1, *$2 ? " " : "", $2, $3);
		}
	;

/* `let $x: T`: any identifier may name a type there (string, inet, ...). */
any_type:
		type			{ $$ = $1; }
	|	IDENT ptrs array_opt {
			$$ = arena_printf(ps->arena, "%s%s%s%s", $1.s, *$2 ? " " : "", $2, $3);
		}
	;

base_type:
		c_words			{ $$ = $1; }
	|	STRUCT IDENT		{ $$ = arena_printf(ps->arena, "struct %s", $2.s); }
	|	UNION IDENT		{ $$ = arena_printf(ps->arena, "union %s", $2.s); }
	|	ENUM IDENT		{ $$ = arena_printf(ps->arena, "enum %s", $2.s); }
	;

c_words:
		TYPE_WORD		{ $$ = $1.s; }
	|	c_words TYPE_WORD	{ $$ = arena_printf(ps->arena, "%s %s", $1, $2.s); }
	;

ptrs:
		%empty			{ $$ = ""; }
	|	ptrs "*"		{ $$ = arena_printf(ps->arena, "%s*", $1); }
	;

array_opt:
		%empty			{ $$ = ""; }
	|	"[" INT "]"		{ $$ = arena_printf(ps->arena, "[%" PRId64 "]", $2.ival); }
	;

%%

/* Token names for messages: the alias without its quotes ("{" -> {). */
static const char *token_display(yysymbol_kind_t k)
{
	if (k == YYSYMBOL_ENDPRED)
		return "/";
	const char *s = yysymbol_name(k);
	if (s[0] != '"')
		return s;
	static char buf[4][32];
	static int slot;
	char *b = buf[slot++ & 3];
	size_t n = strlen(s);
	if (n < 2 || n - 2 >= sizeof(buf[0]))
		return s;
	memcpy(b, s + 1, n - 2);
	b[n - 2] = 0;
	return b;
}

/* The expected tokens of a syntax error, without `comptime` and `typeof`:
 * the words that may open a condition or a type besides those the messages
 * name (as before they existed); 0 when more than 4 are left. */
static int expected_tokens(const yypcontext_t *ctx, yysymbol_kind_t *out)
{
	yysymbol_kind_t all[6];
	int n = yypcontext_expected_tokens(ctx, all, 6);
	if (n <= 0)
		return n;
	int k = 0;
	for (int i = 0; i < n; i++)
		if (all[i] != YYSYMBOL_COMPTIME && all[i] != YYSYMBOL_TYPEOF && k < 5)
			all[k++] = all[i];
	if (k > 4)
		return 0;
	memcpy(out, all, sizeof(*all) * (size_t)k);
	return k;
}

/* "syntax error, unexpected X, expecting A or B" as bison's verbose mode
 * words it, with the expected list left out when it has more than 4 entries. */
static int yyreport_syntax_error(const yypcontext_t *ctx, struct parse_state *ps, void *scanner)
{
	yysymbol_kind_t expected[4];
	int n = expected_tokens(ctx, expected);
	if (n < 0)
		return n;
	char msg[256];
	int len = snprintf(msg, sizeof(msg), "syntax error, unexpected %s",
			   token_display(yypcontext_token(ctx)));
	for (int i = 0; i < n && len < (int)sizeof(msg); i++)
		len += snprintf(msg + len, sizeof(msg) - (size_t)len, "%s%s",
				i == 0 ? ", expecting " : " or ", token_display(expected[i]));
	int before = ps->diag->errors;
	parse_error(ps, *yypcontext_location(ctx), "%s", msg);
	struct loc open;
	if (ps->diag->errors == before || yypcontext_token(ctx) != YYSYMBOL_YYEOF)
		return 0;
	if (lex_unclosed_brace(scanner, &open))
		diag_hint(ps->diag, "the { at line %d, column %d is not closed",
			  open.first_line, open.first_column);
	else if (ps->probes == 0)
		diag_hint(ps->diag, "a program needs at least one probe, e.g. BEGIN { ... }");
	return 0;
}

static void bs_error(BS_LTYPE *loc, struct parse_state *ps, void *scanner, const char *msg)
{
	(void)scanner;
	if (!strcmp(msg, "memory exhausted"))
		msg = "program nested too deeply";
	parse_error(ps, *loc, "%s", msg);
}
