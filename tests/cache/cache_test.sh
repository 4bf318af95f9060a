#!/usr/bin/env bash
# cache_test.sh - the compiled-object cache (src/cache.h), as root.
#
#   cache_test.sh BPFSCRIPT TARGETS_DIR CASE
#
# CASE: hit (a second run hits and loads no LLVM), same (outputs identical on a miss and on
# a hit for a set of programs), keys (script, parameter, STRLEN, MAX_STACK_KEYS, -k and a changed LLVM plugin
# miss; -p and -o do not), corrupt (damaged, truncated and foreign entries are ignored and replaced),
# concurrent (10 runs in parallel on an empty cache all succeed), pid (one entry serves
# -p with two different pids, each filtered right), off (BPFSCRIPT_NO_CACHE, -d, a
# directory others can write), resolved (a value resolved at compile time is in the key:
# a cgroup removed and created again gets a new id, and the next run misses). Each case uses its own empty cache directory
# (BPFSCRIPT_CACHE_DIR). The last line is "ok CASE" or the first failure.
set -u
BPF=$1
TARGETS=$2
CASE=$3
TMP=$(mktemp -d /tmp/bpfscript-cache-test.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT; [ -n "${KEEP:-}" ] && trap - EXIT
export BPFSCRIPT_CACHE_DIR=$TMP/cache
unset BPFSCRIPT_NO_CACHE

fail() {
	echo "FAIL $CASE: $*"
	for f in "$TMP"/*.err; do [ -s "$f" ] && { echo "--- $f"; head -20 "$f"; }; done
	exit 1
}

# run NAME ARGS...: the tracer with -v; stdout in NAME.out, stderr in NAME.err; the exit
# status must be 0
run() {
	local name=$1
	shift
	timeout 60 "$BPF" -v "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" || fail "$name: exit status $? ($*)"
}
has() { grep -q -- "$2" "$TMP/$1.err"; }
expect_hit() { has "$1" '^cache: hit ' || fail "$1: no cache hit"; ! has "$1" '^llvm: loaded' || fail "$1: LLVM loaded on a hit"; }
expect_miss() { has "$1" '^cache: miss ' || fail "$1: no cache miss"; has "$1" '^cache: stored ' || fail "$1: not stored"; }
entries() { find "$BPFSCRIPT_CACHE_DIR" -name '*.bpfc' | wc -l; }
# the program's output without the -v lines
same_out() { cmp -s "$TMP/$1.out" "$TMP/$2.out" || fail "$1 and $2 printed different things: $(diff "$TMP/$1.out" "$TMP/$2.out" | head -5)"; }

BEGIN_PROG='BEGIN { printf("hello %d %s\n", 42, "x"); exit(); }'

case $CASE in
hit)
	run a -e "$BEGIN_PROG"
	expect_miss a
	run b -e "$BEGIN_PROG"
	expect_hit b
	same_out a b
	grep -qx 'hello 42 x' "$TMP/b.out" || fail "wrong output on a hit"
	[ "$(entries)" = 1 ] || fail "expected one entry, found $(entries)"
	# a hit maps no LLVM at all (neither the plugin nor a shared libLLVM)
	"$BPF" -e 'BEGIN { printf("up\n"); } interval:ms:700 { exit(); }' >"$TMP/c.out" 2>/dev/null &
	PIDS+=($!)
	# the entry exists once c has run (a fixed sleep was too short under ASan)
	wait "$!" || true
	"$BPF" -v -e 'BEGIN { printf("up\n"); } interval:ms:700 { exit(); }' >"$TMP/d.out" 2>"$TMP/d.err" &
	pid=$!
	PIDS+=($pid)
	for _ in $(seq 300); do grep -q up "$TMP/d.out" && break; sleep 0.1; done
	maps=$(cat "/proc/$pid/maps" 2>/dev/null)
	wait "$pid" || fail "d: exit status $?"
	expect_hit d
	[ -n "$maps" ] || fail "could not read the maps of a running tracer"
	# (the sanitizer build links LLVM into the executable: there it is always mapped)
	if ldd "$BPF" | grep -q 'libLLVM'; then
		echo "note: $BPF links LLVM itself (sanitizer build): the no-LLVM-on-a-hit check does not apply"
	else
		! grep -q 'LLVM\|bpfscript-llvm' <<<"$maps" || fail "a cache hit mapped LLVM: $(grep 'LLVM\|bpfscript-llvm' <<<"$maps" | head -2)"
	fi
	;;
same)
	# each program runs twice: a miss then a hit, same output expected
	progs=(
		"$BEGIN_PROG"
		'BEGIN { @c = count(); @s[1, "a"] = sum(5); @h = hist(100); @l = lhist(3, 0, 10, 1);
		  @mx = max(7); @mn = min(-2); @av = avg(4); @st = stats(9); @str["k"] = "v"; @t = (1, "two");
		  @i[comm] = 3; print(@c); exit(); }'
		'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @ = count(); @n[probe] = count(); }'
		'tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_enter_getppid /pid == cpid/ {
		  @[probe, args->__syscall_nr] = count(); printf("%s\n", probe); }'
		'tracepoint:syscalls:sys_enter_openat /pid == cpid/ { printf("%s %s\n", str(args->filename), comm); }
		 END { printf("end %d\n", 1); }'
	)
	cmds=("" "" "$TARGETS/getppid_n 7" "$TARGETS/openat_n /nonexistent 3" "$TARGETS/openat_n /etc/hostname 2")
	for i in "${!progs[@]}"; do
		extra=()
		[ -n "${cmds[$i]}" ] && extra=(-c "${cmds[$i]}")
		run "p${i}a" "${extra[@]}" -e "${progs[$i]}"
		expect_miss "p${i}a"
		run "p${i}b" "${extra[@]}" -e "${progs[$i]}"
		expect_hit "p${i}b"
		same_out "p${i}a" "p${i}b"
		[ -s "$TMP/p${i}a.out" ] || fail "program $i printed nothing"
	done
	grep -qx '@: 7' "$TMP/p2b.out" || fail "tracepoint count wrong on a hit: $(cat "$TMP/p2b.out")"
	;;
keys)
	run a -e 'BEGIN { printf("%s\n", str($1)); exit(); }' one
	expect_miss a
	run b -e 'BEGIN { printf("%s\n", str($1)); exit(); }' one
	expect_hit b
	run c -e 'BEGIN { printf("%s\n", str($1)); exit(); }' two
	expect_miss c
	grep -qx two "$TMP/c.out" || fail "parameter not used"
	run d -e 'BEGIN { printf("%s\n", str($1));  exit(); }' one
	expect_miss d
	BPFSCRIPT_STRLEN=32 run e -e 'BEGIN { printf("%s\n", str($1)); exit(); }' one
	expect_miss e
	# -k: the warning sites are made by codegen, so it always compiles
	run f -k -e 'BEGIN { printf("%s\n", str($1)); exit(); }' one
	has f '^cache: off (-k always compiles)' || fail "f: -k used the cache"
	# options that do not change the code share the entry
	run g -q -o "$TMP/g.o.txt" -e 'BEGIN { printf("%s\n", str($1)); exit(); }' one
	expect_hit g
	grep -qx one "$TMP/g.o.txt" || fail "-o output wrong on a hit"
	[ "$(entries)" = 4 ] || fail "expected 4 entries, found $(entries)"
	# the stack map's size (BPFTRACE_MAX_STACK_KEYS) is in the key: a hit creates the
	# map from the entry
	run s1 -e 'BEGIN { @[kstack] = count(); exit(); }'
	expect_miss s1
	BPFSCRIPT_MAX_STACK_KEYS=64 run s2 -e 'BEGIN { @[kstack] = count(); exit(); }'
	expect_miss s2
	BPFSCRIPT_MAX_STACK_KEYS=64 run s3 -e 'BEGIN { @[kstack] = count(); exit(); }'
	expect_hit s3
	# the code generator's file is part of the key (its optimisation pipeline makes the
	# code): a changed plugin misses. On a copy, so the build's own plugin is left alone.
	plugin=$(dirname "$BPF")/libbpfscript-llvm.so
	if [ -f "$plugin" ]; then
		# with the library the plugin needs next to it (libbpfscript-prefault.so), if any
		mkdir "$TMP/bin" && cp "$BPF" "$plugin" "$TMP/bin/" || fail "cannot copy the tracer"
		for lib in "$(dirname "$BPF")"/libbpfscript-prefault.so; do
			[ ! -f "$lib" ] || cp "$lib" "$TMP/bin/" || fail "cannot copy $lib"
		done
		BPF=$TMP/bin/bpfscript
		run h -e 'BEGIN { printf("%s\n", str($1)); exit(); }' one
		expect_miss h
		run i -e 'BEGIN { printf("%s\n", str($1)); exit(); }' one
		expect_hit i
		touch -d '2 seconds' "$TMP/bin/libbpfscript-llvm.so"
		run j -e 'BEGIN { printf("%s\n", str($1)); exit(); }' one
		expect_miss j
		grep -qx one "$TMP/j.out" || fail "j: wrong output after the plugin changed"
	fi
	;;
corrupt)
	run a -e "$BEGIN_PROG"
	expect_miss a
	f=$(find "$BPFSCRIPT_CACHE_DIR" -name '*.bpfc')
	size=$(stat -c %s "$f")
	# one byte flipped in the object
	printf '\xff' | dd of="$f" bs=1 seek=$((size - 40)) conv=notrunc status=none
	run b -e "$BEGIN_PROG"
	has b 'cache: miss .*ignored' || fail "b: damaged entry not reported as ignored"
	expect_miss b
	same_out a b
	run c -e "$BEGIN_PROG"
	expect_hit c
	# truncated
	truncate -s $((size / 2)) "$f"
	run d -e "$BEGIN_PROG"
	has d 'cache: miss .*ignored' || fail "d: truncated entry not ignored"
	expect_miss d
	# garbage, and an empty file
	head -c "$size" /dev/urandom >"$f"
	run e -e "$BEGIN_PROG"
	expect_miss e
	: >"$f"
	run g -e "$BEGIN_PROG"
	expect_miss g
	run h -e "$BEGIN_PROG"
	expect_hit h
	same_out a h
	;;
concurrent)
	for i in $(seq 10); do
		timeout 120 "$BPF" -v -e "$BEGIN_PROG" >"$TMP/c$i.out" 2>"$TMP/c$i.err" &
		PIDS+=($!)
	done
	for i in $(seq 10); do
		wait "${PIDS[$((i - 1))]}" || fail "parallel run $i: exit status $?"
		grep -qx 'hello 42 x' "$TMP/c$i.out" || fail "parallel run $i: wrong output"
	done
	PIDS=()
	[ "$(entries)" = 1 ] || fail "expected one entry, found $(entries)"
	[ -z "$(find "$BPFSCRIPT_CACHE_DIR" -name '.tmp.*')" ] || fail "temporary files left behind"
	run after -e "$BEGIN_PROG"
	expect_hit after
	;;
pid)
	prog='tracepoint:syscalls:sys_enter_getppid { @ = count(); }'
	for n in 3 5; do
		"$TARGETS/sleeper" "$n" 20 &
		spid=$!
		PIDS+=($spid)
		__BPFTRACE_NOTIFY_PROBES_ATTACHED=1 "$BPF" -v -p "$spid" -e "$prog" >"$TMP/p$n.out" 2>"$TMP/p$n.err" &
		tpid=$!
		PIDS+=($tpid)
		for _ in $(seq 600); do grep -q NOTIFY_PROBES_ATTACHED "$TMP/p$n.err" && break; sleep 0.1; done
		grep -q NOTIFY_PROBES_ATTACHED "$TMP/p$n.err" || fail "p$n: tracer not ready"
		kill -USR1 "$spid"
		wait "$spid"
		# some other process calling getppid meanwhile must not count
		"$TARGETS/getppid_n" 4
		sleep 0.3
		kill -INT "$tpid"
		wait "$tpid" || fail "p$n: exit status $?"
		grep -qx "@: $n" "$TMP/p$n.out" || fail "p$n: -p filter wrong: $(cat "$TMP/p$n.out")"
	done
	expect_miss p3
	expect_hit p5
	;;
resolved)
	cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)/bpfscript-cache-$$
	mkdir "$cg" || fail "cannot make a cgroup under the cgroup2 mount"
	PROG="BEGIN { printf(\"%d\\n\", cgroupid(\"$cg\")); exit(); }"
	run a -e "$PROG"
	expect_miss a
	run b -e "$PROG"
	expect_hit b
	rmdir "$cg" && mkdir "$cg" || fail "cannot make the cgroup again"
	run c -e "$PROG"
	expect_miss c
	rmdir "$cg"
	[ "$(cat "$TMP/a.out")" != "$(cat "$TMP/c.out")" ] || fail "the recreated cgroup kept its id: $(cat "$TMP/c.out")"
	same_out a b
	;;
off)
	BPFSCRIPT_NO_CACHE=1 run a -e "$BEGIN_PROG"
	has a '^cache: off' || fail "BPFSCRIPT_NO_CACHE=1 did not turn the cache off"
	[ "$(entries)" = 0 ] || fail "BPFSCRIPT_NO_CACHE=1 stored an entry"
	run a2 --no-cache -e "$BEGIN_PROG"
	has a2 '^cache: off (--no-cache)$' || fail "--no-cache did not turn the cache off"
	[ "$(entries)" = 0 ] || fail "--no-cache stored an entry"
	run b -d ast -e "$BEGIN_PROG"
	[ "$(entries)" = 0 ] || fail "-d stored an entry"
	run c -e "$BEGIN_PROG"
	expect_miss c
	chmod 0777 "$BPFSCRIPT_CACHE_DIR"
	run d -e "$BEGIN_PROG"
	has d '^cache: off' || fail "a world-writable cache directory was used"
	chmod 0700 "$BPFSCRIPT_CACHE_DIR"
	run e -e "$BEGIN_PROG"
	expect_hit e
	;;
*)
	fail "unknown case"
	;;
esac
echo "ok $CASE"
