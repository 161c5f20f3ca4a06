# Compiler flags shared by every slimrt target, on every compiler family (gcc, clang/zig, MinGW, MSVC).
# Size matters (the wheel budget): -Os for cold code (see src/CMakeLists.txt), -O2 plus full loop
# vectorization for the kernels (-O3's extra unrolling/inlining costs size for no measured speed); unused
# sections are dropped and identical functions folded at link time where the linker can.
add_library(slimrt_flags INTERFACE)
if(MSVC)
  target_compile_options(slimrt_flags INTERFACE /W3 /EHsc $<$<CONFIG:Release>:/O2 /Gy>)
  target_link_options(slimrt_flags INTERFACE $<$<CONFIG:Release>:/OPT:REF /OPT:ICF>)
  set(SLIMRT_HOT_FLAGS "" CACHE INTERNAL "")
  set(SLIMRT_SMALL_FLAGS "/O1" CACHE INTERNAL "")
else()
  target_compile_options(slimrt_flags INTERFACE -Wall -Wextra -Wno-unused-parameter -fno-math-errno
    $<$<CONFIG:Release>:-O2 -ffunction-sections -fdata-sections>)
  # Reproducible: no absolute source/build paths in the binaries (__FILE__, debug info), wherever the
  # checkout and the build tree are.
  target_compile_options(slimrt_flags INTERFACE "-ffile-prefix-map=${PROJECT_SOURCE_DIR}/="
    "-ffile-prefix-map=${PROJECT_BINARY_DIR}/=")
  if(NOT APPLE)
    target_link_options(slimrt_flags INTERFACE $<$<CONFIG:Release>:-Wl,--gc-sections>)
    include(CheckLinkerFlag)
    check_linker_flag(CXX "-Wl,--icf=all" SLIMRT_LD_ICF)                    # lld (zig), gold
    if(NOT SLIMRT_LD_ICF)
      check_linker_flag(CXX "-fuse-ld=gold;-Wl,--icf=all" SLIMRT_LD_GOLD_ICF)  # GNU toolchains with gold
    endif()
    check_linker_flag(CXX "-Wl,-z,noseparate-code" SLIMRT_LD_NOSEPARATE)    # no page padding between segments
    if(SLIMRT_LD_ICF)
      target_link_options(slimrt_flags INTERFACE $<$<CONFIG:Release>:-Wl,--icf=all>)
    elseif(SLIMRT_LD_GOLD_ICF)
      target_link_options(slimrt_flags INTERFACE $<$<CONFIG:Release>:-fuse-ld=gold -Wl,--icf=all>)
    elseif(SLIMRT_LD_NOSEPARATE)
      target_link_options(slimrt_flags INTERFACE $<$<CONFIG:Release>:-Wl,-z,noseparate-code>)
    endif()
  endif()
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # -fno-trapping-math (clang's default): lets gcc vectorize loops with float compares/selects (no code here
    # reads floating-point exception flags).
    set(SLIMRT_HOT_FLAGS "-O2;-fvect-cost-model=dynamic;-fno-trapping-math" CACHE INTERNAL "")
  else()
    set(SLIMRT_HOT_FLAGS "-O2" CACHE INTERNAL "")  # clang vectorizes loops at -O2
  endif()
  set(SLIMRT_SMALL_FLAGS "-Os" CACHE INTERNAL "")
  if(SLIMRT_SANITIZE)
    target_compile_options(slimrt_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -g)
    target_link_options(slimrt_flags INTERFACE -fsanitize=address,undefined)
  endif()
endif()
