// Type-generic data movement: PAD, PADV2, RESHAPE, CONCATENATION, STRIDED_SLICE, SPLIT, SPLIT_V, TRANSPOSE.
//
// These kernels move bytes by element size, so one definition (kAnyType) serves float32, int8, uint8, int16,
// int32, int64, bool... Quantization parameters live on the tensors themselves and pass through untouched.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "op.h"

namespace slimrt {
namespace {

size_t ElemSize(OpContext& ctx, const Tensor& t, const char* role) {
  const size_t e = dtype_size(t.type);
  ctx.check(e > 0, role, " '", t.name, "' has type ", dtype_name(t.type), ", which this op does not support");
  return e;
}

// The values of a constant int32/int64 tensor (begin/end/paddings/axis...).
std::vector<int64_t> ConstInts(OpContext& ctx, const Tensor& t, const char* role) {
  ctx.check(t.type == DType::kInt32 || t.type == DType::kInt64, role, " '", t.name, "' must be int32 or int64, got ",
            dtype_name(t.type));
  if (t.elements() == 0) return {};  // an empty tensor has no data: the engine cannot tell it is constant
  ctx.check(t.is_const(), role, " '", t.name,
            "' must be a constant tensor (slimrt does not support shapes computed at run time)");
  const int64_t n = t.elements();
  const size_t es = dtype_size(t.type);
  ctx.check(t.data != nullptr && t.bytes >= size_t(n) * es, role, " '", t.name, "' has too little data");
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    if (t.type == DType::kInt32) {
      int32_t x;
      std::memcpy(&x, t.data + size_t(i) * 4, 4);
      v[size_t(i)] = x;
    } else {
      int64_t x;
      std::memcpy(&x, t.data + size_t(i) * 8, 8);
      v[size_t(i)] = x;
    }
  }
  return v;
}

int32_t ToDim(OpContext& ctx, int64_t v, const char* what) {
  ctx.check(v >= 0 && v <= std::numeric_limits<int32_t>::max(), what, " ", v, " is out of range");
  return int32_t(v);
}

// Fills `count` elements of size es at p with the element at val.
void FillElements(uint8_t* p, size_t count, const uint8_t* val, size_t es) {
  if (!count) return;
  bool uniform = true;
  for (size_t i = 1; i < es; ++i) uniform = uniform && val[i] == val[0];
  if (uniform) {
    std::memset(p, val[0], count * es);
    return;
  }
  switch (es) {
    case 2: {
      uint16_t v;
      std::memcpy(&v, val, 2);
      for (size_t i = 0; i < count; ++i) std::memcpy(p + 2 * i, &v, 2);
      break;
    }
    case 4: {
      uint32_t v;
      std::memcpy(&v, val, 4);
      for (size_t i = 0; i < count; ++i) std::memcpy(p + 4 * i, &v, 4);
      break;
    }
    default:
      for (size_t i = 0; i < count; ++i) std::memcpy(p + es * i, val, es);
  }
}

// Copies `count` elements of size es from src (stepping `step` elements) to contiguous dst.
void StridedCopy(uint8_t* dst, const uint8_t* src, int64_t count, int64_t step, size_t es) {
  if (step == 1) {
    std::memcpy(dst, src, size_t(count) * es);
    return;
  }
  switch (es) {
    case 1:
      for (int64_t i = 0; i < count; ++i) dst[i] = src[i * step];
      break;
    case 2:
      for (int64_t i = 0; i < count; ++i) std::memcpy(dst + 2 * i, src + 2 * i * step, 2);
      break;
    case 4:
      for (int64_t i = 0; i < count; ++i) std::memcpy(dst + 4 * i, src + 4 * i * step, 4);
      break;
    case 8:
      for (int64_t i = 0; i < count; ++i) std::memcpy(dst + 8 * i, src + 8 * i * step, 8);
      break;
    default:
      for (int64_t i = 0; i < count; ++i) std::memcpy(dst + es * size_t(i), src + es * size_t(i * step), es);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// PAD / PADV2

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
  s.es = ElemSize(ctx, in, "input");
  ctx.check(out.type == in.type, "output type ", dtype_name(out.type), " differs from input type ", dtype_name(in.type));
  const Tensor& pads = ctx.input(1);
  std::vector<int64_t> p = ConstInts(ctx, pads, "paddings");
  const int rank = in.rank();
  ctx.check(pads.rank() == 2 && pads.dim(0) == rank && pads.dim(1) == 2, "paddings must have shape [", rank,
            ", 2], got ", pads.shape);
  Shape out_shape(size_t(rank), 0);
  for (int i = 0; i < rank; ++i) {
    const int64_t b = p[size_t(2 * i)], a = p[size_t(2 * i + 1)];
    ctx.check(b >= 0 && a >= 0, "paddings must be non-negative, got ", b, ", ", a, " for dimension ", i);
    out_shape[size_t(i)] = ToDim(ctx, int64_t(in.dim(i)) + b + a, "padded dimension");
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

void PadRec(const PadState& s, size_t d, uint8_t* out, const uint8_t* in, const uint8_t* val) {
  const size_t ue = size_t(s.unit) * s.es;  // bytes per unit
  const size_t blk = size_t(s.out_stride[d]) * ue;
  if (d + 1 == s.in_dims.size()) {
    FillElements(out, size_t(s.before[d] * s.unit), val, s.es);
    out += size_t(s.before[d]) * ue;
    const size_t n = size_t(s.in_dims[d]) * ue;
    if (n) std::memcpy(out, in, n);
    FillElements(out + n, size_t(s.after[d] * s.unit), val, s.es);
    return;
  }
  FillElements(out, size_t(s.before[d] * s.out_stride[d] * s.unit), val, s.es);
  out += size_t(s.before[d]) * blk;
  const size_t in_blk = size_t(s.in_stride[d]) * ue;
  for (int64_t i = 0; i < s.in_dims[d]; ++i) PadRec(s, d + 1, out + size_t(i) * blk, in + size_t(i) * in_blk, val);
  out += size_t(s.in_dims[d]) * blk;
  FillElements(out, size_t(s.after[d] * s.out_stride[d] * s.unit), val, s.es);
}

void EvalPad(OpContext& ctx) {
  const PadState& s = *static_cast<const PadState*>(ctx.node().state.get());
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const uint8_t* val = s.value_input ? ctx.input(2).data : s.zero;
  if (s.in_dims.empty()) {  // no padding at all
    if (out.bytes) std::memcpy(out.data, in.data, size_t(out.elements()) * s.es);
    return;
  }
  PadRec(s, 0, out.data, in.data, val);
}

// ---------------------------------------------------------------------------------------------------------------
// RESHAPE

void PrepareReshape(OpContext& ctx) {
  ctx.check_inputs(1, 2);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  ElemSize(ctx, in, "input");
  ctx.check(out.type == in.type, "output type ", dtype_name(out.type), " differs from input type ", dtype_name(in.type));
  std::vector<int64_t> want;
  const Tensor* shape_t = ctx.optional_input(1);
  const fb::Vector<int32_t> opt = ctx.options().vec<int32_t>(0, "ReshapeOptions.new_shape");
  // As TFLite: a 1-D int32 shape tensor wins; otherwise the new_shape option (where [0] is a legacy "scalar").
  if (shape_t && shape_t->rank() == 1 && (shape_t->type == DType::kInt32 || shape_t->type == DType::kInt64)) {
    if (shape_t->is_const()) {
      want = ConstInts(ctx, *shape_t, "shape");
    } else if (ctx.options().has(0)) {
      want = opt.to_vector<int64_t>();  // the converter writes the static shape here too
    } else {
      // Shape computed at run time: only usable when the model states the output shape statically.
      bool known = out.shape_signature.size() == out.shape.size();
      for (size_t i = 0; known && i < out.shape.size(); ++i) known = out.shape_signature[i] >= 0;
      ctx.check(known && shape_elements(out.shape) == in.elements(), "shape input '", shape_t->name,
                "' is computed at run time, which slimrt does not support");
      want.assign(out.shape.begin(), out.shape.end());
    }
  } else {
    want = opt.to_vector<int64_t>();
    if (want.size() == 1 && want[0] == 0) want.clear();
  }
  const int64_t n_in = in.elements();
  int stretch = -1;
  int64_t known = 1;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] == -1) {
      ctx.check(stretch < 0, "new shape ", want, " has more than one -1");
      stretch = int(i);
    } else {
      ctx.check(want[i] >= 0 && want[i] <= std::numeric_limits<int32_t>::max(), "new shape ", want,
                " has an invalid dimension");
      known *= want[i];
      ctx.check(known <= (int64_t(1) << 40), "new shape ", want, " is too large");
    }
  }
  if (stretch >= 0) {
    if (known == 0) {
      ctx.check(n_in == 0, "cannot infer the -1 dimension of ", want, " for an input of ", n_in, " elements");
      want[size_t(stretch)] = 0;
    } else {
      ctx.check(n_in % known == 0, "cannot reshape ", in.shape, " to ", want);
      want[size_t(stretch)] = n_in / known;
    }
  }
  Shape shape(want.size());
  for (size_t i = 0; i < want.size(); ++i) shape[i] = ToDim(ctx, want[i], "dimension");
  ctx.check(shape_elements(shape) == n_in, "cannot reshape ", in.shape, " (", n_in, " elements) to ", shape);
  ctx.set_output_shape(0, shape);
}

void EvalCopy(OpContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const size_t n = size_t(out.elements()) * dtype_size(out.type);
  if (n && in.data != out.data) std::memcpy(out.data, in.data, n);
}

// ---------------------------------------------------------------------------------------------------------------
// CONCATENATION

struct ConcatState : OpState {
  int64_t outer = 1;
  std::vector<size_t> chunk;  // bytes per outer step of each input
  size_t out_chunk = 0;
  float lo = 0, hi = 0;
  bool clamp = false;
  // uint8 inputs whose quantization differs from the output's: rescale (scale, bias) per input.
  std::vector<char> rescale;
  std::vector<float> scale, bias;
  int32_t out_zp = 0;
};

void PrepareConcat(OpContext& ctx) {
  ctx.check(ctx.num_inputs() >= 1, "needs at least one input");
  ctx.check_outputs(1);
  const Tensor& in0 = ctx.input(0);
  Tensor& out = ctx.output(0);
  const size_t es = ElemSize(ctx, in0, "input 0");
  ctx.check(out.type == in0.type, "output type ", dtype_name(out.type), " differs from input type ",
            dtype_name(in0.type));
  const int rank = in0.rank();
  int axis = ctx.options().get<int32_t>(0, 0);
  const int act = ctx.options().get<int8_t>(1, 0);
  ctx.check(rank >= 1, "inputs must have rank >= 1");
  ctx.check(axis >= -rank && axis < rank, "axis ", axis, " out of range for rank ", rank);
  if (axis < 0) axis += rank;
  ConcatState& s = ctx.state<ConcatState>();
  s.clamp = false;
  if (in0.type == DType::kFloat32) {
    ActRange r = float_activation_range(ctx, act);
    s.lo = r.lo;
    s.hi = r.hi;
    s.clamp = act != kActNone;
  } else {
    ctx.check(act == kActNone, "fused activation is only supported for float32");
  }
  Shape shape = in0.shape;
  int64_t axis_total = 0;
  s.chunk.clear();
  s.rescale.clear();
  s.scale.clear();
  s.bias.clear();
  int64_t inner = 1;
  for (int i = axis + 1; i < rank; ++i) inner *= in0.dim(i);
  s.outer = 1;
  for (int i = 0; i < axis; ++i) s.outer *= in0.dim(i);
  const bool quant8 = in0.type == DType::kInt8 || in0.type == DType::kUInt8 || in0.type == DType::kInt16;
  for (int k = 0; k < ctx.num_inputs(); ++k) {
    const Tensor& t = ctx.input(k);
    ctx.check(t.type == in0.type, "input ", k, " type ", dtype_name(t.type), " differs from input 0 type ",
              dtype_name(in0.type));
    ctx.check(t.rank() == rank, "input ", k, " shape ", t.shape, " has a different rank than input 0 ", in0.shape);
    for (int d = 0; d < rank; ++d)
      ctx.check(d == axis || t.dim(d) == in0.dim(d), "input ", k, " shape ", t.shape,
                " does not match input 0 shape ", in0.shape, " outside axis ", axis);
    axis_total += t.dim(axis);
    s.chunk.push_back(size_t(int64_t(t.dim(axis)) * inner) * es);
    bool rescale = false;
    if (quant8 && out.quant.present() && t.quant.present()) {
      const float in_scale = t.quant.scale[0], out_scale = out.quant.scale[0];
      const int64_t in_zp = t.quant.zero_point.empty() ? 0 : t.quant.zero_point[0];
      const int64_t out_zp = out.quant.zero_point.empty() ? 0 : out.quant.zero_point[0];
      if (in_scale != out_scale || in_zp != out_zp) {
        ctx.check(in0.type == DType::kUInt8, "input ", k, " quantization (scale ", in_scale, ", zero point ", in_zp,
                  ") must equal the output's (scale ", out_scale, ", zero point ", out_zp, ") for ",
                  dtype_name(in0.type));
        rescale = true;
        const float sc = in_scale * (1.f / out_scale);
        s.scale.push_back(sc);
        s.bias.push_back(-float(in_zp) * sc);
        s.out_zp = int32_t(out_zp);
      }
    }
    if (!rescale) {
      s.scale.push_back(1.f);
      s.bias.push_back(0.f);
    }
    s.rescale.push_back(rescale ? 1 : 0);
  }
  shape[size_t(axis)] = ToDim(ctx, axis_total, "concatenated dimension");
  s.out_chunk = size_t(axis_total * inner) * es;
  ctx.set_output_shape(0, shape);
}

void EvalConcat(OpContext& ctx) {
  const ConcatState& s = *static_cast<const ConcatState*>(ctx.node().state.get());
  Tensor& out = ctx.output(0);
  const int n = ctx.num_inputs();
  size_t off = 0;
  for (int k = 0; k < n; ++k) {
    const uint8_t* src = ctx.input(k).data;
    const size_t c = s.chunk[size_t(k)];
    if (c) {
      uint8_t* dst = out.data + off;
      if (s.rescale[size_t(k)]) {
        const float sc = s.scale[size_t(k)], bi = s.bias[size_t(k)];
        for (int64_t o = 0; o < s.outer; ++o) {
          const uint8_t* a = src + size_t(o) * c;
          uint8_t* b = dst + size_t(o) * s.out_chunk;
          for (size_t j = 0; j < c; ++j) {
            int32_t v = int32_t(std::round(float(a[j]) * sc + bi)) + s.out_zp;
            b[j] = uint8_t(std::min(255, std::max(0, v)));
          }
        }
      } else {
        for (int64_t o = 0; o < s.outer; ++o) std::memcpy(dst + size_t(o) * s.out_chunk, src + size_t(o) * c, c);
      }
    }
    off += c;
  }
  if (s.clamp) {
    float* p = out.as<float>();
    const int64_t total = out.elements();
    for (int64_t i = 0; i < total; ++i) p[i] = std::min(std::max(p[i], s.lo), s.hi);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// STRIDED_SLICE

struct SliceState : OpState {
  size_t es = 0;
  int64_t start_offset = 0;        // elements
  std::vector<int64_t> count, step;  // per folded dim: output count, input step in elements
};

void PrepareStridedSlice(OpContext& ctx) {
  ctx.check_inputs(3, 4);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  SliceState& st = ctx.state<SliceState>();
  st.es = ElemSize(ctx, in, "input");
  ctx.check(out.type == in.type, "output type ", dtype_name(out.type), " differs from input type ", dtype_name(in.type));
  std::vector<int64_t> begin = ConstInts(ctx, ctx.input(1), "begin");
  std::vector<int64_t> end = ConstInts(ctx, ctx.input(2), "end");
  std::vector<int64_t> strides;
  if (ctx.has_input(3)) strides = ConstInts(ctx, ctx.input(3), "strides");
  else strides.assign(begin.size(), 1);
  ctx.check(ctx.input(1).rank() == 1, "begin must be 1-D, got shape ", ctx.input(1).shape);
  const int n = int(begin.size());
  ctx.check(int(end.size()) == n && int(strides.size()) == n, "begin, end and strides must have the same length (",
            begin.size(), ", ", end.size(), ", ", strides.size(), ")");
  ctx.check(n <= 31, "too many slice dimensions: ", n);
  const fb::Table& o = ctx.options();
  const int32_t begin_mask = o.get<int32_t>(0, 0), end_mask = o.get<int32_t>(1, 0);
  const int32_t ellipsis_mask = o.get<int32_t>(2, 0), new_axis_mask = o.get<int32_t>(3, 0);
  const int32_t shrink_mask = o.get<int32_t>(4, 0);
  const bool offset = o.get<uint8_t>(5, 0) != 0;
  const int rank = in.rank();

  // Expand the sparse spec (with ellipsis / new axes) into one entry per dimension of the "effective" input
  // (the input with the new axes inserted). An ellipsis covers the dimensions no other entry names; when there is
  // none, the trailing dimensions are taken whole. new_axis on the same entry as an ellipsis has no effect.
  int num_new = 0;
  for (int i = 0; i < n; ++i)
    if (!(ellipsis_mask & (1 << i)) && (new_axis_mask & (1 << i))) ++num_new;
  const int eff = rank + num_new;
  ctx.check(eff <= 31, "too many slice dimensions: ", eff);
  struct Dim {
    int64_t size = 1, begin = 0, end = 0, stride = 1;
    bool bmask = true, emask = true, shrink = false, new_axis = false;
  };
  // Walk the effective dims as TFLite does: an ellipsis expands to cover the input dims no other entry names
  // (at least one); entries past the effective rank are ignored; dims after the spec are taken whole.
  std::vector<Dim> dims;
  int expanded = 0, added_axes = 0;
  bool seen_ellipsis = false;
  auto input_dim = [&](int i) {
    const int d = i - added_axes;
    ctx.check(d >= 0 && d < rank, "slice spec does not match the input rank ", rank);
    return int64_t(in.dim(d));
  };
  for (int i = 0; i < eff;) {
    if (!seen_ellipsis && i < 31 && (ellipsis_mask & (1 << i))) {
      seen_ellipsis = true;
      const int end_idx = std::max(i + 1, std::min(i + 1 + num_new + rank - n, eff));
      expanded = end_idx - i - 1;
      for (; i < end_idx; ++i) {
        Dim d;
        d.size = input_dim(i);
        dims.push_back(d);
      }
      continue;
    }
    const int orig = i - expanded;
    Dim d;
    if (orig < n && (new_axis_mask & (1 << orig)) && !(ellipsis_mask & (1 << orig))) {
      d.new_axis = true;
      d.size = 1;
      d.end = 1;
      d.bmask = d.emask = false;
      ++added_axes;
    } else if (orig >= n) {
      d.size = input_dim(i);
    } else {
      ctx.check(!(ellipsis_mask & (1 << orig)), "more than one ellipsis in ellipsis_mask ", ellipsis_mask);
      d.size = input_dim(i);
      d.begin = begin[size_t(orig)];
      d.end = end[size_t(orig)];
      d.stride = strides[size_t(orig)];
      d.bmask = (begin_mask & (1 << orig)) != 0;
      d.emask = (end_mask & (1 << orig)) != 0;
      d.shrink = (shrink_mask & (1 << orig)) != 0;
    }
    dims.push_back(d);
    ++i;
  }

  // Input strides per effective dim (new axes have size 1 and no stride).
  std::vector<int64_t> in_stride(dims.size(), 0);
  {
    int64_t s = 1;
    for (size_t i = dims.size(); i-- > 0;) {
      if (dims[i].new_axis) continue;
      in_stride[i] = s;
      s *= dims[i].size;
    }
  }
  Shape out_shape;
  st.start_offset = 0;
  st.count.clear();
  st.step.clear();
  for (size_t i = 0; i < dims.size(); ++i) {
    Dim& d = dims[i];
    ctx.check(d.stride != 0, "stride of dimension ", i, " is 0");
    const int64_t size = d.size;
    int64_t start, stop;
    if (d.new_axis) {
      start = 0;
      stop = 1;
    } else {
      // Begin: negative counts from the end, then clamp to the valid range for the direction; masks override.
      start = d.begin;
      if (start < 0) start += size;
      if (d.stride > 0) start = std::min(std::max<int64_t>(start, 0), size);
      else start = std::min(std::max<int64_t>(start, -1), size - 1);
      if (d.bmask) start = d.stride > 0 ? 0 : size - 1;
      if (d.shrink) {
        // A shrunk dimension takes exactly the element at `begin` (which must exist).
        ctx.check(start >= 0 && start < size, "shrink index ", d.begin, " out of range for dimension of size ", size);
        stop = start + 1;
      } else {
        if (offset) {
          // `end` is a length relative to the (resolved) begin; the end mask does not apply (as in TFLite).
          stop = start + d.end;
        } else {
          stop = d.end;
          if (stop < 0) stop += size;
        }
        if (d.stride > 0) stop = std::min(std::max<int64_t>(stop, 0), size);
        else stop = std::min(std::max<int64_t>(stop, -1), size - 1);
        if (d.emask && !offset) stop = d.stride > 0 ? size : -1;
      }
      if (size == 0) start = stop = 0;
    }
    const int64_t stride = d.shrink ? 1 : d.stride;
    int64_t cnt;
    if (stride > 0) cnt = stop > start ? (stop - start + stride - 1) / stride : 0;
    else cnt = start > stop ? (start - stop + (-stride) - 1) / (-stride) : 0;
    if (!d.shrink) out_shape.push_back(ToDim(ctx, cnt, "output dimension"));
    if (d.new_axis) continue;
    st.start_offset += (cnt > 0 ? start : 0) * in_stride[i];
    st.count.push_back(cnt);
    st.step.push_back(stride * in_stride[i]);
  }
  // Fold: drop count-1 dims; merge a dim into the next when they walk memory contiguously.
  std::vector<int64_t> c2, s2;
  for (size_t i = 0; i < st.count.size(); ++i) {
    if (st.count[i] == 0) {  // empty output
      c2.assign(1, 0);
      s2.assign(1, 1);
      break;
    }
    if (st.count[i] == 1) continue;
    if (!c2.empty() && s2.back() == st.step[i] * st.count[i]) {
      c2.back() *= st.count[i];
      s2.back() = st.step[i];
    } else {
      c2.push_back(st.count[i]);
      s2.push_back(st.step[i]);
    }
  }
  if (c2.empty()) {
    c2.push_back(1);
    s2.push_back(1);
  }
  st.count = c2;
  st.step = s2;
  ctx.set_output_shape(0, out_shape);
}

void EvalStridedSlice(OpContext& ctx) {
  const SliceState& s = *static_cast<const SliceState*>(ctx.node().state.get());
  const uint8_t* in = ctx.input(0).data;
  uint8_t* out = ctx.output(0).data;
  const size_t es = s.es;
  const int r = int(s.count.size());
  const int64_t inner = s.count[size_t(r - 1)], inner_step = s.step[size_t(r - 1)];
  if (inner == 0) return;
  int64_t rows = 1;
  for (int i = 0; i < r - 1; ++i) rows *= s.count[size_t(i)];
  std::vector<int64_t> idx(size_t(r), 0);
  int64_t pos = s.start_offset;
  for (int64_t row = 0; row < rows; ++row) {
    StridedCopy(out, in + size_t(pos) * es, inner, inner_step, es);
    out += size_t(inner) * es;
    for (int i = r - 2; i >= 0; --i) {
      pos += s.step[size_t(i)];
      if (++idx[size_t(i)] < s.count[size_t(i)]) break;
      pos -= s.step[size_t(i)] * s.count[size_t(i)];
      idx[size_t(i)] = 0;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// SPLIT / SPLIT_V

struct SplitState : OpState {
  int64_t outer = 1;
  size_t in_chunk = 0;
  std::vector<size_t> chunk;
};

int ConstAxis(OpContext& ctx, const Tensor& t, int rank) {
  std::vector<int64_t> a = ConstInts(ctx, t, "axis");
  ctx.check(a.size() == 1, "axis must have exactly one element, got shape ", t.shape);
  int64_t axis = a[0];
  ctx.check(axis >= -rank && axis < rank, "axis ", axis, " out of range for rank ", rank);
  return int(axis < 0 ? axis + rank : axis);
}

void SetupSplit(OpContext& ctx, const Tensor& in, int axis, const std::vector<int64_t>& sizes) {
  SplitState& s = ctx.state<SplitState>();
  const size_t es = ElemSize(ctx, in, "input");
  int64_t inner = 1;
  for (int i = axis + 1; i < in.rank(); ++i) inner *= in.dim(i);
  s.outer = 1;
  for (int i = 0; i < axis; ++i) s.outer *= in.dim(i);
  s.in_chunk = size_t(int64_t(in.dim(axis)) * inner) * es;
  s.chunk.clear();
  for (size_t k = 0; k < sizes.size(); ++k) {
    Tensor& out = ctx.output(int(k));
    ctx.check(out.type == in.type, "output ", k, " type ", dtype_name(out.type), " differs from input type ",
              dtype_name(in.type));
    Shape shape = in.shape;
    shape[size_t(axis)] = int32_t(sizes[k]);
    s.chunk.push_back(size_t(sizes[k] * inner) * es);
    ctx.set_output_shape(int(k), shape);
  }
}

void PrepareSplit(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  const Tensor& in = ctx.input(1);
  const int axis = ConstAxis(ctx, ctx.input(0), in.rank());
  const int num = ctx.options().get<int32_t>(0, ctx.num_outputs());
  ctx.check(num > 0 && num == ctx.num_outputs(), "num_splits ", num, " must equal the number of outputs ",
            ctx.num_outputs());
  const int32_t dim = in.dim(axis);
  ctx.check(dim % num == 0, "dimension ", axis, " of size ", dim, " is not divisible by num_splits ", num);
  SetupSplit(ctx, in, axis, std::vector<int64_t>(size_t(num), dim / num));
}

void PrepareSplitV(OpContext& ctx) {
  ctx.check_inputs(3, 3);
  const Tensor& in = ctx.input(0);
  std::vector<int64_t> sizes = ConstInts(ctx, ctx.input(1), "size_splits");
  const int axis = ConstAxis(ctx, ctx.input(2), in.rank());
  const int num = ctx.num_outputs();
  ctx.check(num > 0 && int(sizes.size()) == num, "size_splits has ", sizes.size(), " entries but the op has ", num,
            " outputs");
  const int64_t dim = in.dim(axis);
  int unknown = -1;
  int64_t sum = 0;
  for (int i = 0; i < num; ++i) {
    if (sizes[size_t(i)] == -1) {
      ctx.check(unknown < 0, "size_splits ", sizes, " has more than one -1");
      unknown = i;
    } else {
      ctx.check(sizes[size_t(i)] >= 0, "size_splits ", sizes, " has a negative size");
      sum += sizes[size_t(i)];
    }
  }
  if (unknown >= 0) {
    ctx.check(sum <= dim, "size_splits ", sizes, " exceed dimension ", axis, " of size ", dim);
    sizes[size_t(unknown)] = dim - sum;
  } else {
    ctx.check(sum == dim, "size_splits ", sizes, " do not add up to dimension ", axis, " of size ", dim);
  }
  SetupSplit(ctx, in, axis, sizes);
}

void EvalSplit(OpContext& ctx) {
  const SplitState& s = *static_cast<const SplitState*>(ctx.node().state.get());
  const uint8_t* in = ctx.input(ctx.node().builtin == op::SPLIT ? 1 : 0).data;
  size_t off = 0;
  for (size_t k = 0; k < s.chunk.size(); ++k) {
    const size_t c = s.chunk[k];
    if (c) {
      uint8_t* dst = ctx.output(int(k)).data;
      for (int64_t o = 0; o < s.outer; ++o) std::memcpy(dst + size_t(o) * c, in + size_t(o) * s.in_chunk + off, c);
    }
    off += c;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// TRANSPOSE

struct TransposeState : OpState {
  size_t es = 0;
  std::vector<int64_t> count, step;  // output-order dims: count and input step (elements), folded
};

void PrepareTranspose(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  TransposeState& s = ctx.state<TransposeState>();
  s.es = ElemSize(ctx, in, "input");
  ctx.check(out.type == in.type, "output type ", dtype_name(out.type), " differs from input type ", dtype_name(in.type));
  std::vector<int64_t> perm = ConstInts(ctx, ctx.input(1), "perm");
  const int rank = in.rank();
  ctx.check(int(perm.size()) == rank, "perm ", perm, " must have ", rank, " entries");
  std::vector<char> used(size_t(rank), 0);
  for (int i = 0; i < rank; ++i) {
    int64_t p = perm[size_t(i)];
    if (p < 0) p += rank;
    ctx.check(p >= 0 && p < rank && !used[size_t(p)], "perm ", perm, " is not a permutation of 0..", rank - 1);
    used[size_t(p)] = 1;
    perm[size_t(i)] = p;
  }
  std::vector<int64_t> in_stride(size_t(rank), 1);
  for (int i = rank - 1; i > 0; --i) in_stride[size_t(i - 1)] = in_stride[size_t(i)] * in.dim(i);
  Shape shape(static_cast<size_t>(rank));
  s.count.clear();
  s.step.clear();
  bool empty = false;
  for (int i = 0; i < rank; ++i) {
    const int p = int(perm[size_t(i)]);
    shape[size_t(i)] = in.dim(p);
    if (in.dim(p) == 0) empty = true;
    if (in.dim(p) == 1) continue;
    const int64_t c = in.dim(p), st = in_stride[size_t(p)];
    if (!s.count.empty() && s.step.back() == st * c) {
      s.count.back() *= c;
      s.step.back() = st;
    } else {
      s.count.push_back(c);
      s.step.push_back(st);
    }
  }
  if (empty) {
    s.count.assign(1, 0);
    s.step.assign(1, 1);
  }
  if (s.count.empty()) {
    s.count.push_back(1);
    s.step.push_back(1);
  }
  ctx.set_output_shape(0, shape);
}

template <class T>
void TransposeRows(const TransposeState& s, const T* in, T* out) {
  const int r = int(s.count.size());
  const int64_t inner = s.count[size_t(r - 1)], step = s.step[size_t(r - 1)];
  int64_t rows = 1;
  for (int i = 0; i < r - 1; ++i) rows *= s.count[size_t(i)];
  int64_t idx[16] = {0};
  int64_t pos = 0;
  for (int64_t row = 0; row < rows; ++row) {
    const T* src = in + pos;
    for (int64_t j = 0; j < inner; ++j) out[j] = src[j * step];
    out += inner;
    for (int i = r - 2; i >= 0; --i) {
      pos += s.step[size_t(i)];
      if (++idx[i] < s.count[size_t(i)]) break;
      pos -= s.step[size_t(i)] * s.count[size_t(i)];
      idx[i] = 0;
    }
  }
}

void EvalTranspose(OpContext& ctx) {
  const TransposeState& s = *static_cast<const TransposeState*>(ctx.node().state.get());
  const uint8_t* in = ctx.input(0).data;
  uint8_t* out = ctx.output(0).data;
  if (s.count[0] == 0) return;
  if (s.count.size() > 16) {
    ctx.fail("rank too high");
  }
  switch (s.es) {
    case 1: TransposeRows(s, in, out); break;
    case 2: TransposeRows(s, reinterpret_cast<const uint16_t*>(in), reinterpret_cast<uint16_t*>(out)); break;
    case 4: TransposeRows(s, reinterpret_cast<const uint32_t*>(in), reinterpret_cast<uint32_t*>(out)); break;
    case 8: TransposeRows(s, reinterpret_cast<const uint64_t*>(in), reinterpret_cast<uint64_t*>(out)); break;
    default: {
      // Odd element sizes: copy element by element.
      const int r = int(s.count.size());
      int64_t total = 1;
      for (int i = 0; i < r; ++i) total *= s.count[size_t(i)];
      std::vector<int64_t> idx(size_t(r), 0);
      int64_t pos = 0;
      for (int64_t k = 0; k < total; ++k) {
        std::memcpy(out + size_t(k) * s.es, in + size_t(pos) * s.es, s.es);
        for (int i = r - 1; i >= 0; --i) {
          pos += s.step[size_t(i)];
          if (++idx[size_t(i)] < s.count[size_t(i)]) break;
          pos -= s.step[size_t(i)] * s.count[size_t(i)];
          idx[size_t(i)] = 0;
        }
      }
    }
  }
}

}  // namespace

void RegisterShapeOps(OpRegistry& r) {
  // Byte-moving kernels: every version (later versions only add element types / higher ranks) is covered.
  r.add({op::PAD, "PAD", kAnyType, 4, PreparePad, EvalPad});
  r.add({op::PADV2, "PADV2", kAnyType, 4, PreparePad, EvalPad});
  r.add({op::RESHAPE, "RESHAPE", kAnyType, 1, PrepareReshape, EvalCopy});
  r.add({op::CONCATENATION, "CONCATENATION", kAnyType, 4, PrepareConcat, EvalConcat});
  r.add({op::STRIDED_SLICE, "STRIDED_SLICE", kAnyType, 8, PrepareStridedSlice, EvalStridedSlice});
  r.add({op::SPLIT, "SPLIT", kAnyType, 4, PrepareSplit, EvalSplit});
  r.add({op::SPLIT_V, "SPLIT_V", kAnyType, 3, PrepareSplitV, EvalSplit});
  r.add({op::TRANSPOSE, "TRANSPOSE", kAnyType, 6, PrepareTranspose, EvalTranspose});
}

}  // namespace slimrt
