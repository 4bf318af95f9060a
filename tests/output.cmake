# output.cmake - map printing, printf formatting and -f json output
# (src/runtime/print.c, value.c, json.c, format.c) against goldens made by
# bpftrace 0.17 (tests/output/regen.sh). Both tests create real BPF maps:
# they need root and report "skipped" (77) without it.
set(OUTPUT_TEST_DIR ${CMAKE_CURRENT_SOURCE_DIR}/output)

add_executable(test_output ${OUTPUT_TEST_DIR}/test_output.c ${OUTPUT_TEST_DIR}/interp.c
               ${OUTPUT_TEST_DIR}/cases.c)
target_compile_options(test_output PRIVATE ${WARN_FLAGS})
target_link_libraries(test_output PRIVATE bpfscript_core)
add_test(NAME output_golden COMMAND test_output ${OUTPUT_TEST_DIR}/golden)
set_tests_properties(output_golden PROPERTIES SKIP_RETURN_CODE 77 LABELS "runtime")

# Printing a 1,000,000-key per-CPU count map must stay well under a second
# of user CPU (typically ~0.3 s here); the limit leaves room for slow CI.
add_executable(bench_output ${OUTPUT_TEST_DIR}/bench_output.c)
target_compile_options(bench_output PRIVATE ${WARN_FLAGS})
target_link_libraries(bench_output PRIVATE bpfscript_core)
add_test(NAME output_bench_1m COMMAND bench_output 1000000 1.0)
set_tests_properties(output_bench_1m PROPERTIES SKIP_RETURN_CODE 77 LABELS "runtime;bench" TIMEOUT 120)
