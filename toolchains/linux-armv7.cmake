# Toolchain for slimrt target linux-armv7. GENERATED from slim/slim/targets.py by
# `slim build --write-toolchains`: edit the table, not this file.
# Use: cmake -DCMAKE_TOOLCHAIN_FILE=toolchains/linux-armv7.cmake [-DSLIMRT_TOOLCHAIN_FAMILY=gnu] ...
set(SLIMRT_TARGET linux-armv7)
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(SLIMRT_ZIG_TARGET arm-linux-gnueabihf.2.17)
set(SLIMRT_ZIG_CPU "generic+v7a+vfp3+neon")
set(SLIMRT_GNU_TRIPLE arm-linux-gnueabihf)
set(SLIMRT_GNU_SUFFIX "")
set(SLIMRT_GNU_PACKAGES "g++-arm-linux-gnueabihf")
set(SLIMRT_GNU_FLAGS "-march=armv7-a;-mfpu=neon;-mfloat-abi=hard")
set(SLIMRT_GNU_LINK_FLAGS "-static-libstdc++;-static-libgcc")
# the default CPython's; slim build passes another version's with -D
set(SLIMRT_PYTHON_EXT_SUFFIX .cpython-311-arm-linux-gnueabihf.so CACHE STRING "extension suffix of the target CPython")
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
