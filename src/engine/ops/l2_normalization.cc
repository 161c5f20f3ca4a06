// L2_NORMALIZATION over the last axis (L2NormOptions: no fused activation).
// float32: x / max(sqrt(sum x^2), 1e-6). int8 (output scale 1/128, zero point 0, as the reference requires),
// bit-exact with the reference: the int32 sum of squared (x - zp), its inverse square root as a fixed-point
// multiplier (fxp::inv_sqrt_multiplier), each x - zp scaled by it with 7 more bits.
#include <algorithm>
#include <cmath>

#include "kernels/quant_math.h"
#include "op.h"
#include "ops/fixed_point.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct L2State : OpState {
  int64_t rows = 0, depth = 0;
  int32_t zp = 0;
};

void Eval(OpContext& ctx) {
  const L2State& s = ctx.state<L2State>();
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const int64_t d = s.depth;
  for (int64_t r = 0; r < s.rows; ++r) {
    if (in.type == DType::kFloat32) {
      const float* x = in.as<float>() + r * d;
      float sum = 0;
      for (int64_t c = 0; c < d; ++c) sum += x[c] * x[c];
      const float norm = std::max(std::sqrt(sum), 1e-6f);
      for (int64_t c = 0; c < d; ++c) out.as<float>()[r * d + c] = x[c] / norm;
      continue;
    }
    const int8_t* x = in.as<int8_t>() + r * d;
    int32_t sum = 0;
    for (int64_t c = 0; c < d; ++c) sum = fxp::add(sum, (x[c] - s.zp) * (x[c] - s.zp));
    int32_t mult;
    int shift;
    fxp::inv_sqrt_multiplier(sum, &mult, &shift);
    for (int64_t c = 0; c < d; ++c) {
      const int32_t v = qm::MultiplyByQuantizedMultiplier(x[c] - s.zp, mult, shift + 7);
      out.as<int8_t>()[r * d + c] = int8_t(std::min(std::max(v, -128), 127));
    }
  }
}

void Prepare(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  ctx.check_same_type(in, out);
  ctx.check(in.rank() >= 1, "input must have rank >= 1");
  ctx.check(ctx.options(opt::L2NormOptions).get<int8_t>(0, 0) == kActNone, "fused activations are not supported");
  L2State& s = ctx.state<L2State>();
  s.depth = in.dim(in.rank() - 1);
  s.rows = s.depth ? in.elements() / s.depth : 0;
  if (in.type == DType::kInt8) {
    single_scale(ctx, in, "input");
    s.zp = single_zero_point(ctx, in, "input");
    ctx.check(single_scale(ctx, out, "output") == 1.f / 128 && single_zero_point(ctx, out, "output") == 0,
              "int8 output must have scale 1/128 and zero point 0");
  } else if (in.type != DType::kFloat32) {
    ctx.unsupported_type(in, "input");
  }
  ctx.set_output_shape(0, in.shape);
}

}  // namespace

void Register_L2_NORMALIZATION(OpRegistry& r) {
  r.add({op::L2_NORMALIZATION, "L2_NORMALIZATION", kAnyType, 2, Prepare, Eval});
}

}  // namespace slimrt
