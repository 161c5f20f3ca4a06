// Float GEMM, AVX-512 tiles (see gemm.h). The weights use the avx2 set's packing (16-wide panels, an 8-wide last
// panel when N % 16 is 1..8), so one packing serves both; a tile covers two panels at once (32 columns, 16 zmm
// accumulators for 8 rows), one panel, or the 8-wide last panel (masked loads). Remainder rows run as 4- and 2-row
// tiles, single rows with K split over four accumulator sets so the FMA latency does not serialize the loop.
// Columns past N are masked off at the store; bias and the activation clamp are fused into the epilogue.
#include <algorithm>

#include "gemm_isa.h"

#if SLIMRT_AVX2_KERNELS
namespace slimrt {
namespace kernels {
namespace {

using Tile = void (*)(int K, const float* A, size_t lda, const float* B, size_t pstride, const float* bias, float* C,
                      size_t ldc, int nc, float lo, float hi);

template <int NV>
SLIMRT_TARGET_AVX512 inline void store_row(float* c, const __m512* v, int nc, __m512 vlo, __m512 vhi) {
  SLIMRT_UNROLL
  for (int j = 0; j < NV; ++j) {
    const __m512 r = _mm512_min_ps(vhi, _mm512_max_ps(vlo, v[j]));
    const int cols = nc - 16 * j;
    if (cols >= 16)
      _mm512_storeu_ps(c + 16 * j, r);
    else if (cols > 0)
      _mm512_mask_storeu_ps(c + 16 * j, __mmask16((1u << cols) - 1), r);
  }
}

// Row k of panel j (the 8-wide last panel: 8 values, zeros above).
template <int BW>
SLIMRT_TARGET_AVX512 inline __m512 load_b(const float* B, int j, size_t pstride) {
  return BW == 16 ? _mm512_load_ps(B + size_t(j) * pstride) : _mm512_maskz_loadu_ps(0xFF, B);
}

// MR rows x NV * 16 columns from NV consecutive 16-wide panels (BW = 16) or the 8-wide last panel (BW = 8, NV = 1).
// pstride: floats from one panel to the next.
template <int MR, int NV, int BW>
SLIMRT_TARGET_AVX512 void tile(int K, const float* A, size_t lda, const float* B, size_t pstride, const float* bias,
                               float* C, size_t ldc, int nc, float lo, float hi) {
  __m512 acc[MR][NV];
  SLIMRT_UNROLL
  for (int j = 0; j < NV; ++j) {
    const __m512 b = BW == 16 ? _mm512_loadu_ps(bias + 16 * j) : _mm512_maskz_loadu_ps(0xFF, bias);
    SLIMRT_UNROLL
    for (int i = 0; i < MR; ++i) acc[i][j] = b;
  }
  const float* a[MR];
  SLIMRT_UNROLL
  for (int i = 0; i < MR; ++i) a[i] = A + size_t(i) * lda;
  for (int k = 0; k < K; ++k, B += BW) {
    __m512 b[NV];
    SLIMRT_UNROLL
    for (int j = 0; j < NV; ++j) b[j] = load_b<BW>(B, j, pstride);
    SLIMRT_UNROLL
    for (int i = 0; i < MR; ++i) {
      const __m512 av = _mm512_set1_ps(a[i][k]);
      SLIMRT_UNROLL
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_fmadd_ps(av, b[j], acc[i][j]);
    }
  }
  const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
  SLIMRT_UNROLL
  for (int i = 0; i < MR; ++i) store_row<NV>(C + size_t(i) * ldc, acc[i], nc, vlo, vhi);
}

// One row: K split into four interleaved partial sums per vector.
template <int NV, int BW>
SLIMRT_TARGET_AVX512 void row1(int K, const float* A, size_t, const float* B, size_t pstride, const float* bias,
                               float* C, size_t, int nc, float lo, float hi) {
  __m512 acc[4][NV];
  SLIMRT_UNROLL
  for (int u = 0; u < 4; ++u)
    SLIMRT_UNROLL
    for (int j = 0; j < NV; ++j) acc[u][j] = _mm512_setzero_ps();
  int k = 0;
  for (; k + 4 <= K; k += 4, B += 4 * BW) {
    SLIMRT_UNROLL
    for (int u = 0; u < 4; ++u) {
      const __m512 av = _mm512_set1_ps(A[k + u]);
      SLIMRT_UNROLL
      for (int j = 0; j < NV; ++j) acc[u][j] = _mm512_fmadd_ps(av, load_b<BW>(B + u * BW, j, pstride), acc[u][j]);
    }
  }
  for (; k < K; ++k, B += BW) {
    const __m512 av = _mm512_set1_ps(A[k]);
    SLIMRT_UNROLL
    for (int j = 0; j < NV; ++j) acc[0][j] = _mm512_fmadd_ps(av, load_b<BW>(B, j, pstride), acc[0][j]);
  }
  __m512 r[NV];
  SLIMRT_UNROLL
  for (int j = 0; j < NV; ++j) {
    const __m512 b = BW == 16 ? _mm512_loadu_ps(bias + 16 * j) : _mm512_maskz_loadu_ps(0xFF, bias);
    r[j] = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0][j], acc[1][j]), _mm512_add_ps(acc[2][j], acc[3][j])), b);
  }
  store_row<NV>(C, r, nc, _mm512_set1_ps(lo), _mm512_set1_ps(hi));
}

// [rows 8, 4, 2, 1][two panels, one panel, the 8-wide last panel]
const Tile kTiles[4][3] = {
    {tile<8, 2, 16>, tile<8, 1, 16>, tile<8, 1, 8>},
    {tile<4, 2, 16>, tile<4, 1, 16>, tile<4, 1, 8>},
    {tile<2, 2, 16>, tile<2, 1, 16>, tile<2, 1, 8>},
    {row1<2, 16>, row1<1, 16>, row1<1, 8>},
};

}  // namespace

void gemm_avx512(int M, const float* A, size_t lda, const PackedB& B, int p0, int p1, float* C, size_t ldc, float lo,
                 float hi) {
  const int K = B.K;
  const size_t pstride = size_t(K) * 16;
  const int narrow = B.last_nr == 16 ? -1 : B.panels - 1;  // index of the 8-wide last panel, if any
  // Panel blocks of about 256 KiB (L2); the A sliver of a row tile (8 x K) stays in L1 across the block.
  const size_t panel_bytes = pstride * sizeof(float);
  const int pb = std::max(2, int((256u * 1024u) / std::max<size_t>(panel_bytes, 1)) & ~1);
  for (int q0 = p0; q0 < p1; q0 += pb) {
    const int q1 = std::min(p1, q0 + pb);
    for (int m = 0; m < M;) {
      const int rows = M - m;
      const int r = rows >= 8 ? 0 : rows >= 4 ? 1 : rows >= 2 ? 2 : 3;
      const int step = 8 >> r;
      const float* a = A + size_t(m) * lda;
      float* c = C + size_t(m) * ldc;
      for (int p = q0; p < q1;) {
        int v = 1, np = 1;
        if (p == narrow)
          v = 2;
        else if (p + 1 < q1 && p + 1 != narrow)
          v = 0, np = 2;
        const int nc = std::min(16 * np, B.N - 16 * p);
        kTiles[r][v](K, a, lda, B.panel(p), pstride, B.bias.data() + size_t(p) * 16, c + size_t(p) * 16, ldc, nc, lo,
                     hi);
        p += np;
      }
      m += step;
    }
  }
}

}  // namespace kernels
}  // namespace slimrt
#endif
