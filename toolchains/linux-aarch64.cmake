# Toolchain for slimrt target linux-aarch64. GENERATED from slim/slim/targets.py by
# `slim build --write-toolchains`: edit the table, not this file.
# Use: cmake -DCMAKE_TOOLCHAIN_FILE=toolchains/linux-aarch64.cmake [-DSLIMRT_TOOLCHAIN_FAMILY=gnu] ...
set(SLIMRT_TARGET linux-aarch64)
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(SLIMRT_ZIG_TARGET aarch64-linux-gnu.2.17)
set(SLIMRT_ZIG_CPU "")
set(SLIMRT_GNU_TRIPLE aarch64-linux-gnu)
set(SLIMRT_GNU_SUFFIX "")
set(SLIMRT_GNU_PACKAGES "g++-aarch64-linux-gnu")
set(SLIMRT_GNU_FLAGS "")
set(SLIMRT_GNU_LINK_FLAGS "-static-libstdc++;-static-libgcc")
# the default CPython's; slim build passes another version's with -D
set(SLIMRT_PYTHON_EXT_SUFFIX .cpython-311-aarch64-linux-gnu.so CACHE STRING "extension suffix of the target CPython")
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
