// Float depthwise convolution, NHWC, filter [1, KH, KW, C * depth_multiplier].
//
// Direct kernel (no im2col): for each output pixel the taps are accumulated along channels, which are contiguous
// in NHWC, so the channel loop is the vector loop. Taps outside the input (padding) are skipped by computing the
// valid filter window once per output row / pixel; 3x3 and 5x5 filters fully inside the input take an unrolled
// path. depth_multiplier > 1 uses a simpler, slower loop. AVX-512 (depthwise_avx512.cc): 3x3 and 5x5 filters with
// horizontal stride 1 or 2 as register tiles of 16 channels x up to 8 output pixels; NEON (depthwise_neon.cc) the
// same shapes with channels a multiple of 4 as tiles of 4 channels x 4 pixels.
#pragma once

#include <cstdint>

#include "cpu.h"

namespace slimrt {
namespace kernels {

struct DepthwiseParams {
  int batches, in_h, in_w, in_c;
  int kh, kw, depth_multiplier;
  int out_h, out_w;  // output channels = in_c * depth_multiplier
  int stride_h, stride_w, dilation_h, dilation_w;
  int pad_top, pad_left;
  float lo, hi;  // fused activation clamp
};

// Computes output rows [row_begin, row_end) where a row is (batch, out_y) flattened: batch * out_h + out_y.
// bias: out channels values (must not be null; pass zeros). isa: a float kernel set this machine runs.
void depthwise_conv_rows(const DepthwiseParams& p, const float* input, const float* filter, const float* bias,
                         float* output, int64_t row_begin, int64_t row_end, Isa isa = float_isa());

}  // namespace kernels
}  // namespace slimrt
