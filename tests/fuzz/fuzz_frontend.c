/* fuzz_frontend.c - libFuzzer target for the front end: each input is a
 * script, run in-process through the lexer, the parser, attach-point
 * expansion, the type checker and code generation down to verified LLVM IR
 * (struct options.ir_only): no optimisation, no BPF object, nothing loaded
 * or attached (LLVM's back end under ASan costs ~0.5 s a run).
 *
 * Built only with -DBPFSCRIPT_FUZZ=ON and clang (tests/fuzz.cmake); run by
 * tests/fuzz/run.sh (CI: scripts/test.sh). Code generation creates its maps,
 * as a real run does, so the target runs as root. Besides the sanitizers'
 * findings, a run that leaves a file descriptor open is a crash: thousands of
 * runs in one process would otherwise hit the fd limit and hide the cause.
 *
 * The input reaches the driver as a file (a memfd), so NUL bytes and
 * invalid UTF-8 take the same path as in `bpfscript FILE`. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "driver.h"
#include "sys/tracefs.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int script_fd = -1;
static char script_path[64];
static FILE *report;             /* stderr as it was at init (-close_fd_mask closes 2) */

/* The open file descriptors below MAXFD, as a bitmap. Compared before and
 * after a run: libFuzzer itself may open some between runs (the symbolizer
 * pipe of its NEW_FUNC lines), which is not ours to report. */
#define MAXFD 1024
static void open_fds(unsigned char *set)
{
	memset(set, 0, MAXFD / 8);
	for (int fd = 0; fd < MAXFD; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			set[fd / 8] |= (unsigned char)(1u << (fd % 8));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	script_fd = memfd_create("fuzz-script", MFD_CLOEXEC);
	if (script_fd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(script_path, sizeof(script_path), "/proc/self/fd/%d", script_fd);
	int efd = fcntl(2, F_DUPFD_CLOEXEC, 100);
	report = efd >= 0 ? fdopen(efd, "w") : stderr;
	tracefs_set_strlen(64);
	/* never the user's compiled-object cache */
	setenv("BPFSCRIPT_NO_CACHE", "1", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return -1;   /* huge scripts have their own test; keep runs fast */
	if (ftruncate(script_fd, 0) < 0 || pwrite(script_fd, data, size, 0) != (ssize_t)size)
		abort();
	unsigned char before[MAXFD / 8], after[MAXFD / 8];
	open_fds(before);
	struct options o = {
		.file = script_path,
		.warning_level = 1,
		.strlen = 64,
		.map_keys_max = 4096,
		.max_probes = 1024,
		.max_bpf_progs = 1024,
		.cat_bytes_max = 10240,
		.cache_user_symbols = -1,
		.ir_only = true,
	};
	driver_run(&o);
	open_fds(after);
	for (int fd = 0; fd < MAXFD; fd++) {
		if (!(after[fd / 8] & ~before[fd / 8] & (1u << (fd % 8))))
			continue;
		char link[64], target[256] = "?";
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = 0;
		fprintf(report, "fuzz_frontend: file descriptor %d (%s) left open by this input\n", fd, target);
		fflush(report);
		abort();
	}
	return 0;
}
