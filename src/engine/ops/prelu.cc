// PRELU: out = x >= 0 ? x : alpha * x, alpha broadcast against x (the output has the input's shape).
// float32 (kernels/elementwise_kernels.cc); quantized int8/uint8 as the reference computes it: non-negative inputs
// rescaled by in_scale / out_scale, negative ones multiplied by the alpha value and rescaled by
// in_scale * alpha_scale / out_scale (multipliers computed in float, as the reference does). int16 is refused: the
// official runtime accepts it but its output is not a PRELU of the values (it reads the int16 data as bytes).
#include <limits>

#include "ops/elementwise.h"

namespace slimrt {
namespace {

void EvalFloat(OpContext& ctx) {
  const float inf = std::numeric_limits<float>::infinity();
  EvalFloatBinary(ctx, ctx.state<BinaryState>().plan, ew::BinOp::kPrelu, -inf, inf);
}

void PrepareQuantized(OpContext& ctx, BinaryState& s) {
  const Tensor& x = ctx.input(0);
  const QuantParam qx = quant_param(ctx, x, "input"), qa = quant_param(ctx, ctx.input(1), "alpha");
  const QuantParam qo = quant_param(ctx, ctx.output(0), "output");
  ew::Params& p = s.p;
  p.in_type = x.type;
  p.a_offset = -qx.zero_point;
  p.b_offset = -qa.zero_point;
  p.out_offset = qo.zero_point;
  int_type_range(x.type, &p.qmin, &p.qmax);
  quantize_multiplier(ctx, double(qx.scale / qo.scale), false, &p.a_mult, &p.a_shift, "input multiplier");
  quantize_multiplier(ctx, double(qx.scale * qa.scale / qo.scale), false, &p.b_mult, &p.b_shift, "alpha multiplier");
  s.row = ew::QuantPreluRow;
}

void Prepare(OpContext& ctx) {
  BinaryState& s = PrepareBroadcast(ctx, 6);
  const Tensor& x = ctx.input(0);
  ctx.check_same_type(x, ctx.output(0));
  ctx.check(ctx.output(0).shape == x.shape, "alpha shape ", ctx.input(1).shape,
            " does not broadcast to the input shape ", x.shape);
  switch (x.type) {
    case DType::kFloat32: return ctx.set_eval(EvalFloat);
    case DType::kInt8:
    case DType::kUInt8:
      PrepareQuantized(ctx, s);
      use_pair_table(s);
      return ctx.set_eval(EvalBinary);
    default: ctx.unsupported_type(x, "input");
  }
}

}  // namespace

void Register_PRELU(OpRegistry& r) { r.add({op::PRELU, "PRELU", kAnyType, 1, Prepare, nullptr}); }

}  // namespace slimrt
