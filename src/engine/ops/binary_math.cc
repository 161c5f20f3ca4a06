// DIV, FLOOR_DIV, FLOOR_MOD, POW, MAXIMUM, MINIMUM, SQUARED_DIFFERENCE: broadcasting binary ops sharing one
// prepare (types per op as the official kernels accept them) and the type-generic rows of
// kernels/elementwise_quant.h.
//
//   DIV                 float32, int32 (truncating), quantized int8/uint8/int16 (fixed-point reciprocal);
//                       fused activation.
//   FLOOR_DIV           float32, int8, int16, int32: floor(double(a) / double(b)).
//   FLOOR_MOD           float32, int8, int16, int32, int64: the remainder with the divisor's sign.
//   POW                 float32 (powf), int32 (pow in double, exponents >= 0).
//   MAXIMUM / MINIMUM   float32, int8, uint8, int16, int32, int64 (raw values: no rescaling of quantized inputs).
//   SQUARED_DIFFERENCE  float32, int32, quantized int8 (inputs rescaled with a left shift of 7, squared, rescaled).
// float32 DIV, MAXIMUM, MINIMUM and SQUARED_DIFFERENCE run through the vectorized kernels (EvalFloatBinary).
// Integer divisions by zero (and float FLOOR_DIV by zero, quantized DIV by the zero point) fail at invoke, as in
// the official runtime; so does int32 POW with a negative exponent.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/elementwise.h"

