// Internal to kernels/: depthwise kernels of the kernel sets that live in their own files (depthwise.h has the
// interface). Each computes output rows [r0, r1) like depthwise_conv_rows().
#pragma once

#include <cstdint>

#include "conv_simd.h"
#include "depthwise.h"

namespace slimrt {
namespace kernels {

// The row walk shared by the register-tile kernels (depthwise.cc): per output row, the pixels [ox_lo, ox_hi) whose
// window lies inside the input horizontally go to interior(p, row_in, ky0, ky1, w, bias, row_out, ox_lo, ox_hi)
// (row_in: the input row of filter row ky0; filter rows [ky0, ky1) are inside the input), every other pixel to
// border(p, in_n, w, bias, out_pixel, iy0, ix0) (window origin iy0, ix0 of batch image in_n).
using TileInterior = void (*)(const DepthwiseParams& p, const float* row_in, int ky0, int ky1, const float* w,
                              const float* bias, float* row_out, int ox0, int ox1);
using TileBorder = void (*)(const DepthwiseParams& p, const float* in_n, const float* w, const float* bias, float* o,
                            int iy0, int ix0);
void depthwise_tile_rows(const DepthwiseParams& p, const float* in, const float* w, const float* bias, float* out,
                         int64_t r0, int64_t r1, TileInterior interior, TileBorder border);

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
