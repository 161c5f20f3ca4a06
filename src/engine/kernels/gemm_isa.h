// Internal to kernels/: the float GEMM drivers of the kernel sets that live in their own files (gemm.h explains
// the packing they share). Each computes panels [p0, p1) of rows [0, M), like gemm_packed().
#pragma once

#include <cstddef>

#include "conv_simd.h"
#include "gemm.h"

namespace slimrt {
namespace kernels {

#if SLIMRT_AVX2_KERNELS
constexpr int kAvx512MR = 8;
void gemm_avx512(int M, const float* A, size_t lda, const PackedB& B, int p0, int p1, float* C, size_t ldc, float lo,
                 float hi);
#endif

#if SLIMRT_NEON_KERNELS
#if defined(__aarch64__) || defined(_M_ARM64)
constexpr int kNeonMR = 8;
#else
constexpr int kNeonMR = 4;  // armv7: 16 q registers
#endif
constexpr int kNeonNR = 8;
void gemm_neon(int M, const float* A, size_t lda, const PackedB& B, int p0, int p1, float* C, size_t ldc, float lo,
               float hi);
#endif

}  // namespace kernels
}  // namespace slimrt
