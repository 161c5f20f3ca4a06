// ADD, SUB, MUL: numpy broadcasting, fused clamp activation.
//
// Types: float32; int32/int64 (and int16 without quantization), wrapping like two's-complement hardware instead of
// overflowing; quantized int8/uint8/int16 bit-exact with the reference kernels:
//   ADD/SUB: each input is shifted left (20 bits for 8-bit types, 15 for int16), rescaled to twice the larger
//            input scale, summed, then rescaled to the output scale.
//   int16 ADD/SUB with AddOptions/SubOptions.pot_scale_int16 (the default) and power-of-two scales: the LSTM-style
//            path, one input shifted right to the output scale, saturating sum; no broadcasting for ADD.
//   MUL:     (a - a_zp) * (b - b_zp) rescaled by a_scale * b_scale / out_scale.
// Fused TANH and SIGN_BIT activations are accepted and ignored, as the official kernels do.
// Options: AddOptions / SubOptions (fused_activation_function, pot_scale_int16) / MulOptions.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/elementwise_kernels.h"
#include "ops/elementwise.h"

namespace slimrt {
namespace {

struct ArithOptions {
  int activation;
  bool pot_scale_int16;
};

ArithOptions ReadOptions(const OpContext& ctx, opt::Type type) {
  const fb::Table o = ctx.options(type);
  const bool has_pot = type != opt::MulOptions;
  return {clamp_activation(ctx, o.get<int8_t>(0, 0)), has_pot && o.get<uint8_t>(1, 1) != 0};
}

// ---- float32: the loops live in kernels/elementwise_kernels.cc (built for speed) ----

struct ArithState : BinaryState {
  ew::BinOp fop;
};

void EvalF32(OpContext& ctx) {
  const ArithState& s = ctx.state<ArithState>();
  EvalFloatBinary(ctx, s.plan, s.fop, s.p.fmin, s.p.fmax);
}

// Activation range of integer results (CalculateActivationRange on the integer type).
void int_activation(ew::Params& p, int act) {
  if (act == kActRelu) p.lmin = 0;
  if (act == kActRelu6) p.lmin = 0, p.lmax = 6;
  if (act == kActReluN1To1) p.lmin = -1, p.lmax = 1;
}

void PrepareQuantAddSub(OpContext& ctx, BinaryState& s, const ArithOptions& o, bool sub) {
  const Tensor& a = ctx.input(0);
  const QuantIO q = quant_io(ctx);
  const QuantParam &qa = q.a, &qb = q.b, &qo = q.out;
  ew::Params& p = s.p;
  p.op = sub ? ew::Op::kSub : ew::Op::kAdd;
  p.in_type = p.out_type = a.type;
  quantized_activation(ctx, o.activation, ctx.output(0), &p.qmin, &p.qmax);
  const bool int16 = a.type == DType::kInt16;
  if (int16) {
    ctx.check(qa.zero_point == 0 && qb.zero_point == 0 && qo.zero_point == 0,
              "int16 inputs and output must have zero point 0");
    int ea, eb, eo;
    if (o.pot_scale_int16 && pot_exponent(qa.scale, &ea) && pot_exponent(qb.scale, &eb) &&
        pot_exponent(qo.scale, &eo)) {
      p.a_shift = ea - eo;
      p.b_shift = eb - eo;
      ctx.check((p.a_shift == 0 || p.b_shift == 0) && p.a_shift <= 0 && p.b_shift <= 0 && p.a_shift >= -31 &&
                    p.b_shift >= -31,
                "power-of-two int16 scales must leave one input at the output scale and the other finer");
      // The reference's kernel for this path reads both inputs flat.
      ctx.check(sub || a.shape == ctx.input(1).shape, "int16 ADD with power-of-two scales does not broadcast");
      s.row = ew::Int16PotAddSubRow;
      return;
    }
  }
  p.a_offset = -qa.zero_point;
  p.b_offset = -qb.zero_point;
  p.out_offset = qo.zero_point;
  p.left_shift = int16 ? 15 : 20;
  const double twice_max = 2.0 * double(std::max(qa.scale, qb.scale));
  quantize_multiplier(ctx, double(qa.scale) / twice_max, true, &p.a_mult, &p.a_shift, "input 0 multiplier");
  quantize_multiplier(ctx, double(qb.scale) / twice_max, true, &p.b_mult, &p.b_shift, "input 1 multiplier");
  quantize_multiplier(ctx, twice_max / (double(1 << p.left_shift) * double(qo.scale)), true, &p.out_mult,
                      &p.out_shift, "output multiplier (input scale / output scale)");
  if (int16) {
    s.row = ew::Quant16AddSubRow;
    return;
  }
  rescale_table(s, 0, a.type, p.a_offset, p.left_shift, p.a_mult, p.a_shift, false);
  rescale_table(s, 1, a.type, p.b_offset, p.left_shift, p.b_mult, p.b_shift, sub);
  s.row = ew::Quant8AddRow;
}

void PrepareQuantMul(OpContext& ctx, BinaryState& s, const ArithOptions& o) {
  const Tensor& a = ctx.input(0);
  const QuantIO q = quant_io(ctx);
  const QuantParam &qa = q.a, &qb = q.b, &qo = q.out;
  ew::Params& p = s.p;
  p.in_type = p.out_type = a.type;
  quantized_activation(ctx, o.activation, ctx.output(0), &p.qmin, &p.qmax);
  ctx.check(a.type != DType::kInt16 || (qa.zero_point == 0 && qb.zero_point == 0 && qo.zero_point == 0),
            "int16 inputs and output must have zero point 0");
  p.a_offset = -qa.zero_point;
  p.b_offset = -qb.zero_point;
  p.out_offset = qo.zero_point;
  // The reference computes the multiplier in float.
  quantize_multiplier(ctx, double(qa.scale * qb.scale / qo.scale), false, &p.out_mult, &p.out_shift,
                      "output multiplier (input scales / output scale)");
  s.row = ew::QuantMulRow;
}

void Prepare(OpContext& ctx) {
  const int32_t code = ctx.node().builtin;
  const ew::Op kOp = code == op::ADD ? ew::Op::kAdd : (code == op::SUB ? ew::Op::kSub : ew::Op::kMul);
  const ArithOptions o = ReadOptions(ctx, code == op::ADD ? opt::AddOptions
                                          : (code == op::SUB ? opt::SubOptions : opt::MulOptions));
  ArithState& s = ctx.state<ArithState>();
  PrepareBroadcast(ctx, 6);
  const Tensor& a = ctx.input(0);
  const Tensor& out = ctx.output(0);
  ctx.check_same_type(a, out);
  switch (a.type) {
    case DType::kFloat32: {
      const ActRange r = float_activation_range(ctx, o.activation);
      s.p.fmin = r.lo, s.p.fmax = r.hi;
      s.fop = kOp == ew::Op::kAdd ? ew::BinOp::kAdd : (kOp == ew::Op::kSub ? ew::BinOp::kSub : ew::BinOp::kMul);
      return ctx.set_eval(EvalF32);
    }
    case DType::kInt16:
      if (out.quant.present()) {
        if (kOp == ew::Op::kMul) PrepareQuantMul(ctx, s, o);
        else PrepareQuantAddSub(ctx, s, o, kOp == ew::Op::kSub);
        return ctx.set_eval(EvalBinary);
      }
      [[fallthrough]];
    case DType::kInt32:
    case DType::kInt64:
      use_generic_row(s, kOp, a.type, a.type);
      int_activation(s.p, o.activation);
      return ctx.set_eval(EvalBinary);
    case DType::kInt8:
    case DType::kUInt8:
      if (kOp == ew::Op::kMul) PrepareQuantMul(ctx, s, o);
      else PrepareQuantAddSub(ctx, s, o, kOp == ew::Op::kSub);
      use_pair_table(s);
      return ctx.set_eval(EvalBinary);
    default: ctx.unsupported_type(a, "input 0");
  }
}

}  // namespace

void Register_ADD(OpRegistry& r) { r.add({op::ADD, "ADD", kAnyType, 5, Prepare, nullptr}); }
void Register_SUB(OpRegistry& r) { r.add({op::SUB, "SUB", kAnyType, 5, Prepare, nullptr}); }
void Register_MUL(OpRegistry& r) { r.add({op::MUL, "MUL", kAnyType, 7, Prepare, nullptr}); }

}  // namespace slimrt
