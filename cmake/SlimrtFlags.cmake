# Compiler flags shared by every slimrt target, on every compiler family (gcc, clang/zig, MinGW, MSVC).
add_library(slimrt_flags INTERFACE)
if(MSVC)
  target_compile_options(slimrt_flags INTERFACE /W3 /EHsc $<$<CONFIG:Release>:/O2>)
else()
  target_compile_options(slimrt_flags INTERFACE -Wall -Wextra -Wno-unused-parameter
    $<$<CONFIG:Release>:-O3> -fno-math-errno)
  if(SLIMRT_SANITIZE)
    target_compile_options(slimrt_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -g)
    target_link_options(slimrt_flags INTERFACE -fsanitize=address,undefined)
  endif()
endif()
