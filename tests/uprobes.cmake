# uprobes.cmake - tests of the uprobe, uretprobe and usdt probe types and of ELF
# symbol and USDT note reading (tests/uprobes/, tests/targets/usdt_target.c):
#
#   uprobes.unit           argument specs, symbols, offsets and notes of the test
#                          targets, ld.so.cache parsing, attach point expansion and
#                          its diagnostics (no root); also under valgrind
#   uprobes.fuzz           the ELF reader over truncated and corrupted copies of a
#                          target (under valgrind when it is installed)
#   uprobes.list.compare   `-l` of the test targets, libc and bash, and `-l -p PID`,
#                          byte for byte against bpftrace 0.17 (root); with -p, 0.17's
#                          lines among ours (we list the libraries too, as latest)
#
# The runtime suite tests/runtime/uprobes.test (counts, arguments, return values,
# USDT arguments and semaphores, -p, -c) is registered by runtime.cmake.
# Included after runtime.cmake (alphabetical), whose bpfscript_rt_target builds the
# USDT target with its own flags: -O2, so that USDT arguments live in registers.
bpfscript_rt_target(usdt_target SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/targets/usdt_target.c
                    OPTIONS -O2 -g -fno-omit-frame-pointer -Wall)
add_dependencies(runtime_targets rt_usdt_target)

add_executable(bpfscript_elfsym_test ${CMAKE_CURRENT_SOURCE_DIR}/uprobes/elfsym_test.c)
target_compile_options(bpfscript_elfsym_test PRIVATE ${WARN_FLAGS})
target_link_libraries(bpfscript_elfsym_test PRIVATE bpfscript_core)

set(UPROBES_BIN $<TARGET_FILE:bpfscript_elfsym_test>)
set(UPROBES_TARGETS $<TARGET_FILE:rt_usdt_target> $<TARGET_FILE:rt_uprobe_target>)

add_test(NAME uprobes.unit COMMAND ${UPROBES_BIN} unit ${UPROBES_TARGETS})
set_tests_properties(uprobes.unit PROPERTIES LABELS "unit;uprobes")

find_program(VALGRIND valgrind)
if(VALGRIND AND NOT BPFSCRIPT_SANITIZE)
  # (definite and indirect leaks: libLLVM, linked in through the probe types, keeps
  # its static option registry reachable)
  set(UPROBES_VG ${VALGRIND} -q --error-exitcode=99 --leak-check=full
                 --errors-for-leak-kinds=definite,indirect)
  add_test(NAME uprobes.unit.valgrind COMMAND ${UPROBES_VG} ${UPROBES_BIN} unit ${UPROBES_TARGETS})
  add_test(NAME uprobes.fuzz COMMAND ${UPROBES_VG} ${UPROBES_BIN} fuzz $<TARGET_FILE:rt_usdt_target>)
  set_tests_properties(uprobes.unit.valgrind uprobes.fuzz PROPERTIES LABELS "uprobes;valgrind" TIMEOUT 600)
else()
  add_test(NAME uprobes.fuzz COMMAND ${UPROBES_BIN} fuzz $<TARGET_FILE:rt_usdt_target>)
  set_tests_properties(uprobes.fuzz PROPERTIES LABELS "unit;uprobes")
endif()

add_test(NAME uprobes.list.compare
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/uprobes/list_compare.sh $<TARGET_FILE:bpfscript>
                 ${UPROBES_TARGETS})
set_tests_properties(uprobes.list.compare PROPERTIES
  LABELS "runtime;uprobes;compare" TIMEOUT 600)
