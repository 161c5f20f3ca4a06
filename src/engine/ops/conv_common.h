// What CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED share: the float GEMM split across threads, and the int8
// requantization state.
//
// int8 results are bit-exact with TFLite's reference kernels (BUILTIN_REF): for each output element
//   acc = bias + sum_k filter[k] * (input[k] - input_zp)          (padded taps contribute nothing)
//   out = clamp(Requantize(acc, M_c) + output_zp, act_min, act_max)
// with M_c = input_scale * filter_scale_c / output_scale (computed in double, per-tensor and per-channel alike)
// split into a Q31 mantissa and a shift. Requantize differs by op, as measured against ai-edge-litert 2.3:
//   CONV_2D, DEPTHWISE_CONV_2D: gemmlowp double rounding, MultiplyByQuantizedMultiplier (quant_math.h);
//   FULLY_CONNECTED: one exact rounding of acc * mantissa * 2^(shift-31), ties away from zero.
// Integer sums are exact, so the loops may reorder them: the input zero point is folded into a per-channel
// constant, bias_eff[c] = bias[c] - input_zp * sum_k filter_c[k], and padding uses input_zp so every tap counts:
//   acc = bias_eff[c] + sum_k filter_c[k] * input_padded[k].
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/gemm_i8.h"
#include "kernels/int8_dot.h"
#include "kernels/quant_math.h"
#include "op.h"

namespace slimrt {

// True when the weights (input 1) and the bias (input 2, if any) are constants: pack once in prepare.
bool weights_const(OpContext& ctx);

// C = act(A * B + bias) for rows [0, M), splitting rows (or, for short M, panels) across the pool.
void parallel_gemm(OpContext& ctx, int M, const float* A, size_t lda, const kernels::PackedB& B, float* C, size_t ldc,
                   float lo, float hi);

// The int8 GEMM (kernels/gemm_i8.h) for rows [0, M), split like parallel_gemm; row_add: M values or null.
void parallel_gemm_i8(OpContext& ctx, int M, const int8_t* A, size_t lda, const kernels::PackedI8& B, int8_t* C,
                      size_t ldc, const int32_t* row_add);

// Per-node int8 requantization data.
struct QuantState : OpState {
  std::vector<int32_t> mult, shift;  // per output channel (per-tensor weights: replicated)
  std::vector<uint8_t> lsh, rsh;     // max(shift, 0), max(-shift, 0)
  std::vector<int32_t> bias_eff;     // bias - input_zp * filter row sum (recomputed at eval if not constant)
  int32_t in_zp = 0, out_zp = 0, filter_zp = 0;
  int32_t act_min = -128, act_max = 127;
  bool weights_const = true;
  bool bias64 = false;  // int16x8 with an int64 bias: 64-bit accumulation and requantization
  // conv / depthwise geometry
  int stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1, pad_h = 0, pad_w = 0;
  int groups = 1, depth_mult = 1;
  bool direct = false;  // 1x1 conv, stride 1, no padding: the input row is the patch
  size_t per_worker = 0;
};

// Accumulators are int32, as in the reference kernels. Products are below 2^15 in magnitude, so sums over up to
// kMaxTaps taps stay in range (prepare refuses bigger filters: no real model comes close); biases are added with
// wrap-around, what the reference's int32 add does on every target, so a hostile bias is not UB.
constexpr int64_t kMaxTaps = int64_t(1) << 16;
inline int32_t add_wrap(int32_t a, int32_t b) { return int32_t(uint32_t(a) + uint32_t(b)); }
// The same for the 64-bit accumulators of int16x8 ops (a hostile int64 bias must not overflow them).
inline int64_t add_wrap64(int64_t a, int64_t b) { return int64_t(uint64_t(a) + uint64_t(b)); }

// Validates types and quantization of input/filter/bias/output and fills mult/shift/zero points/act range.
// int8 (int32 bias) or int16x8 (int16 input and output with zero point 0, int8 filter, int32 or int64 bias).
// `channels`: number of output channels; `qdim`: the filter dimension that per-channel scales run along.
void prepare_quant(OpContext& ctx, QuantState& st, int channels, int qdim, int act, bool allow_filter_zp);

// int16x8: 64-bit accumulation (int64 or no bias) unless quantized_bias_type is INT32 (then an int32 bias).
void int16_bias_type(OpContext& ctx, QuantState& st, int quantized_bias_type);

// Requantization of an int16x8 accumulator of channel c (64-bit or 32-bit reference form), clamped.
inline int32_t requantize16(const QuantState& s, int c, int64_t acc) {
  int64_t v = s.bias64 ? qm::MultiplyByQuantizedMultiplier64(acc, s.mult[size_t(c)], s.shift[size_t(c)])
                       : qm::MultiplyByQuantizedMultiplier(int32_t(uint32_t(uint64_t(acc))), s.mult[size_t(c)],
                                                           s.shift[size_t(c)]);
  v += s.out_zp;
  return int32_t(v < s.act_min ? s.act_min : (v > s.act_max ? s.act_max : v));
}

// bias_eff[c] = bias[c] - in_zp * sum(filter row c) for filters stored as `channels` rows of `row` values, or, for
// depthwise filters [.., C], as columns: value k of channel c at k * channels + c.
void compute_bias_eff(QuantState& st, const Tensor& filter, const Tensor* bias, int channels, int64_t row, bool columns);

// CONV_2D / DEPTHWISE_CONV_2D requantization of channel c (the math of qm::MultiplyByQuantizedMultiplier).
SLIMRT_INT8_INLINE int8_t requantize(const QuantState& s, int c, int32_t acc) {
  int32_t v = int8k::requant_double_rounding(acc, s.mult[size_t(c)], s.lsh[size_t(c)], s.rsh[size_t(c)]) + s.out_zp;
  v = v < s.act_min ? s.act_min : (v > s.act_max ? s.act_max : v);
  return static_cast<int8_t>(v);
}

// Work items per thread-pool chunk for items of `work_per_item` multiply-adds.
inline int64_t grain_for(int64_t work_per_item) {
  const int64_t w = work_per_item > 1 ? work_per_item : 1;
  return 32768 / w > 1 ? 32768 / w : 1;
}

}  // namespace slimrt
