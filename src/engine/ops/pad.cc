// PAD and PADV2 (any element type): constant padding per dimension; the pad value is 0 (the output zero point for
// quantized types) or PADV2's constant_values. Paddings may be computed at run time (the node is then deferred).
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>
#include "kernels/copy.h"
#include "kernels/threadpool.h"
#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct PadState : OpState {
  size_t es = 0;
  std::vector<int64_t> in_dims, before, after, out_stride, in_stride;  // folded, in units of `unit` elements
  int64_t unit = 1;                                                   // elements per innermost unit
  uint8_t zero[16] = {0};                                              // default pad value (PAD)
  bool value_input = false;                                            // PADV2 with constant_values
};

void PreparePad(OpContext& ctx) {
  const bool v2 = ctx.node().builtin == op::PADV2;
  ctx.check_inputs(2, v2 ? 3 : 2);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  PadState& s = ctx.state<PadState>();
  s.es = elem_size(ctx, in, "input");
  ctx.check(out.type == in.type, "output type ", dtype_name(out.type), " differs from input type ", dtype_name(in.type));
  const Tensor& pads = ctx.input(1);
  std::vector<int64_t> p = ctx.input_ints(1, "paddings");
  const int rank = in.rank();
  ctx.check(pads.rank() == 2 && pads.dim(0) == rank && pads.dim(1) == 2, "paddings must have shape [", rank,
            ", 2], got ", pads.shape);
  Shape out_shape(size_t(rank), 0);
  for (int i = 0; i < rank; ++i) {
    const int64_t b = p[size_t(2 * i)], a = p[size_t(2 * i + 1)];
    ctx.check(b >= 0 && a >= 0, "paddings must be non-negative, got ", b, ", ", a, " for dimension ", i);
    out_shape[size_t(i)] = to_dim(ctx, int64_t(in.dim(i)) + b + a, "padded dimension");
  }
  // Fold: trailing dims without padding join the innermost unit.
  int last = rank - 1;
  s.unit = 1;
  while (last >= 0 && p[size_t(2 * last)] == 0 && p[size_t(2 * last + 1)] == 0) {
    s.unit *= in.dim(last);
    --last;
  }
  s.in_dims.clear();
  s.before.clear();
  s.after.clear();
  for (int i = 0; i <= last; ++i) {
    s.in_dims.push_back(in.dim(i));
    s.before.push_back(p[size_t(2 * i)]);
    s.after.push_back(p[size_t(2 * i + 1)]);
  }
  const size_t r = s.in_dims.size();
  s.out_stride.assign(r, 1);
  s.in_stride.assign(r, 1);
  for (size_t i = r; i-- > 1;) {
    s.out_stride[i - 1] = s.out_stride[i] * (s.in_dims[i] + s.before[i] + s.after[i]);
    s.in_stride[i - 1] = s.in_stride[i] * s.in_dims[i];
  }
  // Default pad value: 0, or the output zero point for quantized 8/16-bit types.
  std::memset(s.zero, 0, sizeof(s.zero));
  if ((in.type == DType::kInt8 || in.type == DType::kUInt8 || in.type == DType::kInt16) && out.quant.present() &&
      !out.quant.zero_point.empty()) {
    const int64_t zp = out.quant.zero_point[0];
    if (in.type == DType::kInt8) {
      ctx.check(zp >= -128 && zp <= 127, "output zero point ", zp, " out of int8 range");
      int8_t v = int8_t(zp);
      std::memcpy(s.zero, &v, 1);
    } else if (in.type == DType::kUInt8) {
      ctx.check(zp >= 0 && zp <= 255, "output zero point ", zp, " out of uint8 range");
      uint8_t v = uint8_t(zp);
      std::memcpy(s.zero, &v, 1);
    } else {
      ctx.check(zp >= -32768 && zp <= 32767, "output zero point ", zp, " out of int16 range");
      int16_t v = int16_t(zp);
      std::memcpy(s.zero, &v, 2);
    }
  }
  s.value_input = false;
  if (v2 && ctx.has_input(2)) {
    const Tensor& cv = ctx.input(2);
    ctx.check(cv.type == in.type, "constant_values type ", dtype_name(cv.type), " differs from input type ",
              dtype_name(in.type));
    ctx.check(cv.elements() == 1, "constant_values must have exactly one element, got shape ", cv.shape);
    s.value_input = true;
  }
  ctx.check(s.es <= sizeof(s.zero), "element size too large");
  ctx.set_output_shape(0, out_shape);
}

