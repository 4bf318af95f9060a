# layout.cmake - the source tree keeps the layout docs/ARCHITECTURE.md describes:
# every #include between folders of src/ follows the dependency rule written there,
# folders include each other in no cycle, only the driver includes driver.h, and at
# most two files read ELF headers (tests/layout/check_layout.py). No root, no build.
find_package(Python3 COMPONENTS Interpreter REQUIRED)
add_test(NAME layout.includes
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/layout/check_layout.py ${CMAKE_SOURCE_DIR})
set_tests_properties(layout.includes PROPERTIES LABELS "unit")
