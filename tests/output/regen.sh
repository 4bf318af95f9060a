#!/bin/sh
# regen.sh - regenerates the output goldens from bpftrace 0.17.
#
#   tests/output/regen.sh BUILD/tests/test_output [CASE...]
#
# Every case of test_output (tests/output/cases.c) is a list of BEGIN-block
# statements; `test_output --bt CASE` prints them as a bpftrace program.
# This script runs that program with bpftrace and stores what it prints,
# without the "Attaching N probes..." line:
#   golden/CASE.txt   text output          (bpftrace -e PROG)
#   golden/CASE.json  JSON output          (bpftrace -f json -e PROG)
#   golden/CASE.err   for printf cases that must fail: the ERROR message
# Cases flagged "hand" hold data bpftrace 0.17 cannot produce (or prints in
# a random order); their goldens are checked by hand and left alone here.
# Needs root and bpftrace 0.17 (BPFTRACE=/path/to/bpftrace to override).
set -eu
T=${1:?usage: regen.sh path/to/test_output [CASE...]}
shift
BT=${BPFTRACE:-bpftrace}
G=$(cd "$(dirname "$0")" && pwd)/golden
mkdir -p "$G"
"$BT" --version | grep -q 'v0\.17\.' || echo "warning: $("$BT" --version) is not bpftrace 0.17" >&2

"$T" --list | while read -r name kind; do
	if [ $# -gt 0 ]; then
		case " $* " in *" $name "*) ;; *) continue ;; esac
	fi
	prog=$("$T" --bt "$name")
	case $kind in
	hand)
		echo "$name: hand-checked golden, not regenerated" >&2
		;;
	err)
		"$BT" -e "$prog" 2>&1 >/dev/null | grep 'ERROR: ' | grep -v RLIMIT_MEMLOCK |
			sed 's/^.*ERROR: /ERROR: /' >"$G/$name.err" || true
		;;
	*)
		"$BT" -e "$prog" 2>/dev/null | tail -n +2 >"$G/$name.txt"
		"$BT" -f json -e "$prog" 2>/dev/null | tail -n +2 >"$G/$name.json"
		;;
	esac
	echo "$name: done" >&2
done
