# Installs the Kora build into a scratch prefix, then configures and builds the
# standalone examples/ project against it with find_package(kora) (linking only
# kora::embedded), and runs every example; any non-zero exit fails the test.
#   -DKORA_BUILD_DIR=<build> -DEXAMPLES_SOURCE_DIR=<src>/examples
#   -DEXAMPLES_WORK_DIR=<scratch> -DCMAKE_CXX_COMPILER=<c++>
set(prefix ${EXAMPLES_WORK_DIR}/prefix)
set(build ${EXAMPLES_WORK_DIR}/build)
file(REMOVE_RECURSE ${prefix} ${build})

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGV}")
  endif()
endfunction()

run(${CMAKE_COMMAND} --install ${KORA_BUILD_DIR} --prefix ${prefix})
run(${CMAKE_COMMAND} -S ${EXAMPLES_SOURCE_DIR} -B ${build} -G Ninja
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER})
run(${CMAKE_COMMAND} --build ${build})

# Every example the project declares: one <name>.cc per program.
file(GLOB sources RELATIVE ${EXAMPLES_SOURCE_DIR} ${EXAMPLES_SOURCE_DIR}/*.cc)
list(SORT sources)
if(NOT sources)
  message(FATAL_ERROR "no examples found in ${EXAMPLES_SOURCE_DIR}")
endif()
foreach(source IN LISTS sources)
  get_filename_component(name ${source} NAME_WE)
  message(STATUS "running example ${name}")
  run(${build}/${name})
endforeach()
