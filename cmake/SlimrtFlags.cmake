# Compiler flags shared by every slimrt target, on every compiler family (gcc, clang/zig, MinGW, MSVC).
# Size matters (the wheel budget): -O2 by default, -O3 only for the hot kernels (src/engine/kernels),
# -Os for the binding; unused sections are dropped at link time.
add_library(slimrt_flags INTERFACE)
if(MSVC)
  target_compile_options(slimrt_flags INTERFACE /W3 /EHsc $<$<CONFIG:Release>:/O2 /Gy>)
  target_link_options(slimrt_flags INTERFACE $<$<CONFIG:Release>:/OPT:REF /OPT:ICF>)
  set(SLIMRT_HOT_FLAGS "" CACHE INTERNAL "")
  set(SLIMRT_SMALL_FLAGS "/O1" CACHE INTERNAL "")
else()
  target_compile_options(slimrt_flags INTERFACE -Wall -Wextra -Wno-unused-parameter -fno-math-errno
    $<$<CONFIG:Release>:-O2 -ffunction-sections -fdata-sections>)
  if(NOT APPLE)
    target_link_options(slimrt_flags INTERFACE $<$<CONFIG:Release>:-Wl,--gc-sections>)
  endif()
  set(SLIMRT_HOT_FLAGS "-O3" CACHE INTERNAL "")
  set(SLIMRT_SMALL_FLAGS "-Os" CACHE INTERNAL "")
  if(SLIMRT_SANITIZE)
    target_compile_options(slimrt_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -g)
    target_link_options(slimrt_flags INTERFACE -fsanitize=address,undefined)
  endif()
endif()
