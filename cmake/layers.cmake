# One static library per folder under src/ (a "layer"); sources are globbed so
# adding a file needs no edit here.  A layer with no .cc yet is an INTERFACE lib.
function(vitals_layer name)
  cmake_parse_arguments(L "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/${name}/*.cc)
  if(srcs)
    add_library(vitals_${name} STATIC ${srcs})
    target_include_directories(vitals_${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
    target_link_libraries(vitals_${name} PUBLIC ${L_DEPS})
  else()
    add_library(vitals_${name} INTERFACE)
    target_include_directories(vitals_${name} INTERFACE ${CMAKE_SOURCE_DIR}/src)
    target_link_libraries(vitals_${name} INTERFACE ${L_DEPS})
  endif()
endfunction()

# tests/<layer>/*_test.cc -> one GoogleTest binary <layer>_tests, labelled "unit".
function(vitals_layer_tests layer lib)
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/${layer}/*_test.cc)
  if(NOT srcs)
    return()
  endif()
  add_executable(${layer}_tests ${srcs})
  target_include_directories(${layer}_tests PRIVATE ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(${layer}_tests PRIVATE ${lib} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${layer}_tests PRIVATE
    VITALS_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  gtest_discover_tests(${layer}_tests PROPERTIES LABELS unit DISCOVERY_TIMEOUT 60)
endfunction()

# tests/integration/*_test.cc: tests that run the vitals binary against real
# servers (nginx, PostgreSQL, Redis) that scripts/test starts on loopback.
function(vitals_integration_tests)
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/integration/*_test.cc)
  if(NOT srcs)
    return()
  endif()
  add_executable(integration_tests ${srcs})
  target_include_directories(integration_tests PRIVATE ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(integration_tests PRIVATE vitals_gate vitals_stats vitals_report vitals_store vitals_rules vitals_alerting
    vitals_collect vitals_target vitals_load vitals_net vitals_core
    GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(integration_tests PRIVATE
    VITALS_SOURCE_DIR="${CMAKE_SOURCE_DIR}" VITALS_BIN="$<TARGET_FILE:vitals>")
  add_dependencies(integration_tests vitals)
  # Serial: several of them measure rates and latencies against real servers.
  gtest_discover_tests(integration_tests PROPERTIES LABELS integration TIMEOUT 300 RUN_SERIAL TRUE
                       DISCOVERY_TIMEOUT 60)
endfunction()
