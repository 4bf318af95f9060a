#!/bin/sh
# mount_test.sh PROBES_TEST - tracefs is mounted when it is missing: in a
# private mount namespace (the host's mounts are untouched), unmount
# /sys/kernel/tracing and run the live format checks, which must mount it.
set -u
T=$1
exec unshare --mount --propagation private sh -c '
	umount /sys/kernel/tracing 2>/dev/null
	umount /sys/kernel/debug 2>/dev/null
	if [ -d /sys/kernel/tracing/events ]; then
		echo "FAIL: could not unmount tracefs in the test namespace"; exit 1
	fi
	"$0" formats || exit 1
	if ! [ -d /sys/kernel/tracing/events ]; then
		echo "FAIL: tracefs was not mounted"; exit 1
	fi
	echo "ok: tracefs mounted at /sys/kernel/tracing"' "$T"
