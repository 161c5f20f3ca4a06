// Activations: RELU, RELU6, RELU_N1_TO_1, RELU_0_TO_1, LOGISTIC, TANH, HARD_SWISH, ELU, GELU (GeluOptions),
// LEAKY_RELU (LeakyReluOptions). One prepare; the per-op details come from SpecOf().
//
// float32: kernels/elementwise_kernels.cc.
// Quantized (int8, uint8, int16 where the official runtime has them): a table of the output for every input value,
// computed in prepare with the reference's arithmetic, bit-exact with it:
//   RELU family   (q - in_zp) rescaled by in_scale / out_scale, clamped to the quantized activation range.
//   LEAKY_RELU    the same with in_scale * alpha / out_scale for negative inputs.
//   HARD_SWISH    the reference's 16-bit fixed-point formula (a "relu-ish" multiplier in [0, 1] times the input).
//   LOGISTIC, TANH, ELU, GELU: the reference's lookup tables of the float function (LUTPopulate).
// int16 needs zero points 0. LOGISTIC and TANH of int16 (the reference's fixed-point sigmoid table) are not
// implemented: they fail at allocate_tensors naming the type.
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

struct ActState : TableState {
  ew::UnOp op;
  float alpha = 0;  // LEAKY_RELU
};

void EvalFloat(OpContext& ctx) {
  const ActState& s = ctx.state<ActState>();
  const float* in = ctx.input(0).as<float>();
  float* out = ctx.output(0).as<float>();
  const int64_t n = ctx.input(0).elements();
  const ew::UnOp op = s.op;
  const float alpha = s.alpha;
  auto run = [&](int64_t b, int64_t e, int) {
    if (op == ew::UnOp::kLeakyRelu) ew::LeakyReluF32(in + b, out + b, e - b, alpha);
    else ew::UnaryF32(op, in + b, out + b, e - b);
  };
  const bool heavy = op >= ew::UnOp::kLogistic && op != ew::UnOp::kRelu0To1 && op != ew::UnOp::kLeakyRelu;
  if (ctx.num_threads() > 1 && n >= (heavy ? kParallelMinElements / 8 : kParallelMinElements))
    ctx.pool().parallel_for(n, heavy ? 2048 : 8192, run);
  else
    run(0, n, 0);
}

// ---- quantized tables ----

struct Requant {
  int32_t in_zp, out_zp, lo, hi;
  int32_t mult, mult_neg;  // identity and (LEAKY_RELU) alpha multipliers
  int shift, shift_neg;
  bool leaky;
};

int32_t ReluEntry(const void* a, int32_t q) {
  const Requant& r = *static_cast<const Requant*>(a);
  const int32_t v = q - r.in_zp;
  const bool neg = v < 0 && r.leaky;
  const int32_t o = r.out_zp + ew::MultiplyByQuantizedMultiplierWide(v, neg ? r.mult_neg : r.mult,
                                                                        neg ? r.shift_neg : r.shift);
  return std::min(std::max(o, r.lo), r.hi);
}

// Q31 multiplier of a possibly negative real (LEAKY_RELU's alpha may be negative): the magnitude's, negated.
void signed_multiplier(const OpContext& ctx, double real, int32_t* mult, int* shift) {
  quantize_multiplier(ctx, std::fabs(real), false, mult, shift, "multiplier");
  if (real < 0) *mult = -*mult;
}

void PrepareReluX(OpContext& ctx, float act_min, float act_max, float alpha) {
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  const QuantParam qi = quant_param(ctx, in, "input"), qo = quant_param(ctx, out, "output");
  Requant r{qi.zero_point, qo.zero_point, 0, 0, 0, 0, 0, 0, alpha == alpha};
  int_type_range(out.type, &r.lo, &r.hi);
  signed_multiplier(ctx, double(qi.scale / qo.scale), &r.mult, &r.shift);
  if (r.leaky) {  // LEAKY_RELU: a multiplier for negative inputs, no clamp beyond the type
    signed_multiplier(ctx, double(qi.scale * alpha / qo.scale), &r.mult_neg, &r.shift_neg);
  } else {
    r.lo = std::max(r.lo, qo.zero_point + float_to_int32_x86(std::round(act_min / qo.scale)));
    if (act_max != std::numeric_limits<float>::infinity())
      r.hi = std::min(r.hi, qo.zero_point + float_to_int32_x86(std::round(act_max / qo.scale)));
  }
  fill_table(ctx, in.type, ReluEntry, &r);
}

// HARD_SWISH in 16-bit fixed point, as the reference computes it.
struct HardSwishParams {
  int32_t in_zp, out_zp, lo, hi;
  int16_t out_mult, reluish_mult;
  int out_exp, reluish_exp;
};

