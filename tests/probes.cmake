# probes.cmake - tests of the probe types and tracefs (tests/probes/):
#
#   probes.unit        expansion, canonical names, golden diagnostics and format
#                      parsing against the fixture tracefs in tests/probes/fixture
#                      (no root); also under valgrind when it is installed
#   probes.formats     the live formats of syscalls:sys_enter_openat and
#                      sched:sched_switch (root; mounts tracefs if needed)
#   probes.runtime     hand-written BPF programs attached to a tracepoint, interval,
#                      profile and software events; counts, cookies, detach, fds (root)
#   probes.hardware    hardware attach fails with the clear no-PMU message (root)
#   probes.mount       tracefs gets mounted when missing (root; private mount namespace)
#   probes.list.*      `-l` output: tracepoint patterns compared with bpftrace 0.17
#                      (which must be installed: the test fails without it), the
#                      other types against golden files
add_executable(bpfscript_probes_test ${CMAKE_CURRENT_SOURCE_DIR}/probes/probes_test.c)
target_compile_options(bpfscript_probes_test PRIVATE ${WARN_FLAGS})
target_link_libraries(bpfscript_probes_test PRIVATE bpfscript_core)

set(PROBES_DIR ${CMAKE_CURRENT_SOURCE_DIR}/probes)
set(PROBES_BIN $<TARGET_FILE:bpfscript_probes_test>)

add_test(NAME probes.unit COMMAND ${PROBES_BIN} unit ${PROBES_DIR}/fixture)
set_tests_properties(probes.unit PROPERTIES LABELS "unit;probes")

find_program(VALGRIND valgrind)
if(VALGRIND AND NOT BPFSCRIPT_SANITIZE)
  add_test(NAME probes.unit.valgrind
           COMMAND ${VALGRIND} -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
                   --suppressions=${CMAKE_CURRENT_SOURCE_DIR}/valgrind-llvm.supp
                   ${PROBES_BIN} unit ${PROBES_DIR}/fixture)
  set_tests_properties(probes.unit.valgrind PROPERTIES LABELS "probes;valgrind")
endif()

foreach(t formats runtime hardware)
  add_test(NAME probes.${t} COMMAND ${PROBES_BIN} ${t})
  set_tests_properties(probes.${t} PROPERTIES LABELS "runtime;probes" RESOURCE_LOCK bpf_runtime)
endforeach()
add_test(NAME probes.mount COMMAND sh ${PROBES_DIR}/mount_test.sh ${PROBES_BIN})
set_tests_properties(probes.mount PROPERTIES LABELS "runtime;probes")

add_test(NAME probes.list.compare
         COMMAND sh ${PROBES_DIR}/list_compare.sh ${PROBES_BIN})
add_test(NAME probes.list.golden
         COMMAND sh ${PROBES_DIR}/list_golden.sh ${PROBES_BIN} ${PROBES_DIR}/golden)
set_tests_properties(probes.list.compare probes.list.golden PROPERTIES
  LABELS "runtime;probes;compare" TIMEOUT 600)
