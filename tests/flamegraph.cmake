# flamegraph.cmake - stack maps as folded stacks (-f folded) and SVG flame graphs
# (--flamegraph FILE.svg). The cases themselves are the runtime suite
# tests/runtime/flamegraph.test (runtime.flamegraph, registered by runtime.cmake); they
# need xmllint (libxml2-utils) and chromium, which scripts/deps.sh installs.
#
# Test target, built into tests/targets with its own flags:
#   spin_chain [MS]   main -> fg_outer -> fg_middle -> fg_inner spinning on the CPU for MS
#                     milliseconds (default 1000); -O0, frame pointers, no inlining

add_executable(rt_spin_chain ${CMAKE_CURRENT_SOURCE_DIR}/targets/spin_chain.c)
set_target_properties(rt_spin_chain PROPERTIES
  OUTPUT_NAME spin_chain RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/targets
  COMPILE_OPTIONS "-O0;-fno-omit-frame-pointer;-fno-inline;-Wall" LINK_OPTIONS "")
