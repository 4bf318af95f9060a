# types2.cmake - C types, second part (issue 4): path(), cgroup_path(), the address
# space of syscall tracepoint arguments.
#
#   types2.golden     the BPF assembly (-d asm) of fentry/fexit programs using path(),
#                     against tests/types2/golden/NAME.asm (this kernel refuses fentry
#                     programs, so the generated code is checked instead of run); root,
#                     since attach points are checked against the running kernel.
#                     Regenerate: sh tests/probes5b/golden.sh build/bpfscript
#                     tests/types2/golden --regen
#   runtime.types2    the runtime suite tests/runtime/types2.test (registered by
#                     runtime.cmake like every suite), which uses the target below
#
# Test target: syscall_args makes system calls whose arguments point into it (its header).

bpfscript_rt_target(syscall_args STATIC SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/targets/syscall_args.c
  OPTIONS -O2 -Wall)
add_dependencies(runtime_targets rt_syscall_args)

add_test(NAME types2.golden
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/probes5b/golden.sh $<TARGET_FILE:bpfscript>
                 ${CMAKE_CURRENT_SOURCE_DIR}/types2/golden)
set_tests_properties(types2.golden PROPERTIES LABELS "runtime;types" RESOURCE_LOCK bpf_runtime)
