# kernel_probes.cmake - tests of the kernel-side probe types (kprobe, kretprobe, fentry,
# fexit, rawtracepoint, watchpoint, iter) and of stacks and symbols.
#
#   kernel_probes.unit      probe expansion, names and diagnostics of these types, their
#                           context builtins, BTF conversion, kallsyms and ELF symbols, the
#                           "try ..." suggestions (fixture tracefs); no root. Also under
#                           valgrind (every cache is freed at exit) when it is installed
#   kernel_probes.golden    the BPF assembly (-d asm) generated for kprobe, kretprobe,
#                           fentry, fexit and rawtracepoint programs, against golden files
#                           in tests/kernel_probes/golden (map fds normalised); root, since
#                           attach points are checked against the running kernel.
#                           Regenerate with tests/kernel_probes/golden.sh BPFSCRIPT DIR
#                           --regen after a deliberate codegen change.
#   kernel_probes.check     the kernel verifier accepts kprobe, kretprobe, rawtracepoint and
#                           iter programs (--check: compile and load, attach nothing); root
#   runtime.kernel_probes   the runtime suite tests/runtime/kernel_probes.test (registered
#                           by runtime.cmake like every suite)
#
# Test targets for the runtime suite, built into tests/targets with their own flags:
#   stack_target [N] [MS]   nested functions with frame pointers (stack tests)
#   stack_depths N [MS]     N getppid calls from N distinct stacks (recursion depths 1..N)
#   watch_target [N] [--hw] writes a known global N times (watchpoint tests); static,
#                           no PIE, so that `nm` gives its address in advance

set(KERNEL_PROBES_DIR ${CMAKE_CURRENT_SOURCE_DIR}/kernel_probes)
set(KERNEL_PROBES_TARGET_DIR ${CMAKE_BINARY_DIR}/tests/targets)

include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_LINK_OPTIONS -static)
check_c_source_compiles("int main(void) { return 0; }" BPFSCRIPT_KERNEL_PROBES_STATIC_OK)
unset(CMAKE_REQUIRED_LINK_OPTIONS)

add_executable(rt_stack_target ${CMAKE_CURRENT_SOURCE_DIR}/targets/stack_target.c)
add_executable(rt_stack_depths ${CMAKE_CURRENT_SOURCE_DIR}/targets/stack_depths.c)
add_executable(rt_watch_target ${CMAKE_CURRENT_SOURCE_DIR}/targets/watch_target.c)
# The targets' own flags replace the directory's (no sanitizers, no -O2: the stack
# target's frames must stay as written).
set_target_properties(rt_stack_target PROPERTIES
  OUTPUT_NAME stack_target RUNTIME_OUTPUT_DIRECTORY ${KERNEL_PROBES_TARGET_DIR}
  COMPILE_OPTIONS "-O0;-fno-omit-frame-pointer;-fno-inline;-Wall" LINK_OPTIONS "")
set_target_properties(rt_stack_depths PROPERTIES
  OUTPUT_NAME stack_depths RUNTIME_OUTPUT_DIRECTORY ${KERNEL_PROBES_TARGET_DIR}
  COMPILE_OPTIONS "-O0;-fno-omit-frame-pointer;-fno-inline;-Wall" LINK_OPTIONS "")
set_target_properties(rt_watch_target PROPERTIES
  OUTPUT_NAME watch_target RUNTIME_OUTPUT_DIRECTORY ${KERNEL_PROBES_TARGET_DIR}
  COMPILE_OPTIONS "-O0;-fno-pie;-Wall" LINK_OPTIONS "-no-pie")
if(BPFSCRIPT_KERNEL_PROBES_STATIC_OK)
  set_target_properties(rt_watch_target PROPERTIES LINK_OPTIONS "-static;-no-pie")
endif()

add_executable(bpfscript_kernel_probes_test ${KERNEL_PROBES_DIR}/unit.c)
target_compile_options(bpfscript_kernel_probes_test PRIVATE ${WARN_FLAGS})
target_link_libraries(bpfscript_kernel_probes_test PRIVATE bpfscript_core)
add_test(NAME kernel_probes.unit COMMAND bpfscript_kernel_probes_test ${CMAKE_CURRENT_SOURCE_DIR}/probes/fixture)
set_tests_properties(kernel_probes.unit PROPERTIES LABELS "unit;probes")
find_program(KERNEL_PROBES_VALGRIND valgrind)
if(KERNEL_PROBES_VALGRIND AND NOT BPFSCRIPT_SANITIZE)
  add_test(NAME kernel_probes.unit.valgrind
           COMMAND ${KERNEL_PROBES_VALGRIND} -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
                   --suppressions=${CMAKE_CURRENT_SOURCE_DIR}/valgrind-llvm.supp
                   $<TARGET_FILE:bpfscript_kernel_probes_test> ${CMAKE_CURRENT_SOURCE_DIR}/probes/fixture)
  set_tests_properties(kernel_probes.unit.valgrind PROPERTIES LABELS "probes;valgrind" TIMEOUT 600)
endif()

add_test(NAME kernel_probes.golden
         COMMAND sh ${KERNEL_PROBES_DIR}/golden.sh $<TARGET_FILE:bpfscript> ${KERNEL_PROBES_DIR}/golden)
add_test(NAME kernel_probes.check
         COMMAND sh ${KERNEL_PROBES_DIR}/check.sh $<TARGET_FILE:bpfscript>)
set_tests_properties(kernel_probes.golden kernel_probes.check PROPERTIES
  LABELS "runtime;probes" RESOURCE_LOCK bpf_runtime)
