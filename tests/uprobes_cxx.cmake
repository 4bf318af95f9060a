# uprobes_cxx.cmake - the C++ test target (tests/targets/cxx_target.cpp) and its
# stripped twin whose symbols and DWARF live in a separate debug file, for the
# runtime suite tests/runtime/uprobes_cxx.test (demangled uprobe names, DWARF
# arguments of C++ functions and under the ABI's register assignment, stacks
# and usym through .gnu_debuglink, reg()).
#
#   cxx_target            -O0 -g -fno-omit-frame-pointer
#   cxx_target_stripped   the same, `objcopy --strip-all` plus a .gnu_debuglink to
#                         .debug/cxx_target_stripped.debug (`objcopy --only-keep-debug`),
#                         which is where gdb and bcc look for it
#
# Included after runtime.cmake (alphabetical), whose bpfscript_rt_target it uses.
# The project enables CXX; without a C++ compiler (g++, scripts/deps.sh) cmake
# stops at project() already, and this file says why if it is ever reached.
if(NOT CMAKE_CXX_COMPILER)
  message(FATAL_ERROR "tests/uprobes_cxx.cmake: the C++ test target needs a C++ compiler (apt-get install g++; scripts/deps.sh)")
endif()
if(NOT CMAKE_OBJCOPY)
  find_program(CMAKE_OBJCOPY objcopy)
endif()
if(NOT CMAKE_OBJCOPY)
  message(FATAL_ERROR "tests/uprobes_cxx.cmake: objcopy (binutils) is needed to build cxx_target_stripped")
endif()

bpfscript_rt_target(cxx_target SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/targets/cxx_target.cpp
                    OPTIONS -O0 -g -fno-omit-frame-pointer -Wall)

set(CXX_STRIPPED ${RT_TARGET_DIR}/cxx_target_stripped)
set(CXX_DEBUG_DIR ${RT_TARGET_DIR}/.debug)
add_custom_command(OUTPUT ${CXX_STRIPPED} ${CXX_DEBUG_DIR}/cxx_target_stripped.debug
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CXX_DEBUG_DIR}
  COMMAND ${CMAKE_OBJCOPY} --only-keep-debug $<TARGET_FILE:rt_cxx_target>
          ${CXX_DEBUG_DIR}/cxx_target_stripped.debug
  COMMAND ${CMAKE_OBJCOPY} --strip-all
          --add-gnu-debuglink=${CXX_DEBUG_DIR}/cxx_target_stripped.debug
          $<TARGET_FILE:rt_cxx_target> ${CXX_STRIPPED}
  DEPENDS rt_cxx_target
  COMMENT "cxx_target_stripped: symbols and DWARF in .debug/cxx_target_stripped.debug"
  VERBATIM)
add_custom_target(rt_cxx_target_stripped ALL DEPENDS ${CXX_STRIPPED})
add_dependencies(runtime_targets rt_cxx_target rt_cxx_target_stripped)
