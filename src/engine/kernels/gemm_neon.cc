// Float GEMM, NEON tiles (see gemm.h): 8-wide panels; MR x 8 tiles (MR = 8 on aarch64, 4 on armv7 with its 16 q
// registers), remainder rows as smaller tiles. A is read four k at a time and multiplied by lane (one load per row
// per four k); aarch64 fuses the multiply-add, armv7 (VFPv3 NEON) multiplies then adds. Bias and the activation
// clamp are fused into the epilogue (NEON max/min propagate NaN, as the other kernel sets do).
#include <algorithm>
#include <cstring>

#include "gemm_isa.h"

#if SLIMRT_NEON_KERNELS
namespace slimrt {
namespace kernels {
namespace {

#if defined(__aarch64__) || defined(_M_ARM64)
inline float32x4_t mla(float32x4_t acc, float32x4_t b, float32x4_t a) { return vfmaq_f32(acc, a, b); }
template <int L>
inline float32x4_t mla_lane(float32x4_t acc, float32x4_t b, float32x4_t a) {
  return vfmaq_laneq_f32(acc, b, a, L);
}
#else
inline float32x4_t mla(float32x4_t acc, float32x4_t b, float32x4_t a) { return vmlaq_f32(acc, a, b); }
template <int L>
inline float32x4_t mla_lane(float32x4_t acc, float32x4_t b, float32x4_t a) {
  return L < 2 ? vmlaq_lane_f32(acc, b, vget_low_f32(a), L & 1) : vmlaq_lane_f32(acc, b, vget_high_f32(a), L & 1);
}
#endif

using Tile = void (*)(int K, const float* A, size_t lda, const float* B, const float* bias, float* C, size_t ldc,
                      int nc, float lo, float hi);

template <int L, int MR>
inline void step(float32x4_t (&acc)[MR][2], const float32x4_t (&av)[MR], const float* B) {
  const float32x4_t b0 = vld1q_f32(B + 8 * L), b1 = vld1q_f32(B + 8 * L + 4);
  SLIMRT_UNROLL
  for (int i = 0; i < MR; ++i) {
    acc[i][0] = mla_lane<L>(acc[i][0], b0, av[i]);
    acc[i][1] = mla_lane<L>(acc[i][1], b1, av[i]);
  }
}

template <int MR>
void tile(int K, const float* A, size_t lda, const float* B, const float* bias, float* C, size_t ldc, int nc, float lo,
          float hi) {
  float32x4_t acc[MR][2];
  const float32x4_t bias0 = vld1q_f32(bias), bias1 = vld1q_f32(bias + 4);
  SLIMRT_UNROLL
  for (int i = 0; i < MR; ++i) acc[i][0] = bias0, acc[i][1] = bias1;
  int k = 0;
  for (; k + 4 <= K; k += 4, B += 32) {
    float32x4_t av[MR];
    SLIMRT_UNROLL
    for (int i = 0; i < MR; ++i) av[i] = vld1q_f32(A + size_t(i) * lda + k);
    step<0>(acc, av, B);
    step<1>(acc, av, B);
    step<2>(acc, av, B);
    step<3>(acc, av, B);
  }
  for (; k < K; ++k, B += 8) {
    const float32x4_t b0 = vld1q_f32(B), b1 = vld1q_f32(B + 4);
    SLIMRT_UNROLL
    for (int i = 0; i < MR; ++i) {
      const float32x4_t a = vld1q_dup_f32(A + size_t(i) * lda + k);
      acc[i][0] = mla(acc[i][0], b0, a);
      acc[i][1] = mla(acc[i][1], b1, a);
    }
  }
  const float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi);
  SLIMRT_UNROLL
  for (int i = 0; i < MR; ++i) {
    const float32x4_t r0 = vminq_f32(vhi, vmaxq_f32(vlo, acc[i][0]));
    const float32x4_t r1 = vminq_f32(vhi, vmaxq_f32(vlo, acc[i][1]));
    float* c = C + size_t(i) * ldc;
    if (nc == 8) {
      vst1q_f32(c, r0);
      vst1q_f32(c + 4, r1);
    } else {
      float tmp[8];
      vst1q_f32(tmp, r0);
      vst1q_f32(tmp + 4, r1);
      std::memcpy(c, tmp, sizeof(float) * size_t(nc));
    }
  }
}

#if defined(__aarch64__) || defined(_M_ARM64)
const Tile kTiles[] = {tile<8>, tile<4>, tile<2>, tile<1>};
#else
const Tile kTiles[] = {tile<4>, tile<4>, tile<2>, tile<1>};
#endif

}  // namespace

void gemm_neon(int M, const float* A, size_t lda, const PackedB& B, int p0, int p1, float* C, size_t ldc, float lo,
               float hi) {
  const int K = B.K;
  const size_t panel_bytes = size_t(K) * 8 * sizeof(float);
  const int pb = std::max(1, int((128u * 1024u) / std::max<size_t>(panel_bytes, 1)));
  for (int q0 = p0; q0 < p1; q0 += pb) {
    const int q1 = std::min(p1, q0 + pb);
    for (int m = 0; m < M;) {
      const int rows = std::min(M - m, kNeonMR);
      const int r = rows >= 8 ? 0 : rows >= 4 ? 1 : rows >= 2 ? 2 : 3;
      const float* a = A + size_t(m) * lda;
      float* c = C + size_t(m) * ldc;
      for (int p = q0; p < q1; ++p)
        kTiles[r](K, a, lda, B.panel(p), B.bias.data() + size_t(p) * 8, c + size_t(p) * 8, ldc,
                  std::min(8, B.N - 8 * p), lo, hi);
      m += 8 >> r;
    }
  }
}

}  // namespace kernels
}  // namespace slimrt
#endif
