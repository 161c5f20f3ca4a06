// Optimized kernels against the reference kernels, called directly: the packed float GEMM (every ISA this machine
// has, every panel split), the int8 dot products.
#include <cmath>

#include "harness.h"
#include "kernels/depthwise.h"
#include "kernels/gemm.h"
#include "kernels/pool.h"
#include "kernels/int8_dot.h"
#include "kernels/reference/reference.h"
#include "kernels/vmath.h"

using namespace slimrt;

namespace {

std::vector<float> randn(testing::Ctx& t, size_t n, float sd = 1.f) {
  std::vector<float> v(n);
  for (auto& x : v) x = t.normal(sd);
  return v;
}

}  // namespace

TEST(gemm_packed_vs_reference) {
  kernels::Isa all[4];
  const std::vector<kernels::Isa> isas(all, all + kernels::float_isas(all));
  for (int iter = 0; iter < 300 * t.scale; ++iter) {
    const int M = t.uniform(1, 40), N = t.uniform(1, 90), K = t.uniform(1, 90);
    const int lda = K + (t.coin(0.3) ? t.uniform(1, 7) : 0);
    std::vector<float> A = randn(t, size_t(M) * lda), B = randn(t, size_t(N) * K);
    std::vector<float> bias = t.coin(0.7) ? randn(t, size_t(N)) : std::vector<float>();
    const float lo = t.coin(0.3) ? 0.f : -INFINITY, hi = t.coin(0.3) ? 2.f : INFINITY;
    std::vector<float> Ad(size_t(M) * K);
    for (int m = 0; m < M; ++m)
      for (int k = 0; k < K; ++k) Ad[size_t(m) * K + k] = A[size_t(m) * lda + k];
    std::vector<float> want;
    ref::gemm_f32(Ad, M, K, B, N, bias, lo, hi, &want);
    for (kernels::Isa isa : isas) {
      kernels::PackedB pb;
      kernels::pack_b_rows(B.data(), N, K, K, bias.empty() ? nullptr : bias.data(), &pb, isa);
      std::vector<float> C(size_t(M) * N, -7.f);
      // Split the panels at a random point, as the threaded callers do.
      const int split = t.uniform(0, pb.panels);
      kernels::gemm_packed(M, A.data(), size_t(lda), pb, 0, split, C.data(), size_t(N), lo, hi);
      kernels::gemm_packed(M, A.data(), size_t(lda), pb, split, pb.panels, C.data(), size_t(N), lo, hi);
      ++t.cases;
      for (size_t i = 0; i < C.size(); ++i) {
        const float tol = 1e-5f * float(K) * 4.f + 1e-5f;
        if (!t.check(std::fabs(C[i] - want[i]) <= tol * std::max(1.f, std::fabs(want[i])), kernels::isa_name(isa),
                     " M=", M, " N=", N, " K=", K, " lda=", lda, ": C[", i, "] = ", C[i], ", reference ", want[i]))
          break;
      }
    }
  }
}

