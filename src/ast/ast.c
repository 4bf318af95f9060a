/* ast.c - node constructors and names; see ast.h. The dumper is ast_dump.c. */
#include "ast/ast.h"

const char *node_kind_name(enum node_kind k)
{
	static const char *const names[] = {
#define X(k, n) n,
		NODE_KINDS(X)
#undef X
	};
	return names[k];
}

const char *op_name(enum op op)
{
	static const char *const names[] = {
#define X(k, n) n,
		OP_KINDS(X)
#undef X
	};
	return names[op];
}

struct node *node_new(struct arena *a, enum node_kind k, struct loc loc)
{
	struct node *n = arena_alloc(a, sizeof(*n));
	n->kind = k;
	n->loc = loc;
	return n;
}

void node_list_push(struct arena *a, struct node_list *l, struct node *n)
{
	if (l->n == l->cap) {
		int ncap = l->cap ? l->cap * 2 : 4;
		l->v = arena_realloc(a, l->v, sizeof(*l->v) * (size_t)l->cap, sizeof(*l->v) * (size_t)ncap);
		l->cap = ncap;
	}
	l->v[l->n++] = n;
}

struct node *node_binop(struct arena *a, enum op op, struct node *l, struct node *r, struct loc loc)
{
	struct node *n = node_new(a, N_BINOP, loc);
	n->op = op;
	n->a = l;
	n->b = r;
	return n;
}

struct node *node_unop(struct arena *a, enum op op, struct node *x, struct loc loc)
{
	struct node *n = node_new(a, N_UNOP, loc);
	n->op = op;
	n->a = x;
	return n;
}

struct node *node_clone(struct arena *a, const struct node *n, bool keep_sem)
{
	if (!n)
		return NULL;
	struct node *c = node_new(a, n->kind, n->loc);
	*c = *n;
	c->list = (struct node_list){ 0 };
	for (int i = 0; i < n->list.n; i++)
		node_list_push(a, &c->list, node_clone(a, n->list.v[i], keep_sem));
	c->a = node_clone(a, n->a, keep_sem);
	c->b = node_clone(a, n->b, keep_sem);
	c->c = node_clone(a, n->c, keep_sem);
	if (!keep_sem) {
		c->type = NULL;
		c->sem = NULL;
	}
	return c;
}
