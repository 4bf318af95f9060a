# Runtime runs of bpfscript under valgrind's memcheck (tests/memcheck/run.sh): a traced
# program from parse to END output, compiled (LLVM loaded) and from the compiled-object
# cache, and -l. Root; valgrind is installed by scripts/deps.sh, so these never skip. Not in
# the sanitizer build (ASan and valgrind do not mix; that build checks leaks itself).
# Included from tests/CMakeLists.txt, so CMAKE_CURRENT_SOURCE_DIR is tests/.
if(NOT BPFSCRIPT_SANITIZE)
  foreach(case cold cache list)
    add_test(NAME memcheck.${case}
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/memcheck/run.sh $<TARGET_FILE:bpfscript>
                     ${CMAKE_BINARY_DIR}/tests/targets ${CMAKE_CURRENT_SOURCE_DIR}/valgrind-llvm.supp ${case})
    set_tests_properties(memcheck.${case} PROPERTIES
      LABELS "runtime;valgrind" RESOURCE_LOCK bpf_runtime TIMEOUT 900 FAIL_REGULAR_EXPRESSION "^FAIL ")
  endforeach()
endif()
