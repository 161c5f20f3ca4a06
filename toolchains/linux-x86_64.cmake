# Toolchain for slimrt target linux-x86_64. GENERATED from slim/slim/targets.py by
# `slim build --write-toolchains`: edit the table, not this file.
# Use: cmake -DCMAKE_TOOLCHAIN_FILE=toolchains/linux-x86_64.cmake [-DSLIMRT_TOOLCHAIN_FAMILY=gnu] ...
set(SLIMRT_TARGET linux-x86_64)
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(SLIMRT_ZIG_TARGET x86_64-linux-gnu.2.17)
set(SLIMRT_ZIG_CPU "x86_64")
set(SLIMRT_GNU_TRIPLE x86_64-linux-gnu)
set(SLIMRT_GNU_SUFFIX "")
set(SLIMRT_GNU_PACKAGES "g++")
set(SLIMRT_GNU_FLAGS "")
set(SLIMRT_GNU_LINK_FLAGS "-static-libstdc++;-static-libgcc")
# the default CPython's; slim build passes another version's with -D
set(SLIMRT_PYTHON_EXT_SUFFIX .cpython-311-x86_64-linux-gnu.so CACHE STRING "extension suffix of the target CPython")
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
