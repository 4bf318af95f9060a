# frontend.cmake - lexer/parser tests: golden AST dumps and diagnostics
# (tests/frontend/cases/NAME.bt -> NAME.out, one ctest test per case), the
# bpftrace tools Debian ships, and a sample of the cases under valgrind when
# it is installed. Update the golden files with:
#   tests/frontend/run.sh -u build/tests/bpfscript_parse_test tests/frontend/cases
add_executable(bpfscript_parse_test ${CMAKE_CURRENT_SOURCE_DIR}/frontend/parse_dump.c)
target_compile_options(bpfscript_parse_test PRIVATE ${WARN_FLAGS})
target_link_libraries(bpfscript_parse_test PRIVATE bpfscript_core)

set(FRONTEND_DIR ${CMAKE_CURRENT_SOURCE_DIR}/frontend)
file(GLOB FRONTEND_CASES CONFIGURE_DEPENDS ${FRONTEND_DIR}/cases/*.bt)
foreach(case ${FRONTEND_CASES})
  get_filename_component(name ${case} NAME_WE)
  add_test(NAME frontend.${name}
           COMMAND sh ${FRONTEND_DIR}/run.sh $<TARGET_FILE:bpfscript_parse_test>
                   ${FRONTEND_DIR}/cases ${name}.bt)
  set_tests_properties(frontend.${name} PROPERTIES LABELS "unit;frontend")
endforeach()

add_test(NAME frontend.tools
         COMMAND sh ${FRONTEND_DIR}/tools.sh $<TARGET_FILE:bpfscript_parse_test>)
set_tests_properties(frontend.tools PROPERTIES LABELS "unit;frontend")

find_program(VALGRIND valgrind)
if(VALGRIND AND NOT BPFSCRIPT_SANITIZE)
  add_test(NAME frontend.valgrind
           COMMAND sh ${FRONTEND_DIR}/run.sh
                   -w "${VALGRIND} -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"
                   $<TARGET_FILE:bpfscript_parse_test> ${FRONTEND_DIR}/cases
                   # A sample: libLLVM makes each run under valgrind take ~1 s.
                   precedence.bt statements.bt preamble.bt literals.bt
                   err_recovery.bt err_deep_parens.bt err_unterminated_comment.bt
                   err_nul_byte.bt err_too_many.bt err_missing_brace.bt err_bad_escape.bt)
  set_tests_properties(frontend.valgrind PROPERTIES LABELS "frontend;valgrind")
endif()
