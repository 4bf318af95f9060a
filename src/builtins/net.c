/* net.c - addresses and ids: ntop(), pton(), macaddr() and cgroupid().
 *
 * ntop() builds an inet value (event_abi.h: int64 family, 16 address
 * bytes) that the runtime prints with inet_ntop; pton() and cgroupid() are
 * computed at compile time; macaddr() carries 6 bytes (in an 8-byte value)
 * printed as XX:XX:XX:XX:XX:XX. Messages follow bpftrace. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/bpf.h>
#include "sema/builtin.h"
#include "sema/sema.h"
#include "codegen/cg.h"

static const char *tn(struct sema *s, const struct type *t)
{
	return type_name(sema_arena(s), t);
}

/* Arrays of bytes, as tracepoint fields (u8 saddr[4]) and pton() give them. */
static bool byte_array(const struct type *t)
{
	return t->kind == TY_ARRAY && t->elem && t->elem->size == 1;
}

/* ---- ntop([af, ] addr) ------------------------------------------------- */

static int check_ntop(struct sema *s, struct node *n)
{
	struct node *addr = n->list.v[n->list.n - 1];
	if (n->list.n == 2) {
		struct type *af = sema_expr(s, n->list.v[0]);
		if (!af)
			return -1;
		if (!type_is_int(af)) {
			sema_error(s, n->list.v[0]->loc, "ntop() expects an integer as the address family (%s provided)",
				   tn(s, af));
			return -1;
		}
	}
	struct type *t = sema_expr(s, addr);
	if (!t)
		return -1;
	if (t->kind != TY_INT && t->kind != TY_ARRAY && t->kind != TY_STR) {
		sema_error(s, n->loc, "ntop() expects an integer or array argument, got %s", tn(s, t));
		return -1;
	}
	if (t->kind != TY_INT && t->size != 4 && t->size != 16) {
		sema_error(s, n->loc, "ntop() argument must be 4 or 16 bytes in size");
		return -1;
	}
	n->type = type_simple(sema_arena(s), TY_INET, 24);
	n->type->align = 8;
	return 0;
}

static void emit_ntop(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	struct node *addr = n->list.v[n->list.n - 1];
	struct type *t = addr->type;
	cg_memset0(cg, dst, 24);
	LLVMValueRef af;
	if (n->list.n == 2)
		af = cg_expr(cg, n->list.v[0]);
	else
		af = cg_i64(cg, t->kind == TY_ARRAY && t->size == 16 ? AF_INET6 : AF_INET);
	if (t->kind != TY_INT) {
		LLVMValueRef tmp = cg_alloca(cg, t->size, "ntop_addr");
		cg_expr_into(cg, addr, tmp);
		cg_memcpy(cg, cg_gep(cg, dst, 8), tmp, t->size);
	} else {
		/* an integer holds the IPv4 address as it sits in memory */
		LLVMValueRef v = cg_expr(cg, addr);
		LLVMBuildStore(cg->b, LLVMBuildTrunc(cg->b, v, cg->i32, ""), cg_gep(cg, dst, 8));
	}
	cg_store_i64(cg, dst, af);
}

/* ---- pton("addr") ------------------------------------------------------ */

static int check_pton(struct sema *s, struct node *n)
{
	struct node *a = n->list.v[0];
	if (a->kind != N_STR) {
		struct type *t = sema_expr(s, a);
		sema_error(s, n->loc, "pton() expects an string argument of an IPv4/IPv6 address, got %s",
			   t ? tn(s, t) : "none");
		return -1;
	}
	unsigned char b[16];
	int len;
	if (inet_pton(AF_INET, a->str, b) == 1) {
		len = 4;
	} else if (inet_pton(AF_INET6, a->str, b) == 1) {
		len = 16;
	} else {
		sema_error(s, n->loc, "pton() expects a valid IPv4/IPv6 address, got %s", a->str);
		return -1;
	}
	n->type = type_array(sema_arena(s), type_int(1, false), len);
	n->sem_id = len;
	return 0;
}

