# fuzz.cmake - the libFuzzer target of the front end (tests/fuzz/fuzz_frontend.c),
# only in a build configured with -DBPFSCRIPT_FUZZ=ON and clang:
#   CC=clang-19 CXX=clang++-19 cmake -S . -B build-fuzz -DBPFSCRIPT_FUZZ=ON
#   cmake --build build-fuzz -j2 --target bpfscript_fuzz_frontend
#   tests/fuzz/run.sh build-fuzz/tests/bpfscript_fuzz_frontend 60
# Every crash it finds becomes a case in tests/frontend/cases or tests/cli.
if(BPFSCRIPT_FUZZ)
  add_executable(bpfscript_fuzz_frontend ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_frontend.c)
  target_compile_options(bpfscript_fuzz_frontend PRIVATE ${WARN_FLAGS})
  target_link_libraries(bpfscript_fuzz_frontend PRIVATE bpfscript_core)
  target_link_options(bpfscript_fuzz_frontend PRIVATE -fsanitize=fuzzer)
endif()
