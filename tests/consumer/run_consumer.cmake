# Installs the Kora build into a scratch prefix, then configures, builds and runs
# the consumer project against it with find_package(kora).
#   -DKORA_BUILD_DIR -DCONSUMER_SOURCE_DIR -DCONSUMER_WORK_DIR -DCMAKE_CXX_COMPILER
#   [-DCONSUMER_PROGRAMS=a;b]: the programs to run (default: core_only)
set(prefix ${CONSUMER_WORK_DIR}/prefix)
set(build ${CONSUMER_WORK_DIR}/build)
file(REMOVE_RECURSE ${prefix} ${build})

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGV}")
  endif()
endfunction()

run(${CMAKE_COMMAND} --install ${KORA_BUILD_DIR} --prefix ${prefix})
run(${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_DIR} -B ${build} -G Ninja
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER})
run(${CMAKE_COMMAND} --build ${build})
if(NOT CONSUMER_PROGRAMS)
  set(CONSUMER_PROGRAMS core_only)
endif()
foreach(program IN LISTS CONSUMER_PROGRAMS)
  run(${build}/${program})
endforeach()
