/* prefault_test.c - the LLVM plugin's writable segments are populated by
 * libbpfscript-prefault.so's IFUNC resolver while dlopen() loads the plugin
 * (src/codegen/prefault_hook.c). If a toolchain or C library change made the
 * resolver run too early or not at all, bpfscript would still work, only
 * ~2 ms slower on every compile: this says so instead.
 *
 *   prefault_test PLUGIN_PATH */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: prefault_test PLUGIN\n");
		return 2;
	}
	void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		printf("FAIL cannot load the plugin: %s\n", dlerror());
		return 1;
	}
	/* the plugin's dependency, loaded with it */
	void *dep = dlopen("libbpfscript-prefault.so", RTLD_NOW | RTLD_NOLOAD);
	int (*count)(void) = dep ? (int (*)(void))dlsym(dep, "bpfs_prefault_count") : NULL;
	if (!count) {
		printf("FAIL libbpfscript-prefault.so was not loaded with the plugin\n");
		return 1;
	}
	int n = count();
	if (n < 2) {
		printf("FAIL the resolver populated %d of the plugin's 2 writable segments\n", n);
		return 1;
	}
	printf("ok: %d writable segments populated before relocation\n", n);
	return 0;
}
