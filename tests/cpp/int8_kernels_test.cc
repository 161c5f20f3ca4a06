// The int8 kernels against the reference kernels, called directly on every int8 kernel set this machine runs
// (generic, and avx2 / avx512vnni or neon / neondot): bit for bit.
#include <cmath>

#include "harness.h"
#include "kernels/depthwise_i8.h"
#include "kernels/gemm_i8.h"
#include "kernels/reference/reference.h"

using namespace slimrt;

namespace {

std::vector<kernels::Isa> int8_isas() {
  kernels::Isa all[4];
  return std::vector<kernels::Isa>(all, all + kernels::int8_isas(all));
}

template <class T>
std::vector<T> randi(testing::Ctx& t, size_t n, int lo, int hi) {
  std::vector<T> v(n);
  for (auto& x : v) x = T(t.uniform(lo, hi));
  return v;
}

// Per-channel multipliers as QuantizeMultiplier gives them, from real multipliers 2^-24 .. 2^2 (the reference's
// shift range, with left shifts included).
void random_multipliers(testing::Ctx& t, int n, std::vector<int32_t>* mult, std::vector<int32_t>* shift) {
  mult->resize(size_t(n));
  shift->resize(size_t(n));
  const double lo = std::log(std::ldexp(1.0, -24)), hi = std::log(4.0);
  const double common = std::exp(std::uniform_real_distribution<double>(lo, hi)(t.rng));
  for (int i = 0; i < n; ++i) {
    const double m = t.coin(0.3) ? common : std::exp(std::uniform_real_distribution<double>(lo, hi)(t.rng));
    int s;
    ref::quantize_multiplier(m, &(*mult)[size_t(i)], &s);
    (*shift)[size_t(i)] = s;
  }
}

}  // namespace

TEST(gemm_i8_vs_reference) {
  for (int iter = 0; iter < 400 * t.scale; ++iter) {
    const int M = t.uniform(1, 30), N = t.uniform(1, 70);
    const int K = t.coin(0.2) ? t.uniform(1, 8) : t.uniform(1, 400);
    const int lda = K + (t.coin(0.3) ? t.uniform(1, 9) : 0);
    const bool extreme = t.coin(0.15), single = t.coin(0.4), rows = t.coin(0.2);
    auto A = extreme ? randi<int8_t>(t, size_t(M) * lda, 126, 127) : randi<int8_t>(t, size_t(M) * lda, -128, 127);
    if (extreme && t.coin())
      for (auto& v : A) v = int8_t(-128);
    auto W = extreme ? randi<int8_t>(t, size_t(N) * K, -128, -127) : randi<int8_t>(t, size_t(N) * K, -128, 127);
    auto bias = randi<int32_t>(t, size_t(N), -200000, 200000);
    auto row_add = randi<int32_t>(t, size_t(M), -50000, 50000);
    std::vector<int32_t> mult, shift;
    random_multipliers(t, N, &mult, &shift);
    const int32_t out_zp = t.uniform(-128, 127);
    const int32_t lo = t.coin(0.3) ? t.uniform(-128, 0) : -128, hi = t.coin(0.3) ? t.uniform(lo, 127) : 127;
    // Reference: exact sums, then the reference requantization.
    std::vector<int8_t> Ad(size_t(M) * K);
    for (int m = 0; m < M; ++m)
      for (int k = 0; k < K; ++k) Ad[size_t(m) * K + k] = A[size_t(m) * lda + k];
    std::vector<int32_t> acc;
    ref::gemm_i8(Ad, M, K, 0, W, N, &acc);
    std::vector<int8_t> want(size_t(M) * N);
    for (int m = 0; m < M; ++m)
      for (int n = 0; n < N; ++n) {
        const int32_t a = int32_t(uint32_t(acc[size_t(m) * N + n]) + uint32_t(bias[size_t(n)]) +
                                  uint32_t(rows ? row_add[size_t(m)] : 0));
        const int32_t q = single ? ref::multiply_single_round(a, mult[size_t(n)], shift[size_t(n)])
                                 : ref::multiply_by_quantized_multiplier(a, mult[size_t(n)], shift[size_t(n)]);
        const int64_t v = int64_t(q) + out_zp;
        want[size_t(m) * N + n] = int8_t(v < lo ? lo : (v > hi ? hi : v));
      }
    for (kernels::Isa isa : int8_isas()) {
      ++t.cases;
      kernels::PackedI8 pb;
      kernels::pack_i8(W.data(), N, K, size_t(K), &pb, isa);
      kernels::set_requant(&pb, bias.data(), mult.data(), shift.data(), out_zp, lo, hi, single);
      std::vector<int8_t> C(size_t(M) * N, int8_t(99));
      const int split = t.uniform(0, pb.panels);
      kernels::gemm_i8(M, A.data(), size_t(lda), pb, 0, split, C.data(), size_t(N), rows ? row_add.data() : nullptr);
      kernels::gemm_i8(M, A.data(), size_t(lda), pb, split, pb.panels, C.data(), size_t(N),
                       rows ? row_add.data() : nullptr);
      for (size_t i = 0; i < C.size(); ++i)
        if (!t.check(C[i] == want[i], kernels::isa_name(isa), " M=", M, " N=", N, " K=", K, " lda=", lda,
                     single ? " single" : " double", " rounding: C[", i, "] = ", int(C[i]), ", reference ",
                     int(want[i]), " (shift ", shift[i % size_t(N)], ")"))
          break;
    }
  }
}

