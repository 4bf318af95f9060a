#!/bin/sh
# cross_check.sh CLANG SRC_DIR GEN_DIR LLVM_INCLUDE_DIR - every C source of bpfscript compiles
# for arm64 (clang --target=aarch64-linux-gnu -fsyntax-only against Debian's arm64 cross
# headers, packages libc6-dev-arm64-cross and linux-libc-dev-arm64-cross, which deps.sh
# installs): code that assumes x86-64 without a table in util/arch.c, or per-architecture
# code without an arm64 branch, fails here on an x86-64 machine. Exits 0 with a note when
# the cross headers are absent.
clang=$1
src=$2
gen=$3
llvm=$4
cross=/usr/aarch64-linux-gnu/include
if [ ! -f "$cross/asm/unistd.h" ] || [ ! -f "$cross/stdio.h" ]; then
	echo "no arm64 cross headers in $cross (scripts/deps.sh installs them): not checked"
	exit 0
fi
fail=0
n=0
for f in $(find "$src/src" -name '*.c' | sort); do
	n=$((n + 1))
	if ! out=$("$clang" --target=aarch64-linux-gnu -isystem "$cross" -std=gnu11 -fsyntax-only \
		-Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration \
		-I"$src/src" -I"$gen" -I"$llvm" -DBPFSCRIPT_VERSION='"cross"' -DBPFSCRIPT_LLVM_PLUGIN=1 \
		-DBPFSCRIPT_PLUGIN_RELDIR='"../lib/bpfscript"' "$f" 2>&1) || echo "$out" | grep -q 'error'; then
		echo "FAIL ${f#"$src"/}: does not compile for arm64"
		echo "$out" | head -20
		fail=1
	fi
done
echo "$n sources checked for aarch64-linux-gnu"
exit $fail
