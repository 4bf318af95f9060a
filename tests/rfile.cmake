# rfile.cmake - unit tests of util/rfile.c, the one opener of files that others control:
# regular files are read, FIFOs and devices refused without blocking, size bounds kept
# (for files, and for pipes read as a stream). No root needed.
add_executable(bpfscript_rfile_test ${CMAKE_CURRENT_SOURCE_DIR}/rfile/rfile_test.c)
target_compile_options(bpfscript_rfile_test PRIVATE ${WARN_FLAGS})
target_link_libraries(bpfscript_rfile_test PRIVATE bpfscript_core)
add_test(NAME rfile.unit COMMAND bpfscript_rfile_test)
set_tests_properties(rfile.unit PROPERTIES LABELS "unit" TIMEOUT 10)
