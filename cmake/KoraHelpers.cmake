# Helpers that give every Kora module the same shape.
#
#   kora_add_library(<m> LAYER <n> SOURCES ... [DEPENDS <m>...] [PUBLIC_LIBS ...] [PRIVATE_LIBS ...])
#     Declares target kora_<m> with alias kora::<m>, public headers in <m>/include,
#     private headers in <m>/src, install rules, and, when present, the unit tests in
#     <m>/tests (one Catch2 program registered with CTest under label "unit") and the
#     benchmarks in <m>/bench (one Google Benchmark program).
#     DEPENDS names Kora modules; each must sit on a lower LAYER, so a back edge
#     stops the configure step.
#
#   kora_add_executable(<name> LAYER <n> SOURCES ... DEPENDS <m>...)

set(KORA_ALL_LIBRARIES "" CACHE INTERNAL "")

function(kora_asio_usage target scope)
  # Debian's standalone Asio is header-only; keep its configuration in one place.
  target_compile_definitions(${target} ${scope} ASIO_STANDALONE ASIO_NO_DEPRECATED)
  target_link_libraries(${target} ${scope} Threads::Threads)
endfunction()

function(kora_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
  if(KORA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

function(_kora_check_layers target layer)
  foreach(dep IN LISTS ARGN)
    if(NOT TARGET kora_${dep})
      message(FATAL_ERROR "${target}: unknown Kora module '${dep}' (declare it before its users)")
    endif()
    get_target_property(dep_layer kora_${dep} KORA_LAYER)
    if(NOT dep_layer LESS layer)
      message(FATAL_ERROR
        "${target} (layer ${layer}) may not depend on kora_${dep} (layer ${dep_layer}): "
        "every edge of the link graph must point down (docs/architecture.md)")
    endif()
  endforeach()
endfunction()

function(kora_add_catch_main)
  add_library(kora_catch_main OBJECT "${PROJECT_SOURCE_DIR}/cmake/catch_main.cc")
  target_link_libraries(kora_catch_main PUBLIC Catch2::Catch2)
endfunction()

function(kora_add_library name)
  cmake_parse_arguments(ARG "" "LAYER" "SOURCES;DEPENDS;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  set(target kora_${name})
  _kora_check_layers(${target} ${ARG_LAYER} ${ARG_DEPENDS})

  add_library(${target} ${ARG_SOURCES})
  add_library(kora::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES
    KORA_LAYER ${ARG_LAYER}
    EXPORT_NAME ${name}
    POSITION_INDEPENDENT_CODE ON)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_include_directories(${target}
    PUBLIC
      $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE
      ${CMAKE_CURRENT_SOURCE_DIR}/src)
  foreach(dep IN LISTS ARG_DEPENDS)
    target_link_libraries(${target} PUBLIC kora::${dep})
  endforeach()
  if(ARG_PUBLIC_LIBS)
    target_link_libraries(${target} PUBLIC ${ARG_PUBLIC_LIBS})
  endif()
  if(ARG_PRIVATE_LIBS)
    target_link_libraries(${target} PRIVATE ${ARG_PRIVATE_LIBS})
  endif()
  kora_warnings(${target})

  install(TARGETS ${target} EXPORT koraTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  set(KORA_ALL_LIBRARIES "${KORA_ALL_LIBRARIES};${name}" CACHE INTERNAL "")

  file(GLOB test_sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/tests/*_test.cc")
  if(KORA_BUILD_TESTS AND test_sources)
    add_executable(${target}_tests ${test_sources})
    target_link_libraries(${target}_tests PRIVATE ${target} kora_catch_main Catch2::Catch2)
    target_include_directories(${target}_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    kora_warnings(${target}_tests)
    add_test(NAME ${name}.unit COMMAND ${target}_tests)
    set_tests_properties(${name}.unit PROPERTIES LABELS unit TIMEOUT 300)
  endif()

  file(GLOB bench_sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/bench/*_bench.cc")
  if(KORA_BUILD_BENCH AND bench_sources)
    add_executable(${target}_bench ${bench_sources})
    target_link_libraries(${target}_bench PRIVATE ${target} benchmark::benchmark_main)
    target_include_directories(${target}_bench PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  endif()
endfunction()

function(kora_add_executable name)
  cmake_parse_arguments(ARG "" "LAYER;OUTPUT_NAME" "SOURCES;DEPENDS" ${ARGN})
  _kora_check_layers(${name} ${ARG_LAYER} ${ARG_DEPENDS})
  add_executable(${name} ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES KORA_LAYER ${ARG_LAYER})
  foreach(dep IN LISTS ARG_DEPENDS)
    target_link_libraries(${name} PRIVATE kora::${dep})
  endforeach()
  kora_warnings(${name})
  install(TARGETS ${name} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endfunction()

function(kora_install_package)
  include(CMakePackageConfigHelpers)
  set(cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/kora)
  install(EXPORT koraTargets NAMESPACE kora:: DESTINATION ${cmake_dir})
  configure_package_config_file(
    "${PROJECT_SOURCE_DIR}/cmake/koraConfig.cmake.in"
    "${PROJECT_BINARY_DIR}/koraConfig.cmake"
    INSTALL_DESTINATION ${cmake_dir})
  write_basic_package_version_file("${PROJECT_BINARY_DIR}/koraConfigVersion.cmake"
    COMPATIBILITY SameMinorVersion)
  install(FILES "${PROJECT_BINARY_DIR}/koraConfig.cmake"
                "${PROJECT_BINARY_DIR}/koraConfigVersion.cmake"
          DESTINATION ${cmake_dir})
endfunction()
