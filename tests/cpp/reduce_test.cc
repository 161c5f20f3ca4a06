// MEAN over float [outer, mid, inner] views (the global-average-pool shape among them) through the engine with 1 to
// 4 threads, against double-precision sums.
#include <cmath>

#include "harness.h"
#include "model_builder.h"
#include "op.h"
#include "op_runner.h"

using namespace slimrt;

TEST(mean_f32_vs_double_sums) {
  for (int iter = 0; iter < 150 * t.scale; ++iter) {
    const bool big = t.coin(0.4);
    const int N = t.uniform(1, 3), H = t.uniform(1, big ? 40 : 6), W = t.uniform(1, big ? 40 : 6);
    const int C = t.uniform(1, big ? 300 : 20);
    // Reduce H and W (axes 1, 2), or only W, or only C.
    const int variant = t.uniform(0, 2);
    const std::vector<int32_t> axes = variant == 0 ? std::vector<int32_t>{1, 2}
                                                   : variant == 1 ? std::vector<int32_t>{2} : std::vector<int32_t>{3};
    const std::vector<float> x = testing::randn(t, size_t(N) * H * W * C);
    std::vector<int32_t> oshape = {N, variant == 0 ? 1 : H, variant == 2 ? W : 1, variant == 2 ? 1 : C};
    std::vector<float> want(size_t(oshape[0]) * oshape[1] * oshape[2] * oshape[3]);
    for (int n = 0; n < N; ++n)
      for (int oy = 0; oy < oshape[1]; ++oy)
        for (int ox = 0; ox < oshape[2]; ++ox)
          for (int oc = 0; oc < oshape[3]; ++oc) {
            double sum = 0;
            int count = 0;
            for (int y = 0; y < H; ++y)
              for (int xx = 0; xx < W; ++xx)
                for (int c = 0; c < C; ++c) {
                  const bool in = (variant == 0 && c == oc) || (variant == 1 && y == oy && c == oc) ||
                                  (variant == 2 && y == oy && xx == ox);
                  if (!in) continue;
                  sum += x[((size_t(n) * H + y) * W + xx) * C + c];
                  ++count;
                }
            want[((size_t(n) * oshape[1] + oy) * oshape[2] + ox) * oshape[3] + oc] = float(sum / count);
          }
    testing::ModelBuilder m;
    const int xi = m.tensor(DType::kFloat32, {N, H, W, C});
    const int ai = m.constant(DType::kInt32, {int32_t(axes.size())}, axes);
    const int yi = m.tensor(DType::kFloat32, oshape);
    m.op(op::MEAN, {xi, ai}, {yi}, opt::ReducerOptions, {testing::i8(0, 1)});
    m.inputs = {xi};
    m.outputs = {yi};
    std::vector<testing::Bytes> outs;
    const int threads = t.uniform(1, 4);
    ++t.cases;
    const std::string err = testing::run(m.finish(), {testing::bytes_of(x)}, threads, &outs);
    if (!t.check(err.empty(), "mean: ", err)) continue;
    const std::vector<float> got = testing::values_of<float>(outs[0]);
    if (!t.check(got.size() == want.size(), "mean: output size")) continue;
    for (size_t i = 0; i < got.size(); ++i)
      if (!t.check(std::fabs(got[i] - want[i]) <= 1e-5f * std::max(1.f, std::fabs(want[i])), "MEAN ", N, "x", H, "x",
                   W, "x", C, " axes ", axes, " threads ", threads, ": out[", i, "] = ", got[i], ", reference ",
                   want[i]))
        break;
  }
}
