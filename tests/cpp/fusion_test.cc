// Graph fusions: a float RELU / RELU6 / RELU_N1_TO_1 after an op with a fused-activation option becomes that op's
// activation (one node fewer) with the same outputs as the reference's op-then-clamp; not when the intermediate is
// used elsewhere (a graph output, a second consumer) or when all tensors are preserved.
#include <cmath>
#include <cstring>

#include "harness.h"
#include "kernels/reference/reference.h"
#include "model_builder.h"
#include "op.h"
#include "op_runner.h"

using namespace slimrt;

namespace {

struct Result {
  std::string error;
  size_t nodes = 0;
  std::vector<float> out;
};

Result run_model(const std::vector<uint8_t>& model, const std::vector<float>& x, int threads, bool preserve) {
  Result r;
  try {
    Interpreter it(model, threads);
    it.set_preserve_all_tensors(preserve);
    it.allocate_tensors();
    Subgraph& g = it.subgraph(0);
    Tensor& in = g.tensors[size_t(g.inputs[0])];
    std::memcpy(in.data, x.data(), in.bytes);
    it.invoke();
    r.nodes = g.nodes.size();
    const Tensor& o = g.tensors[size_t(g.outputs[0])];
    r.out.assign(reinterpret_cast<const float*>(o.data), reinterpret_cast<const float*>(o.data) + o.elements());
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

}  // namespace

TEST(activation_fusion_matches_op_then_clamp) {
  const int acts[] = {op::RELU, op::RELU6, op::RELU_N1_TO_1};
  const float los[] = {0.f, 0.f, -1.f}, his[] = {INFINITY, 6.f, 1.f};
  for (int iter = 0; iter < 120 * t.scale; ++iter) {
    const int a = t.uniform(0, 2), kind = t.uniform(0, 2);  // producer: conv, depthwise, add
    // 0: fusable; 1: the intermediate is also a graph output; 2: all tensors preserved.
    const int variant = t.coin(0.6) ? 0 : t.uniform(1, 2);
    const int H = t.uniform(1, 9), W = t.uniform(1, 9), C = t.uniform(1, 12), OC = kind == 0 ? t.uniform(1, 12) : C;
    const std::vector<float> x = testing::randn(t, size_t(H) * W * C, 2.f);
    ref::Window win;
    std::vector<float> want, w, b = testing::randn(t, size_t(OC));
    int OH = H, OW = W;
    testing::ModelBuilder m;
    const int xi = m.tensor(DType::kFloat32, {1, H, W, C});
    int t1;
    if (kind == 0) {
      w = testing::randn(t, size_t(OC) * 9 * C, 0.5f);
      ref::conv2d_f32(x, 1, H, W, C, w, OC, 3, 3, b, win, los[a], his[a], &want, &OH, &OW);
      t1 = m.tensor(DType::kFloat32, {1, OH, OW, OC});
      m.op(op::CONV_2D, {xi, m.constant(DType::kFloat32, {OC, 3, 3, C}, w), m.constant(DType::kFloat32, {OC}, b)},
           {t1}, opt::Conv2DOptions, {testing::i8(0, 0), testing::i32(1, 1), testing::i32(2, 1)});
    } else if (kind == 1) {
      w = testing::randn(t, size_t(9) * C, 0.5f);
      ref::depthwise_f32(x, 1, H, W, C, w, 3, 3, 1, b, win, los[a], his[a], &want, &OH, &OW);
      t1 = m.tensor(DType::kFloat32, {1, OH, OW, C});
      m.op(op::DEPTHWISE_CONV_2D,
           {xi, m.constant(DType::kFloat32, {1, 3, 3, C}, w), m.constant(DType::kFloat32, {C}, b)}, {t1},
           opt::DepthwiseConv2DOptions,
           {testing::i8(0, 0), testing::i32(1, 1), testing::i32(2, 1), testing::i32(3, 1)});
    } else {
      std::vector<int32_t> os;
      ref::binary_f32(0, x, {1, H, W, C}, b, {C}, los[a], his[a], &want, &os);
      t1 = m.tensor(DType::kFloat32, {1, H, W, C});
      m.op(op::ADD, {xi, m.constant(DType::kFloat32, {C}, b)}, {t1}, opt::AddOptions, {testing::i8(0, 0)});
    }
    const int yi = m.tensor(DType::kFloat32, {1, OH, OW, OC});
    m.op(acts[a], {t1}, {yi});
    m.inputs = {xi};
    m.outputs = variant == 1 ? std::vector<int32_t>{yi, t1} : std::vector<int32_t>{yi};
    ++t.cases;
    const Result r = run_model(m.finish(), x, t.uniform(1, 3), variant == 2);
    const std::string what = cat("producer ", kind, " + ", builtin_op_name(acts[a]), " variant ", variant);
    if (!t.check(r.error.empty(), what, ": ", r.error)) continue;
    t.check(r.nodes == (variant == 0 ? 1u : 2u), what, ": ", r.nodes, " nodes after allocate");
    if (!t.check(r.out.size() == want.size(), what, ": output size")) continue;
    for (size_t i = 0; i < want.size(); ++i)
      if (!t.check(std::fabs(r.out[i] - want[i]) <= 1e-4f * std::max(1.f, std::fabs(want[i])), what, ": out[", i,
                   "] = ", r.out[i], ", reference ", want[i]))
        break;
  }
}
