#!/bin/sh
# debian_tools.sh BPFSCRIPT - the bpftrace tools Debian installs (/usr/sbin/*.bt) that
# bpfscript runs must keep passing `bpfscript --check` (needs root).
#
# WORKING lists them; a tool that fails is an error, a tool not listed that passes is
# reported so that it gets added. Tools bpftrace 0.17 attaches here but bpfscript does not
# yet: execsnoop (join), naptime (struct pointer fields), threadsnoop (pthread_create in libpthread.so.0,
# a stub since glibc 2.34). The others need kprobes, kaddr(), curtask, C headers or
# kernel struct types (FEATURES.md section 8).
WORKING="bashreadline bitesize cpuwalk gethostlatency killsnoop opensnoop pidpersec setuids
ssllatency sslsnoop statsnoop syncsnoop syscount writeback"
bpfscript=$1
fail=0
if ! ls /usr/sbin/*.bt > /dev/null 2>&1; then
	echo "no /usr/sbin/*.bt here (Debian's bpftrace package is not installed): nothing to check"
	exit 0
fi
for name in $WORKING; do
	t=/usr/sbin/$name.bt
	[ -e "$t" ] || continue
	if ! out=$("$bpfscript" --check "$t" 2>&1); then
		echo "FAIL: $t no longer passes --check:"
		echo "$out"
		fail=1
	fi
done
for t in /usr/sbin/*.bt; do
	name=$(basename "$t" .bt)
	case " $(echo $WORKING) " in
	*" $name "*) continue ;;
	esac
	if "$bpfscript" --check "$t" > /dev/null 2>&1; then
		echo "NOTE: $t passes --check now: add $name to WORKING in $0"
	fi
done
exit $fail
