# types_paths.cmake - C types, second part: path(), cgroup_path(), the address
# space of syscall tracepoint arguments.
#
#   types_paths.golden     the BPF assembly (-d asm) of fentry/fexit programs using path(),
#                          against tests/types_paths/golden/NAME.asm (this kernel refuses
#                          fentry programs, so the generated code is checked instead of
#                          run); root, since attach points are checked against the running
#                          kernel. Regenerate: sh tests/kernel_probes/golden.sh
#                          build/bpfscript tests/types_paths/golden --regen
#   runtime.types_paths    the runtime suite tests/runtime/types_paths.test (registered by
#                          runtime.cmake like every suite), which uses the target below
#
# Test target: syscall_args makes system calls whose arguments point into it (its header).
# Included after runtime.cmake (alphabetical), whose bpfscript_rt_target it uses.

bpfscript_rt_target(syscall_args STATIC SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/targets/syscall_args.c
  OPTIONS -O2 -Wall)
add_dependencies(runtime_targets rt_syscall_args)

add_test(NAME types_paths.golden
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/kernel_probes/golden.sh $<TARGET_FILE:bpfscript>
                 ${CMAKE_CURRENT_SOURCE_DIR}/types_paths/golden)
set_tests_properties(types_paths.golden PROPERTIES LABELS "runtime;types" RESOURCE_LOCK bpf_runtime)
