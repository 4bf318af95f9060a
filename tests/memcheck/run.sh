#!/usr/bin/env bash
# tests/memcheck/run.sh BPFSCRIPT TARGETS_DIR SUPPRESSIONS CASE
#
# A real run of bpfscript under valgrind's memcheck (root): a tracepoint probe with a count
# map, a hist, a printf per event and a string key, counting the getppid(2) calls of a -c
# child, then exit() from the probe and END output. The run must print what a user expects
# (the exact count, every printf line, the maps) and valgrind must report no error and no
# definite or indirect leak (--error-exitcode; its "--PID-- WARNING: unhandled eBPF command"
# notes are not reports). Cases:
#   cold   BPFSCRIPT_NO_CACHE=1: the front end, code generation (LLVM loaded), load, run
#   cache  the second of two runs in a fresh cache directory: a compiled-object cache hit
#   list   -l 'tracepoint:syscalls:sys_enter_getpp*'
set -u
BPFSCRIPT=$1 TARGETS=$2 SUPP=$3 CASE=$4
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v valgrind >/dev/null || { echo "FAIL valgrind is not installed (scripts/deps.sh installs it)"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "FAIL memcheck.$CASE must run as root"; exit 1; }
TMP=$(mktemp -d /tmp/bpfscript-memcheck.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
VG=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect --suppressions="$SUPP" --suppressions="$HERE/runtime.supp" --log-file="$TMP/vg.log")
PROG='tracepoint:syscalls:sys_enter_getppid /pid == cpid/ {
	@calls = count(); @by[comm] = count(); @h = hist(@n); @n++;
	printf("call %d\n", @n);
	if (@n == 7) { exit(); }
}
END { printf("end %d\n", @n); }'

fail() { echo "FAIL memcheck.$CASE: $*"; echo "--- stdout"; cat "$TMP/out"; echo "--- stderr"; cat "$TMP/err"
         echo "--- valgrind"; cat "$TMP/vg.log"; exit 1; }

run() {   # run ARGS...: bpfscript under valgrind; stdout -> out, stderr -> err, status -> rc
	timeout -k 10 300 "${VG[@]}" "$BPFSCRIPT" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}

check_trace() {
	[ "$rc" -eq 0 ] || fail "exit status $rc (99: valgrind found errors or leaks)"
	grep -q '^==[0-9]*== ' "$TMP/vg.log" && fail "valgrind printed a report"
	for i in 1 2 3 4 5 6 7; do grep -qx "call $i" "$TMP/out" || fail "no 'call $i' line"; done
	grep -qx "end 7" "$TMP/out" || fail "no END line"
	grep -qx "@calls: 7" "$TMP/out" || fail "no '@calls: 7'"
	grep -qx "@by\[getppid_n\]: 7" "$TMP/out" || fail "no '@by[getppid_n]: 7'"
	grep -q "^\[4, 8) *3 |@*|$" "$TMP/out" || fail "no hist bucket '[4, 8) 3' (@n was 4, 5, 6)"
}

case $CASE in
cold)
	BPFSCRIPT_NO_CACHE=1 run -e "$PROG" -c "$TARGETS/getppid_n 7"
	check_trace
	;;
cache)
	export BPFSCRIPT_CACHE_DIR=$TMP/cache
	"$BPFSCRIPT" -e "$PROG" -c "$TARGETS/getppid_n 7" >/dev/null 2>&1 || fail "the first (filling) run failed"
	ls "$TMP/cache"/*.bpfc >/dev/null 2>&1 || fail "the first run stored no cache entry"
	run -v -e "$PROG" -c "$TARGETS/getppid_n 7"
	grep -q "^cache: hit" "$TMP/err" || fail "the second run was not a cache hit"
	check_trace
	;;
list)
	run -l 'tracepoint:syscalls:sys_enter_getpp*'
	[ "$rc" -eq 0 ] || fail "exit status $rc"
	grep -q '^==[0-9]*== ' "$TMP/vg.log" && fail "valgrind printed a report"
	grep -qx "tracepoint:syscalls:sys_enter_getppid" "$TMP/out" || fail "getppid not listed"
	;;
*)
	echo "FAIL unknown case $CASE"; exit 1 ;;
esac
echo "ok memcheck.$CASE"
