#!/usr/bin/env bash
# scripts/package_test.sh [BUILD_DIR] - the build a distribution makes, and the Debian package
# made from it, checked end to end (README.md, "Installing and packaging"). Needs root.
#
#   1. a Release build in BUILD_DIR (default build-shared) with -DBPFSCRIPT_SHARED_DEPS=ON
#      and the /usr prefix (so GNUInstallDirs gives Debian's multiarch libdir)
#   2. the executable must need libbpf, libelf and zlib as shared libraries (ldd)
#   3. a sample of tests against that build: a few runtime suites and cli.install
#   4. `cpack -G DEB` makes bpfscript_<version>_<arch>.deb; dpkg-shlibdeps filled Depends
#   5. `apt-get install -y ./bpfscript_*.deb`, a one-liner from /usr/bin/bpfscript (it
#      compiles, so it loads the installed LLVM plugin), and the package removed again,
#      also when a check fails
#
# scripts/test.sh runs it when CI=true (BPFSCRIPT_PACKAGE=1 forces it, =0 turns it off);
# run by hand it is that stage alone. PACKAGE_TESTS='REGEX' replaces the sample (ctest -R).
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

dir=${1:-build-shared}
JOBS=${JOBS:-$(nproc)}
step() { printf '\n==== %s\n' "$*"; }
fail() { echo "package_test.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (runtime tests, apt-get install)"

step "configure $dir (Release, -DBPFSCRIPT_SHARED_DEPS=ON, prefix /usr)"
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DBPFSCRIPT_SHARED_DEPS=ON -DCMAKE_INSTALL_PREFIX=/usr
step "build $dir (the tracer and the runtime test targets)"
cmake --build "$dir" -j "$JOBS" --target bpfscript runtime_targets

step "shared libraries of $dir/bpfscript"
libs=$(ldd "$dir/bpfscript")
echo "$libs"
for lib in libbpf.so libelf.so libz.so; do
	grep -q "$lib" <<<"$libs" || fail "$dir/bpfscript does not link $lib as a shared library"
done

step "ctest $dir (a sample)"
ctest --test-dir "$dir" --output-on-failure --no-tests=error -j "$JOBS" \
	-R "${PACKAGE_TESTS:-^(runtime\.(spine_probes|spine_exit|uprobes|unix_tool)|cli\.install)\$}"

step "cpack -G DEB in $dir"
rm -f "$dir"/bpfscript_*.deb
(cd "$dir" && cpack -G DEB)
debs=("$dir"/bpfscript_*.deb)
[ ${#debs[@]} = 1 ] && [ -f "${debs[0]}" ] || fail "cpack made no single bpfscript_*.deb in $dir"
deb=$(realpath "${debs[0]}")
dpkg-deb --info "$deb"
depends=$(dpkg-deb --field "$deb" Depends)
# libelf1 comes through libbpf1: bpfscript itself calls no libelf function (--as-needed)
for pkg in libc6 libbpf1 zlib1g libzstd1 libdw1 libmicrohttpd12; do
	grep -qE "(^|, )$pkg( |,|$)" <<<"$depends" || fail "Depends lacks $pkg: $depends"
done
dpkg-deb --contents "$deb"

step "install $deb"
dpkg-query -W -f='${Status}' bpfscript 2>/dev/null | grep -q 'install ok installed' &&
	fail "a bpfscript package is already installed: not touching it"
remove() {
	step "remove the package"
	DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq bpfscript </dev/null || dpkg -r bpfscript || true
}
trap remove EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" </dev/null
[ -x /usr/bin/bpfscript ] || fail "the package installed no /usr/bin/bpfscript"

step "run /usr/bin/bpfscript"
# --no-cache: it compiles, so it must find the plugin in the package's libdir
out=$(cd / && /usr/bin/bpfscript --no-cache -v -e 'BEGIN { printf("hello\n"); exit(); }' 2>&1) ||
	fail "/usr/bin/bpfscript failed: $out"
echo "$out"
grep -qx 'hello' <<<"$out" || fail "/usr/bin/bpfscript did not print hello"
plugin=$(sed -n 's/^llvm: loaded //p' <<<"$out")
[ -n "$plugin" ] || fail "/usr/bin/bpfscript did not say which plugin it loaded"
plugin=$(realpath "$plugin")
dpkg -S "$plugin" 2>/dev/null | grep -q '^bpfscript: ' ||
	fail "/usr/bin/bpfscript loaded $plugin, which is not the package's"
echo "the plugin: $plugin"
# a probe that attaches: a perf software event
out=$(/usr/bin/bpfscript --no-cache -e 'interval:ms:10 { printf("tick %d\n", 1); exit(); }' 2>&1) ||
	fail "/usr/bin/bpfscript (interval) failed: $out"
grep -qx 'tick 1' <<<"$out" || fail "/usr/bin/bpfscript (interval) printed: $out"
[ -f /usr/share/man/man8/bpfscript.8 ] || [ -f /usr/share/man/man8/bpfscript.8.gz ] ||
	fail "the package installed no man page"
trap - EXIT
remove
[ ! -e /usr/bin/bpfscript ] || fail "removing the package left /usr/bin/bpfscript"
echo "package_test.sh: the package installs, runs and is removed"
