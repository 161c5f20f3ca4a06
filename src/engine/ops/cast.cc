// CAST between float32, float64, float16 (as input), int8, uint8, int16, uint16, int32, uint32, int64 and bool, with
// the official kernel's semantics: integer to integer keeps the low bits (two's-complement wrap); float to integer
// truncates toward zero and saturates at the type's limits, NaN giving the maximum; anything to bool is x != 0;
// bool is 0 or 1. Options: CastOptions (in_data_type, out_data_type) must agree with the tensors when given.
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/half.h"
#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

bool is_float(DType t) { return t == DType::kFloat32 || t == DType::kFloat64 || t == DType::kFloat16; }

bool supported(DType t, bool as_output) {
  switch (t) {
    case DType::kFloat32: case DType::kFloat64: case DType::kInt8: case DType::kUInt8: case DType::kInt16:
    case DType::kUInt16: case DType::kInt32: case DType::kUInt32: case DType::kInt64: case DType::kBool:
      return true;
    case DType::kFloat16: return !as_output;
    default: return false;
  }
}

double LoadFloat(const uint8_t* p, DType t) {
  switch (t) {
    case DType::kFloat32: { float v; std::memcpy(&v, p, 4); return v; }
    case DType::kFloat16: { uint16_t h; std::memcpy(&h, p, 2); return kernels::half_to_float(h); }
    default: { double v; std::memcpy(&v, p, 8); return v; }
  }
}

int64_t LoadInt(const uint8_t* p, DType t) {
  switch (t) {
    case DType::kInt8: return int8_t(*p);
    case DType::kUInt8: return *p;
    case DType::kBool: return *p != 0;
    case DType::kInt16: { int16_t v; std::memcpy(&v, p, 2); return v; }
    case DType::kUInt16: { uint16_t v; std::memcpy(&v, p, 2); return v; }
    case DType::kInt32: { int32_t v; std::memcpy(&v, p, 4); return v; }
    case DType::kUInt32: { uint32_t v; std::memcpy(&v, p, 4); return v; }
    default: { int64_t v; std::memcpy(&v, p, 8); return v; }
  }
}

// [lo, hi] of an integer type as doubles (hi rounded up to a power of two where double cannot hold it exactly).
void int_limits(DType t, double* lo, double* hi) {
  switch (t) {
    case DType::kInt8: *lo = -128, *hi = 127; break;
    case DType::kUInt8: *lo = 0, *hi = 255; break;
    case DType::kInt16: *lo = -32768, *hi = 32767; break;
    case DType::kUInt16: *lo = 0, *hi = 65535; break;
    case DType::kInt32: *lo = -2147483648.0, *hi = 2147483647.0; break;
    case DType::kUInt32: *lo = 0, *hi = 4294967295.0; break;
    default: *lo = -9223372036854775808.0, *hi = 9223372036854775808.0;
  }
}

void StoreInt(uint8_t* p, DType t, int64_t v) {
  switch (t) {
    case DType::kInt8: case DType::kUInt8: *p = uint8_t(uint64_t(v)); break;
    case DType::kBool: *p = v != 0; break;
    case DType::kInt16: case DType::kUInt16: { const uint16_t u = uint16_t(uint64_t(v)); std::memcpy(p, &u, 2); break; }
    case DType::kInt32: case DType::kUInt32: { const uint32_t u = uint32_t(uint64_t(v)); std::memcpy(p, &u, 4); break; }
    default: std::memcpy(p, &v, 8);
  }
}

// Saturating float -> integer: NaN -> max, truncation, clamp.
int64_t FloatToInt(double f, DType t) {
  double lo, hi;
  int_limits(t, &lo, &hi);
  if (t == DType::kInt64) {
    if (!(f < hi)) return std::numeric_limits<int64_t>::max();
    if (!(f > lo)) return std::numeric_limits<int64_t>::min();
    return int64_t(f);
  }
  if (!(f < hi)) return int64_t(hi);
  const double r = std::trunc(f);
  return int64_t(r > lo ? r : lo);
}

// double -> float with IEEE rounding, without the undefined behaviour of out-of-range conversions.
float ToFloat(double f) {
  constexpr double kMax = 3.4028235677973366e38;  // FLT_MAX plus half an ulp: rounds to infinity from here on
  if (f >= kMax) return std::numeric_limits<float>::infinity();
  if (f <= -kMax) return -std::numeric_limits<float>::infinity();
  if (f > double(std::numeric_limits<float>::max())) return std::numeric_limits<float>::max();
  if (f < -double(std::numeric_limits<float>::max())) return -std::numeric_limits<float>::max();
  return float(f);
}

void Eval(OpContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const DType ti = in.type, to = out.type;
  const size_t esi = dtype_size(ti), eso = dtype_size(to);
  const int64_t n = in.elements();
  const uint8_t* x = in.as<uint8_t>();
  uint8_t* y = out.as<uint8_t>();
  for (int64_t k = 0; k < n; ++k) {
    const uint8_t* src = x + size_t(k) * esi;
    uint8_t* dst = y + size_t(k) * eso;
    if (is_float(ti)) {
      const double f = LoadFloat(src, ti);
      if (to == DType::kFloat32) {
        const float v = ToFloat(f);
        std::memcpy(dst, &v, 4);
      } else if (to == DType::kFloat64) {
        std::memcpy(dst, &f, 8);
      } else if (to == DType::kBool) {
        *dst = f != 0;
      } else {
        StoreInt(dst, to, FloatToInt(f, to));
      }
    } else {
      const int64_t v = LoadInt(src, ti);
      if (to == DType::kFloat32) {
        const float f = ti == DType::kUInt32 ? float(uint32_t(v)) : float(v);
        std::memcpy(dst, &f, 4);
      } else if (to == DType::kFloat64) {
        const double f = double(v);
        std::memcpy(dst, &f, 8);
      } else {
        StoreInt(dst, to, v);
      }
    }
  }
}

void Prepare(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  const fb::Table o = ctx.options(opt::CastOptions);
  const int8_t in_type = o.get<int8_t>(0, 0), out_type = o.get<int8_t>(1, 0);
  // The converter writes these only sometimes; 0 (float32) is also the "absent" value, so only a disagreement
  // with a non-float32 tensor is caught.
  ctx.check(!o.has(0) || in_type == int8_t(in.type) || in_type == 0, "CastOptions.in_data_type ", in_type,
            " does not match the input type ", dtype_name(in.type));
  ctx.check(!o.has(1) || out_type == int8_t(out.type) || out_type == 0, "CastOptions.out_data_type ", out_type,
            " does not match the output type ", dtype_name(out.type));
  if (!supported(in.type, false)) ctx.unsupported_type(in, "input");
  if (!supported(out.type, true)) ctx.unsupported_type(out, "output");
  ctx.set_output_shape(0, in.shape);
}

}  // namespace

void Register_CAST(OpRegistry& r) { r.add({op::CAST, "CAST", kAnyType, 8, Prepare, Eval}); }

}  // namespace slimrt
