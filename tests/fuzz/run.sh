#!/usr/bin/env bash
# run.sh - run the front-end fuzzer for a bounded time on a seed corpus made
# from the repository's scripts: tests/frontend/cases/*.bt, scripts/*.bt and
# the programs (PROG) of tests/runtime/*.test.
#
#   tests/fuzz/run.sh FUZZER [SECONDS] [WORKDIR]
#
# SECONDS defaults to 75. WORKDIR (default: a temporary directory, removed
# afterwards unless the fuzzer failed) holds corpus/ (seeds plus what the
# fuzzer adds) and the crash-* files of a failure. Exit status: 0 when the
# fuzzer ran out its time without a finding, non-zero otherwise; a crash
# input is copied next to the log so that it can be turned into a
# regression test (tests/frontend/cases, see tests/fuzz.cmake).
set -uo pipefail
fuzzer=${1:?usage: run.sh FUZZER [SECONDS] [WORKDIR]}
secs=${2:-75}
work=${3:-}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
keep=1
if [ -z "$work" ]; then
	work=$(mktemp -d /tmp/bpfscript-fuzz.XXXXXX)
	keep=0
fi
mkdir -p "$work/corpus" "$work/seeds"

# Seeds: every script file, and every runtime-test program (one file each).
n=0
for f in "$repo"/tests/frontend/cases/*.bt "$repo"/scripts/*.bt; do
	cp "$f" "$work/seeds/$(basename "$(dirname "$f")")-$(basename "$f")"
	n=$((n + 1))
done
python3 - "$work/seeds" "$repo"/tests/runtime/*.test <<'EOF'
import sys, os
out, files = sys.argv[1], sys.argv[2:]
k = 0
for path in files:
    lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
    i = 0
    while i < len(lines):
        l = lines[i]
        prog = None
        if l.startswith("PROG "):
            prog = l[5:]
        elif l == "PROG":
            j = i + 1
            while j < len(lines) and lines[j] != "END_PROG":
                j += 1
            prog = "\n".join(lines[i + 1:j])
            i = j
        if prog is not None:
            k += 1
            with open(os.path.join(out, "runtime-%04d.bt" % k), "w") as f:
                f.write(prog)
        i += 1
print("run.sh: %d runtime-test programs" % k)
EOF
echo "run.sh: $n script files"

log=$work/fuzz.log
# LLVM's allocations go through ASan's allocator: do not fill them (speed)
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}max_malloc_fill_size=0:detect_leaks=1
# -close_fd_mask=3: the target's own stdout/stderr (diagnostics of every bad
# input) are closed; libFuzzer still reports on its own stderr.
"$fuzzer" -max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 -max_len=4096 \
	-close_fd_mask=3 -print_final_stats=1 -artifact_prefix="$work/" \
	"$work/corpus" "$work/seeds" >"$log" 2>&1
rc=$?
tail -n 25 "$log"
if [ $rc -ne 0 ]; then
	echo "run.sh: the fuzzer failed (exit $rc); log and inputs in $work:" >&2
	ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null >&2
	exit $rc
fi
[ $keep = 1 ] || rm -rf "$work"
exit 0
