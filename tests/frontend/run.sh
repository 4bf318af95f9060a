#!/bin/sh
# run.sh - golden tests of the front end: parse each cases/NAME.bt with the
# test driver and compare its stdout (AST dump or diagnostics) and exit status
# with cases/NAME.out.
#
#   run.sh [-u] [-w WRAPPER] DRIVER CASEDIR [NAME.bt...]
#
# With no NAME, every *.bt in CASEDIR runs. -u rewrites the .out files from
# the current output instead of comparing. -w runs the driver under a
# wrapper such as "valgrind -q --error-exitcode=99 --leak-check=full"; a wrapper
# exit status of 99 counts as a failure. The .out file ends with a line
# "exit N" holding the driver's exit status. NAME.args, when present, holds
# extra driver options for that case.
update=0
wrapper=
while [ $# -gt 0 ]; do
	case "$1" in
	-u) update=1; shift ;;
	-w) wrapper=$2; shift 2 ;;
	*) break ;;
	esac
done
if [ $# -lt 2 ]; then
	echo "usage: $0 [-u] [-w WRAPPER] DRIVER CASEDIR [NAME.bt...]" >&2
	exit 2
fi
driver=$1
dir=$2
shift 2
case $driver in /*) ;; *) driver=$(pwd)/$driver ;; esac
[ $# -gt 0 ] || set -- $(cd "$dir" && ls *.bt)

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
pass=0
fail=0
for case in "$@"; do
	name=${case%.bt}
	# Run inside the case directory so diagnostics name the file "NAME.bt";
	# NAME.args, when present, holds extra driver options (e.g. -l).
	args=
	[ -f "$dir/$name.args" ] && args=$(cat "$dir/$name.args")
	(cd "$dir" && $wrapper "$driver" $args "$name.bt") >"$tmp" 2>/dev/null
	rc=$?
	if [ $rc -eq 99 ]; then
		echo "FAIL $name: the wrapper reported errors (rerun: cd $dir && $wrapper $driver $name.bt)"
		fail=$((fail + 1))
		continue
	fi
	echo "exit $rc" >>"$tmp"
	if [ $update -eq 1 ]; then
		cp "$tmp" "$dir/$name.out"
		pass=$((pass + 1))
	elif [ ! -f "$dir/$name.out" ]; then
		echo "FAIL $name: no $name.out (run with -u to create it)"
		fail=$((fail + 1))
	elif diff -u "$dir/$name.out" "$tmp" >/dev/null 2>&1; then
		pass=$((pass + 1))
	else
		echo "FAIL $name:"
		diff -u "$dir/$name.out" "$tmp" | sed "s|$tmp|actual|"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