// Every float kernel set, called directly, on the shapes the register-tile kernels take (3x3 / 5x5, stride 1 / 2,
// wide rows and channel counts around the vector widths) and some they leave to the general paths.
TEST(depthwise_rows_vs_reference) {
  kernels::Isa all[4];
  const std::vector<kernels::Isa> isas(all, all + kernels::float_isas(all));
  for (int iter = 0; iter < 150 * t.scale; ++iter) {
    const int K = t.coin(0.8) ? (t.coin() ? 3 : 5) : t.uniform(1, 4);
    const int N = t.uniform(1, 2), H = t.uniform(1, 14), W = t.uniform(1, 40), C = t.uniform(1, 70);
    const int M = t.coin(0.9) ? 1 : 2;
    ref::Window win;
    win.stride_h = t.uniform(1, 2);
    win.stride_w = t.uniform(1, 2);
    win.dil_h = win.dil_w = t.coin(0.9) ? 1 : 2;
    win.same = t.coin(0.7);
    std::vector<float> x = randn(t, size_t(N) * H * W * C), w = randn(t, size_t(K) * K * C * M, 0.5f);
    std::vector<float> bias = randn(t, size_t(C) * M);
    const float lo = t.coin(0.3) ? 0.f : -INFINITY, hi = t.coin(0.3) ? 6.f : INFINITY;
    std::vector<float> want;
    int OH, OW, pt, pl;
    ref::depthwise_f32(x, N, H, W, C, w, K, K, M, bias, win, lo, hi, &want, &OH, &OW);
    ref::window_axis(H, K, win.stride_h, win.dil_h, win.same, &OH, &pt);
    ref::window_axis(W, K, win.stride_w, win.dil_w, win.same, &OW, &pl);
    const kernels::DepthwiseParams p{N, H, W, C, K, K, M, OH, OW, win.stride_h, win.stride_w, win.dil_h, win.dil_w,
                                     pt, pl, lo, hi};
    for (kernels::Isa isa : isas) {
      ++t.cases;
      std::vector<float> got(want.size(), -7.f);
      const int64_t rows = int64_t(N) * OH, split = t.uniform(0, int(rows));
      kernels::depthwise_conv_rows(p, x.data(), w.data(), bias.data(), got.data(), 0, split, isa);
      kernels::depthwise_conv_rows(p, x.data(), w.data(), bias.data(), got.data(), split, rows, isa);
      for (size_t i = 0; i < got.size(); ++i)
        if (!t.check(std::fabs(got[i] - want[i]) <= 1e-4f * std::max(1.f, std::fabs(want[i])), kernels::isa_name(isa),
                     " depthwise ", N, "x", H, "x", W, "x", C, " k", K, " m", M, " s", win.stride_h, ",", win.stride_w,
                     " d", win.dil_w, win.same ? " SAME" : " VALID", ": out[", i, "] = ", got[i], ", reference ", want[i]))
          break;
    }
  }
}

TEST(pool_rows_vs_reference) {
  kernels::Isa all[4];
  const std::vector<kernels::Isa> isas(all, all + kernels::float_isas(all));
  for (int iter = 0; iter < 200 * t.scale; ++iter) {
    const int N = t.uniform(1, 2), H = t.uniform(1, 16), W = t.uniform(1, 16), C = t.uniform(1, 50);
    const int FH = t.uniform(1, 4), FW = t.uniform(1, 4);
    ref::Window win;
    win.stride_h = t.uniform(1, 3);
    win.stride_w = t.uniform(1, 3);
    win.same = t.coin();
    const bool is_max = t.coin();
    std::vector<float> x = randn(t, size_t(N) * H * W * C);
    const float lo = t.coin(0.3) ? 0.f : -INFINITY, hi = t.coin(0.3) ? 1.f : INFINITY;
    std::vector<float> want;
    int OH, OW, pt, pl;
    ref::pool_f32(x, N, H, W, C, FH, FW, win, is_max, lo, hi, &want, &OH, &OW);
    ref::window_axis(H, FH, win.stride_h, 1, win.same, &OH, &pt);
    ref::window_axis(W, FW, win.stride_w, 1, win.same, &OW, &pl);
    const kernels::PoolParams p{N, H, W, C, OH, OW, win.stride_h, win.stride_w, FH, FW, pt, pl, lo, hi};
    for (kernels::Isa isa : isas) {
      ++t.cases;
      std::vector<float> got(want.size(), -7.f);
      kernels::pool_rows_f32(p, is_max ? kernels::PoolKind::kMax : kernels::PoolKind::kAvg, x.data(), got.data(), 0,
                             int64_t(N) * OH, isa);
      for (size_t i = 0; i < got.size(); ++i)
        if (!t.check(std::fabs(got[i] - want[i]) <= 1e-5f * std::max(1.f, std::fabs(want[i])), kernels::isa_name(isa),
                     is_max ? " max" : " avg", " pool ", N, "x", H, "x", W, "x", C, " f", FH, "x", FW, " s",
                     win.stride_h, ",", win.stride_w, ": out[", i, "] = ", got[i], ", reference ", want[i]))
          break;
    }
  }
}

