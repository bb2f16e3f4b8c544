# Installs the Kora build into a scratch prefix, then configures and builds an
# outside CMake project against it with find_package(kora), and runs each of its
# programs (one per <name>.cc in the project's folder); any failure fails.
#   -DKORA_BUILD_DIR=<build> -DPROJECT_SOURCE=<folder> -DWORK_DIR=<scratch>
#   -DCMAKE_CXX_COMPILER=<c++>
set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)
file(REMOVE_RECURSE ${prefix} ${build})

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGV}")
  endif()
endfunction()

run(${CMAKE_COMMAND} --install ${KORA_BUILD_DIR} --prefix ${prefix})
run(${CMAKE_COMMAND} -S ${PROJECT_SOURCE} -B ${build} -G Ninja
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER})
run(${CMAKE_COMMAND} --build ${build})

file(GLOB sources RELATIVE ${PROJECT_SOURCE} ${PROJECT_SOURCE}/*.cc)
list(SORT sources)
if(NOT sources)
  message(FATAL_ERROR "no programs found in ${PROJECT_SOURCE}")
endif()
foreach(source IN LISTS sources)
  get_filename_component(name ${source} NAME_WE)
  message(STATUS "running ${name}")
  run(${build}/${name})
endforeach()
