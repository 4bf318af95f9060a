# arch.cmake - unit tests of the per-architecture description (src/util/arch.c):
# the x86-64 and arm64 tables (macros, directories, ld.so.cache flags, struct pt_regs, USDT
# registers), both whatever the host (no root). How the
# preprocessor and the ld.so.cache reader use them is tested in cpp.unit and
# uprobes.unit.
add_executable(bpfscript_arch_test ${CMAKE_CURRENT_SOURCE_DIR}/arch/arch_test.c)
target_compile_options(bpfscript_arch_test PRIVATE ${WARN_FLAGS})
target_link_libraries(bpfscript_arch_test PRIVATE bpfscript_core)
add_test(NAME arch.unit COMMAND bpfscript_arch_test)
set_tests_properties(arch.unit PROPERTIES LABELS "unit")
