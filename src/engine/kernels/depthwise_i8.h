// int8 depthwise convolution, NHWC, filter [1, KH, KW, C * depth_multiplier], per-channel requantization, bit-exact
// with TFLite's reference kernels:
//   acc = bias[c] + sum over the taps inside the input of filter[tap][c] * (input[tap][c / M] - in_zp)
//   out = clamp(MultiplyByQuantizedMultiplier(acc, mult[c], shift[c]) + out_zp, lo, hi)      (double rounding)
// Kernel sets: avx2 (8 channels per step, 16-bit products), avx512 (16 channels, masked tails; used with the
// avx512vnni level), neon (8 channels, vmlal), generic (plain loops; also every depth multiplier > 1). Products
// fit 16 bits: |w| <= 128, |x - zp| <= 255.
#pragma once

#include <cstdint>
#include <vector>

#include "cpu.h"
#include "depthwise.h"

namespace slimrt {
namespace kernels {

struct DepthwiseI8 {
  DepthwiseParams geo{};  // shapes, strides, dilations, padding (lo / hi unused)
  int32_t in_zp = 0, out_zp = 0, lo = -128, hi = 127;
  int taps = 0, OC = 0, OCp = 0;  // OCp: OC rounded up to 16
  Isa isa = Isa::kGeneric;
  std::vector<int8_t> w;                       // [taps][OCp], zero-padded
  std::vector<int32_t> bias, mult, lsh, rsh;  // OCp each
};

// filter: [taps][OC]; bias: OC values or null; mult / shift per output channel (QuantizeMultiplier's form).
void prepare_depthwise_i8(DepthwiseI8* d, const DepthwiseParams& geo, const int8_t* filter, const int32_t* bias,
                          const int32_t* mult, const int32_t* shift, int32_t in_zp, int32_t out_zp, int32_t lo,
                          int32_t hi, Isa isa = int8_isa());

// Output rows [r0, r1), a row being (batch, out_y) flattened.
void depthwise_i8_rows(const DepthwiseI8& d, const int8_t* in, int8_t* out, int64_t r0, int64_t r1);

}  // namespace kernels
}  // namespace slimrt
