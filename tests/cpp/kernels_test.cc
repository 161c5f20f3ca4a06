// Optimized kernels against the reference kernels, called directly: the packed float GEMM (every ISA this machine
// has, every panel split), the int8 dot products.
#include <cmath>

#include "harness.h"
#include "kernels/gemm.h"
#include "kernels/int8_dot.h"
#include "kernels/reference/reference.h"

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
