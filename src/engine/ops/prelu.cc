// PRELU: out = x >= 0 ? x : alpha * x, alpha broadcast against x (float32).
#include <limits>
#include "kernels/elementwise_broadcast.h"
#include "kernels/elementwise_kernels.h"
#include "op.h"

namespace slimrt {
namespace {

struct PreluState : OpState {
  BroadcastPlan plan;
};

void Eval(OpContext& ctx) {
  const BroadcastPlan& p = ctx.state<PreluState>().plan;
  const float* a = ctx.input(0).as<float>();
  const float* b = ctx.input(1).as<float>();
  float* o = ctx.output(0).as<float>();
  if (p.total == 0) return;
  const bool sa = p.a_inner_step(), sb = p.b_inner_step();
  const float inf = std::numeric_limits<float>::infinity();
  ForEachBroadcastRow(p, a, b, o, 0, p.outer(), [&](float* orow, const float* arow, const float* brow, int64_t n) {
    ew::BinaryRowF32(ew::BinOp::kPrelu, orow, arow, brow, n, sa, sb, -inf, inf);
  });
}

void Prepare(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& x = ctx.input(0);
  const Tensor& alpha = ctx.input(1);
  ctx.check_type(x, DType::kFloat32, "input");
  ctx.check_type(alpha, DType::kFloat32, "alpha");
  ctx.check_type(ctx.output(0), DType::kFloat32, "output");
  Shape shape;
  ctx.check(BroadcastShapes(x.shape, alpha.shape, &shape), "alpha shape ", alpha.shape,
            " cannot be broadcast against input shape ", x.shape);
  ctx.state<PreluState>().plan.init(x.shape, alpha.shape, shape);
  ctx.set_output_shape(0, shape);
}

}  // namespace

void Register_PRELU(OpRegistry& r) { r.add({op::PRELU, "PRELU", DType::kFloat32, 1, Prepare, Eval}); }

}  // namespace slimrt
