# Shared part of every toolchain file in this folder. The per-target files (generated from
# slim/slim/targets.py by `slim build --write-toolchains`) set the SLIMRT_* facts of their target
# and include this file. Nothing here knows about a particular platform.
#
# Inputs (cache variables or environment variables of the same name):
#   SLIMRT_TOOLCHAIN_FAMILY  zig (default: zig from the PyPI package `ziglang`) or gnu (Debian's
#                            cross gcc / MinGW-w64 posix compilers)
#   SLIMRT_ZIG               path of the zig executable (default: the one in the `ziglang` package
#                            of SLIMRT_HOST_PYTHON)
#   SLIMRT_HOST_PYTHON       the build machine's Python (finds ziglang and pybind11); default python3
#   SLIMRT_TARGET_PYTHON_DIR folder with the target Python's CMake package (SlimTargetPython),
#                            written by `conan install` (default: <build dir>/conan)
cmake_minimum_required(VERSION 3.18)

foreach(_v SLIMRT_TOOLCHAIN_FAMILY SLIMRT_ZIG SLIMRT_HOST_PYTHON SLIMRT_TARGET_PYTHON_DIR)
  if(NOT DEFINED ${_v} AND DEFINED ENV{${_v}})
    set(${_v} "$ENV{${_v}}")
  endif()
endforeach()
if(NOT SLIMRT_TOOLCHAIN_FAMILY)
  set(SLIMRT_TOOLCHAIN_FAMILY zig)
endif()
set(SLIMRT_TOOLCHAIN_FAMILY "${SLIMRT_TOOLCHAIN_FAMILY}" CACHE STRING "Compiler family: zig or gnu")
set_property(CACHE SLIMRT_TOOLCHAIN_FAMILY PROPERTY STRINGS zig gnu)
if(NOT SLIMRT_HOST_PYTHON)
  find_program(SLIMRT_HOST_PYTHON NAMES python3 python NO_CMAKE_FIND_ROOT_PATH)
endif()
# try_compile() projects re-read this file: hand them what the main project decided.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES
  SLIMRT_TOOLCHAIN_FAMILY SLIMRT_ZIG SLIMRT_HOST_PYTHON SLIMRT_TARGET_PYTHON_DIR)

set(CMAKE_SYSTEM_VERSION 1)

