# Compiled-object cache tests (tests/cache/cache_test.sh): root, real programs, each case in
# its own empty cache directory. Runtime tests: one at a time (RESOURCE_LOCK bpf_runtime).
# Included from tests/CMakeLists.txt, so CMAKE_CURRENT_SOURCE_DIR is tests/.
foreach(case hit same keys corrupt concurrent pid off resolved)
  add_test(NAME cache.${case}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cache/cache_test.sh $<TARGET_FILE:bpfscript>
                   ${CMAKE_BINARY_DIR}/tests/targets ${case})
  set_tests_properties(cache.${case} PROPERTIES
    LABELS runtime RESOURCE_LOCK bpf_runtime TIMEOUT 600 FAIL_REGULAR_EXPRESSION "^FAIL ")
endforeach()
