# metrics.cmake - --metrics (issue 18): the maps served live to Prometheus, as root.
#
#   metrics.format      the exposition of a counter, a keyed counter, a hist, an lhist and
#                       stats passes `promtool check metrics`; OpenMetrics when the scraper asks;
#                       label escaping; a port in use and a bad address exit 1; config metrics and
#                       BPFTRACE_METRICS; scripts/syscall_latency_metrics.bt served and accepted
#   metrics.prometheus  a real Prometheus server (1 s scrapes) answers sum(bpfscript_opens_total)
#                       with the known number of openat calls, equal to the map printed at exit
#   metrics.load        ten scrapes a second for 5 s while a probe fires 100,000 times a second:
#                       no scrape fails (METRICS_LOAD_SECONDS=30 and --bench by hand: BENCHMARKS.md)
#
# promtool and prometheus come from Debian's prometheus package (scripts/deps.sh).
# Included from tests/CMakeLists.txt, after runtime.cmake (the test targets).
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  set(METRICS_PYTHON ${Python3_EXECUTABLE})
else()
  set(METRICS_PYTHON python3)
endif()
foreach(check format prometheus load)
  add_test(NAME metrics.${check}
           COMMAND ${METRICS_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/metrics/metrics_test.py ${check}
                   $<TARGET_FILE:bpfscript> ${CMAKE_BINARY_DIR}/tests/targets
                   ${CMAKE_CURRENT_SOURCE_DIR}/../scripts)
  set_tests_properties(metrics.${check} PROPERTIES
    LABELS "runtime;metrics" RESOURCE_LOCK bpf_runtime TIMEOUT 300)
endforeach()
