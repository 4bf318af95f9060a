# The LLVM plugin's load (src/codegen/prefault_hook.c): its writable segments are made present
# by libbpfscript-prefault.so while dlopen() loads it. Only where that library is built (the
# statically linked plugin: every build but the sanitizer one).
# Included from tests/CMakeLists.txt, so CMAKE_CURRENT_SOURCE_DIR is tests/.
if(TARGET bpfscript-prefault)
  add_executable(plugin_prefault_test ${CMAKE_CURRENT_SOURCE_DIR}/plugin/prefault_test.c)
  target_compile_options(plugin_prefault_test PRIVATE ${WARN_FLAGS})
  target_link_libraries(plugin_prefault_test PRIVATE ${CMAKE_DL_LIBS})
  add_dependencies(plugin_prefault_test bpfscript-llvm)
  add_test(NAME plugin.prefault COMMAND plugin_prefault_test $<TARGET_FILE:bpfscript-llvm>)
  set_tests_properties(plugin.prefault PROPERTIES LABELS unit FAIL_REGULAR_EXPRESSION "^FAIL ")
endif()