int16_t Srdhm16(int16_t a, int16_t b) {  // rounding doubling high multiply, 16-bit
  if (a == b && a == std::numeric_limits<int16_t>::min()) return std::numeric_limits<int16_t>::max();
  const int32_t ab = int32_t(a) * int32_t(b);
  const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return int16_t((ab + nudge) / (1 << 15));
}

// gemmlowp's RoundingDivideByPOT on int16 (the mask is truncated to 16 bits for exponents past 15).
int16_t RoundingDivideByPOT16(int16_t x, int e) {
  const int16_t mask = int16_t(uint16_t((uint64_t(1) << e) - 1));
  const int16_t remainder = int16_t(x & mask);
  const int16_t threshold = int16_t(qm::ShiftRightFloor32(mask, 1) + (x < 0 ? 1 : 0));
  return int16_t(qm::ShiftRightFloor32(x, e) + (remainder > threshold ? 1 : 0));
}

int16_t SaturatingLeftShift16(int16_t v, int amount) {
  const int64_t r = int64_t(v) * (int64_t(1) << std::min(amount, 40));
  return int16_t(std::min<int64_t>(std::max<int64_t>(r, -32768), 32767));
}

int32_t HardSwishEntry(const void* a, int32_t q) {
  const HardSwishParams& p = *static_cast<const HardSwishParams*>(a);
  const int16_t hires = int16_t((q - p.in_zp) * (1 << 7));
  const int16_t preshift_out = Srdhm16(hires, p.out_mult);
  int16_t reluish = hires;
  if (p.reluish_exp > 0) reluish = SaturatingLeftShift16(reluish, p.reluish_exp - 1);
  reluish = Srdhm16(reluish, p.reluish_mult);
  if (p.reluish_exp > 0) reluish = SaturatingLeftShift16(reluish, 1);
  if (p.reluish_exp < 0) reluish = RoundingDivideByPOT16(reluish, -p.reluish_exp);
  reluish = int16_t((int32_t(reluish) + (1 << 15)) >> 1);  // [-1, 1] -> [0, 1]
  // Doubling high multiply truncating toward zero (not rounding), as the reference does here.
  const bool overflow = reluish == preshift_out && reluish == std::numeric_limits<int16_t>::min();
  const int16_t pre = overflow ? std::numeric_limits<int16_t>::max()
                               : int16_t((int32_t(reluish) * int32_t(preshift_out)) / (1 << 15));
  const int16_t o = int16_t(RoundingDivideByPOT16(pre, -p.out_exp) + p.out_zp);
  return std::min<int32_t>(std::max<int32_t>(o, p.lo), p.hi);
}

// Q15 multiplier from a Q31 one (DownScaleInt32ToInt16Multiplier).
int16_t to_q15(int32_t m) {
  return m >= std::numeric_limits<int32_t>::max() - (1 << 15) ? int16_t(32767) : int16_t((m + (1 << 15)) >> 16);
}

void PrepareHardSwish(OpContext& ctx) {
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  const QuantParam qi = quant_param(ctx, in, "input"), qo = quant_param(ctx, out, "output");
  HardSwishParams p{qi.zero_point, qo.zero_point, 0, 0, 0, 0, 0, 0};
  int_type_range(out.type, &p.lo, &p.hi);
  const float hires_scale = (1.0f / 128.0f) * qi.scale;
  int32_t m;
  quantize_multiplier(ctx, double(hires_scale / qo.scale), false, &m, &p.out_exp, "output multiplier");
  p.out_mult = to_q15(m);
  ctx.check(p.out_exp <= 0, "output scale too small for the input scale (multiplier exponent ", p.out_exp, ")");
  quantize_multiplier(ctx, double(hires_scale / (3.0f / 32768.0f)), false, &m, &p.reluish_exp, "multiplier");
  p.reluish_mult = to_q15(m);
  fill_table(ctx, in.type, HardSwishEntry, &p);
}

float LogisticFn(float x, const void*) { return 1.0f / (1.0f + std::exp(-x)); }
float TanhFn(float x, const void*) { return std::tanh(x); }
float EluFn(float x, const void*) { return x < 0.0f ? std::expm1(x) : x; }
float GeluFn(float x, const void*) { return 0.5f * x * std::erfc(x * float(-0.70710678118654752440)); }
float GeluTanhFn(float x, const void*) {
  constexpr float kSqrt2dPi = float(1.12837916709551257390 * 0.70710678118654752440);  // sqrt(2 / pi)
  return 0.5f * x * (1.f + std::tanh(kSqrt2dPi * (x + 0.044715f * x * x * x)));
}

