# output.cmake - map printing, printf formatting and -f json output
# (src/runtime/print.c, value.c, format.c; the aggregations' printers in
# src/builtins/agg.c) against goldens made by
# bpftrace 0.17 (tests/output/regen.sh). The test creates real BPF maps: it
# needs root and fails without it.
set(OUTPUT_TEST_DIR ${CMAKE_CURRENT_SOURCE_DIR}/output)

add_executable(test_output ${OUTPUT_TEST_DIR}/test_output.c ${OUTPUT_TEST_DIR}/interp.c
               ${OUTPUT_TEST_DIR}/cases.c)
target_compile_options(test_output PRIVATE ${WARN_FLAGS})
target_link_libraries(test_output PRIVATE bpfscript_core)
add_test(NAME output_golden COMMAND test_output ${OUTPUT_TEST_DIR}/golden)
set_tests_properties(output_golden PROPERTIES LABELS "runtime")

# Benchmark, not a test: user CPU of printing a 1,000,000-key per-CPU map
# (bench/run.sh runs it and BENCHMARKS.md records the figure). A smoke run
# with 10,000 keys and no time limit checks that it still works.
add_executable(bench_output ${OUTPUT_TEST_DIR}/bench_output.c)
target_compile_options(bench_output PRIVATE ${WARN_FLAGS})
target_link_libraries(bench_output PRIVATE bpfscript_core)
add_test(NAME output_bench_smoke COMMAND bench_output 10000 1000)
set_tests_properties(output_bench_smoke PROPERTIES LABELS "runtime" TIMEOUT 120)
