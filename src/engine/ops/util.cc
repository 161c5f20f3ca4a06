#include "ops/util.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace slimrt {

size_t elem_size(const OpContext& ctx, const Tensor& t, const char* role) {
  const size_t e = dtype_size(t.type);
  ctx.check(e > 0 && t.type != DType::kResource, role, " '", t.name, "' has type ", dtype_name(t.type),
            ", which this op does not support");
  return e;
}

int32_t to_dim(const OpContext& ctx, int64_t v, const char* what) {
  ctx.check(v >= 0 && v <= std::numeric_limits<int32_t>::max(), what, " ", v, " is out of range");
  return int32_t(v);
}

int normalize_axis(const OpContext& ctx, int64_t axis, int rank) {
  ctx.check(axis >= -rank && axis < rank, "axis ", axis, " is out of range for rank ", rank);
  return int(axis < 0 ? axis + rank : axis);
}

int input_axis(OpContext& ctx, int i, int rank) {
  std::vector<int64_t> a = ctx.input_ints(i, "axis");
  ctx.check(a.size() == 1, "axis must have exactly one element, got shape ", ctx.input(i).shape);
  return normalize_axis(ctx, a[0], rank);
}

void fill_elements(uint8_t* p, size_t count, const uint8_t* val, size_t es) {
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

void strided_copy(uint8_t* dst, const uint8_t* src, int64_t count, int64_t step, size_t es) {
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
      for (int64_t i = 0; i < count; ++i) std::memcpy(dst + es * size_t(i), src + int64_t(es) * i * step, es);
  }
}

float single_scale(const OpContext& ctx, const Tensor& t, const char* role) {
  ctx.check(t.quant.scale.size() == 1 && t.quant.zero_point.size() == 1, role, " '", t.name,
            "' must have per-tensor quantization (one scale and zero point), has ", t.quant.scale.size(), " scales");
  const float s = t.quant.scale[0];
  ctx.check(s > 0.f && std::isfinite(s), role, " '", t.name, "' has an invalid scale ", s);
  return s;
}

void int_type_range(DType t, int32_t* lo, int32_t* hi) {
  switch (t) {
    case DType::kInt8: *lo = -128; *hi = 127; break;
    case DType::kUInt8: *lo = 0; *hi = 255; break;
    case DType::kInt16: *lo = -32768; *hi = 32767; break;
    default: *lo = std::numeric_limits<int32_t>::min(); *hi = std::numeric_limits<int32_t>::max();
  }
}

int32_t single_zero_point(const OpContext& ctx, const Tensor& t, const char* role) {
  ctx.check(!t.quant.zero_point.empty(), role, " '", t.name, "' has no zero point");
  const int64_t z = t.quant.zero_point[0];
  int32_t lo, hi;
  int_type_range(t.type, &lo, &hi);
  ctx.check(z >= lo && z <= hi, role, " '", t.name, "' has zero point ", z, " outside the ", dtype_name(t.type), " range");
  return int32_t(z);
}

int clamp_activation(const OpContext& ctx, int act) {
  ctx.check(act >= kActNone && act <= kActSignBit, "unknown fused activation function ", act);
  return act == kActTanh || act == kActSignBit ? int(kActNone) : act;
}

void quantized_activation(const OpContext& ctx, int act, const Tensor& out, int32_t* lo, int32_t* hi) {
  const float scale = single_scale(ctx, out, "output");
  const int32_t zp = single_zero_point(ctx, out, "output");
  int32_t qmin, qmax;
  int_type_range(out.type, &qmin, &qmax);
  // Clamp in floating point first: a hostile scale must not overflow the int conversion.
  auto q = [&](float f) {
    const double v = double(zp) + std::round(double(f / scale));
    return int32_t(v < qmin ? qmin : (v > qmax ? qmax : v));
  };
  switch (act) {
    case kActNone: *lo = qmin; *hi = qmax; break;
    case kActRelu: *lo = q(0.f); *hi = qmax; break;
    case kActRelu6: *lo = q(0.f); *hi = q(6.f); break;
    case kActReluN1To1: *lo = q(-1.f); *hi = q(1.f); break;
    default: ctx.fail(cat("fused activation function ", act, " is not supported for ", dtype_name(out.type)));
  }
  ctx.check(*lo <= *hi, "fused activation range is empty for this output quantization");
}

}  // namespace slimrt
