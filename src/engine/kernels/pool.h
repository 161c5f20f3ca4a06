// Float 2-D pooling over NHWC tensors (MAX_POOL_2D, AVERAGE_POOL_2D, L2_POOL_2D): the window taps inside the input
// combined channel-wise (the channel loop is the vector loop), then the fused clamp. Average and L2 divide by the
// number of taps inside the input, as TFLite does (a window with none gives 0). Max keeps TFLite's std::max
// semantics (a NaN input after the first tap is ignored, a NaN first tap stays).
// Compiled for the baseline and, on x86-64, max and average also with AVX2 (the same loops, vectorized 8 wide).
#pragma once

#include <cstdint>

#include "cpu.h"

namespace slimrt {
namespace kernels {

enum class PoolKind : int { kMax, kAvg, kL2 };

struct PoolParams {
  int batch, in_h, in_w, ch, out_h, out_w;
  int stride_h, stride_w, filter_h, filter_w, pad_top, pad_left;
  float lo, hi;  // fused activation clamp
};

// Output rows [r0, r1), a row being (batch, out_y) flattened. isa: a float kernel set this machine runs.
void pool_rows_f32(const PoolParams& p, PoolKind kind, const float* in, float* out, int64_t r0, int64_t r1,
                   Isa isa = float_isa());

// int8 / uint8 / int16 (MAX and AVERAGE, bit-exact with the reference kernels): input and output share scale and
// zero point; max of the window, or the window sum divided by the count rounding half away from zero; then the
// clamp [qlo, qhi] in the quantized domain. type: 0 int8, 1 uint8, 2 int16.
void pool_rows_int(const PoolParams& p, PoolKind kind, int type, const void* in, void* out, int32_t qlo, int32_t qhi,
                   int64_t r0, int64_t r1);

// MEAN of a float tensor viewed as [outer, mid, inner] over mid, for outer rows [o0, o1) and inner columns [j0, j1)
// (callers split either across threads): out[o][j] = sum_m in[o][m][j] / count. inner == 1 sums in eight partial
// sums per row.
void mean_mid_f32(const float* in, float* out, int64_t mid, int64_t inner, float count, int64_t o0, int64_t o1,
                  int64_t j0, int64_t j1);

}  // namespace kernels
}  // namespace slimrt
