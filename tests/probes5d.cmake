# probes5d.cmake - issue 5, part d: kprobe_multi (one link for a wildcard's
# functions), the kprobe blacklist, and cpp_demangle.
#
#   probes5d.unit       the kprobe_multi symbol list (sorted, one per name, filtered
#                       against the traceable functions and the blacklist) and the
#                       blacklist parser; pure user-space code, no root. Also under
#                       valgrind when it is installed
#   runtime.probes5d    the runtime suite tests/runtime/probes5d.test (registered by
#                       runtime.cmake like every suite)
add_executable(probes5d_unit ${CMAKE_CURRENT_SOURCE_DIR}/probes5d/unit.c)
target_compile_options(probes5d_unit PRIVATE ${WARN_FLAGS})
target_link_libraries(probes5d_unit PRIVATE bpfscript_core)
add_test(NAME probes5d.unit COMMAND probes5d_unit)
set_tests_properties(probes5d.unit PROPERTIES LABELS "unit;probes")
find_program(P5D_VALGRIND valgrind)
if(P5D_VALGRIND AND NOT BPFSCRIPT_SANITIZE)
  add_test(NAME probes5d.unit.valgrind
           COMMAND ${P5D_VALGRIND} -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
                   --suppressions=${CMAKE_CURRENT_SOURCE_DIR}/valgrind-llvm.supp
                   $<TARGET_FILE:probes5d_unit>)
  set_tests_properties(probes5d.unit.valgrind PROPERTIES LABELS "probes;valgrind")
endif()
