#!/bin/sh
# install_check.sh BUILD_DIR SOURCE_DIR - `cmake --install` puts the binary (and its LLVM
# plugin), the man page, the bash completion and every shipped tool with its example into a
# fresh prefix, and the installed bpfscript runs a program and a tool from there, and from a
# copy of the tree elsewhere (needs root).
build=$1
src=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
fail=0
check() {
	if [ ! -e "$prefix/$1" ]; then
		echo "FAIL: cmake --install did not install $1"
		fail=1
	fi
}
if ! cmake --install "$build" --prefix "$prefix" > "$prefix/install.log" 2>&1; then
	cat "$prefix/install.log"
	echo "FAIL: cmake --install failed"
	exit 1
fi
check bin/bpfscript
check share/man/man8/bpfscript.8
check share/bash-completion/completions/bpfscript
n=0
for t in "$src"/scripts/*.bt; do
	name=$(basename "$t" .bt)
	check "share/bpfscript/tools/$name.bt"
	check "share/bpfscript/tools/examples/${name}_example.txt"
	n=$((n + 1))
done
[ -x "$prefix/bin/bpfscript" ] || { echo "FAIL: bin/bpfscript is not executable"; fail=1; }
out=$(BPFSCRIPT_NO_CACHE=1 "$prefix/bin/bpfscript" -q -e 'BEGIN { printf("installed\n"); exit(); }' 2>&1)
case "$out" in
installed*) ;;
*) echo "FAIL: the installed bpfscript did not run a program:"; echo "$out"; fail=1 ;;
esac
# The plugin is found relative to the executable (LIBDIR/bpfscript from BINDIR): the same
# tree moved elsewhere still compiles.
moved=$(mktemp -d)
trap 'rm -rf "$prefix" "$moved"' EXIT
cp -a "$prefix/." "$moved/"
out=$(BPFSCRIPT_NO_CACHE=1 "$moved/bin/bpfscript" -v -e 'BEGIN { printf("moved\n"); exit(); }' 2>&1)
if [ -z "$(find "$moved" -name 'libbpfscript-llvm.so' -print -quit)" ]; then
	# a build with LLVM in the executable (the sanitizer build): no plugin to find
	case "$out" in
	*moved*) ;;
	*) echo "FAIL: a moved copy of the install did not run a program:"; echo "$out"; fail=1 ;;
	esac
else
	case "$out" in
	*"llvm: loaded $moved/"*moved*|*moved*"llvm: loaded $moved/"*) ;;
	*) echo "FAIL: a moved copy of the install did not run a program with its own plugin:"; echo "$out"; fail=1 ;;
	esac
fi
if ! "$prefix/bin/bpfscript" --check "$prefix/share/bpfscript/tools/opensnoop.bt" > /dev/null 2>&1; then
	echo "FAIL: the installed opensnoop.bt does not pass --check"
	fail=1
fi
if command -v man > /dev/null 2>&1 && ! MANWIDTH=80 man -l "$prefix/share/man/man8/bpfscript.8" 2>/dev/null | grep -q SYNOPSIS; then
	echo "FAIL: the installed man page does not render"
	fail=1
fi
echo "$n tools installed"
exit $fail
