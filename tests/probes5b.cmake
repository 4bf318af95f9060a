# probes5b.cmake - tests of the kernel-side probe types (kprobe, kretprobe, fentry,
# fexit, rawtracepoint, watchpoint, iter) and of stacks and symbols (issue 5, part b).
#
#   probes5b.unit       probe expansion, names and diagnostics of these types, their
#                       context builtins, BTF conversion, kallsyms and ELF symbols, the
#                       "try ..." suggestions (fixture tracefs); no root. Also under
#                       valgrind (every cache is freed at exit) when it is installed
#   probes5b.golden     the BPF assembly (-d asm) generated for kprobe, kretprobe,
#                       fentry, fexit and rawtracepoint programs, against golden files in
#                       tests/probes5b/golden (map fds normalised); root, since attach
#                       points are checked against the running kernel. Regenerate with
#                       tests/probes5b/golden.sh BPFSCRIPT DIR --regen after a deliberate
#                       codegen change.
#   probes5b.check      the kernel verifier accepts kprobe, kretprobe, rawtracepoint and
#                       iter programs (--check: compile and load, attach nothing); root
#   runtime.probes5b    the runtime suite tests/runtime/probes5b.test (registered by
#                       runtime.cmake like every suite)
#
# Test targets for the runtime suite, built into tests/targets with their own flags:
#   stack_target [N] [MS]   nested functions with frame pointers (stack tests)
#   watch_target [N] [--hw] writes a known global N times (watchpoint tests); static,
#                           no PIE, so that `nm` gives its address in advance

set(P5B_DIR ${CMAKE_CURRENT_SOURCE_DIR}/probes5b)
set(P5B_TARGET_DIR ${CMAKE_BINARY_DIR}/tests/targets)

include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_LINK_OPTIONS -static)
check_c_source_compiles("int main(void) { return 0; }" BPFSCRIPT_P5B_STATIC_OK)
unset(CMAKE_REQUIRED_LINK_OPTIONS)

add_executable(rt_stack_target ${CMAKE_CURRENT_SOURCE_DIR}/targets/stack_target.c)
add_executable(rt_watch_target ${CMAKE_CURRENT_SOURCE_DIR}/targets/watch_target.c)
# The targets' own flags replace the directory's (no sanitizers, no -O2: the stack
# target's frames must stay as written).
set_target_properties(rt_stack_target PROPERTIES
  OUTPUT_NAME stack_target RUNTIME_OUTPUT_DIRECTORY ${P5B_TARGET_DIR}
  COMPILE_OPTIONS "-O0;-fno-omit-frame-pointer;-fno-inline;-Wall" LINK_OPTIONS "")
set_target_properties(rt_watch_target PROPERTIES
  OUTPUT_NAME watch_target RUNTIME_OUTPUT_DIRECTORY ${P5B_TARGET_DIR}
  COMPILE_OPTIONS "-O0;-fno-pie;-Wall" LINK_OPTIONS "-no-pie")
if(BPFSCRIPT_P5B_STATIC_OK)
  set_target_properties(rt_watch_target PROPERTIES LINK_OPTIONS "-static;-no-pie")
endif()

add_executable(probes5b_unit ${P5B_DIR}/unit.c)
target_compile_options(probes5b_unit PRIVATE ${WARN_FLAGS})
target_link_libraries(probes5b_unit PRIVATE bpfscript_core)
add_test(NAME probes5b.unit COMMAND probes5b_unit ${CMAKE_CURRENT_SOURCE_DIR}/probes/fixture)
set_tests_properties(probes5b.unit PROPERTIES LABELS "unit;probes")
find_program(P5B_VALGRIND valgrind)
if(P5B_VALGRIND AND NOT BPFSCRIPT_SANITIZE)
  add_test(NAME probes5b.unit.valgrind
           COMMAND ${P5B_VALGRIND} -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
                   --suppressions=${CMAKE_CURRENT_SOURCE_DIR}/valgrind-llvm.supp
                   $<TARGET_FILE:probes5b_unit> ${CMAKE_CURRENT_SOURCE_DIR}/probes/fixture)
  set_tests_properties(probes5b.unit.valgrind PROPERTIES LABELS "probes;valgrind" TIMEOUT 600)
endif()

add_test(NAME probes5b.golden
         COMMAND sh ${P5B_DIR}/golden.sh $<TARGET_FILE:bpfscript> ${P5B_DIR}/golden)
add_test(NAME probes5b.check
         COMMAND sh ${P5B_DIR}/check.sh $<TARGET_FILE:bpfscript>)
set_tests_properties(probes5b.golden probes5b.check PROPERTIES
  LABELS "runtime;probes" RESOURCE_LOCK bpf_runtime)
