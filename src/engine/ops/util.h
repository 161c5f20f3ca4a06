// Helpers shared by the op files: byte-level data movement and axis handling (type-generic ops), and the
// quantization parameters every quantized op validates the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "op.h"

namespace slimrt {

// Bytes per element of `t`, failing for types without a fixed size (string, variant...).
size_t elem_size(const OpContext& ctx, const Tensor& t, const char* role);

// A dimension computed by an op, checked to fit a shape entry.
int32_t to_dim(const OpContext& ctx, int64_t v, const char* what);

// An axis in [-rank, rank), normalized to [0, rank).
int normalize_axis(const OpContext& ctx, int64_t axis, int rank);

// The single axis held by input i (a one-element int32/int64 tensor), normalized for `rank`.
int input_axis(OpContext& ctx, int i, int rank);

// Fills `count` elements of size es at p with the element at val.
void fill_elements(uint8_t* p, size_t count, const uint8_t* val, size_t es);

// Copies `count` elements of size es from src (stepping `step` elements) to contiguous dst.
void strided_copy(uint8_t* dst, const uint8_t* src, int64_t count, int64_t step, size_t es);

// ---- quantization parameters ----

// The one scale of a per-tensor quantized tensor (positive, finite); fails otherwise.
float single_scale(const OpContext& ctx, const Tensor& t, const char* role);
// Its zero point, checked to be inside the range of the tensor's type.
int32_t single_zero_point(const OpContext& ctx, const Tensor& t, const char* role);
// [lo, hi] of an integer tensor type (int8, uint8, int16, int32).
void int_type_range(DType t, int32_t* lo, int32_t* hi);
// The official kernels of CONV_2D, DEPTHWISE_CONV_2D, the pools and the elementwise arithmetic ops accept the fused
// activations TANH and SIGN_BIT but apply no activation for them (their activation range is the whole type); this
// maps them to kActNone for those ops. Values outside the schema's enum fail. (FULLY_CONNECTED and CONCATENATION
// refuse TANH and SIGN_BIT, and so do float_activation_range / quantized_activation.)
int clamp_activation(const OpContext& ctx, int act);
// A fused activation as a clamp in the quantized domain of `out` (scale, zero point, type range).
void quantized_activation(const OpContext& ctx, int act, const Tensor& out, int32_t* lo, int32_t* hi);

}  // namespace slimrt