TEST(depthwise_i8_rows_vs_reference) {
  for (int iter = 0; iter < 200 * t.scale; ++iter) {
    const int K = t.coin(0.7) ? (t.coin() ? 3 : 5) : t.uniform(1, 4);
    const int N = t.uniform(1, 2), H = t.uniform(1, 12), W = t.uniform(1, 20), C = t.uniform(1, 70);
    const int M = t.coin(0.85) ? 1 : t.uniform(2, 3), OC = C * M;
    ref::Window win;
    win.stride_h = t.uniform(1, 2);
    win.stride_w = t.uniform(1, 2);
    win.dil_h = t.coin(0.85) ? 1 : 2;
    win.dil_w = t.coin(0.85) ? 1 : 2;
    win.same = t.coin(0.7);
    auto x = randi<int8_t>(t, size_t(N) * H * W * C, -128, 127);
    auto w = randi<int8_t>(t, size_t(K) * K * OC, -128, 127);
    auto bias = randi<int32_t>(t, size_t(OC), -30000, 30000);
    ref::QuantOut q;
    std::vector<int32_t> mult(static_cast<size_t>(OC)), shift(static_cast<size_t>(OC));
    for (int c = 0; c < OC; ++c) {
      q.real_multiplier.push_back(std::exp(std::uniform_real_distribution<double>(std::log(1e-5), std::log(2.0))(t.rng)));
      int s;
      ref::quantize_multiplier(q.real_multiplier.back(), &mult[size_t(c)], &s);
      shift[size_t(c)] = s;
    }
    q.in_zp = t.coin(0.2) ? (t.coin() ? -128 : 127) : t.uniform(-128, 127);
    q.out_zp = t.uniform(-128, 127);
    q.act_min = t.coin(0.3) ? t.uniform(-128, 0) : -128;
    q.act_max = t.coin(0.3) ? t.uniform(q.act_min, 127) : 127;
    std::vector<int8_t> want;
    int OH, OW, pt, pl;
    ref::depthwise_i8(x, N, H, W, C, w, K, K, M, bias, win, q, &want, &OH, &OW);
    ref::window_axis(H, K, win.stride_h, win.dil_h, win.same, &OH, &pt);
    ref::window_axis(W, K, win.stride_w, win.dil_w, win.same, &OW, &pl);
    const kernels::DepthwiseParams geo{N, H, W, C, K, K, M, OH, OW, win.stride_h, win.stride_w, win.dil_h, win.dil_w,
                                       pt, pl, 0.f, 0.f};
    for (kernels::Isa isa : int8_isas()) {
      ++t.cases;
      kernels::DepthwiseI8 d;
      kernels::prepare_depthwise_i8(&d, geo, w.data(), bias.data(), mult.data(), shift.data(), q.in_zp, q.out_zp,
                                    q.act_min, q.act_max, isa);
      std::vector<int8_t> got(want.size(), int8_t(99));
      const int64_t rows = int64_t(N) * OH, split = t.uniform(0, int(rows));
      kernels::depthwise_i8_rows(d, x.data(), got.data(), 0, split);
      kernels::depthwise_i8_rows(d, x.data(), got.data(), split, rows);
      for (size_t i = 0; i < got.size(); ++i)
        if (!t.check(got[i] == want[i], kernels::isa_name(isa), " depthwise i8 ", N, "x", H, "x", W, "x", C, " k", K,
                     " m", M, " s", win.stride_h, ",", win.stride_w, " d", win.dil_h, ",", win.dil_w,
                     win.same ? " SAME" : " VALID", ": out[", i, "] = ", int(got[i]), ", reference ", int(want[i])))
          break;
    }
  }
}
