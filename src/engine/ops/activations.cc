// Activations: RELU, RELU6, RELU_N1_TO_1, RELU_0_TO_1, LOGISTIC, TANH, HARD_SWISH, ELU, GELU (GeluOptions),
// LEAKY_RELU (LeakyReluOptions). One prepare; the per-op details come from SpecOf().
//
// float32: kernels/elementwise_kernels.cc.
// Quantized (int8, uint8, int16 where the official runtime has them): a table of the output for every input value,
// computed in prepare with the reference's arithmetic, bit-exact with it:
//   RELU family   (q - in_zp) rescaled by in_scale / out_scale, clamped to the quantized activation range.
//   LEAKY_RELU    the same with in_scale * alpha / out_scale for negative inputs.
//   HARD_SWISH    the reference's 16-bit fixed-point formula (a "relu-ish" multiplier in [0, 1] times the input).
//   LOGISTIC, TANH, ELU, GELU: the reference's lookup tables of the float function (LUTPopulate); int16 LOGISTIC
//                 and TANH interpolate the reference's 256-entry sigmoid table in fixed point (output scale 2^-15).
// int16 needs zero points 0.
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

// 65536 * sigmoid(i / 24) for i in [0, 256), as 16-bit fixed point: the table of the reference's int16 LOGISTIC
// and TANH (tanh(x) = 2 * sigmoid(2x) - 1), which interpolate linearly between its entries. Its entries are tuned
// for that interpolation (a few differ by one from plain rounding), so they are data, not recomputed.
constexpr uint16_t kSigmoidTable[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535};

// int16 LOGISTIC / TANH: the input rescaled to 3 * 4096 counts per unit ((x * multiplier + round) >> shift), then the
// sigmoid table interpolated with 9 (LOGISTIC) or 8 (TANH, which reads sigmoid at twice the argument) fraction bits.
struct Sigmoid16 {
  int32_t multiplier;
  int shift;
  bool tanh;
};

int32_t Sigmoid16Entry(const void* a, int32_t q) {
  const Sigmoid16& p = *static_cast<const Sigmoid16*>(a);
  const int64_t round = p.shift > 0 ? int64_t(1) << (p.shift - 1) : 0;
  const int32_t x = int32_t(qm::ShiftRightFloor64(int64_t(q) * p.multiplier + round, p.shift));
  const uint32_t ax = uint32_t(x < 0 ? -int64_t(x) : x);
  const int frac_bits = p.tanh ? 8 : 9;
  const uint32_t uh = ax >> frac_bits;
  uint32_t r;
  if (uh >= 255) {
    r = p.tanh ? (0xFFFFu << 8) : (0x7FFFu << 10);
  } else {
    const uint32_t ua = kSigmoidTable[uh], ub = kSigmoidTable[uh + 1];
    r = (ua << frac_bits) + (ax & ((1u << frac_bits) - 1)) * (ub - ua);
  }
  if (p.tanh) {
    const int32_t v = int32_t(r);
    const int32_t t = x >= 0 ? v - (1 << 23) + (1 << 7) : -v + (1 << 23) + (1 << 7) - 1;
    return int16_t(qm::ShiftRightFloor32(t, 8));
  }
  r = x >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1;
  return int16_t(r >> 10);
}

// The reference's int16 prepare: power-of-two input scales with the right exponent use the multiplier 3 and a
// shift; other scales a multiplier of scale * 3 * 4096 doubled until it exceeds 32767 / 2.
void PrepareSigmoid16(OpContext& ctx, bool tanh) {
  const QuantParam qi = quant_param(ctx, ctx.input(0), "input"), qo = quant_param(ctx, ctx.output(0), "output");
  int out_log2;
  ctx.check(pot_exponent(qo.scale, &out_log2) && out_log2 == -15, "int16 ", tanh ? "TANH" : "LOGISTIC",
            " needs the output scale 2^-15, got ", qo.scale);
  int in_log2;
  Sigmoid16 p{0, 0, tanh};
  const bool pot = pot_exponent(qi.scale, &in_log2);
  p.shift = 12 + in_log2;
  if (pot && (p.shift == 0 || (tanh && p.shift == 1))) {
    p.multiplier = 3 << p.shift;
    p.shift = 0;
  } else {
    double m = double(qi.scale) * 4096.0 * 3.0;
    p.shift = 0;
    while (m <= 32767.0 / 2.0 && p.shift <= 30) {
      ++p.shift;
      m *= 2.0;
    }
    ctx.check(m < 2147483648.0 / 32768.0, "input scale ", qi.scale, " is too large");
    p.multiplier = int32_t(m);
  }
  fill_table(ctx, DType::kInt16, Sigmoid16Entry, &p);
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
    case op::LOGISTIC: return {ew::UnOp::kLogistic, 7};
    case op::TANH: return {ew::UnOp::kTanh, 7};
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
    case ew::UnOp::kLogistic:
      return in.type == DType::kInt16 ? PrepareSigmoid16(ctx, false) : fill_lut(ctx, LogisticFn);
    case ew::UnOp::kTanh: return in.type == DType::kInt16 ? PrepareSigmoid16(ctx, true) : fill_lut(ctx, TanhFn);
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
