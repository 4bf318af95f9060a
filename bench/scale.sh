#!/usr/bin/env bash
# bench/scale.sh - how compile and load time grow with the number of probes (issue 7).
#
#   bench/scale.sh [OUTDIR]
#
# Generates scripts of N probes for each N in NS, each probe with its own map, printf and
# attach point (interval:ms:<1000+i>, which every kernel has), and times, with hyperfine:
#   compile  --emit-elf /dev/null: parse, sema, codegen; no kernel objects (never cached)
#   miss     --check with BPFSCRIPT_NO_CACHE=1: compile + create maps + verifier load
#   hit      --check with a warm cache: everything but codegen (LLVM not loaded)
# and prints a Markdown table: mean ms per run, and ms per probe. Linear growth shows as a
# flat ms/probe column. Attaching is not measured (that is the kernel's cost per probe).
#
# Environment: TRACER [build/bpfscript], NS ["1 10 100 1000"], RUNS [5], SHAPE [distinct |
# shared: every probe does `@ = count()` on one map]. Needs root and hyperfine.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TRACER=${TRACER:-$REPO/build/bpfscript}
NS=${NS:-1 10 100 1000}
RUNS=${RUNS:-5}
SHAPE=${SHAPE:-distinct}
OUT=${1:-/tmp/bpfscript-scale-$(date -u +%Y%m%dT%H%M%SZ)}
[ "$(id -u)" -eq 0 ] || { echo "bench/scale.sh: run as root (--check loads programs)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "bench/scale.sh: needs hyperfine" >&2; exit 2; }
[ -x "$TRACER" ] || { echo "bench/scale.sh: no tracer at $TRACER" >&2; exit 2; }
mkdir -p "$OUT"
export BPFSCRIPT_CACHE_DIR=$OUT/cache BPFTRACE_MAX_PROBES=100000 BPFTRACE_MAX_BPF_PROGS=100000
rm -rf "$BPFSCRIPT_CACHE_DIR"

gen() {
	local n=$1 i
	for ((i = 0; i < n; i++)); do
		if [ "$SHAPE" = shared ]; then
			echo "interval:ms:$((1000 + i)) { @ = count(); }"
		else
			echo "interval:ms:$((1000 + i)) { @m$i = count(); printf(\"probe %d %s\\n\", $i, comm); }"
		fi
	done
}

# mean N NAME CMD...: hyperfine's mean in ms
mean() {
	local name=$1
	shift
	hyperfine -N -w 1 -r "$RUNS" --export-json "$OUT/$name.json" "$*" >/dev/null 2>&1 ||
		{ echo "bench/scale.sh: $name failed: $*" >&2; "$@" >/dev/null || true; exit 1; }
	python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["mean"] * 1000))' \
		"$OUT/$name.json"
}

{
	echo "# bench/scale.sh $(date -u +%FT%TZ) $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null) SHAPE=$SHAPE RUNS=$RUNS"
	echo "# $TRACER; $(uname -r); $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	echo "| probes | compile ms | ms/probe | miss (--check) ms | ms/probe | hit (--check) ms | ms/probe |"
	echo "|---|---|---|---|---|---|---|"
} | tee "$OUT/table.md"
for n in $NS; do
	gen "$n" >"$OUT/p$n.bt"
	c=$(mean "compile$n" "$TRACER" --emit-elf /dev/null "$OUT/p$n.bt")
	m=$(BPFSCRIPT_NO_CACHE=1 mean "miss$n" "$TRACER" --check "$OUT/p$n.bt")
	"$TRACER" --check "$OUT/p$n.bt" >/dev/null   # warm the cache
	h=$(mean "hit$n" "$TRACER" --check "$OUT/p$n.bt")
	awk -v n="$n" -v c="$c" -v m="$m" -v h="$h" \
		'BEGIN { printf "| %d | %s | %.3f | %s | %.3f | %s | %.3f |\n", n, c, c / n, m, m / n, h, h / n }' |
		tee -a "$OUT/table.md"
done
echo "bench/scale.sh: table in $OUT/table.md" >&2
