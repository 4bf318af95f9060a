#!/bin/sh
# tools.sh - every bpftrace tool that Debian ships (/usr/sbin/*.bt, written for
# bpftrace 0.17) must parse without a diagnostic. scripts/deps.sh installs
# bpftrace, so finding none is a failure, not a skip.
#
#   tools.sh DRIVER [DIR]
driver=$1
dir=${2:-/usr/sbin}
set -- "$dir"/*.bt
if [ ! -e "$1" ]; then
	echo "FAIL: no .bt scripts in $dir (scripts/deps.sh installs the bpftrace package)"
	exit 1
fi
pass=0
fail=0
for f in "$@"; do
	if out=$("$driver" -q "$f" 2>&1) && [ -z "$out" ]; then
		pass=$((pass + 1))
	else
		echo "FAIL $f"
		"$driver" "$f" | grep -v '^ *[a-z_]' | head -20
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