// Rows [i0, i1) of folded level d (out / in at the level's first row); the padding before / after the level's rows
// is written by the range that starts / ends it. The two innermost levels run as kernels::pad_rows.
void PadLevel(const PadState& s, size_t d, uint8_t* out, const uint8_t* in, const uint8_t* val, int64_t i0,
              int64_t i1) {
  const size_t r = s.in_dims.size(), ue = size_t(s.unit) * s.es;
  if (d + 1 == r) {  // a single innermost row (a rank-1 fold)
    kernels::pad_rows(out, in, 1, size_t(s.before[d]) * ue, size_t(s.in_dims[d]) * ue, size_t(s.after[d]) * ue, val,
                      s.es);
    return;
  }
  const size_t blk = size_t(s.out_stride[d]) * ue, in_blk = size_t(s.in_stride[d]) * ue;
  if (i0 == 0) fill_elements(out, size_t(s.before[d] * s.out_stride[d] * s.unit), val, s.es);
  uint8_t* o = out + size_t(s.before[d]) * blk;
  if (d + 2 == r) {
    kernels::pad_rows(o + size_t(i0) * blk, in + size_t(i0) * in_blk, i1 - i0, size_t(s.before[d + 1]) * ue,
                      size_t(s.in_dims[d + 1]) * ue, size_t(s.after[d + 1]) * ue, val, s.es);
  } else {
    for (int64_t i = i0; i < i1; ++i)
      PadLevel(s, d + 1, o + size_t(i) * blk, in + size_t(i) * in_blk, val, 0, s.in_dims[d + 1]);
  }
  if (i1 == s.in_dims[d])
    fill_elements(o + size_t(s.in_dims[d]) * blk, size_t(s.after[d] * s.out_stride[d] * s.unit), val, s.es);
}

void EvalPad(OpContext& ctx) {
  const PadState& s = ctx.state<PadState>();
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const uint8_t* val = s.value_input ? ctx.input(2).data : s.zero;
  if (s.in_dims.empty()) {  // no padding at all
    if (out.bytes) std::memcpy(out.data, in.data, size_t(out.elements()) * s.es);
    return;
  }
  // Threads split the first level with more than one row; the levels above it (one row each) only pad.
  size_t d = 0;
  uint8_t* o = out.data;
  const size_t ue = size_t(s.unit) * s.es;
  if (ctx.num_threads() > 1 && out.bytes >= (size_t(1) << 17)) {
    for (; d + 2 < s.in_dims.size() && s.in_dims[d] == 1; ++d) {
      const size_t blk = size_t(s.out_stride[d]) * ue;
      fill_elements(o, size_t(s.before[d] * s.out_stride[d] * s.unit), val, s.es);
      fill_elements(o + size_t(s.before[d] + 1) * blk, size_t(s.after[d] * s.out_stride[d] * s.unit), val, s.es);
      o += size_t(s.before[d]) * blk;
    }
    if (s.in_dims[d] > 1 && d + 1 < s.in_dims.size()) {
      const int64_t grain = std::max<int64_t>(1, int64_t((size_t(1) << 14) / std::max<size_t>(1, size_t(s.out_stride[d]) * ue)));
      ctx.pool().parallel_for(s.in_dims[d], grain, [&](int64_t b, int64_t e, int) {
        PadLevel(s, d, o, in.data, val, b, e);
      });
      return;
    }
  }
  PadLevel(s, d, o, in.data, val, 0, s.in_dims[d]);
}

}  // namespace

// Byte-moving kernels: every version (later versions only add element types / higher ranks) is covered.
void Register_PAD(OpRegistry& r) { r.add({op::PAD, "PAD", kAnyType, 4, PreparePad, EvalPad}); }
void Register_PADV2(OpRegistry& r) { r.add({op::PADV2, "PADV2", kAnyType, 4, PreparePad, EvalPad}); }

}  // namespace slimrt
