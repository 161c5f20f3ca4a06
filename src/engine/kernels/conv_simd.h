// Compile-time switches for the float conv/GEMM kernels' x86-64 AVX2+FMA variants (internal to kernels/).
//
// SLIMRT_AVX2_KERNELS is 1 where an AVX2+FMA code path is compiled next to the portable one and picked at run time
// (kernels::float_isa()): x86-64 with gcc, clang (incl. zig and clang-cl) or MSVC. SLIMRT_TARGET_AVX2 marks the
// functions that use it (gcc/clang need the target attribute to emit AVX2 code in a baseline x86-64 build; MSVC
// accepts the intrinsics anywhere). Not on 32-bit x86 (8 vector registers: the kernels would spill) and not with
// MinGW gcc, which does not realign the stack for spilled 32-byte vectors (GCC bug 54412).
#pragma once

#if (defined(__x86_64__) || defined(_M_X64)) && !defined(_M_ARM64EC) && \
    !(defined(__MINGW32__) && defined(__GNUC__) && !defined(__clang__))
#if defined(__GNUC__) || defined(__clang__)
#define SLIMRT_AVX2_KERNELS 1
#define SLIMRT_TARGET_AVX2 __attribute__((target("avx2,fma")))
#elif defined(_MSC_VER)
#define SLIMRT_AVX2_KERNELS 1
#define SLIMRT_TARGET_AVX2
#endif
#endif

#ifndef SLIMRT_AVX2_KERNELS
#define SLIMRT_AVX2_KERNELS 0
#endif

#if SLIMRT_AVX2_KERNELS
#include <immintrin.h>
#endif
