# Command line, man page, bash completion and shipped tools (issue 6).
#
#   cli.help_man         every option of --help is in man/bpfscript.8 and the reverse (and env vars)
#   cli.man_names        every builtin and probe type is documented, nothing documented is missing
#   cli.completion       the completion offers every --help option and probe type
#   cli.completion_syntax, cli.completion_works   bash -n, and completions of a few lines
#   cli.completion_probes  probe names completed through bpfscript -l (root)
#   cli.man_render       groff renders the page without warnings
#   cli.man_examples     every EXAMPLES command runs (programs pass --check; root)
#   cli.tools_check      every scripts/*.bt has a usage header, an example, and passes --check (root)
#   cli.debian_tools     the Debian-installed bpftrace tools that work keep passing --check (root)
#   cli.install          cmake --install installs the binary, man page, completion and tools (root)
#
# The runtime behaviour of the options is in tests/runtime/cli.test, of the tools in
# tests/runtime/tools.test. Included from tests/CMakeLists.txt (CMAKE_CURRENT_SOURCE_DIR is tests/).

set(CLI_DIR ${CMAKE_CURRENT_SOURCE_DIR}/cli)
set(CLI_MAN ${CMAKE_CURRENT_SOURCE_DIR}/../man/bpfscript.8)
set(CLI_COMPLETION ${CMAKE_CURRENT_SOURCE_DIR}/../completion/bpfscript.bash)
set(CLI_SCRIPTS ${CMAKE_CURRENT_SOURCE_DIR}/../scripts)
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  set(CLI_PYTHON ${Python3_EXECUTABLE})
else()
  set(CLI_PYTHON python3)
endif()

add_executable(bpfscript_names ${CLI_DIR}/names.c)
target_compile_options(bpfscript_names PRIVATE ${WARN_FLAGS})
target_link_libraries(bpfscript_names PRIVATE bpfscript_core)

add_test(NAME cli.help_man
         COMMAND ${CLI_PYTHON} ${CLI_DIR}/help_man.py options $<TARGET_FILE:bpfscript> ${CLI_MAN})
add_test(NAME cli.man_names
         COMMAND ${CLI_PYTHON} ${CLI_DIR}/help_man.py names $<TARGET_FILE:bpfscript_names> ${CLI_MAN})
add_test(NAME cli.completion
         COMMAND ${CLI_PYTHON} ${CLI_DIR}/help_man.py completion $<TARGET_FILE:bpfscript>
                 ${CLI_COMPLETION} $<TARGET_FILE:bpfscript_names>)
add_test(NAME cli.completion_syntax COMMAND bash -n ${CLI_COMPLETION})
add_test(NAME cli.completion_works COMMAND bash ${CLI_DIR}/completion_test.sh ${CLI_COMPLETION})
set_tests_properties(cli.help_man cli.man_names cli.completion cli.completion_syntax
                     cli.completion_works PROPERTIES LABELS "unit;cli")

find_program(CLI_GROFF groff)
if(CLI_GROFF)
  add_test(NAME cli.man_render
           COMMAND sh -c "${CLI_GROFF} -man -Tutf8 -ww -z ${CLI_MAN} 2>&1 | { ! grep .; }")
  set_tests_properties(cli.man_render PROPERTIES LABELS "unit;cli")
endif()

add_test(NAME cli.man_examples
         COMMAND ${CLI_PYTHON} ${CLI_DIR}/help_man.py examples $<TARGET_FILE:bpfscript> ${CLI_MAN})
add_test(NAME cli.tools_check
         COMMAND sh ${CLI_DIR}/tools_check.sh $<TARGET_FILE:bpfscript> ${CLI_SCRIPTS})
add_test(NAME cli.completion_probes
         COMMAND bash ${CLI_DIR}/completion_test.sh ${CLI_COMPLETION} $<TARGET_FILE:bpfscript>)
add_test(NAME cli.debian_tools COMMAND sh ${CLI_DIR}/debian_tools.sh $<TARGET_FILE:bpfscript>)
add_test(NAME cli.install COMMAND sh ${CLI_DIR}/install_check.sh ${CMAKE_BINARY_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/..)
set_tests_properties(cli.man_examples cli.tools_check cli.debian_tools cli.install cli.completion_probes PROPERTIES
  LABELS "runtime;cli" RESOURCE_LOCK bpf_runtime TIMEOUT 600)
