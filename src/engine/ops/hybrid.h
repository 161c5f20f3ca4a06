// Dynamic-range ("hybrid") ops: float activations, int8 constant weights. The activations are quantized to int8 at
// run time exactly as TFLite's tensor_utils do it, the products are summed in int32, and the sum is scaled back:
//   y = bias + scale_row * weight_scale_c * sum_k (q_k - offset_row) * w_ck
// Symmetric: scale = max|x| / 127, q = round(x / scale) clamped to [-127, 127], offset 0 (all zeros: scale 1).
// Asymmetric: the range [min(0, min x), max(0, max x)] mapped to [-128, 127] with a nudged zero point, computed in
// double like the reference.
#pragma once

#include <cstdint>

#include <vector>

#include "op.h"

namespace slimrt {

// Quantizes `rows` rows of `cols` floats; scale[r] and offset[r] per row.
void quantize_rows(const float* x, int64_t rows, int64_t cols, bool asymmetric, int8_t* q, float* scale,
                   int32_t* offset);

// Checks a hybrid op (float input 0 and output 0, constant int8 weights at input 1, optional float bias at input
// `bias`) and returns the per-channel weight scales (`channels` of them, a per-tensor scale repeated). Fails for
// other types, non-constant weights, weight zero points or scale counts.
std::vector<float> hybrid_prepare(OpContext& ctx, int bias, int64_t channels);

// Sums of `rows` rows of `cols` int8 weights (the input offset correction of asymmetric quantization).
std::vector<int32_t> hybrid_row_sums(const Tensor& w, int64_t rows, int64_t cols);

}  // namespace slimrt
