// Activations without options: RELU, RELU6, RELU_N1_TO_1, LOGISTIC, TANH, HARD_SWISH.
//
// float32: kernels/elementwise_kernels.cc. int8 LOGISTIC: the reference's 256-entry table built from float math,
// table[q] = clamp(round(sigmoid(in_scale * (q - in_zp)) / out_scale) + out_zp), bit-exact with it.
#include <cmath>

#include "kernels/elementwise_kernels.h"
#include "kernels/threadpool.h"
#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

constexpr int64_t kParallelMinElements = 1 << 15;

void PrepareFloat(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  ctx.check_type(in, DType::kFloat32, "input");
  ctx.check_type(ctx.output(0), DType::kFloat32, "output");
  ctx.set_output_shape(0, in.shape);
}

template <ew::UnOp kOp>
void EvalFloat(OpContext& ctx) {
  const float* in = ctx.input(0).as<float>();
  float* out = ctx.output(0).as<float>();
  const int64_t n = ctx.input(0).elements();
  auto run = [&](int64_t b, int64_t e, int) { ew::UnaryF32(kOp, in + b, out + b, e - b); };
  const bool heavy = kOp == ew::UnOp::kLogistic || kOp == ew::UnOp::kTanh;
  if (ctx.num_threads() > 1 && n >= (heavy ? kParallelMinElements / 8 : kParallelMinElements))
    ctx.pool().parallel_for(n, heavy ? 2048 : 8192, run);
  else
    run(0, n, 0);
}

// ---- int8 LOGISTIC ----

struct LutState : OpState {
  int8_t table[256];
};

void PrepareLogisticInt8(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  ctx.check_type(in, DType::kInt8, "input");
  ctx.check_type(out, DType::kInt8, "output");
  const float in_s = single_scale(ctx, in, "input");
  const float out_s = single_scale(ctx, out, "output");
  const int32_t in_zp = single_zero_point(ctx, in, "input");
  const int32_t out_zp = single_zero_point(ctx, out, "output");
  LutState& st = ctx.state<LutState>();
  const float inv = 1.0f / out_s;
  for (int q = -128; q <= 127; ++q) {
    const float xf = in_s * float(q - in_zp);
    const float yf = 1.0f / (1.0f + std::exp(-xf));
    // Clamp in floating point: a hostile scale can make the value huge or NaN, which must not reach an int cast.
    const double r = double(std::round(yf * inv)) + double(out_zp);
    const int32_t v = !(r > -128.0) ? -128 : (r > 127.0 ? 127 : int32_t(r));
    st.table[uint8_t(int8_t(q))] = int8_t(v);
  }
  ctx.set_output_shape(0, in.shape);
}

void EvalLut8(OpContext& ctx) {
  const LutState& st = ctx.state<LutState>();
  const int8_t* x = ctx.input(0).as<int8_t>();
  int8_t* y = ctx.output(0).as<int8_t>();
  const int64_t n = ctx.input(0).elements();
  for (int64_t i = 0; i < n; ++i) y[i] = st.table[uint8_t(x[i])];
}

}  // namespace

void Register_RELU(OpRegistry& r) {
  r.add({op::RELU, "RELU", DType::kFloat32, 3, PrepareFloat, EvalFloat<ew::UnOp::kRelu>});
}
void Register_RELU6(OpRegistry& r) {
  r.add({op::RELU6, "RELU6", DType::kFloat32, 3, PrepareFloat, EvalFloat<ew::UnOp::kRelu6>});
}
void Register_RELU_N1_TO_1(OpRegistry& r) {
  r.add({op::RELU_N1_TO_1, "RELU_N1_TO_1", DType::kFloat32, 1, PrepareFloat, EvalFloat<ew::UnOp::kReluN1To1>});
}
void Register_LOGISTIC(OpRegistry& r) {
  r.add({op::LOGISTIC, "LOGISTIC", DType::kFloat32, 3, PrepareFloat, EvalFloat<ew::UnOp::kLogistic>});
  r.add({op::LOGISTIC, "LOGISTIC", DType::kInt8, 3, PrepareLogisticInt8, EvalLut8});
}
void Register_TANH(OpRegistry& r) {
  r.add({op::TANH, "TANH", DType::kFloat32, 3, PrepareFloat, EvalFloat<ew::UnOp::kTanh>});
}
void Register_HARD_SWISH(OpRegistry& r) {
  r.add({op::HARD_SWISH, "HARD_SWISH", DType::kFloat32, 1, PrepareFloat, EvalFloat<ew::UnOp::kHardSwish>});
}

}  // namespace slimrt
