#!/bin/sh
# list_compare.sh BPFSCRIPT USDT_TARGET UPROBE_TARGET - `-l` output for uprobe,
# uretprobe and usdt patterns must equal bpftrace 0.17's, byte for byte: the two
# test targets, libc (found through ld.so.cache; with libc6-dbg installed its
# debug file adds the local functions), /bin/bash, and `-l -p PID` of a waiting
# target (PID rewritten in both). bpftrace must be installed: without it this
# test fails rather than skips. bpftrace's stderr (its RLIMIT_MEMLOCK warning)
# is ignored.
set -u
B=$1 U=$2 T=$3
BPFTRACE=${BPFTRACE:-/usr/bin/bpftrace}
if ! [ -x "$BPFTRACE" ]; then
	echo "FAIL: $BPFTRACE is not installed; it is the reference for -l output" >&2
	exit 1
fi
tmp=$(mktemp -d)
pid=
trap 'rm -rf "$tmp"; [ -n "$pid" ] && kill $pid 2>/dev/null' EXIT
fail=0

# cmp_one ARGS...: the same -l arguments to both
cmp_one() {
	"$B" "$@" > "$tmp/ours" 2> "$tmp/ours.err" || {
		echo "FAIL: bpfscript $*: $(cat "$tmp/ours.err")"; fail=1; return; }
	"$BPFTRACE" "$@" > "$tmp/bt" 2>/dev/null
	if [ -n "$pid" ]; then
		sed -i "s|/proc/$pid/|/proc/PID/|" "$tmp/ours" "$tmp/bt"
	fi
	if ! [ -s "$tmp/bt" ]; then
		echo "FAIL: bpftrace $* printed nothing"; fail=1; return
	fi
	if cmp -s "$tmp/ours" "$tmp/bt"; then
		echo "ok: $* ($(wc -l < "$tmp/bt") lines)"
	else
		echo "FAIL: $* differs from bpftrace:"
		diff -u "$tmp/bt" "$tmp/ours" | head -20
		fail=1
	fi
}

# cmp_sub ARGS...: every line bpftrace 0.17 prints, ours prints too, in the same
# order; ours may print more (-l -p: latest bpftrace searches every file the
# process maps, 0.17 its executable alone)
cmp_sub() {
	"$B" "$@" > "$tmp/ours" 2> "$tmp/ours.err" || {
		echo "FAIL: bpfscript $*: $(cat "$tmp/ours.err")"; fail=1; return; }
	"$BPFTRACE" "$@" > "$tmp/bt" 2>/dev/null
	sed -i "s|/proc/$pid/|/proc/PID/|" "$tmp/ours" "$tmp/bt"
	if ! [ -s "$tmp/bt" ]; then
		echo "FAIL: bpftrace $* printed nothing"; fail=1; return
	fi
	grep -Fxf "$tmp/bt" "$tmp/ours" > "$tmp/common"
	if cmp -s "$tmp/common" "$tmp/bt"; then
		echo "ok: $* ($(wc -l < "$tmp/bt") lines of bpftrace 0.17's among our $(wc -l < "$tmp/ours"))"
	else
		echo "FAIL: $*: lines of bpftrace 0.17 missing or out of order:"
		diff -u "$tmp/bt" "$tmp/common" | head -20
		fail=1
	fi
}

for t in "$U" "$T"; do
	cmp_one -l "uprobe:$t:*"
	cmp_one -l "uretprobe:$t:*"
	cmp_one -l "usdt:$t:*"
done
cmp_one -l "u:$T:ut_*"
cmp_one -l "ur:$T:ut_n*"
cmp_one -l "uprobe:$T:ut_add"
cmp_one -l "usdt:$U:multi"
cmp_one -l "U:$T:bpfscript_test:probe*"
cmp_one -l "usdt:$T:*:p*"
cmp_one -l "uprobe:$(dirname "$T")/u*_target:u*_*"
cmp_one -lv "uprobe:$T:*"
cmp_one -lv "uprobe:$U:u_*"
cmp_one -lv "uprobe:libc:str*"
cmp_one -l "uprobe:libc:*"
cmp_one -l "uprobe:libc:getpp*"
cmp_one -l "uprobe:/bin/bash:read*"
cmp_one -l "uprobe:/bin/bash:*"

# -l -p PID: the functions of the executable and of every library it maps (0.17:
# the executable's alone), and every mapped file's USDT probes
"$T" --wait & pid=$!
# ready once it waits in main() for SIGUSR1 (its wchan is sigtimedwait): by then it has exec'd
# and every library is mapped; a fixed sleep raced on a loaded machine
for _ in $(seq 1000); do
	grep -qs sigtimedwait /proc/$pid/wchan && break
	sleep 0.01
done
cmp_sub -l -p $pid
cmp_one -l -p $pid "usdt:*"
cmp_sub -l -p $pid "uprobe:*"
cmp_sub -l "uprobe:*" -p $pid
kill $pid 2>/dev/null
wait $pid 2>/dev/null
pid=
exit $fail
