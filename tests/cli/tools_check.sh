#!/bin/sh
# tools_check.sh BPFSCRIPT SCRIPTS_DIR - every shipped tool (SCRIPTS_DIR/*.bt) has a usage
# header and passes `bpfscript --check`: it parses, type-checks and the kernel verifier
# accepts its programs (needs root). Each tool also has an example of its output.
bpfscript=$1
dir=$2
fail=0
n=0
for t in "$dir"/*.bt; do
	n=$((n + 1))
	name=$(basename "$t" .bt)
	if ! grep -q '^ \* USAGE: ' "$t"; then
		echo "FAIL: $t has no ' * USAGE: ' header line"
		fail=1
	fi
	if [ ! -s "$dir/examples/${name}_example.txt" ]; then
		echo "FAIL: $t has no example output in $dir/examples/${name}_example.txt"
		fail=1
	fi
	if ! out=$("$bpfscript" --check "$t" 2>&1); then
		echo "FAIL: $t does not pass --check:"
		echo "$out"
		fail=1
	fi
done
echo "$n tools checked"
[ "$n" -gt 0 ] || fail=1
exit $fail