// Types beyond float32: bit 0 int8, bit 1 uint8, bit 2 int16.
struct Spec {
  ew::UnOp op;
  uint8_t types;
};

Spec SpecOf(int32_t builtin) {
  switch (builtin) {
    case op::RELU: return {ew::UnOp::kRelu, 7};
    case op::RELU6: return {ew::UnOp::kRelu6, 7};
    case op::RELU_N1_TO_1: return {ew::UnOp::kReluN1To1, 3};
    case op::RELU_0_TO_1: return {ew::UnOp::kRelu0To1, 3};
    case op::LOGISTIC: return {ew::UnOp::kLogistic, 3};
    case op::TANH: return {ew::UnOp::kTanh, 3};
    case op::HARD_SWISH: return {ew::UnOp::kHardSwish, 3};
    case op::ELU: return {ew::UnOp::kElu, 1};
    case op::GELU: return {ew::UnOp::kGelu, 7};
    default: return {ew::UnOp::kLeakyRelu, 7};  // LEAKY_RELU
  }
}

int type_bit(DType t) { return t == DType::kInt8 ? 1 : (t == DType::kUInt8 ? 2 : (t == DType::kInt16 ? 4 : 0)); }

void PrepareQuantized(OpContext& ctx, ActState& s) {
  const Tensor& in = ctx.input(0);
  const QuantParam qi = quant_param(ctx, in, "input"), qo = quant_param(ctx, ctx.output(0), "output");
  if (in.type == DType::kInt16)
    ctx.check(qi.zero_point == 0 && qo.zero_point == 0, "int16 input and output must have zero point 0");
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  switch (s.op) {
    case ew::UnOp::kRelu: return PrepareReluX(ctx, 0.f, inf, nan);
    case ew::UnOp::kRelu6: return PrepareReluX(ctx, 0.f, 6.f, nan);
    case ew::UnOp::kReluN1To1: return PrepareReluX(ctx, -1.f, 1.f, nan);
    case ew::UnOp::kRelu0To1: return PrepareReluX(ctx, 0.f, 1.f, nan);
    case ew::UnOp::kLeakyRelu: return PrepareReluX(ctx, 0.f, inf, s.alpha);
    case ew::UnOp::kHardSwish: return PrepareHardSwish(ctx);
    case ew::UnOp::kLogistic: return fill_lut(ctx, LogisticFn);
    case ew::UnOp::kTanh: return fill_lut(ctx, TanhFn);
    case ew::UnOp::kElu: return fill_lut(ctx, EluFn);
    case ew::UnOp::kGelu: return fill_lut(ctx, GeluFn);
    default: return fill_lut(ctx, GeluTanhFn);
  }
}

void Prepare(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Spec spec = SpecOf(ctx.node().builtin);
  const Tensor& in = ctx.input(0);
  ctx.check_same_type(in, ctx.output(0));
  ActState& s = ctx.state<ActState>();
  s.op = spec.op;
  if (spec.op == ew::UnOp::kLeakyRelu) s.alpha = ctx.options(opt::LeakyReluOptions).get<float>(0, 0.0f);
  if (spec.op == ew::UnOp::kGelu && ctx.options(opt::GeluOptions).get<uint8_t>(0, 0)) s.op = ew::UnOp::kGeluTanh;
  ctx.set_output_shape(0, in.shape);
  if (in.type == DType::kFloat32) return ctx.set_eval(EvalFloat);
  if (!(spec.types & type_bit(in.type))) ctx.unsupported_type(in, "input");
  PrepareQuantized(ctx, s);
  ctx.set_eval(EvalTable);
}

}  // namespace

#define SLIMRT_ACTIVATION(NAME, VERSION) \
  void Register_##NAME(OpRegistry& r) { r.add({op::NAME, #NAME, kAnyType, VERSION, Prepare, nullptr}); }
SLIMRT_ACTIVATION(RELU, 3)
SLIMRT_ACTIVATION(RELU6, 3)
SLIMRT_ACTIVATION(RELU_N1_TO_1, 1)
SLIMRT_ACTIVATION(RELU_0_TO_1, 1)
SLIMRT_ACTIVATION(LOGISTIC, 3)
SLIMRT_ACTIVATION(TANH, 3)
SLIMRT_ACTIVATION(HARD_SWISH, 1)
SLIMRT_ACTIVATION(ELU, 1)
SLIMRT_ACTIVATION(GELU, 2)
SLIMRT_ACTIVATION(LEAKY_RELU, 2)
#undef SLIMRT_ACTIVATION

}  // namespace slimrt
