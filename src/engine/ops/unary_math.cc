// Unary maths: ABS, NEG, EXP, LOG, SIN, COS, SQRT, RSQRT, SQUARE, CEIL, FLOOR, ROUND, SIGN (one prepare, no
// options).
//
// float32: kernels/elementwise_kernels.cc (ROUND rounds half to even; SIGN of NaN is 0).
// Plain integers: NEG of int8/int16/int32/int64 negates the raw values (wrapping; quantization is ignored, as the
//   official kernel does), ABS of int32 and unquantized int16, SIGN of int32.
// Quantized int8/int16 (uint8 nowhere): a table of the output for every input value, computed in prepare with the
//   reference's arithmetic -- ABS rescales |q - zp| with a fixed-point multiplier; EXP and LOG (and RSQRT of int16)
//   are the reference's lookup tables of the float function; RSQRT of int8 is its Newton-Raphson fixed point;
//   SQRT truncates sqrt(x) / out_scale. SQRT/RSQRT of a negative input fail at invoke, as in the official runtime.
//   int16 needs zero points 0.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/elementwise_kernels.h"
#include "kernels/quant_math.h"
#include "kernels/threadpool.h"
#include "ops/elementwise.h"

namespace slimrt {
namespace {

constexpr int64_t kParallelMinElements = 1 << 15;

struct UnaryState : TableState {
  ew::UnOp op;
};

void EvalFloat(OpContext& ctx) {
  const ew::UnOp op = ctx.state<UnaryState>().op;
  const float* in = ctx.input(0).as<float>();
  float* out = ctx.output(0).as<float>();
  const int64_t n = ctx.input(0).elements();
  auto run = [&](int64_t b, int64_t e, int) { ew::UnaryF32(op, in + b, out + b, e - b); };
  if (ctx.num_threads() > 1 && n >= kParallelMinElements / 8) ctx.pool().parallel_for(n, 2048, run);
  else run(0, n, 0);
}

// ---- plain integers ----

template <class T>
void IntUnary(ew::UnOp op, const T* x, T* y, int64_t n) {
  using U = typename std::make_unsigned<T>::type;
  for (int64_t i = 0; i < n; ++i) {
    const T v = x[i];
    const T neg = T(U(U(0) - U(v)));
    y[i] = op == ew::UnOp::kNeg ? neg : (op == ew::UnOp::kAbs ? (v < 0 ? neg : v) : T((T(0) < v) - (v < T(0))));
  }
}

void EvalInt(OpContext& ctx) {
  const ew::UnOp kOp = ctx.state<UnaryState>().op;
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const int64_t n = in.elements();
  switch (in.type) {
    case DType::kInt8: return IntUnary(kOp, in.as<int8_t>(), out.as<int8_t>(), n);
    case DType::kInt16: return IntUnary(kOp, in.as<int16_t>(), out.as<int16_t>(), n);
    case DType::kInt32: return IntUnary(kOp, in.as<int32_t>(), out.as<int32_t>(), n);
    default: return IntUnary(kOp, in.as<int64_t>(), out.as<int64_t>(), n);
  }
}

// ---- quantized tables ----

struct Rescale {
  int32_t in_zp, out_zp, mult, lo, hi;
  int shift;
  bool rescale;
  float in_scale, out_scale;
};

int32_t AbsEntry(const void* a, int32_t q) {
  const Rescale& r = *static_cast<const Rescale*>(a);
  const int32_t v = q > r.in_zp ? q - r.in_zp : r.in_zp - q;
  const int32_t o = r.rescale ? ew::MultiplyByQuantizedMultiplierWide(v, r.mult, r.shift) : v;
  return std::min(std::max(o + r.out_zp, r.lo), r.hi);
}

int32_t RsqrtEntry(const void* a, int32_t q) {
  const Rescale& r = *static_cast<const Rescale*>(a);
  const int32_t v = q - r.in_zp;
  if (v < 0) return std::numeric_limits<int32_t>::min();  // invalid
  if (v == 0) return r.hi;
  constexpr int kShift = 20;
  int32_t inv;
  int inv_shift;
  ew::InvSqrtQuantizedMultiplierExp(v, -1, &inv, &inv_shift);
  const int32_t data = ew::MultiplyByQuantizedMultiplierWide(1, inv, inv_shift + kShift);
  const int32_t o = ew::MultiplyByQuantizedMultiplierWide(data, r.mult, r.shift - kShift) + r.out_zp;
  return std::min(std::max(o, r.lo), r.hi);
}

int32_t SqrtEntry(const void* a, int32_t q) {
  const Rescale& r = *static_cast<const Rescale*>(a);
  if (q < r.in_zp) return std::numeric_limits<int32_t>::min();  // invalid
  const float y = std::sqrt(r.in_scale * float(q - r.in_zp)) / r.out_scale;
  const int64_t v = int64_t(float_to_int32_x86(y)) + r.out_zp;
  return int32_t(std::min<int64_t>(std::max<int64_t>(v, r.lo), r.hi));
}

float ExpFn(float x, const void*) { return std::exp(x); }
float LogFn(float x, const void* a) { return x <= 0.0f ? *static_cast<const float*>(a) : std::log(x); }
float RsqrtFn(float x, const void* a) { return x <= 0.0f ? *static_cast<const float*>(a) : 1.0f / std::sqrt(x); }

constexpr const char* kNegativeMsg = "input values must not be negative";

void PrepareQuantized(OpContext& ctx, ew::UnOp op) {
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  const QuantParam qi = quant_param(ctx, in, "input"), qo = quant_param(ctx, out, "output");
  if (in.type == DType::kInt16)
    ctx.check(qi.zero_point == 0 && qo.zero_point == 0, "int16 input and output must have zero point 0");
  Rescale r{qi.zero_point, qo.zero_point, 0, 0, 0, 0, qi.scale != qo.scale, qi.scale, qo.scale};
  int_type_range(out.type, &r.lo, &r.hi);
  switch (op) {
    case ew::UnOp::kAbs:
      if (r.rescale) quantize_multiplier(ctx, double(qi.scale / qo.scale), false, &r.mult, &r.shift, "multiplier");
      return fill_table(ctx, in.type, AbsEntry, &r);
    case ew::UnOp::kSqrt: return fill_table(ctx, in.type, SqrtEntry, &r, kNegativeMsg);
    case ew::UnOp::kExp: return fill_lut(ctx, ExpFn);
    case ew::UnOp::kLog: {
      const float out_min = float(r.lo - qo.zero_point) * qo.scale;
      return fill_lut(ctx, LogFn, &out_min);
    }
    default: {  // kRsqrt
      if (in.type == DType::kInt16) {
        const float big = 32767.0f * qo.scale;
        return fill_lut(ctx, RsqrtFn, &big, kNegativeMsg, 0.0f);
      }
      quantize_multiplier(ctx, 1.0 / double(std::sqrt(qi.scale) * qo.scale), false, &r.mult, &r.shift,
                          "multiplier");
      return fill_table(ctx, in.type, RsqrtEntry, &r, kNegativeMsg);
    }
  }
}

// Types per op beyond float32: plain integers (bit 0: int8, 1: int16, 2: int32, 3: int64), quantized int8/int16.
struct Spec {
  ew::UnOp op;
  uint8_t plain;
  bool quantized;
};

Spec SpecOf(int32_t builtin) {
  switch (builtin) {
    case op::ABS: return {ew::UnOp::kAbs, 2 | 4, true};  // int16 plain when unquantized
    case op::NEG: return {ew::UnOp::kNeg, 1 | 2 | 4 | 8, false};
    case op::EXP: return {ew::UnOp::kExp, 0, true};
    case op::LOG: return {ew::UnOp::kLog, 0, true};
    case op::SIN: return {ew::UnOp::kSin, 0, false};
    case op::COS: return {ew::UnOp::kCos, 0, false};
    case op::SQRT: return {ew::UnOp::kSqrt, 0, true};
    case op::RSQRT: return {ew::UnOp::kRsqrt, 0, true};
    case op::SQUARE: return {ew::UnOp::kSquare, 0, false};
    case op::CEIL: return {ew::UnOp::kCeil, 0, false};
    case op::FLOOR: return {ew::UnOp::kFloor, 0, false};
    case op::ROUND: return {ew::UnOp::kRound, 0, false};
    default: return {ew::UnOp::kSign, 4, false};  // SIGN
  }
}

int plain_bit(DType t) {
  switch (t) {
    case DType::kInt8: return 1;
    case DType::kInt16: return 2;
    case DType::kInt32: return 4;
    case DType::kInt64: return 8;
    default: return 0;
  }
}

void Prepare(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Spec spec = SpecOf(ctx.node().builtin);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  ctx.check_same_type(in, out);
  ctx.set_output_shape(0, in.shape);
  ctx.state<UnaryState>().op = spec.op;
  if (in.type == DType::kFloat32) return ctx.set_eval(EvalFloat);
  const bool small = in.type == DType::kInt8 || in.type == DType::kInt16;
  const bool quantized = spec.quantized && small && in.quant.present();
  if ((spec.plain & plain_bit(in.type)) && !quantized) return ctx.set_eval(EvalInt);
  if (spec.quantized && small) {
    ctx.check(quantized, "input '", in.name, "' of type ", dtype_name(in.type), " must be quantized");
    PrepareQuantized(ctx, spec.op);
    return ctx.set_eval(EvalTable);
  }
  ctx.unsupported_type(in, "input");
}

}  // namespace

#define SLIMRT_UNARY(NAME, VERSION) \
  void Register_##NAME(OpRegistry& r) { r.add({op::NAME, #NAME, kAnyType, VERSION, Prepare, nullptr}); }
SLIMRT_UNARY(ABS, 5)
SLIMRT_UNARY(NEG, 1)
SLIMRT_UNARY(EXP, 2)
SLIMRT_UNARY(LOG, 2)
SLIMRT_UNARY(SIN, 1)
SLIMRT_UNARY(COS, 1)
SLIMRT_UNARY(SQRT, 2)
SLIMRT_UNARY(RSQRT, 3)
SLIMRT_UNARY(SQUARE, 1)
SLIMRT_UNARY(CEIL, 1)
SLIMRT_UNARY(FLOOR, 1)
SLIMRT_UNARY(ROUND, 1)
SLIMRT_UNARY(SIGN, 2)
#undef SLIMRT_UNARY

}  // namespace slimrt
