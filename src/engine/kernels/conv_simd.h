// Compile-time switches for the kernels' hand-written SIMD variants (internal to kernels/).
//
// x86-64: SLIMRT_AVX2_KERNELS is 1 where AVX2+FMA and AVX-512 code paths are compiled next to the portable one and
// picked at run time (cpu.h): x86-64 with gcc, clang (incl. zig and clang-cl) or MSVC. SLIMRT_TARGET_AVX2 /
// SLIMRT_TARGET_AVX512 / SLIMRT_TARGET_AVX512VNNI mark the functions that use them (gcc/clang need the target
// attribute to emit that code in a baseline x86-64 build; MSVC accepts the intrinsics anywhere). Not on 32-bit x86
// (8 vector registers: the kernels would spill) and not with MinGW gcc, which does not realign the stack for
// spilled 32-byte vectors (GCC bug 54412).
// ARM: SLIMRT_NEON_KERNELS is 1 when the target has NEON (always on aarch64; armv7 built with -mfpu=neon);
// SLIMRT_NEON_DOT_KERNELS is 1 on aarch64 with gcc/clang, where the sdot kernels are compiled with a target
// attribute and used when the CPU reports the dot-product extension.
#pragma once

// Full unrolling of the small constant-count loops of register tiles (their arrays must stay in registers), and
// forced inlining of loop bodies that target-attributed loops re-vectorize.
#if defined(__clang__)
#define SLIMRT_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define SLIMRT_UNROLL _Pragma("GCC unroll 16")
#else
#define SLIMRT_UNROLL
#endif
#if defined(__GNUC__) || defined(__clang__)
#define SLIMRT_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define SLIMRT_ALWAYS_INLINE __forceinline
#endif

#if (defined(__x86_64__) || defined(_M_X64)) && !defined(_M_ARM64EC) && \
    !(defined(__MINGW32__) && defined(__GNUC__) && !defined(__clang__))
#if defined(__GNUC__) || defined(__clang__)
#define SLIMRT_AVX2_KERNELS 1
#define SLIMRT_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define SLIMRT_TARGET_AVX512 __attribute__((target("avx2,fma,avx512f,avx512bw,avx512dq,avx512vl")))
#define SLIMRT_TARGET_AVX512VNNI __attribute__((target("avx2,fma,avx512f,avx512bw,avx512dq,avx512vl,avx512vnni")))
#elif defined(_MSC_VER)
#define SLIMRT_AVX2_KERNELS 1
#define SLIMRT_TARGET_AVX2
#define SLIMRT_TARGET_AVX512
#define SLIMRT_TARGET_AVX512VNNI
#endif
#endif

#ifndef SLIMRT_AVX2_KERNELS
#define SLIMRT_AVX2_KERNELS 0
#endif

#if SLIMRT_AVX2_KERNELS
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12's AVX-512 intrinsics expand to masked builtins with an undefined pass-through operand: false positives.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#endif

#if defined(__aarch64__) || defined(_M_ARM64) || ((defined(__ARM_NEON) || defined(__ARM_NEON__)) && defined(__arm__))
#define SLIMRT_NEON_KERNELS 1
#include <arm_neon.h>
#if defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
#define SLIMRT_NEON_DOT_KERNELS 1
#define SLIMRT_TARGET_DOTPROD __attribute__((target("arch=armv8.2-a+dotprod")))
#endif
#endif

#ifndef SLIMRT_NEON_KERNELS
#define SLIMRT_NEON_KERNELS 0
#endif
#ifndef SLIMRT_NEON_DOT_KERNELS
#define SLIMRT_NEON_DOT_KERNELS 0
#endif
