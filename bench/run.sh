#!/usr/bin/env bash
# bench/run.sh - benchmark bpfscript against bpftrace 0.17 with the shared harness.
#
#   bench/run.sh [OUTDIR]
#
# 1. copies the harness (../shared/bench beside the repository; read-only there) to a fresh
#    temporary directory and builds its workload there (and limit/limit when clang is present);
# 2. builds bpfscript as the README does (Release, in build/) unless BUILD=0;
# 3. runs the harness: TRACER side by side with REF, rep by rep;
# 4. prints the Markdown table (bench/table.sh) for BENCHMARKS.md.
#
# Output: OUTDIR (default /tmp/bpfscript-bench-<UTC date>) holds summary.txt, table.md, raw.tsv
# and logs/. Quote the ratio: lines; absolute figures drift 10-20 % on the shared machine.
#
# Environment:
#   TRACER [build/bpfscript]   REF [/usr/bin/bpftrace]   BUILD [1]
#   CMAKE_ARGS  extra configure arguments, e.g. -DBPFSCRIPT_STATIC_LLVM=ON
#   BENCH_SRC [<repo>/../shared/bench]   KEEP_HARNESS [0] keep the temporary copy
#   TESTS, REPS, OVERHEAD_TESTS, N_*, PIN, ...: passed to the harness (see its run.sh header).
#   CACHE [warm]  the compiled-object cache: warm = a fresh cache directory (OUTDIR/cache)
#                 filled by one unrecorded rep first, so every recorded run is a cache hit;
#                 off = BPFSCRIPT_NO_CACHE=1, every run compiles (the cache-miss start-up)
#   The issue's start-up figures only:  TESTS=startup bench/run.sh
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_SRC=${BENCH_SRC:-$REPO/../shared/bench}
TRACER=${TRACER:-$REPO/build/bpfscript}
REF=${REF:-/usr/bin/bpftrace}
OUTDIR=${1:-/tmp/bpfscript-bench-$(date -u +%Y%m%dT%H%M%SZ)}

[ -f "$BENCH_SRC/run.sh" ] || { echo "bench/run.sh: no harness at $BENCH_SRC (set BENCH_SRC)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "bench/run.sh: run as root (the harness attaches probes)" >&2; exit 2; }

HARNESS=$(mktemp -d /tmp/bpfscript-harness.XXXXXX)
cleanup() { [ "${KEEP_HARNESS:-0}" = 1 ] || rm -rf "$HARNESS"; }
trap cleanup EXIT
cp -r "$BENCH_SRC/." "$HARNESS/"
chmod -R u+w "$HARNESS"
rm -rf "$HARNESS/results"
echo "bench/run.sh: harness copied to $HARNESS" >&2
make -s -C "$HARNESS" workload
if command -v clang >/dev/null && command -v bpftool >/dev/null; then
	make -s -C "$HARNESS" limit/limit || echo "bench/run.sh: limit/limit not built (only needed for REF=limit)" >&2
fi

if [ "${BUILD:-1}" = 1 ]; then
	"$REPO/scripts/deps.sh"
	# shellcheck disable=SC2086
	cmake -S "$REPO" -B "$REPO/build" -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-} >/dev/null
	cmake --build "$REPO/build" -j "$(nproc)" --target bpfscript   # and its LLVM plugin
fi
[ -x "$TRACER" ] || { echo "bench/run.sh: tracer $TRACER missing" >&2; exit 2; }

mkdir -p "$OUTDIR"
# The harness starts its workload when BEGIN prints READY and expects every
# probe attached by then: bpftrace 0.17's order (bpfscript runs BEGIN before
# attaching, as latest bpftrace documents).
export BPFSCRIPT_BEGIN_AFTER_ATTACH=1
case ${CACHE:-warm} in
off)
	export BPFSCRIPT_NO_CACHE=1
	;;
warm)
	unset BPFSCRIPT_NO_CACHE
	export BPFSCRIPT_CACHE_DIR=$OUTDIR/cache
	rm -rf "$BPFSCRIPT_CACHE_DIR"
	echo "bench/run.sh: warming the cache in $BPFSCRIPT_CACHE_DIR (one unrecorded rep)" >&2
	REPS=1 REF= "$HARNESS/run.sh" "$TRACER" "$OUTDIR/warmup" >/dev/null
	;;
*)
	echo "bench/run.sh: CACHE must be warm or off" >&2
	exit 2
	;;
esac
echo "bench/run.sh: $TRACER vs $REF -> $OUTDIR (cache ${CACHE:-warm})" >&2
REF=$REF "$HARNESS/run.sh" "$TRACER" "$OUTDIR"
"$HARNESS/table.sh" "$OUTDIR/summary.txt" | tee "$OUTDIR/table.md"
echo "bench/run.sh: summary $OUTDIR/summary.txt, table $OUTDIR/table.md" >&2
