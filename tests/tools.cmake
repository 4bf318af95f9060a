# tools.cmake - targets of the tool tests (runtime suites tools*.test, debian_tools.test):
#   threads_n N   creates and joins N threads (pthread_create), dynamically linked
# (after runtime.cmake, which defines bpfscript_rt_target and runtime_targets)
bpfscript_rt_target(threads_n SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/targets/threads_n.c OPTIONS -O2 -Wall)
add_dependencies(runtime_targets rt_threads_n)
