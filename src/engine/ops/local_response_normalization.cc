// LOCAL_RESPONSE_NORMALIZATION (float32, 4-D NHWC) across channels: out = x * (bias + alpha * sum of x^2 over the
// channels c - radius .. c + radius)^-beta (LocalResponseNormalizationOptions radius, bias, alpha, beta).
#include <algorithm>
#include <cmath>

#include "op.h"

namespace slimrt {
namespace {

struct LrnState : OpState {
  int radius = 0;
  float bias = 0, alpha = 0, beta = 0;
};

void Eval(OpContext& ctx) {
  const LrnState& s = ctx.state<LrnState>();
  const Tensor& in = ctx.input(0);
  const int64_t d = in.dim(3), rows = d ? in.elements() / d : 0;
  const float* x = in.as<float>();
  float* y = ctx.output(0).as<float>();
  for (int64_t r = 0; r < rows; ++r, x += d, y += d)
    for (int64_t c = 0; c < d; ++c) {
      float sum = 0;
      for (int64_t k = std::max<int64_t>(0, c - s.radius); k <= std::min<int64_t>(d - 1, c + s.radius); ++k)
        sum += x[k] * x[k];
      y[c] = x[c] * std::pow(s.bias + s.alpha * sum, -s.beta);
    }
}

void Prepare(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  ctx.check_type(in, DType::kFloat32, "input");
  ctx.check_type(ctx.output(0), DType::kFloat32, "output");
  ctx.check(in.rank() == 4, "input must be 4-D, got shape ", in.shape);
  const fb::Table o = ctx.options(opt::LocalResponseNormalizationOptions);
  LrnState& s = ctx.state<LrnState>();
  s.radius = o.get<int32_t>(0, 0), s.bias = o.get<float>(1, 0), s.alpha = o.get<float>(2, 0);
  s.beta = o.get<float>(3, 0);
  ctx.check(s.radius >= 0, "radius must not be negative, got ", s.radius);
  ctx.set_output_shape(0, in.shape);
}

}  // namespace

void Register_LOCAL_RESPONSE_NORMALIZATION(OpRegistry& r) {
  r.add({op::LOCAL_RESPONSE_NORMALIZATION, "LOCAL_RESPONSE_NORMALIZATION", kAnyType, 1, Prepare, Eval});
}

}  // namespace slimrt
