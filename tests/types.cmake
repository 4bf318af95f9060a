# types.cmake - C types (issue 4): kernel types from vmlinux BTF, the script's own
# struct/union/enum definitions, members, casts, arrays, enums.
#
#   types.<case>     golden tests of type resolution: tests/types/cases/NAME.bt run through
#                    `bpfscript -d types` (types from the running kernel's BTF; no root),
#                    stdout + stderr + exit status against NAME.out. Regenerate with
#                    tests/types/run.sh -u build/bpfscript tests/types/cases
#   runtime.types    the runtime suite tests/runtime/types.test (registered by
#                    runtime.cmake like every suite), which uses the target below
#
# Test target: struct_target [N] passes a known struct by pointer to take_rec() N times.

bpfscript_rt_target(struct_target SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/targets/struct_target.c
  OPTIONS -O0 -g -Wall)
add_dependencies(runtime_targets rt_struct_target)

set(TYPES_DIR ${CMAKE_CURRENT_SOURCE_DIR}/types)
file(GLOB TYPES_CASES CONFIGURE_DEPENDS ${TYPES_DIR}/cases/*.bt)
foreach(case ${TYPES_CASES})
  get_filename_component(name ${case} NAME_WE)
  add_test(NAME types.${name}
           COMMAND sh ${TYPES_DIR}/run.sh $<TARGET_FILE:bpfscript> ${TYPES_DIR}/cases ${name}.bt)
  # no BTF: run.sh says which feature is missing, and fails in CI (see there)
  set_tests_properties(types.${name} PROPERTIES LABELS "unit;types")
endforeach()
