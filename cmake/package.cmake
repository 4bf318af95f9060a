# package.cmake - `cpack -G DEB` in a build directory makes bpfscript_<version>_<arch>.deb
# from what `cmake --install` installs (README.md, "Installing and packaging").
#
# dpkg-shlibdeps (package dpkg-dev) fills Depends from the libraries the binary and the
# plugin link: build with -DBPFSCRIPT_SHARED_DEPS=ON for a package that follows the
# system's libbpf, libelf, zlib and zstd. Two libraries are dlopen()ed on demand and so
# are invisible to it, and are named here: libdw (uprobe `args` from DWARF,
# src/sys/udwarf.c) and libstdc++ (C++ symbol demangling, src/sys/demangle.c).
set(CPACK_PACKAGE_NAME bpfscript)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "bpfscript maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "high-level tracing language for Linux, compatible with bpftrace")
set(CPACK_PACKAGE_DESCRIPTION "bpfscript runs bpftrace programs: one-liners and scripts that attach
to tracepoints, uprobes, USDT probes, perf events and kernel probes, aggregate
in BPF maps and print the results. It compiles with LLVM, which it loads
from its own plugin only when a program is not in its compiled-object cache.")
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)            # bpfscript_0.1.0_amd64.deb
if(NOT CPACK_DEBIAN_PACKAGE_MAINTAINER)   # a distribution sets its own (-D...)
  set(CPACK_DEBIAN_PACKAGE_MAINTAINER "bpfscript maintainers <maintainers@bpfscript.invalid>")
endif()
set(CPACK_DEBIAN_PACKAGE_SECTION devel)            # as Debian's bpftrace
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libdw1, libstdc++6")
# The plugin's own libbpfscript-prefault.so (found through the plugin's $ORIGIN runpath)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_BINARY_DIR})
# The package installs under /usr; the plugin directory is relative to the binary, so the
# libdir chosen at configure time (GNUInstallDirs) holds for any prefix.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
include(CPack)