# A tool of the pinned toolchain: a wrapper script in the build tree running BODY, set as VAR.
function(_slimrt_pin_tool var name body)
  set(_dir "${CMAKE_BINARY_DIR}/slimrt-tools")
  file(WRITE "${_dir}/tmp/${name}" "#!/bin/sh\n${body}\n")
  file(COPY "${_dir}/tmp/${name}" DESTINATION "${_dir}" FILE_PERMISSIONS
       OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  set(${var} "${_dir}/${name}" CACHE FILEPATH "pinned toolchain: ${name}" FORCE)
endfunction()
set(CMAKE_CROSSCOMPILING_EMULATOR "${SLIMRT_EMULATOR}")

if(SLIMRT_TOOLCHAIN_FAMILY STREQUAL "zig")
  if(NOT SLIMRT_ZIG)
    if(SLIMRT_HOST_PYTHON)
      execute_process(
        COMMAND "${SLIMRT_HOST_PYTHON}" -c "import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), 'zig'))"
        OUTPUT_VARIABLE _zig OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
      if(_rc EQUAL 0 AND EXISTS "${_zig}")
        set(SLIMRT_ZIG "${_zig}")
      endif()
    endif()
    if(NOT SLIMRT_ZIG)
      find_program(SLIMRT_ZIG_FOUND NAMES zig NO_CMAKE_FIND_ROOT_PATH)
      if(SLIMRT_ZIG_FOUND)
        set(SLIMRT_ZIG "${SLIMRT_ZIG_FOUND}")
      endif()
    endif()
  endif()
  if(NOT SLIMRT_ZIG OR NOT EXISTS "${SLIMRT_ZIG}")
    message(FATAL_ERROR
      "slimrt toolchain ${SLIMRT_TARGET}: zig not found. Install it with `pip install ziglang` into "
      "the Python given by SLIMRT_HOST_PYTHON (now: '${SLIMRT_HOST_PYTHON}'), or set SLIMRT_ZIG to a "
      "zig executable (scripts/setup-cross.sh does the first).")
  endif()
  set(SLIMRT_ZIG "${SLIMRT_ZIG}" CACHE FILEPATH "zig executable" FORCE)
  set(_zt -target ${SLIMRT_ZIG_TARGET})
  if(SLIMRT_ZIG_CPU)
    list(APPEND _zt -mcpu=${SLIMRT_ZIG_CPU})
  endif()
  # A list: compiler path, then mandatory arguments.
  set(CMAKE_C_COMPILER "${SLIMRT_ZIG}" cc ${_zt})
  set(CMAKE_CXX_COMPILER "${SLIMRT_ZIG}" c++ ${_zt})
  # Every other tool is the same pinned zig too, never the host's binutils or llvm (they would change
  # the bytes, or be missing): CMake wants one program per tool, so each is a wrapper script.
  foreach(_tool ar ranlib objcopy objdump dlltool)
    string(TOUPPER "${_tool}" _var)
    _slimrt_pin_tool(CMAKE_${_var} ${_tool} "exec \"${SLIMRT_ZIG}\" ${_tool} \"$@\"")
  endforeach()
  # zig has no strip/nm/readelf/addr2line/windres/mt, and the build needs none of them (the zig
  # driver links and strips: -s): if anything calls one, it fails naming it.
  foreach(_pair LINKER:ld STRIP:strip NM:nm READELF:readelf ADDR2LINE:addr2line RC_COMPILER:windres MT:mt)
    string(REPLACE ":" ";" _pair "${_pair}")
    list(GET _pair 0 _var)
    list(GET _pair 1 _tool)
    _slimrt_pin_tool(CMAKE_${_var} ${_tool} "echo \"slimrt toolchain ${SLIMRT_TARGET} (zig): '${_tool}' is not \
part of the pinned toolchain; not using the host's\" >&2; exit 127")
  endforeach()
  foreach(_lang C CXX)
    set(CMAKE_${_lang}_COMPILER_AR "${CMAKE_AR}" CACHE FILEPATH "" FORCE)
    set(CMAKE_${_lang}_COMPILER_RANLIB "${CMAKE_RANLIB}" CACHE FILEPATH "" FORCE)
  endforeach()
  set(_flags "${SLIMRT_ZIG_FLAGS}")
  set(_ldflags "${SLIMRT_ZIG_LINK_FLAGS}")
elseif(SLIMRT_TOOLCHAIN_FAMILY STREQUAL "gnu")
  set(_cc "${SLIMRT_GNU_TRIPLE}-gcc${SLIMRT_GNU_SUFFIX}")
  set(_cxx "${SLIMRT_GNU_TRIPLE}-g++${SLIMRT_GNU_SUFFIX}")
  find_program(SLIMRT_GNU_CXX NAMES ${_cxx} NO_CMAKE_FIND_ROOT_PATH)
  find_program(SLIMRT_GNU_CC NAMES ${_cc} NO_CMAKE_FIND_ROOT_PATH)
  if(NOT SLIMRT_GNU_CXX OR NOT SLIMRT_GNU_CC)
    message(FATAL_ERROR
      "slimrt toolchain ${SLIMRT_TARGET} (family gnu): ${_cxx} not found. Install Debian's "
      "${SLIMRT_GNU_PACKAGES} (scripts/setup-cross.sh --gnu does), or use SLIMRT_TOOLCHAIN_FAMILY=zig.")
  endif()
  set(CMAKE_C_COMPILER "${SLIMRT_GNU_CC}")
  set(CMAKE_CXX_COMPILER "${SLIMRT_GNU_CXX}")
  # The binutils of the same cross toolchain (triple-prefixed), never unprefixed host tools.
  foreach(_tool ar ranlib strip objcopy objdump nm readelf addr2line)
    string(TOUPPER "${_tool}" _var)
    find_program(_slimrt_gnu_${_tool} NAMES ${SLIMRT_GNU_TRIPLE}-${_tool} NO_CMAKE_FIND_ROOT_PATH)
    if(NOT _slimrt_gnu_${_tool})
      message(FATAL_ERROR "slimrt toolchain ${SLIMRT_TARGET} (family gnu): ${SLIMRT_GNU_TRIPLE}-${_tool} not "
        "found (Debian's binutils for ${SLIMRT_GNU_TRIPLE}, installed with ${SLIMRT_GNU_PACKAGES})")
    endif()
    set(CMAKE_${_var} "${_slimrt_gnu_${_tool}}" CACHE FILEPATH "pinned toolchain: ${_tool}" FORCE)
  endforeach()
  foreach(_lang C CXX)
    set(CMAKE_${_lang}_COMPILER_AR "${CMAKE_AR}" CACHE FILEPATH "" FORCE)
    set(CMAKE_${_lang}_COMPILER_RANLIB "${CMAKE_RANLIB}" CACHE FILEPATH "" FORCE)
  endforeach()
  set(_flags "${SLIMRT_GNU_FLAGS}")
  set(_ldflags "${SLIMRT_GNU_LINK_FLAGS}")
else()
  message(FATAL_ERROR "SLIMRT_TOOLCHAIN_FAMILY must be zig or gnu, not '${SLIMRT_TOOLCHAIN_FAMILY}'")
endif()

string(REPLACE ";" " " _flags "${_flags}")
string(REPLACE ";" " " _ldflags "${_ldflags}")
set(CMAKE_C_FLAGS_INIT "${_flags}")
set(CMAKE_CXX_FLAGS_INIT "${_flags}")
foreach(_kind EXE SHARED MODULE)
  set(CMAKE_${_kind}_LINKER_FLAGS_INIT "${_ldflags}")
endforeach()
# Link-time optimisation stays off (zig: breaks exception catching on armv7, linking on Windows).
set(CMAKE_INTERPROCEDURAL_OPTIMIZATION OFF CACHE BOOL "" FORCE)

# The target Python (headers, pyconfig.h, Windows import library) comes as a CMake package made by
# Conan from recipes/target-python; pybind11 is header-only and found on the build machine.
if(NOT SLIMRT_TARGET_PYTHON_DIR)
  set(SLIMRT_TARGET_PYTHON_DIR "${CMAKE_BINARY_DIR}/conan")
endif()
list(APPEND CMAKE_PREFIX_PATH "${SLIMRT_TARGET_PYTHON_DIR}")
list(APPEND CMAKE_FIND_ROOT_PATH "${SLIMRT_TARGET_PYTHON_DIR}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
