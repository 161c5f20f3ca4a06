// Hybrid (dynamic-range) arithmetic: float activations quantized to int8 on the fly, multiplied by int8 weights in
// exact integer arithmetic, accumulated into float. The quantization and the float accumulation order are those of
// TFLite's tensor utilities (BatchQuantizeFloats, MatrixBatchVectorMultiplyAccumulate), so results match the
// official hybrid kernels, not just approximately.
#pragma once

#include <cstdint>

namespace slimrt {
namespace hybrid {

// Quantizes n floats to int8. Asymmetric: scale = (max(x, 0) - min(x, 0)) / 255 (in double), zero point chosen
// and nudged into [-128, 127]; symmetric: scale = max|x| / 127, zero point 0, values in [-127, 127]. An all-zero
// (or empty) row gives scale 1, zero point 0. q = round(zp + x * (1 / scale)) with ties away from zero, clamped.
void quantize_row(const float* x, int n, bool asymmetric, int8_t* q, float* scale, int32_t* zero_point);

// out[r] += float(sum_c w[r*cols + c] * x[c] - zp * row_sums[r]) * scale for r in [0, rows); the integer sum is
// exact (wrapping like two's complement int32). row_sums may be null when zp is 0.
void matvec_acc(const int8_t* w, int rows, int cols, const int8_t* x, int32_t zp, const int32_t* row_sums,
                float scale, float* out);

// row_sums[r] = sum_c w[r*cols + c].
void row_sums(const int8_t* w, int rows, int cols, int32_t* out);

}  // namespace hybrid
}  // namespace slimrt
