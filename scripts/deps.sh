#!/usr/bin/env bash
# scripts/deps.sh - install every Debian package needed to build and test bpfscript.
#
# Idempotent: when everything is installed it only checks (no apt-get at all). Otherwise it
# runs `apt-get update` once and `apt-get install -y` for the missing packages. Runs as root
# (or through sudo when not root), needs no terminal (DEBIAN_FRONTEND=noninteractive).
set -euo pipefail

PACKAGES=(
	build-essential cmake pkg-config flex bison   # toolchain, front-end generators
	llvm-19-dev                                   # LLVM C API for codegen
	lld-19                                        # links the LLVM plugin in function order
	libbpf-dev libelf-dev libdw-dev zlib1g-dev libzstd-dev
	systemtap-sdt-dev                             # <sys/sdt.h> for the USDT test target
	bpftrace                                      # reference for --compare-bpftrace and bench
	bpftool                                       # tests check nothing stays attached
	valgrind time python3                         # memory checks, bench, runtime test runner
	util-linux                                    # setpriv, unshare (runtime tests)
	libxml2-utils chromium                        # --flamegraph tests: xmllint, a headless browser
	clang-19 libclang-rt-19-dev                   # the libFuzzer front-end target (CI)
	dpkg-dev file                                 # cpack -G DEB: dpkg-shlibdeps, ELF detection
	libc6-dev-arm64-cross linux-libc-dev-arm64-cross   # arch.cross_aarch64: the sources compile for arm64
	libmicrohttpd-dev                             # --metrics: the HTTP server
	prometheus                                    # --metrics tests: promtool and a real server
)

installed() { # installed PKG: is PKG installed (dpkg status "install ok installed")?
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for p in "${PACKAGES[@]}"; do
	installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps.sh: all ${#PACKAGES[@]} packages installed"
	exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "deps.sh: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
	SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
echo "deps.sh: installing ${missing[*]}"
"${SUDO[@]}" apt-get update -qq </dev/null

# Every name must exist in the package lists: say which one does not, instead of letting
# apt-get fail on the whole set.
unknown=()
for p in "${missing[@]}"; do
	cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ { print $2 }')
	if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
		unknown+=("$p")
	fi
done
if [ ${#unknown[@]} -gt 0 ]; then
	echo "deps.sh: no installation candidate for: ${unknown[*]} (Debian 12 'bookworm' with its updates is expected)" >&2
	exit 1
fi

"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/tmp/deps-apt.log 2>&1 || {
	tail -n 30 /tmp/deps-apt.log >&2
	echo "deps.sh: apt-get install failed (full log: /tmp/deps-apt.log)" >&2
	exit 1
}
for p in "${missing[@]}"; do
	installed "$p" || { echo "deps.sh: $p is still not installed" >&2; exit 1; }
done
echo "deps.sh: installed ${#missing[@]} package(s)"
