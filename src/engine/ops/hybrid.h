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

// The per-channel weight scales of a hybrid op's int8 weights (`channels` of them, a per-tensor scale repeated).
// Fails for other weight types, zero points or counts.
std::vector<float> hybrid_weight_scales(const OpContext& ctx, const Tensor& w, int64_t channels);

}  // namespace slimrt
