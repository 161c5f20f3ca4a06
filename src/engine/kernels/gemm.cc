// Float GEMM: packing, blocking and the register-blocked micro-kernels (see gemm.h).
#include "gemm.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "conv_simd.h"
#include "gemm_isa.h"

namespace slimrt {
namespace kernels {

void FloatBuffer::resize(size_t n) {
  storage_.assign(n + 16, 0.f);
  uintptr_t p = reinterpret_cast<uintptr_t>(storage_.data());
  ptr_ = storage_.data() + ((64 - (p & 63)) & 63) / sizeof(float);
  n_ = n;
}

// ---------------------------------------------------------------------------------------------------------------
// Micro-kernels. Each computes an mr x nc tile (mr <= MR, nc <= NR) of C from an MR-row sliver of A (rows past mr
// re-read the last valid row) and one packed panel; accumulators start at the bias, the clamp is the fused
// activation (NaN-preserving: max(lo, x) and min(hi, x) return x when x is NaN).

namespace {

constexpr int kGenericMR = 4, kGenericNR = 8;

void micro_generic(int K, const float* A, size_t lda, int mr, const float* B, const float* bias, float* C,
                   size_t ldc, int nc, float lo, float hi) {
  const float* a[kGenericMR];
  for (int i = 0; i < kGenericMR; ++i) a[i] = A + size_t(std::min(i, mr - 1)) * lda;
  float acc[kGenericMR][kGenericNR];
  for (int i = 0; i < kGenericMR; ++i)
    for (int j = 0; j < kGenericNR; ++j) acc[i][j] = bias[j];
  for (int k = 0; k < K; ++k) {
    const float* b = B + size_t(k) * kGenericNR;
    for (int i = 0; i < kGenericMR; ++i) {
      const float av = a[i][k];
      for (int j = 0; j < kGenericNR; ++j) acc[i][j] += av * b[j];
    }
  }
  for (int i = 0; i < mr; ++i) {
    float* c = C + size_t(i) * ldc;
    for (int j = 0; j < nc; ++j) {
      float v = acc[i][j];
      v = v < lo ? lo : v;
      v = v > hi ? hi : v;
      c[j] = v;
    }
  }
}

#if SLIMRT_AVX2_KERNELS
constexpr int kAvx2MR = 6, kAvx2NR = 16;

SLIMRT_TARGET_AVX2 void micro_avx2(int K, const float* A, size_t lda, int mr, const float* B, const float* bias,
                                   float* C, size_t ldc, int nc, float lo, float hi) {
  const float* a0 = A;
  const float* a1 = A + size_t(std::min(1, mr - 1)) * lda;
  const float* a2 = A + size_t(std::min(2, mr - 1)) * lda;
  const float* a3 = A + size_t(std::min(3, mr - 1)) * lda;
  const float* a4 = A + size_t(std::min(4, mr - 1)) * lda;
  const float* a5 = A + size_t(std::min(5, mr - 1)) * lda;
  __m256 c00 = _mm256_loadu_ps(bias), c01 = _mm256_loadu_ps(bias + 8);
  __m256 c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01, c40 = c00, c41 = c01, c50 = c00,
         c51 = c01;
  for (int k = 0; k < K; ++k) {
    const __m256 b0 = _mm256_load_ps(B), b1 = _mm256_load_ps(B + 8);
    B += 16;
    __m256 a;
    a = _mm256_broadcast_ss(a0 + k);
    c00 = _mm256_fmadd_ps(a, b0, c00);
    c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(a1 + k);
    c10 = _mm256_fmadd_ps(a, b0, c10);
    c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(a2 + k);
    c20 = _mm256_fmadd_ps(a, b0, c20);
    c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(a3 + k);
    c30 = _mm256_fmadd_ps(a, b0, c30);
    c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(a4 + k);
    c40 = _mm256_fmadd_ps(a, b0, c40);
    c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(a5 + k);
    c50 = _mm256_fmadd_ps(a, b0, c50);
    c51 = _mm256_fmadd_ps(a, b1, c51);
  }
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
#define SLIMRT_CLAMP(x) x = _mm256_min_ps(vhi, _mm256_max_ps(vlo, x))
  SLIMRT_CLAMP(c00); SLIMRT_CLAMP(c01); SLIMRT_CLAMP(c10); SLIMRT_CLAMP(c11); SLIMRT_CLAMP(c20); SLIMRT_CLAMP(c21);
  SLIMRT_CLAMP(c30); SLIMRT_CLAMP(c31); SLIMRT_CLAMP(c40); SLIMRT_CLAMP(c41); SLIMRT_CLAMP(c50); SLIMRT_CLAMP(c51);
#undef SLIMRT_CLAMP
  if (mr == kAvx2MR && nc == kAvx2NR) {
    _mm256_storeu_ps(C, c00);
    _mm256_storeu_ps(C + 8, c01);
    C += ldc;
    _mm256_storeu_ps(C, c10);
    _mm256_storeu_ps(C + 8, c11);
    C += ldc;
    _mm256_storeu_ps(C, c20);
    _mm256_storeu_ps(C + 8, c21);
    C += ldc;
    _mm256_storeu_ps(C, c30);
    _mm256_storeu_ps(C + 8, c31);
    C += ldc;
    _mm256_storeu_ps(C, c40);
    _mm256_storeu_ps(C + 8, c41);
    C += ldc;
    _mm256_storeu_ps(C, c50);
    _mm256_storeu_ps(C + 8, c51);
    return;
  }
  alignas(32) float tmp[kAvx2MR][kAvx2NR];
  _mm256_store_ps(tmp[0], c00);
  _mm256_store_ps(tmp[0] + 8, c01);
  _mm256_store_ps(tmp[1], c10);
  _mm256_store_ps(tmp[1] + 8, c11);
  _mm256_store_ps(tmp[2], c20);
  _mm256_store_ps(tmp[2] + 8, c21);
  _mm256_store_ps(tmp[3], c30);
  _mm256_store_ps(tmp[3] + 8, c31);
  _mm256_store_ps(tmp[4], c40);
  _mm256_store_ps(tmp[4] + 8, c41);
  _mm256_store_ps(tmp[5], c50);
  _mm256_store_ps(tmp[5] + 8, c51);
  for (int i = 0; i < mr; ++i) std::memcpy(C + size_t(i) * ldc, tmp[i], sizeof(float) * size_t(nc));
}

// 1 x 16: a single row (FULLY_CONNECTED with batch 1, the last row of a conv): K unrolled by 4 into independent
// accumulators so the FMA latency does not serialize the loop.
SLIMRT_TARGET_AVX2 void micro_avx2_m1(int K, const float* A, const float* B, int width, const float* bias, float* C,
                                      int nc, float lo, float hi) {
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, t0 = s0, t1 = s0, u0 = s0, u1 = s0, v0 = s0, v1 = s0;
  int k = 0;
  if (width == 16) {
    for (; k + 4 <= K; k += 4, B += 64) {
      const __m256 a0 = _mm256_broadcast_ss(A + k), a1 = _mm256_broadcast_ss(A + k + 1);
      const __m256 a2 = _mm256_broadcast_ss(A + k + 2), a3 = _mm256_broadcast_ss(A + k + 3);
      s0 = _mm256_fmadd_ps(a0, _mm256_load_ps(B), s0);
      s1 = _mm256_fmadd_ps(a0, _mm256_load_ps(B + 8), s1);
      t0 = _mm256_fmadd_ps(a1, _mm256_load_ps(B + 16), t0);
      t1 = _mm256_fmadd_ps(a1, _mm256_load_ps(B + 24), t1);
      u0 = _mm256_fmadd_ps(a2, _mm256_load_ps(B + 32), u0);
      u1 = _mm256_fmadd_ps(a2, _mm256_load_ps(B + 40), u1);
      v0 = _mm256_fmadd_ps(a3, _mm256_load_ps(B + 48), v0);
      v1 = _mm256_fmadd_ps(a3, _mm256_load_ps(B + 56), v1);
    }
    for (; k < K; ++k, B += 16) {
      const __m256 a0 = _mm256_broadcast_ss(A + k);
      s0 = _mm256_fmadd_ps(a0, _mm256_load_ps(B), s0);
      s1 = _mm256_fmadd_ps(a0, _mm256_load_ps(B + 8), s1);
    }
  } else {  // width 8
    for (; k + 4 <= K; k += 4, B += 32) {
      s0 = _mm256_fmadd_ps(_mm256_broadcast_ss(A + k), _mm256_load_ps(B), s0);
      t0 = _mm256_fmadd_ps(_mm256_broadcast_ss(A + k + 1), _mm256_load_ps(B + 8), t0);
      u0 = _mm256_fmadd_ps(_mm256_broadcast_ss(A + k + 2), _mm256_load_ps(B + 16), u0);
      v0 = _mm256_fmadd_ps(_mm256_broadcast_ss(A + k + 3), _mm256_load_ps(B + 24), v0);
    }
    for (; k < K; ++k, B += 8) s0 = _mm256_fmadd_ps(_mm256_broadcast_ss(A + k), _mm256_load_ps(B), s0);
  }
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  __m256 r0 = _mm256_add_ps(_mm256_add_ps(s0, t0), _mm256_add_ps(u0, v0));
  __m256 r1 = _mm256_add_ps(_mm256_add_ps(s1, t1), _mm256_add_ps(u1, v1));
  r0 = _mm256_min_ps(vhi, _mm256_max_ps(vlo, _mm256_add_ps(r0, _mm256_loadu_ps(bias))));
  r1 = _mm256_min_ps(vhi, _mm256_max_ps(vlo, _mm256_add_ps(r1, _mm256_loadu_ps(bias + 8))));
  alignas(32) float tmp[16];
  _mm256_store_ps(tmp, r0);
  _mm256_store_ps(tmp + 8, r1);
  std::memcpy(C, tmp, sizeof(float) * size_t(nc));
}

// 6 x 8: the last panel when N % 16 is 1..8 (saves computing 8 padding columns).
SLIMRT_TARGET_AVX2 void micro_avx2_n8(int K, const float* A, size_t lda, int mr, const float* B, const float* bias,
                                      float* C, size_t ldc, int nc, float lo, float hi) {
  const float* a0 = A;
  const float* a1 = A + size_t(std::min(1, mr - 1)) * lda;
  const float* a2 = A + size_t(std::min(2, mr - 1)) * lda;
  const float* a3 = A + size_t(std::min(3, mr - 1)) * lda;
  const float* a4 = A + size_t(std::min(4, mr - 1)) * lda;
  const float* a5 = A + size_t(std::min(5, mr - 1)) * lda;
  __m256 c0 = _mm256_loadu_ps(bias);
  __m256 c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
  for (int k = 0; k < K; ++k) {
    const __m256 b = _mm256_load_ps(B);
    B += 8;
    c0 = _mm256_fmadd_ps(_mm256_broadcast_ss(a0 + k), b, c0);
    c1 = _mm256_fmadd_ps(_mm256_broadcast_ss(a1 + k), b, c1);
    c2 = _mm256_fmadd_ps(_mm256_broadcast_ss(a2 + k), b, c2);
    c3 = _mm256_fmadd_ps(_mm256_broadcast_ss(a3 + k), b, c3);
    c4 = _mm256_fmadd_ps(_mm256_broadcast_ss(a4 + k), b, c4);
    c5 = _mm256_fmadd_ps(_mm256_broadcast_ss(a5 + k), b, c5);
  }
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  alignas(32) float tmp[kAvx2MR][8];
  _mm256_store_ps(tmp[0], _mm256_min_ps(vhi, _mm256_max_ps(vlo, c0)));
  _mm256_store_ps(tmp[1], _mm256_min_ps(vhi, _mm256_max_ps(vlo, c1)));
  _mm256_store_ps(tmp[2], _mm256_min_ps(vhi, _mm256_max_ps(vlo, c2)));
  _mm256_store_ps(tmp[3], _mm256_min_ps(vhi, _mm256_max_ps(vlo, c3)));
  _mm256_store_ps(tmp[4], _mm256_min_ps(vhi, _mm256_max_ps(vlo, c4)));
  _mm256_store_ps(tmp[5], _mm256_min_ps(vhi, _mm256_max_ps(vlo, c5)));
  if (nc == 8) {
    for (int i = 0; i < mr; ++i) _mm256_storeu_ps(C + size_t(i) * ldc, _mm256_load_ps(tmp[i]));
    return;
  }
  for (int i = 0; i < mr; ++i) std::memcpy(C + size_t(i) * ldc, tmp[i], sizeof(float) * size_t(nc));
}
#endif

using MicroKernel = void (*)(int, const float*, size_t, int, const float*, const float*, float*, size_t, int, float,
                             float);

struct KernelInfo {
  int mr, nr;
  MicroKernel fn;
  int tail_nr;  // 0, or the width of a narrower kernel for the last panel
  MicroKernel tail_fn;
};

KernelInfo kernel_for(Isa isa) {
#if SLIMRT_AVX2_KERNELS
  if (isa == Isa::kAvx2) return {kAvx2MR, kAvx2NR, micro_avx2, 8, micro_avx2_n8};
  // The same panels (16 wide, an 8-wide last panel); gemm_avx512() brings its own tiles.
  if (isa == Isa::kAvx512) return {kAvx512MR, kAvx2NR, nullptr, 8, nullptr};
#endif
#if SLIMRT_NEON_KERNELS
  if (isa == Isa::kNeon) return {kNeonMR, kNeonNR, nullptr, 0, nullptr};
#endif
  return {kGenericMR, kGenericNR, micro_generic, 0, nullptr};
}

}  // namespace

int gemm_mr(Isa isa) { return kernel_for(isa).mr; }

void pack_b_rows(const float* w, int N, int K, int ldw, const float* bias, PackedB* out, Isa isa) {
  const KernelInfo ki = kernel_for(isa);
  const int nr = ki.nr;
  out->K = K;
  out->N = N;
  out->nr = nr;
  out->isa = isa;
  out->panels = (N + nr - 1) / nr;
  const int tail = N - (out->panels - 1) * nr;
  out->last_nr = (ki.tail_nr && tail <= ki.tail_nr) ? ki.tail_nr : nr;
  out->data.resize(size_t(out->panels - 1) * size_t(K) * size_t(nr) + size_t(K) * size_t(out->last_nr));
  out->bias.resize(size_t(out->panels) * size_t(nr));
  float* d = out->data.data();
  std::memset(d, 0, sizeof(float) * out->data.size());
  for (int n = 0; n < N; ++n) {
    const int p = n / nr, j = n % nr;
    const int width = p == out->panels - 1 ? out->last_nr : nr;
    const float* src = w + size_t(n) * size_t(ldw);
    float* dst = d + size_t(p) * size_t(K) * size_t(nr) + size_t(j);
    for (int k = 0; k < K; ++k) dst[size_t(k) * size_t(width)] = src[k];
  }
  float* b = out->bias.data();
  for (size_t i = 0; i < out->bias.size(); ++i) b[i] = (bias && int(i) < N) ? bias[i] : 0.f;
}

void gemm_packed(int M, const float* A, size_t lda, const PackedB& B, int p_begin, int p_end, float* C, size_t ldc,
                 float lo, float hi) {
  if (M <= 0 || p_begin >= p_end) return;
#if SLIMRT_AVX2_KERNELS
  if (B.isa == Isa::kAvx512) return gemm_avx512(M, A, lda, B, p_begin, p_end, C, ldc, lo, hi);
#endif
#if SLIMRT_NEON_KERNELS
  if (B.isa == Isa::kNeon) return gemm_neon(M, A, lda, B, p_begin, p_end, C, ldc, lo, hi);
#endif
  const KernelInfo ki = kernel_for(B.isa);
  const int K = B.K, nr = B.nr, MR = ki.mr;
  // Panels per block: keep the block of B within ~192 KiB (L2), the A sliver (MR x K) stays in L1.
  const size_t panel_bytes = size_t(K) * size_t(nr) * sizeof(float);
  const int pb = int(std::max<size_t>(1, (192u * 1024u) / std::max<size_t>(panel_bytes, 1)));
  for (int p0 = p_begin; p0 < p_end; p0 += pb) {
    const int p1 = std::min(p_end, p0 + pb);
    for (int m = 0; m < M; m += MR) {
      const int mr = std::min(MR, M - m);
      const float* a = A + size_t(m) * lda;
      float* c = C + size_t(m) * ldc;
      for (int p = p0; p < p1; ++p) {
        const int nc = std::min(nr, B.N - p * nr);
        const bool tail = p == B.panels - 1 && B.last_nr != nr;
#if SLIMRT_AVX2_KERNELS
        if (mr == 1 && B.isa == Isa::kAvx2) {
          micro_avx2_m1(K, a, B.panel(p), tail ? B.last_nr : nr, B.bias.data() + size_t(p) * size_t(nr),
                        c + size_t(p) * size_t(nr), nc, lo, hi);
          continue;
        }
#endif
        const MicroKernel fn = tail ? ki.tail_fn : ki.fn;
        fn(K, a, lda, mr, B.panel(p), B.bias.data() + size_t(p) * size_t(nr), c + size_t(p) * size_t(nr), ldc, nc,
              lo, hi);
      }
    }
  }
}

}  // namespace kernels
}  // namespace slimrt
