// Internal to kernels/: depthwise kernels of the kernel sets that live in their own files (depthwise.h has the
// interface). Each computes output rows [r0, r1) like depthwise_conv_rows().
#pragma once

#include <cstdint>

#include "conv_simd.h"
#include "depthwise.h"

namespace slimrt {
namespace kernels {

#if SLIMRT_AVX2_KERNELS
// Depth multiplier 1, 3x3 or 5x5, no dilation, horizontal stride 1 or 2.
bool depthwise_avx512_handles(const DepthwiseParams& p);
void depthwise_avx512(const DepthwiseParams& p, const float* in, const float* w, const float* bias, float* out,
                      int64_t r0, int64_t r1);
#endif

#if SLIMRT_NEON_KERNELS
// Depth multiplier 1, 3x3 or 5x5, no dilation, horizontal stride 1 or 2, channels a multiple of 4.
bool depthwise_neon_handles(const DepthwiseParams& p);
void depthwise_neon(const DepthwiseParams& p, const float* in, const float* w, const float* bias, float* out,
                    int64_t r0, int64_t r1);
#endif

}  // namespace kernels
}  // namespace slimrt
