# Finds the target's Python headers and pybind11, and defines slimrt_add_python_module().
#
# Native builds (scikit-build-core, or plain cmake): the running Python, through FindPython.
# Cross builds (a toolchain file from toolchains/ sets SLIMRT_TARGET): nothing of the build
# machine's Python is used except pybind11's header-only CMake package. The target's headers,
# pyconfig.h and (Windows) import library come from the SlimTargetPython package that Conan
# makes from recipes/target-python; the extension suffix comes from the toolchain file.
if(SLIMRT_TARGET)
  find_package(SlimTargetPython CONFIG)
  if(NOT SlimTargetPython_FOUND)
    message(FATAL_ERROR
      "slimrt (${SLIMRT_TARGET}): the target Python was not found (no SlimTargetPython package in "
      "'${SLIMRT_TARGET_PYTHON_DIR}'). Make it with `slim build --target ${SLIMRT_TARGET}`, or by hand:\n"
      "  conan create recipes/target-python --version 3.11 -pr:h toolchains/conan/${SLIMRT_TARGET} -pr:b toolchains/conan/build -nr\n"
      "  conan install --requires target-python/3.11 -pr:h toolchains/conan/${SLIMRT_TARGET} "
      "-pr:b toolchains/conan/build -g CMakeDeps -of <build>/conan -nr")
  endif()
  if(NOT SLIMRT_PYTHON_EXT_SUFFIX)
    message(FATAL_ERROR "slimrt (${SLIMRT_TARGET}): the toolchain file sets no SLIMRT_PYTHON_EXT_SUFFIX")
  endif()
  if(NOT pybind11_DIR)
    if(NOT SLIMRT_HOST_PYTHON)
      find_program(SLIMRT_HOST_PYTHON NAMES python3 python NO_CMAKE_FIND_ROOT_PATH)
    endif()
    execute_process(COMMAND "${SLIMRT_HOST_PYTHON}" -m pybind11 --cmakedir
      OUTPUT_VARIABLE pybind11_DIR OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc ERROR_QUIET)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "slimrt (${SLIMRT_TARGET}): pybind11 is not installed in the build "
        "machine's Python '${SLIMRT_HOST_PYTHON}' (pip install pybind11), or set pybind11_DIR")
    endif()
  endif()
  set(PYBIND11_NOPYTHON ON)
  find_package(pybind11 CONFIG REQUIRED NO_CMAKE_FIND_ROOT_PATH)

  function(slimrt_add_python_module name)
    add_library(${name} MODULE ${ARGN})
    target_link_libraries(${name} PRIVATE pybind11::headers SlimTargetPython::Python slimrt_flags)
    set_target_properties(${name} PROPERTIES PREFIX "" SUFFIX "${SLIMRT_PYTHON_EXT_SUFFIX}"
      CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
    if(NOT MSVC AND CMAKE_BUILD_TYPE STREQUAL "Release")
      target_link_options(${name} PRIVATE -s)
    endif()
  endfunction()
  return()
endif()

find_package(Python 3.8 REQUIRED COMPONENTS Interpreter Development.Module)
if(NOT pybind11_DIR)
  execute_process(COMMAND "${Python_EXECUTABLE}" -m pybind11 --cmakedir
    OUTPUT_VARIABLE pybind11_DIR OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()
find_package(pybind11 CONFIG REQUIRED)

function(slimrt_add_python_module name)
  # NO_EXTRAS: no LTO (see top-level CMakeLists.txt), stripping handled below.
  pybind11_add_module(${name} MODULE NO_EXTRAS ${ARGN})
  target_link_libraries(${name} PRIVATE slimrt_flags)
  if(NOT MSVC AND CMAKE_BUILD_TYPE STREQUAL "Release")
    target_link_options(${name} PRIVATE -s)
  endif()
endfunction()