static void emit_pton(struct cg *cg, struct node *n, LLVMValueRef dst)
{
	unsigned char b[16];
	const char *str = n->list.v[0]->str;
	if (inet_pton(n->sem_id == 4 ? AF_INET : AF_INET6, str, b) != 1)
		memset(b, 0, sizeof(b));
	for (int i = 0; i < n->sem_id; i++)
		LLVMBuildStore(cg->b, LLVMConstInt(cg->i8, b[i], 0), cg_gep(cg, dst, i));
}

/* ---- macaddr(addr) ----------------------------------------------------- */

static int check_macaddr(struct sema *s, struct node *n)
{
	struct node *a = n->list.v[0];
	struct type *t = sema_expr(s, a);
	if (!t)
		return -1;
	if (t->kind != TY_ARRAY && t->kind != TY_PTR) {
		sema_error(s, n->loc, "macaddr() only supports array or pointer arguments (%s provided)",
			   type_is_int(t) ? "integer" : tn(s, t));
		return -1;
	}
	if (t->kind == TY_ARRAY && (!byte_array(t) || t->size < 6)) {
		sema_error(s, n->loc, "macaddr() argument must be at least 6 bytes in size (%s provided)", tn(s, t));
		return -1;
	}
	/* six bytes in an 8-byte value: it travels like an integer */
	n->type = type_simple(sema_arena(s), TY_MACADDR, 8);
	n->type->align = 8;
	return 0;
}

static LLVMValueRef emit_macaddr(struct cg *cg, struct node *n)
{
	struct node *a = n->list.v[0];
	LLVMValueRef tmp = cg_alloca(cg, 8, "mac");
	cg_memset0(cg, tmp, 8);
	if (a->type->kind == TY_ARRAY) {
		LLVMValueRef src = cg_alloca(cg, a->type->size, "mac_src");
		cg_expr_into(cg, a, src);
		cg_memcpy(cg, tmp, src, 6);
	} else {
		LLVMValueRef p = LLVMBuildIntToPtr(cg->b, cg_expr(cg, a), cg->ptr, "");
		cg_probe_read(cg, tmp, 6, p, a->type->as);
	}
	return cg_load_int(cg, tmp, 8, false);
}

/* ---- cgroupid("path") -------------------------------------------------- */

/* The cgroup v2 id of a cgroup directory: its file handle (kernfs node id),
 * what bpf_get_current_cgroup_id() returns for tasks in it. */
static int cgroup_id(const char *path, uint64_t *id)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h;
	int mount_id;
	h.fh.handle_bytes = sizeof(h.id);
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) < 0)
		return -1;
	if (h.fh.handle_bytes != 8) {
		errno = EINVAL;
		return -1;
	}
	memcpy(id, h.fh.f_handle, 8);
	return 0;
}

static int check_cgroupid(struct sema *s, struct node *n)
{
	struct node *a = n->list.v[0];
	n->type = type_int(8, false);
	if (a->kind != N_STR) {
		struct type *t = sema_expr(s, a);
		sema_error(s, n->loc, "cgroupid() expects a string literal (%s provided)",
			   !t ? "none" : type_is_int(t) ? "integer" : tn(s, t));
		return -1;
	}
	uint64_t id;
	if (cgroup_id(a->str, &id) < 0) {
		sema_error(s, n->loc, "Failed to get `cgroupid` for path: \"%s\": %s", a->str, strerror(errno));
		return -1;
	}
	n->ival = (int64_t)id;
	sema_resolved(s, "cgroupid", a->str, id);
	return 0;
}

const struct builtin builtins_net[] = {
	{ .name = "ntop", .kind = B_FUNC, .min_args = 1, .max_args = 2, .check = check_ntop,
	  .emit_into = emit_ntop },
	{ .name = "pton", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_pton,
	  .emit_into = emit_pton },
	{ .name = "macaddr", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_macaddr,
	  .emit = emit_macaddr },
	{ .name = "cgroupid", .kind = B_FUNC, .min_args = 1, .max_args = 1, .check = check_cgroupid,
	  .is_const = true },
	{ .name = NULL },
};
