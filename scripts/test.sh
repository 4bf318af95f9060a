#!/usr/bin/env bash
# scripts/test.sh - install what is missing, build, run the whole test suite.
#
#   scripts/test.sh                  deps, Debug build in build/, every ctest test
#   BPFSCRIPT_ASAN=1 scripts/test.sh  then also an ASan+UBSan build in build-asan/ and ctest again
#                                     (the default when CI=true; BPFSCRIPT_ASAN=0 turns it off)
#   BPFSCRIPT_FUZZ=1 scripts/test.sh  then also the front-end fuzzer (clang, build-fuzz/) for
#                                     FUZZ_SECONDS (default 75) on the seed corpus (tests/fuzz/run.sh;
#                                     the default when CI=true)
#   BPFSCRIPT_RELEASE=1 scripts/test.sh  then also the Release build users get (README's first
#                                     command: LLVM plugin linked statically, by lld-19, in function
#                                     order) in build-release/, with a sample of runtime tests
#                                     (the default when CI=true)
#   BPFSCRIPT_PACKAGE=1 scripts/test.sh  then also the build a distribution makes and its Debian
#                                     package (scripts/package_test.sh: -DBPFSCRIPT_SHARED_DEPS=ON
#                                     in build-shared/, a sample of tests, cpack -G DEB, the .deb
#                                     installed, run from /usr/bin and removed; the default when
#                                     CI=true). scripts/package_test.sh alone runs only that stage.
#   BUILD_TYPE=RelWithDebInfo scripts/test.sh
#   CTEST_ARGS='-L runtime' scripts/test.sh    extra ctest arguments (word-split)
#
# Runtime tests attach real probes: run as root. Exits non-zero on any failure; the last
# lines printed are ctest's own summary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_TYPE=${BUILD_TYPE:-Debug}
JOBS=${JOBS:-$(nproc)}
read -ra EXTRA <<<"${CTEST_ARGS:-}"
ASAN=${BPFSCRIPT_ASAN:-}
if [ -z "$ASAN" ]; then
	[ "${CI:-}" = true ] && ASAN=1 || ASAN=0
fi
FUZZ=${BPFSCRIPT_FUZZ:-}
if [ -z "$FUZZ" ]; then
	[ "${CI:-}" = true ] && FUZZ=1 || FUZZ=0
fi
RELEASE=${BPFSCRIPT_RELEASE:-}
if [ -z "$RELEASE" ]; then
	[ "${CI:-}" = true ] && RELEASE=1 || RELEASE=0
fi
PACKAGE=${BPFSCRIPT_PACKAGE:-}
if [ -z "$PACKAGE" ]; then
	[ "${CI:-}" = true ] && PACKAGE=1 || PACKAGE=0
fi

step() { printf '\n==== %s\n' "$*"; }

# CI runs as root, so nothing that needs root may skip there. No ctest test skips (a case
# of a kernel feature that is absent says so and passes); a skipped one fails CI anyway.
if [ "${CI:-}" = true ] && [ "$(id -u)" != 0 ]; then
	echo "test.sh: CI must run as root (runtime and BTF tests would not run)" >&2
	exit 1
fi

step "dependencies"
scripts/deps.sh

# configure_build DIR CMAKE_ARGS...: configure and build everything in DIR. A build error
# does not stop here: whatever did build is still tested (and the run fails at the end).
BUILD_FAILED=0
configure_build() {
	local dir=$1 keep_going=(-k)
	shift
	step "configure $dir ($*)"
	cmake -S . -B "$dir" "$@"
	step "build $dir"
	grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja' "$dir/CMakeCache.txt" && keep_going=(-k 0)
	if ! cmake --build "$dir" -j "$JOBS" -- "${keep_going[@]}"; then
		BUILD_FAILED=1
		echo "test.sh: the build in $dir failed (errors above); testing what was built" >&2
	fi
}

# run_ctest DIR: every test, failures with their output; the summary comes last
run_ctest() {
	step "ctest $1"
	local log
	log=$(mktemp)
	local rc=0
	ctest --test-dir "$1" --output-on-failure --no-tests=error -j "$JOBS" "${EXTRA[@]}" | tee "$log" || rc=1
	if [ "${CI:-}" = true ] && grep -q '\*\*\*Skipped' "$log"; then
		echo "test.sh: tests were skipped in CI (above); CI must run them all" >&2
		rc=1
	fi
	rm -f "$log"
	return $rc
}

configure_build build -DCMAKE_BUILD_TYPE="$BUILD_TYPE"
if [ "$BUILD_FAILED" = 1 ]; then
	run_ctest build || true
	exit 1
fi
run_ctest build

# The Release build is the one the README's first command makes and the benchmarks measure:
# its plugin is linked differently (static LLVM and libstdc++, lld-19, ordered). A sample of
# runtime tests runs against it, a traced run under valgrind among them.
if [ "$RELEASE" = 1 ]; then
	configure_build build-release -DCMAKE_BUILD_TYPE=Release
	[ "$BUILD_FAILED" = 0 ]
	step "ctest build-release (a sample)"
	ctest --test-dir build-release --output-on-failure --no-tests=error -j "$JOBS" \
		-R '^(runtime\.(spine_probes|spine_exit|spine_builtins|uprobes|types)|memcheck\..*|cache\..*|cli\.install)$'
fi

# What a distribution builds (shared libbpf, libelf, zlib, zstd) and the .deb made from it,
# installed on this machine, run and removed.
if [ "$PACKAGE" = 1 ]; then
	scripts/package_test.sh build-shared
fi

if [ "$ASAN" = 1 ]; then
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	configure_build build-asan -DCMAKE_BUILD_TYPE=Debug -DBPFSCRIPT_SANITIZE=ON
	run_ctest build-asan
	[ "$BUILD_FAILED" = 0 ]
fi

# The front-end fuzzer (tests/fuzz.cmake): its own clang build, only its target, then a
# bounded run on the seed corpus; a crash fails the run (its input is printed: make it a
# regression test in tests/frontend/cases).
if [ "$FUZZ" = 1 ]; then
	step "configure build-fuzz (clang, libFuzzer)"
	CC=clang-19 CXX=clang++-19 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBPFSCRIPT_FUZZ=ON
	step "build build-fuzz"
	cmake --build build-fuzz -j "$JOBS" --target bpfscript_fuzz_frontend
	step "fuzz the front end for ${FUZZ_SECONDS:-75} s"
	tests/fuzz/run.sh build-fuzz/tests/bpfscript_fuzz_frontend "${FUZZ_SECONDS:-75}"
fi
