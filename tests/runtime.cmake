# Runtime tests: real probes, run as root (see tests/runtime/README.md).
#
#   - builds the test targets (tests/targets/*.c) into ${RT_TARGET_DIR}; tests name them
#     {{TARGET:name}}
#   - registers one ctest test per suite file tests/runtime/<suite>.test, named
#     runtime.<suite>, plus runtime-compare.<suite> for suites that have COMPARE_BPFTRACE
#     cases (compare mode: same program under /usr/bin/bpftrace, identical stdout)
#
# Included from tests/CMakeLists.txt, so CMAKE_CURRENT_SOURCE_DIR is tests/.

set(RT_DIR ${CMAKE_CURRENT_SOURCE_DIR}/runtime)
set(RT_TARGET_DIR ${CMAKE_BINARY_DIR}/tests/targets)

find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  set(RT_PYTHON ${Python3_EXECUTABLE})
else()
  set(RT_PYTHON python3)
endif()

# The targets must behave the same in every build type: a fixed number of system calls and
# nothing else. So they get their own flags, whatever the directory's (no sanitizers: ASan's
# start-up would add openat calls; no -O2 for the uprobe target: its functions must stay).
include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_LINK_OPTIONS -static)
check_c_source_compiles("int main(void) { return 0; }" BPFSCRIPT_RT_STATIC_OK)
unset(CMAKE_REQUIRED_LINK_OPTIONS)

function(bpfscript_rt_target name)
  cmake_parse_arguments(T "STATIC" "" "SOURCES;OPTIONS" ${ARGN})
  add_executable(rt_${name} ${T_SOURCES})
  set_target_properties(rt_${name} PROPERTIES
    OUTPUT_NAME ${name}
    RUNTIME_OUTPUT_DIRECTORY ${RT_TARGET_DIR}
    # replace (not append to) the flags inherited from the directory
    COMPILE_OPTIONS "${T_OPTIONS}"
    LINK_OPTIONS "")
  if(T_STATIC AND BPFSCRIPT_RT_STATIC_OK)
    set_target_properties(rt_${name} PROPERTIES LINK_OPTIONS "-static")
  endif()
endfunction()

set(RT_SRC ${CMAKE_CURRENT_SOURCE_DIR}/targets)
bpfscript_rt_target(getppid_n STATIC SOURCES ${RT_SRC}/getppid_n.c OPTIONS -O2 -Wall)
bpfscript_rt_target(openat_n  STATIC SOURCES ${RT_SRC}/openat_n.c  OPTIONS -O2 -Wall)
bpfscript_rt_target(sleeper   STATIC SOURCES ${RT_SRC}/sleeper.c   OPTIONS -O2 -Wall)
bpfscript_rt_target(uprobe_target
  SOURCES ${RT_SRC}/uprobe_target.c ${RT_SRC}/uprobe_target_sem.c
  OPTIONS -O0 -g -fno-omit-frame-pointer -Wall)
add_custom_target(runtime_targets DEPENDS rt_getppid_n rt_openat_n rt_sleeper rt_uprobe_target)

file(GLOB RT_SUITES CONFIGURE_DEPENDS ${RT_DIR}/*.test)
file(GLOB RT_SELFCHECK_SUITES CONFIGURE_DEPENDS ${RT_DIR}/spine_*.test ${RT_DIR}/lang_*.test)

# Every suite parses (no root needed).
add_test(NAME runtime-format COMMAND ${RT_PYTHON} ${RT_DIR}/runner.py --list ${RT_SUITES})
set_tests_properties(runtime-format PROPERTIES LABELS "runtime;unit")

# The expectations of the suites written from bpftrace 0.17's behaviour (spine_*, lang_*)
# still hold for bpftrace 0.17 itself (cases marked DIFFERS_FROM_BPFTRACE_0_17 excepted).
# Suites about what only bpfscript does (bad input, faults, security, C++ probes, ...) are
# not run here: their 0.17-comparable cases are COMPARE_BPFTRACE ones, which the
# runtime-compare.<suite> tests run under 0.17.
# (One retry per case: 0.17 itself is racy under load, e.g. around SIGINT.)
# Not in the sanitizer build, where it would only repeat itself.
if(NOT BPFSCRIPT_SANITIZE)
  add_test(NAME runtime-selfcheck
           COMMAND ${RT_PYTHON} ${RT_DIR}/runner.py --bpfscript /usr/bin/bpftrace --retries 1
                   --targets ${RT_TARGET_DIR} ${RT_SELFCHECK_SUITES})
  set_tests_properties(runtime-selfcheck PROPERTIES
    LABELS "runtime;selfcheck" RESOURCE_LOCK bpf_runtime TIMEOUT 1800)
endif()
foreach(suite_file ${RT_SUITES})
  get_filename_component(suite ${suite_file} NAME_WE)
  set(rt_cmd ${RT_PYTHON} ${RT_DIR}/runner.py
             --bpfscript $<TARGET_FILE:bpfscript> --targets ${RT_TARGET_DIR})
  add_test(NAME runtime.${suite} COMMAND ${rt_cmd} ${suite_file})
  # Runtime tests attach real probes and check that nothing is left attached afterwards:
  # they run one at a time, never beside another runtime test.
  set_tests_properties(runtime.${suite} PROPERTIES
    LABELS runtime RESOURCE_LOCK bpf_runtime TIMEOUT 1800)
  file(STRINGS ${suite_file} rt_compare REGEX "^COMPARE_BPFTRACE")
  if(rt_compare)
    add_test(NAME runtime-compare.${suite} COMMAND ${rt_cmd} --compare-bpftrace ${suite_file})
    set_tests_properties(runtime-compare.${suite} PROPERTIES
      LABELS "runtime;compare" RESOURCE_LOCK bpf_runtime TIMEOUT 1800)
  endif()
endforeach()
