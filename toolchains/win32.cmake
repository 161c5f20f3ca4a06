# Toolchain for slimrt target win32. GENERATED from slim/slim/targets.py by
# `slim build --write-toolchains`: edit the table, not this file.
# Use: cmake -DCMAKE_TOOLCHAIN_FILE=toolchains/win32.cmake [-DSLIMRT_TOOLCHAIN_FAMILY=gnu] ...
set(SLIMRT_TARGET win32)
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86)
set(SLIMRT_ZIG_TARGET x86-windows-gnu)
set(SLIMRT_ZIG_CPU "")
set(SLIMRT_GNU_TRIPLE i686-w64-mingw32)
set(SLIMRT_GNU_SUFFIX "-posix")
set(SLIMRT_GNU_PACKAGES "g++-mingw-w64-i686-posix")
set(SLIMRT_GNU_FLAGS "-Wa,-mbig-obj")
set(SLIMRT_GNU_LINK_FLAGS "-static;-static-libstdc++;-static-libgcc")
# the default CPython's; slim build passes another version's with -D
set(SLIMRT_PYTHON_EXT_SUFFIX .cp311-win32.pyd CACHE STRING "extension suffix of the target CPython")
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
