# arch.cmake - unit tests of the per-architecture description (src/util/arch.c):
# the x86-64 and arm64 tables (macros, directories, ld.so.cache flags, struct pt_regs, USDT
# registers, system call names), both whatever the host (no root); and arch.cross_aarch64:
# every source compiles for arm64. How the preprocessor, the ld.so.cache reader and the USDT
# spec parser use the tables is tested in cpp.unit and uprobes.unit.
add_executable(bpfscript_arch_test ${CMAKE_CURRENT_SOURCE_DIR}/arch/arch_test.c)
target_compile_options(bpfscript_arch_test PRIVATE ${WARN_FLAGS})
target_link_libraries(bpfscript_arch_test PRIVATE bpfscript_core)
add_test(NAME arch.unit COMMAND bpfscript_arch_test)
set_tests_properties(arch.unit PROPERTIES LABELS "unit")

# Every C source compiles for arm64 (clang's aarch64 target and Debian's arm64 cross headers):
# what the x86-64 build cannot see, an x86-64 assumption without an arm64 branch, fails here.
find_program(ARCH_CROSS_CLANG NAMES clang-19 clang)
if(ARCH_CROSS_CLANG)
  add_test(NAME arch.cross_aarch64
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/arch/cross_check.sh ${ARCH_CROSS_CLANG}
                   ${CMAKE_CURRENT_SOURCE_DIR}/.. ${GEN} ${LLVM_INCLUDE_DIR})
  set_tests_properties(arch.cross_aarch64 PROPERTIES LABELS "unit" FAIL_REGULAR_EXPRESSION "^FAIL ")
endif()
