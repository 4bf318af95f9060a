#!/bin/sh
# list_golden.sh PROBES_TEST GOLDEN_DIR - `-l` output of the types where bpftrace
# 0.17 is no reference: it echoes the pattern ("software:*:" for -l 'software:*')
# and rejects 'interval:*'. We print what latest bpftrace prints: every event
# name and alias (or time unit) matching, sorted, each with a trailing ':'.
# Each GOLDEN_DIR/NAME.pat holds a pattern, NAME.out the expected output.
# Regenerate with: list_golden.sh -u PROBES_TEST GOLDEN_DIR
set -u
update=0
if [ "$1" = -u ]; then update=1; shift; fi
T=$1 G=$2
fail=0
for pf in "$G"/*.pat; do
	name=$(basename "$pf" .pat)
	pat=$(cat "$pf")
	out=$("$T" list "$pat")
	if [ $update = 1 ]; then
		printf '%s\n' "$out" > "$G/$name.out"
	elif [ "$out" = "$(cat "$G/$name.out")" ]; then
		echo "ok: -l '$pat'"
	else
		echo "FAIL: -l '$pat':"
		printf '%s\n' "$out" | diff -u "$G/$name.out" - | head -20
		fail=1
	fi
done
exit $fail
