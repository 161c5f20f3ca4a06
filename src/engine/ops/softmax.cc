// SOFTMAX over the last axis with beta (float32).
#include <algorithm>
#include <cmath>

#include "kernels/threadpool.h"
#include "op.h"

namespace slimrt {
namespace {

struct SoftmaxOptions {
  float beta;
};

SoftmaxOptions ReadOptions(const OpContext& ctx) { return {ctx.options(opt::SoftmaxOptions).get<float>(0, 0.f)}; }

struct SoftmaxState : OpState {
  float beta = 1.f;
  int64_t rows = 0, depth = 0;
};

void PrepareSoftmax(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  ctx.check_type(in, DType::kFloat32, "input");
  ctx.check_type(ctx.output(0), DType::kFloat32, "output");
  ctx.check(in.rank() >= 1, "input must have rank >= 1");
  SoftmaxState& s = ctx.state<SoftmaxState>();
  s.beta = ReadOptions(ctx).beta;
  s.depth = in.dim(in.rank() - 1);
  s.rows = s.depth ? in.elements() / s.depth : 0;
  ctx.set_output_shape(0, in.shape);
}

void SoftmaxRows(const SoftmaxState& s, const float* in, float* out, int64_t b, int64_t e) {
  const int64_t d = s.depth;
  for (int64_t r = b; r < e; ++r) {
    const float* x = in + r * d;
    float* y = out + r * d;
    float mx = x[0];
    for (int64_t i = 1; i < d; ++i) mx = std::max(mx, x[i]);
    float sum = 0;
    for (int64_t i = 0; i < d; ++i) {
      y[i] = std::exp((x[i] - mx) * s.beta);
      sum += y[i];
    }
    const float inv = 1.f / sum;
    for (int64_t i = 0; i < d; ++i) y[i] *= inv;
  }
}

void EvalSoftmax(OpContext& ctx) {
  const SoftmaxState& s = ctx.state<SoftmaxState>();
  const float* in = ctx.input(0).as<float>();
  float* out = ctx.output(0).as<float>();
  if (ctx.num_threads() > 1 && s.rows > 1 && s.rows * s.depth >= (1 << 14)) {
    ctx.pool().parallel_for(s.rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, s.depth)),
                            [&](int64_t b, int64_t e, int) { SoftmaxRows(s, in, out, b, e); });
  } else {
    SoftmaxRows(s, in, out, 0, s.rows);
  }
}

}  // namespace

// Later versions add int8/int16 inputs only.
void Register_SOFTMAX(OpRegistry& r) { r.add({op::SOFTMAX, "SOFTMAX", DType::kFloat32, 3, PrepareSoftmax, EvalSoftmax}); }

}  // namespace slimrt
