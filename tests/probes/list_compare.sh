#!/bin/sh
# list_compare.sh PROBES_TEST - `-l` / `-lv` output for tracepoint patterns must
# equal bpftrace 0.17's, byte for byte. bpftrace must be installed (the README's
# install step does it): without it this test fails rather than skips.
#
# Our lister runs first for each pattern, so tracefs is mounted (if it was not)
# before bpftrace looks for it. bpftrace's stderr (its RLIMIT_MEMLOCK warning)
# is ignored.
set -u
T=$1
BPFTRACE=${BPFTRACE:-/usr/bin/bpftrace}
if ! [ -x "$BPFTRACE" ]; then
	echo "FAIL: $BPFTRACE is not installed; it is the reference for -l output" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0

# cmp FLAGS PATTERN [FILTER]: FILTER keeps only some lines of both outputs
cmp_one() {
	flags=$1 pat=$2 filter=${3:-.}
	n=$((n + 1))
	if [ "$flags" = -lv ]; then v=-v; else v=; fi
	"$T" list $v "$pat" > "$tmp/ours.all" 2> "$tmp/ours.err" || {
		echo "FAIL: probes_test list $v '$pat' failed: $(cat "$tmp/ours.err")"; fail=1; return; }
	"$BPFTRACE" $flags "$pat" > "$tmp/bt.all" 2>/dev/null
	grep -e "$filter" "$tmp/ours.all" > "$tmp/ours" || true
	grep -e "$filter" "$tmp/bt.all" > "$tmp/bt" || true
	if ! [ -s "$tmp/bt" ]; then
		echo "FAIL: bpftrace $flags '$pat' printed nothing"; fail=1; return
	fi
	if cmp -s "$tmp/ours" "$tmp/bt"; then
		echo "ok: $flags '$pat' ($(wc -l < "$tmp/bt") lines)"
	else
		echo "FAIL: $flags '$pat' differs from bpftrace:"
		diff -u "$tmp/bt" "$tmp/ours" | head -20
		fail=1
	fi
}

cmp_one -l 'tracepoint:*'
cmp_one -l 't:*'
cmp_one -l 'tracepoint:syscalls:sys_enter_open*'
cmp_one -l 't:syscalls:sys_enter_open*'
cmp_one -l 'tracepoint:sched:*'
cmp_one -l 'tracepoint:*:sys_enter_openat'
cmp_one -l 'tracepoint:sched:sched_switch'
cmp_one -l 'tracepoint:*sys*:*read*'
cmp_one -l 'tracepoint:s*:*_s*'
cmp_one -lv 'tracepoint:syscalls:sys_enter_openat'
cmp_one -lv 'tracepoint:sched:sched_*'
cmp_one -lv 'tracepoint:sched:sched_process_exec'
cmp_one -lv 'tracepoint:syscalls:*'
# Without a type prefix bpftrace also prints junk "hardware:PAT:" and
# "software:PAT:" lines (0.17 echoes the pattern); compare the tracepoints.
cmp_one -l 'sys_enter_open*' '^tracepoint:'
cmp_one -l '*' '^tracepoint:'
echo "$n patterns compared"
exit $fail
