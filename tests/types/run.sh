#!/bin/sh
# run.sh - golden tests of C type resolution (issue 4): each cases/NAME.bt is
# run through `bpfscript -d types` (types from the running kernel's BTF and
# the script's own definitions; no root needed) and its stdout + stderr and
# exit status compared with cases/NAME.out.
#
#   run.sh [-u] BPFSCRIPT CASEDIR [NAME.bt...]
#
# -u rewrites the .out files from the current output. The .out file ends
# with "exit N". Struct sizes and offsets of vmlinux differ between kernels,
# so the cases print only facts that hold on any kernel with BTF (> 0, ==).
update=0
[ "$1" = -u ] && { update=1; shift; }
if [ $# -lt 2 ]; then
	echo "usage: $0 [-u] BPFSCRIPT CASEDIR [NAME.bt...]" >&2
	exit 2
fi
bin=$1
dir=$2
shift 2
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
[ $# -gt 0 ] || set -- $(cd "$dir" && ls *.bt)
# The only skip, as in tests/runtime/runner.py: a kernel without BTF, said by name, the
# test passing. Not in CI (CI=true, root, a kernel with BTF): there it fails. A BTF file
# that is there but unreadable is a failure too (the file is world-readable).
if [ ! -e /sys/kernel/btf/vmlinux ]; then
	if [ "${CI:-}" = true ]; then
		echo "FAIL: kernel feature 'btf' absent (no /sys/kernel/btf/vmlinux); CI needs it" >&2
		exit 1
	fi
	echo "skip $*: kernel feature 'btf' absent (no /sys/kernel/btf/vmlinux)"
	exit 0
fi
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	echo "FAIL: /sys/kernel/btf/vmlinux exists but is unreadable by uid $(id -u)" >&2
	exit 1
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
fail=0
for case in "$@"; do
	name=${case%.bt}
	(cd "$dir" && "$bin" -d types "$name.bt") >"$tmp" 2>&1
	echo "exit $?" >>"$tmp"
	if [ $update -eq 1 ]; then
		cp "$tmp" "$dir/$name.out"
	elif ! diff -u "$dir/$name.out" "$tmp"; then
		echo "FAIL $name"
		fail=1
	fi
done
exit $fail
