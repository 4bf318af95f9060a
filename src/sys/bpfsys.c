/* bpfsys.c - see bpfsys.h. */
#include "sys/bpfsys.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>

static void raise_memlock(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	/* best effort: kernels >= 5.11 ignore it; without CAP_SYS_RESOURCE, up
	 * to the hard limit */
	struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };
	if (setrlimit(RLIMIT_MEMLOCK, &r) < 0 && getrlimit(RLIMIT_MEMLOCK, &r) == 0) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_MEMLOCK, &r);
	}
}

static int sys_bpf(enum bpf_cmd cmd, union bpf_attr *attr, unsigned size)
{
	return (int)syscall(__NR_bpf, cmd, attr, size);
}

static void set_name(char dst[BPF_OBJ_NAME_LEN], const char *name)
{
	if (!name)
		return;
	size_t n = strlen(name);
	if (n > BPF_OBJ_NAME_LEN - 1)
		n = BPF_OBJ_NAME_LEN - 1;
	memcpy(dst, name, n);
}

int bpfsys_map_create(enum bpf_map_type type, const char *name, unsigned key_size, unsigned value_size,
		      unsigned max_entries)
{
	raise_memlock();
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = type;
	attr.key_size = key_size;
	attr.value_size = value_size;
	attr.max_entries = max_entries;
	set_name(attr.map_name, name);
	return sys_bpf(BPF_MAP_CREATE, &attr, sizeof(attr));
}

int bpfsys_fd_reserve(int of)
{
	return fcntl(of, F_DUPFD_CLOEXEC, 3);
}

int bpfsys_map_create_at(int at, enum bpf_map_type type, const char *name, unsigned key_size,
			 unsigned value_size, unsigned max_entries)
{
	int fd = bpfsys_map_create(type, name, key_size, value_size, max_entries);
	if (fd < 0)
		return -1;
	/* dup2() clears close-on-exec, which every bpf() fd has */
	int rc = dup2(fd, at) < 0 || fcntl(at, F_SETFD, FD_CLOEXEC) < 0 ? -1 : 0;
	int err = errno;
	close(fd);
	errno = err;
	return rc;
}

int bpfsys_prog_load(enum bpf_prog_type type, const char *name, const struct bpf_insn *insns, size_t n,
		     const struct bpf_prog_load_opts *o)
{
	raise_memlock();
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = type;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)n;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	set_name(attr.prog_name, name);
	if (o) {
		attr.expected_attach_type = o->expected_attach_type;
		attr.prog_btf_fd = o->prog_btf_fd;
		attr.prog_flags = o->prog_flags;
		attr.prog_ifindex = o->prog_ifindex;
		attr.kern_version = o->kern_version;
		attr.attach_btf_id = o->attach_btf_id;
		if (o->attach_prog_fd)
			attr.attach_prog_fd = o->attach_prog_fd;
		else
			attr.attach_btf_obj_fd = o->attach_btf_obj_fd;
		attr.fd_array = (uint64_t)(uintptr_t)o->fd_array;
		attr.func_info = (uint64_t)(uintptr_t)o->func_info;
		attr.func_info_cnt = o->func_info_cnt;
		attr.func_info_rec_size = o->func_info_rec_size;
		attr.line_info = (uint64_t)(uintptr_t)o->line_info;
		attr.line_info_cnt = o->line_info_cnt;
		attr.line_info_rec_size = o->line_info_rec_size;
		attr.log_level = o->log_level;
		attr.log_size = o->log_size;
		attr.log_buf = (uint64_t)(uintptr_t)o->log_buf;
	}
	int fd, attempts = 5;
	do
		fd = sys_bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
	while (fd < 0 && errno == EAGAIN && --attempts > 0);
	return fd;
}

int bpfsys_prog_load_empty(enum bpf_prog_type type, enum bpf_attach_type eat, const char *name)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = eat);
	return bpfsys_prog_load(type, name, insns, 2, &o);
}

bool bpfsys_prog_has_helper(enum bpf_prog_type type, enum bpf_attach_type eat, uint32_t btf_id, int func)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_JMP | BPF_CALL, .imm = func },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char log[4096] = "";   /* zeroed: valgrind does not see the kernel write it */
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = eat, .attach_btf_id = btf_id,
		    .log_buf = log, .log_size = sizeof(log), .log_level = 1);
	int fd = bpfsys_prog_load(type, NULL, insns, 2, &o);
	if (fd >= 0) {
		close(fd);
		return true;
	}
	if (!log[0])
		return false;   /* the program type itself did not load */
	/* "program of this type cannot use helper": bpf_override_return without
	 * CONFIG_BPF_KPROBE_OVERRIDE */
	return !strstr(log, "invalid func") && !strstr(log, "unknown func") &&
	       !strstr(log, "cannot call") && !strstr(log, "not allowed") &&
	       !strstr(log, "not supported") && !strstr(log, "cannot use helper");
}

/* link_create with its uprobe_multi member, as the kernel lays it out. */
struct link_create_umulti {
	uint32_t prog_fd, target_fd, attach_type, flags;
	uint64_t path, offsets, ref_ctr_offsets, cookies;
	uint32_t cnt, uflags, pid;
};
_Static_assert(offsetof(struct link_create_umulti, path) == 16 &&
		       offsetof(struct link_create_umulti, cnt) == 48 &&
		       offsetof(struct link_create_umulti, pid) == 56,
	       "link_create.uprobe_multi layout");

int bpfsys_uprobe_multi(int prog_fd, const char *path, const uint64_t *offsets, const uint64_t *ref_ctr_offsets,
			const uint64_t *cookies, uint32_t cnt, uint32_t flags, uint32_t pid)
{
	union {
		union bpf_attr attr;
		struct link_create_umulti lc;
	} u;
	memset(&u, 0, sizeof(u));
	u.lc.prog_fd = (uint32_t)prog_fd;
	u.lc.attach_type = BPFSYS_TRACE_UPROBE_MULTI;
	u.lc.path = (uint64_t)(uintptr_t)path;
	u.lc.offsets = (uint64_t)(uintptr_t)offsets;
	u.lc.ref_ctr_offsets = (uint64_t)(uintptr_t)ref_ctr_offsets;
	u.lc.cookies = (uint64_t)(uintptr_t)cookies;
	u.lc.cnt = cnt;
	u.lc.uflags = flags;
	u.lc.pid = pid;
	return sys_bpf(BPF_LINK_CREATE, &u.attr, sizeof(u));
}

bool bpfsys_cpu_v4(void)
{
	static int known = -1;
	if (known >= 0)
		return known;
	const char *env = getenv("BPFSCRIPT_BPF_CPU");
	if (env && (!strcmp(env, "v3") || !strcmp(env, "v4")))
		return (known = !strcmp(env, "v4"));
	/* gotol +0 (BPF_JMP32 | BPF_JA with the offset in imm), r0 = 0, exit:
	 * only a kernel that knows cpu v4's instructions (6.6) accepts it */
	const struct bpf_insn insns[] = {
		{ .code = BPF_JMP32 | BPF_JA, .imm = 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpfsys_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, insns, 3, NULL);
	if (fd >= 0)
		close(fd);
	return (known = fd >= 0);
}
