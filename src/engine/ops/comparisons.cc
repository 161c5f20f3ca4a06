// Comparisons EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL (bool output) and the logical ops
// LOGICAL_AND, LOGICAL_OR (bool, broadcasting) and LOGICAL_NOT.
//
// Types as the official kernels take them: float32, int32, int64, int16, bool (EQUAL / NOT_EQUAL only), and
// quantized int8/uint8 -- whose values are compared after the reference's rescaling ((q - zp) << 8 times the scale
// as a fixed-point multiplier, per-value tables here), so inputs of different scales compare by real value. int16
// is rescaled the same way for EQUAL / NOT_EQUAL when quantized, and compared raw by the ordering comparisons
// (NOT_EQUAL of unquantized int16 is refused: the official kernel writes no output for it).
#include "ops/elementwise.h"

namespace slimrt {
namespace {

ew::Op CompareOp(int32_t builtin) {
  switch (builtin) {
    case op::EQUAL: return ew::Op::kEqual;
    case op::NOT_EQUAL: return ew::Op::kNotEqual;
    case op::LESS: return ew::Op::kLess;
    case op::LESS_EQUAL: return ew::Op::kLessEqual;
    case op::GREATER: return ew::Op::kGreater;
    case op::GREATER_EQUAL: return ew::Op::kGreaterEqual;
    case op::LOGICAL_AND: return ew::Op::kAnd;
    default: return ew::Op::kOr;
  }
}

// One input's rescaling: mult/shift of its scale (the reference uses the scale itself as the multiplier).
void rescale(OpContext& ctx, BinaryState& s, int input) {
  const Tensor& t = ctx.input(input);
  const QuantParam q = quant_param(ctx, t, input == 0 ? "input 0" : "input 1");
  int32_t mult;
  int shift;
  quantize_multiplier(ctx, double(q.scale), false, &mult, &shift, "scale");
  ew::Params& p = s.p;
  (input == 0 ? p.a_offset : p.b_offset) = -q.zero_point;
  (input == 0 ? p.a_mult : p.b_mult) = mult;
  (input == 0 ? p.a_shift : p.b_shift) = shift;
  if (t.type != DType::kInt16) rescale_table(s, input, t.type, -q.zero_point, 8, mult, shift, false);
}

void Prepare(OpContext& ctx) {
  const ew::Op op = CompareOp(ctx.node().builtin);
  BinaryState& s = PrepareBroadcast(ctx, 6);
  const Tensor& a = ctx.input(0);
  ctx.check_type(ctx.output(0), DType::kBool, "output");
  const bool logical = op == ew::Op::kAnd || op == ew::Op::kOr;
  const bool equality = op == ew::Op::kEqual || op == ew::Op::kNotEqual;
  use_generic_row(s, op, a.type, DType::kBool);
  switch (a.type) {
    case DType::kBool:
      if (logical || equality) return ctx.set_eval(EvalBinary);
      break;
    case DType::kFloat32:
    case DType::kInt32:
    case DType::kInt64:
      if (!logical) return ctx.set_eval(EvalBinary);
      break;
    case DType::kInt16:
      if (logical) break;
      // The official NOT_EQUAL leaves its output unset for unquantized int16: refused rather than guessed.
      ctx.check(op != ew::Op::kNotEqual || a.quant.present(), "NOT_EQUAL of unquantized int16 is not supported");
      if (!equality || !a.quant.present()) return ctx.set_eval(EvalBinary);
      [[fallthrough]];
    case DType::kInt8:
    case DType::kUInt8:
      if (logical) break;
      s.p.left_shift = 8;
      rescale(ctx, s, 0);
      rescale(ctx, s, 1);
      s.row = ew::QuantCompareRow;
      use_pair_table(s);
      return ctx.set_eval(EvalBinary);
    default: break;
  }
  ctx.unsupported_type(a, "input 0");
}

// ---- LOGICAL_NOT ----

void EvalNot(OpContext& ctx) {
  const uint8_t* x = ctx.input(0).as<uint8_t>();
  uint8_t* y = ctx.output(0).as<uint8_t>();
  const int64_t n = ctx.input(0).elements();
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] == 0;
}

void PrepareNot(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  ctx.check_type(ctx.input(0), DType::kBool, "input");
  ctx.check_type(ctx.output(0), DType::kBool, "output");
  ctx.set_output_shape(0, ctx.input(0).shape);
}

}  // namespace

#define SLIMRT_COMPARISON(NAME, VERSION) \
  void Register_##NAME(OpRegistry& r) { r.add({op::NAME, #NAME, kAnyType, VERSION, Prepare, nullptr}); }
SLIMRT_COMPARISON(EQUAL, 5)
SLIMRT_COMPARISON(NOT_EQUAL, 4)
SLIMRT_COMPARISON(LESS, 3)
SLIMRT_COMPARISON(LESS_EQUAL, 2)
SLIMRT_COMPARISON(GREATER, 2)
SLIMRT_COMPARISON(GREATER_EQUAL, 3)
SLIMRT_COMPARISON(LOGICAL_AND, 1)
SLIMRT_COMPARISON(LOGICAL_OR, 1)
#undef SLIMRT_COMPARISON
void Register_LOGICAL_NOT(OpRegistry& r) {
  r.add({op::LOGICAL_NOT, "LOGICAL_NOT", kAnyType, 1, PrepareNot, EvalNot});
}

}  // namespace slimrt