TEST(int8_dot_rows_vs_reference) {
  for (int iter = 0; iter < 500 * t.scale; ++iter, ++t.cases) {
    const int rows = t.uniform(1, 21), K = t.uniform(1, 300);
    std::vector<int8_t> w(size_t(rows) * K), x(static_cast<size_t>(K));
    for (auto& v : w) v = int8_t(t.uniform(-128, 127));
    for (auto& v : x) v = int8_t(t.uniform(-128, 127));
    std::vector<int32_t> got(static_cast<size_t>(rows)), want;
    int8k::dot_rows(w.data(), size_t(K), x.data(), rows, got.data());
    ref::gemm_i8(x, 1, K, 0, w, rows, &want);
    t.check(got == want, "dot_rows rows=", rows, " K=", K, " differs from the reference");
  }
}

TEST(int8_dw_tap_vs_reference) {
  for (int iter = 0; iter < 500 * t.scale; ++iter, ++t.cases) {
    const int n = t.uniform(1, 70);
    const int32_t zp = t.uniform(-128, 127);
    std::vector<int8_t> x(static_cast<size_t>(n)), w(static_cast<size_t>(n));
    for (auto& v : x) v = int8_t(t.uniform(-128, 127));
    for (auto& v : w) v = int8_t(t.uniform(-128, 127));
    std::vector<int32_t> acc(static_cast<size_t>(n)), want(static_cast<size_t>(n));
    for (int c = 0; c < n; ++c) acc[size_t(c)] = want[size_t(c)] = t.uniform(-100000, 100000);
    int8k::dw_tap(x.data(), w.data(), zp, n, acc.data());
    for (int c = 0; c < n; ++c) want[size_t(c)] += int32_t(w[size_t(c)]) * (int32_t(x[size_t(c)]) - zp);
    t.check(acc == want, "dw_tap n=", n, " zp=", zp, " differs from the reference");
  }
}

// The vectorized sigmoid and tanh against double-precision libm over the whole float range that matters, the
// saturated tails, signed zeros, infinities and NaN.
TEST(vmath_sigmoid_tanh_vs_libm) {
  std::vector<float> x;
  for (float v = -100.f; v <= 100.f; v += 0.0137f) x.push_back(v);
  for (int e = -40; e <= 6; ++e) x.push_back(std::ldexp(1.f, e)), x.push_back(-std::ldexp(1.3f, e));
  for (int i = 0; i < 2000 * t.scale; ++i) x.push_back(t.normal(8.f));
  x.insert(x.end(), {0.f, -0.f, INFINITY, -INFINITY, 1e30f, -1e30f, 88.f, -88.f, 87.5f, -87.5f});
  std::vector<float> s(x.size()), th(x.size());
  vmath::SigmoidF32(x.data(), s.data(), int64_t(x.size()));
  vmath::TanhF32(x.data(), th.data(), int64_t(x.size()));
  for (size_t i = 0; i < x.size(); ++i, ++t.cases) {
    const double ws = 1.0 / (1.0 + std::exp(-double(x[i]))), wt = std::tanh(double(x[i]));
    // Relative error for values above the float range's bottom, else absolute (both tiny).
    const double es = std::fabs(s[i] - ws) / std::max(ws, 1e-30), et = std::fabs(th[i] - wt) / std::max(std::fabs(wt), 1e-30);
    if (!t.check(es <= 4e-7 || std::fabs(s[i] - ws) < 1e-37, "sigmoid(", x[i], ") = ", s[i], ", libm ", ws)) break;
    if (!t.check(et <= 4e-7, "tanh(", x[i], ") = ", th[i], ", libm ", wt)) break;
  }
  const float nan = std::nanf("");
  float ns, nt;
  vmath::SigmoidF32(&nan, &ns, 1);
  vmath::TanhF32(&nan, &nt, 1);
  t.check(std::isnan(ns) && std::isnan(nt), "NaN in, ", ns, " / ", nt, " out");
}
