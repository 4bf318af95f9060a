#!/bin/sh
# debian_tools.sh BPFSCRIPT - the bpftrace tools Debian installs (/usr/sbin/*.bt) that
# bpfscript runs must keep passing `bpfscript --check` (needs root).
#
# WORKING lists them; a tool that fails is an error, a tool not listed that passes is
# reported so that it gets added. tests/runtime/debian_tools.test runs some for real.
#
# Every tool bpftrace 0.17 compiles on this machine (kernel 6.18, Debian 12) is listed. The
# kprobe tools (capable, oomkill, tcpaccept, tcpconnect, tcplife, tcpretrans, tcpsynbl,
# undump, vfscount, vfsstat, xfsdist) pass --check because the kprobe program type loads;
# this kernel has no kprobes, so neither 0.17 nor bpfscript can attach them here. The tcp
# tools need <sys/socket.h>'s AF_INET (system headers give their macros). threadsnoop's
# pthread_create is found in libc.so.6, which libpthread.so.0 (a stub) needs. tcpdrop runs
# although 0.17 fails on it (its <sys/socket.h> types clash with BTF's, so 0.17 drops BTF
# and asks for <net/sock.h>; bpfscript takes types from BTF only).
# Not listed, failing in 0.17 too: biolatency, biosnoop, biostacks, mdflush, swapin (their
# kernel functions do not exist in 6.18), dcsnoop (no lookup_fast.constprop.*), loads
# (avenrun is not in /proc/kallsyms here), runqlat (TASK_RUNNING is kernel-internal, not in
# the installed <linux/sched.h>), runqlen (struct cfs_rq has no nr_running in 6.18).
WORKING="bashreadline bitesize capable cpuwalk execsnoop gethostlatency killsnoop naptime
oomkill opensnoop pidpersec setuids ssllatency sslsnoop statsnoop syncsnoop syscount
tcpaccept tcpconnect tcpdrop tcplife tcpretrans tcpsynbl threadsnoop undump vfscount
vfsstat writeback xfsdist"
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
