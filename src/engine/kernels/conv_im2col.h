// im2col for float and int8 NHWC convolutions: one block of output pixels at a time (see ops/conv.cc).
#pragma once

#include <cstdint>

namespace slimrt {
namespace kernels {

struct ConvGeometry {
  int batches, in_h, in_w, in_c;
  int out_h, out_w;
  int kh, kw, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
  int groups, cin_g;  // channels per group (filter input channels)
};

// Writes rows [m0, m1) of the patch matrix of group g: row m is output pixel m (batch, y, x flattened) and holds
// kh*kw*cin_g values in (ky, kx, c) order (the OHWI filter's order); taps in the padding are zeros.
void im2col_rows(const ConvGeometry& g, const float* input, int group, int64_t m0, int64_t m1, float* out);
// The same for int8, taps in the padding holding `pad` (the input zero point).
void im2col_rows_i8(const ConvGeometry& g, const int8_t* input, int group, int64_t m0, int64_t m1, int8_t pad,
                    int8_t* out);

}  // namespace kernels
}  // namespace slimrt