namespace slimrt {
namespace {

enum TypeBit : uint32_t {
  kF32 = 1 << 0, kI8 = 1 << 1, kU8 = 1 << 2, kI16 = 1 << 3, kI32 = 1 << 4, kI64 = 1 << 5,
};

uint32_t type_bit(DType t) {
  switch (t) {
    case DType::kFloat32: return kF32;
    case DType::kInt8: return kI8;
    case DType::kUInt8: return kU8;
    case DType::kInt16: return kI16;
    case DType::kInt32: return kI32;
    case DType::kInt64: return kI64;
    default: return 0;
  }
}

// What eval checks in input 1 before running the rows.
enum class Check : uint8_t { kNone, kNonZero, kNonNegative };

struct MathState : BinaryState {
  ew::BinOp fop = ew::BinOp::kDiv;  // float32 DIV/MAXIMUM/MINIMUM/SQUARED_DIFFERENCE
  Check check = Check::kNone;
  int32_t forbidden = 0;  // kNonZero: the raw value that counts as zero (a quantized zero point)
};

// DIV, MAXIMUM, MINIMUM, SQUARED_DIFFERENCE of float32 through the vectorized kernels.
ew::BinOp FloatOp(ew::Op op) {
  switch (op) {
    case ew::Op::kDiv: return ew::BinOp::kDiv;
    case ew::Op::kMax: return ew::BinOp::kMax;
    case ew::Op::kMin: return ew::BinOp::kMin;
    default: return ew::BinOp::kSquaredDiff;
  }
}

void EvalFloat(OpContext& ctx) {
  const MathState& s = ctx.state<MathState>();
  EvalFloatBinary(ctx, s.plan, s.fop, s.p.fmin, s.p.fmax);
}

void EvalChecked(OpContext& ctx) {
  const MathState& s = ctx.state<MathState>();
  const Tensor& b = ctx.input(1);
  const int64_t n = b.elements();
  for (int64_t i = 0; i < n; ++i) {
    if (b.type == DType::kFloat32) {
      if (b.as<float>()[i] == 0.0f) ctx.fail("division by zero");
      continue;
    }
    int64_t v;
    switch (b.type) {
      case DType::kInt8: v = b.as<int8_t>()[i]; break;
      case DType::kUInt8: v = b.as<uint8_t>()[i]; break;
      case DType::kInt16: v = b.as<int16_t>()[i]; break;
      case DType::kInt32: v = b.as<int32_t>()[i]; break;
      default: v = b.as<int64_t>()[i];
    }
    if (s.check == Check::kNonZero && v == s.forbidden) ctx.fail("division by zero");
    if (s.check == Check::kNonNegative && v < 0) ctx.fail(cat("POW of int32 needs non-negative exponents, got ", v));
  }
  EvalBinary(ctx);
}

// Quantized DIV: multiplier a_scale / (b_scale * out_scale), computed in float as the reference does.
void PrepareQuantDiv(OpContext& ctx, MathState& s, int act) {
  const QuantIO q = quant_io(ctx);
  const QuantParam &qa = q.a, &qb = q.b, &qo = q.out;
  ew::Params& p = s.p;
  quantized_activation(ctx, act, ctx.output(0), &p.qmin, &p.qmax);
  p.a_offset = -qa.zero_point;
  p.b_offset = -qb.zero_point;
  p.out_offset = qo.zero_point;
  s.check = Check::kNonZero;
  s.forbidden = qb.zero_point;
  quantize_multiplier(ctx, double(qa.scale / (qb.scale * qo.scale)), false, &p.out_mult, &p.out_shift,
                      "output multiplier (input 0 scale / (input 1 scale * output scale))");
  s.row = ew::QuantDivRow;
}

// Quantized SQUARED_DIFFERENCE (int8): inputs rescaled to twice the larger scale after a left shift of 7.
void PrepareQuantSquaredDiff(OpContext& ctx, MathState& s) {
  const Tensor& a = ctx.input(0);
  const QuantIO q = quant_io(ctx);
  const QuantParam &qa = q.a, &qb = q.b, &qo = q.out;
  ew::Params& p = s.p;
  p.qmin = -128, p.qmax = 127;
  p.out_offset = qo.zero_point;
  const int left_shift = 7;
  const double twice_max = 2.0 * double(std::max(qa.scale, qb.scale));
  int32_t ma, mb;
  int sha, shb;
  quantize_multiplier(ctx, double(qa.scale) / twice_max, true, &ma, &sha, "input 0 multiplier");
  quantize_multiplier(ctx, double(qb.scale) / twice_max, true, &mb, &shb, "input 1 multiplier");
  quantize_multiplier(ctx, twice_max * twice_max / (double(1 << (2 * left_shift)) * double(qo.scale)), true,
                      &p.out_mult, &p.out_shift, "output multiplier");
  rescale_table(s, 0, a.type, -qa.zero_point, left_shift, ma, sha, false);
  rescale_table(s, 1, a.type, -qb.zero_point, left_shift, mb, shb, true);
  s.row = ew::Quant8AddRow;
}

struct Spec {
  ew::Op op;
  opt::Type options;
  uint32_t types;
  uint32_t quantized;  // types computed as quantized values (the rest are plain)
};

Spec SpecOf(int32_t builtin) {
  constexpr uint32_t kMinMax = kF32 | kI8 | kU8 | kI16 | kI32 | kI64;
  switch (builtin) {
    case op::DIV: return {ew::Op::kDiv, opt::DivOptions, kF32 | kI32 | kI8 | kU8 | kI16, kI8 | kU8 | kI16};
    case op::FLOOR_DIV: return {ew::Op::kFloorDiv, opt::FloorDivOptions, kF32 | kI8 | kI16 | kI32, 0};
    case op::FLOOR_MOD: return {ew::Op::kFloorMod, opt::FloorModOptions, kF32 | kI8 | kI16 | kI32 | kI64, 0};
    case op::POW: return {ew::Op::kPow, opt::PowOptions, kF32 | kI32, 0};
    case op::MAXIMUM: return {ew::Op::kMax, opt::MaximumMinimumOptions, kMinMax, 0};
    case op::MINIMUM: return {ew::Op::kMin, opt::MaximumMinimumOptions, kMinMax, 0};
    default: return {ew::Op::kSquaredDiff, opt::SquaredDifferenceOptions, kF32 | kI32 | kI8, kI8};
  }
}

void Prepare(OpContext& ctx) {
  const Spec spec = SpecOf(ctx.node().builtin);
  const fb::Table o = ctx.options(spec.options);
  const int act = spec.op == ew::Op::kDiv ? clamp_activation(ctx, o.get<int8_t>(0, 0)) : int(kActNone);
  MathState& s = ctx.state<MathState>();
  PrepareBroadcast(ctx, 6);
  const Tensor& a = ctx.input(0);
  const Tensor& out = ctx.output(0);
  ctx.check_same_type(a, out);
  const uint32_t bit = type_bit(a.type);
  if (!(spec.types & bit)) ctx.unsupported_type(a, "input 0");
  use_generic_row(s, spec.op, a.type, a.type);
  const bool divides = spec.op == ew::Op::kDiv || spec.op == ew::Op::kFloorDiv || spec.op == ew::Op::kFloorMod;
  if (divides && (a.type != DType::kFloat32 || spec.op == ew::Op::kFloorDiv)) s.check = Check::kNonZero;
  if (spec.op == ew::Op::kPow && a.type == DType::kInt32) s.check = Check::kNonNegative;
  if (spec.quantized & bit) {
    if (spec.op == ew::Op::kDiv) PrepareQuantDiv(ctx, s, act);
    else PrepareQuantSquaredDiff(ctx, s);
  } else if (a.type == DType::kFloat32) {
    const ActRange r = float_activation_range(ctx, act);
    s.p.fmin = r.lo, s.p.fmax = r.hi;
  } else if (act != kActNone) {  // int32 DIV: CalculateActivationRange on int32
    s.p.lmin = act == kActReluN1To1 ? -1 : 0;
    if (act == kActRelu6) s.p.lmax = 6;
    if (act == kActReluN1To1) s.p.lmax = 1;
  }
  use_pair_table(s);
  if (a.type == DType::kFloat32 && s.check == Check::kNone && spec.op != ew::Op::kFloorMod &&
      spec.op != ew::Op::kPow) {
    s.fop = FloatOp(spec.op);
    return ctx.set_eval(EvalFloat);
  }
  ctx.set_eval(s.check == Check::kNone ? EvalBinary : EvalChecked);
}

}  // namespace

void Register_DIV(OpRegistry& r) { r.add({op::DIV, "DIV", kAnyType, 2, Prepare, nullptr}); }
void Register_FLOOR_DIV(OpRegistry& r) { r.add({op::FLOOR_DIV, "FLOOR_DIV", kAnyType, 3, Prepare, nullptr}); }
void Register_FLOOR_MOD(OpRegistry& r) { r.add({op::FLOOR_MOD, "FLOOR_MOD", kAnyType, 2, Prepare, nullptr}); }
void Register_POW(OpRegistry& r) { r.add({op::POW, "POW", kAnyType, 1, Prepare, nullptr}); }
void Register_MAXIMUM(OpRegistry& r) { r.add({op::MAXIMUM, "MAXIMUM", kAnyType, 4, Prepare, nullptr}); }
void Register_MINIMUM(OpRegistry& r) { r.add({op::MINIMUM, "MINIMUM", kAnyType, 4, Prepare, nullptr}); }
void Register_SQUARED_DIFFERENCE(OpRegistry& r) {
  r.add({op::SQUARED_DIFFERENCE, "SQUARED_DIFFERENCE", kAnyType, 2, Prepare, nullptr});
}

}  // namespace slimrt
