# kprobe_multi.cmake - kprobe_multi (one link for a wildcard's functions), the
# kprobe blacklist, and cpp_demangle.
#
#   kprobe_multi.unit       the kprobe_multi symbol list (sorted, one per name, filtered
#                           against the traceable functions and the blacklist) and the
#                           blacklist parser; pure user-space code, no root. Also under
#                           valgrind when it is installed
#   runtime.kprobe_multi    the runtime suite tests/runtime/kprobe_multi.test (registered
#                           by runtime.cmake like every suite)
add_executable(bpfscript_kprobe_multi_test ${CMAKE_CURRENT_SOURCE_DIR}/kprobe_multi/unit.c)
target_compile_options(bpfscript_kprobe_multi_test PRIVATE ${WARN_FLAGS})
target_link_libraries(bpfscript_kprobe_multi_test PRIVATE bpfscript_core)
add_test(NAME kprobe_multi.unit COMMAND bpfscript_kprobe_multi_test)
set_tests_properties(kprobe_multi.unit PROPERTIES LABELS "unit;probes")
find_program(KPROBE_MULTI_VALGRIND valgrind)
if(KPROBE_MULTI_VALGRIND AND NOT BPFSCRIPT_SANITIZE)
  add_test(NAME kprobe_multi.unit.valgrind
           COMMAND ${KPROBE_MULTI_VALGRIND} -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
                   --suppressions=${CMAKE_CURRENT_SOURCE_DIR}/valgrind-llvm.supp
                   $<TARGET_FILE:bpfscript_kprobe_multi_test>)
  set_tests_properties(kprobe_multi.unit.valgrind PROPERTIES LABELS "probes;valgrind")
endif()
