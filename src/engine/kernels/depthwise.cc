// Float depthwise convolution (see depthwise.h).
#include "depthwise.h"

#include <algorithm>
#include <cstddef>

#include "conv_simd.h"
#include "depthwise_isa.h"
#include "gemm.h"

namespace slimrt {
namespace kernels {
namespace {

// Valid filter taps [k0, k1) along one axis for an output position whose window starts at input coordinate
// `start` (may be negative) with the given dilation, for an input of `size`.
// In int64: hostile dilations near 2^30 must not overflow (fuzz find).
inline void tap_range(int start, int k, int dilation, int size, int* k0, int* k1) {
  int64_t lo = 0;
  if (start < 0) lo = (-int64_t(start) + dilation - 1) / dilation;
  int64_t hi = k;
  // last valid tap: start + (hi-1)*dilation <= size-1
  if (start + int64_t(k - 1) * dilation > size - 1) {
    const int64_t lim = int64_t(size) - 1 - start;
    hi = lim < 0 ? 0 : std::min<int64_t>(k, lim / dilation + 1);
  }
  if (hi < lo) hi = lo;
  *k0 = int(std::min<int64_t>(lo, k));
  *k1 = int(std::min<int64_t>(hi, k));
}

inline float clampf(float v, float lo, float hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

// ---- depth_multiplier == 1, portable (the 8-wide channel loops auto-vectorize) ----
template <int KH, int KW>
void dw_dm1_generic(const DepthwiseParams& p, const float* in, const float* w, const float* bias, float* out,
                    int64_t r0, int64_t r1) {
  const int kh = KH ? KH : p.kh, kw = KW ? KW : p.kw;
  const int C = p.in_c, W = p.in_w, H = p.in_h;
  const ptrdiff_t dy = ptrdiff_t(p.dilation_h) * W * C, dx = ptrdiff_t(p.dilation_w) * C;
  for (int64_t r = r0; r < r1; ++r) {
    const int n = int(r / p.out_h), oy = int(r % p.out_h);
    const float* in_n = in + size_t(n) * size_t(H) * size_t(W) * size_t(C);
    float* out_row = out + size_t(r) * size_t(p.out_w) * size_t(C);
    const int iy0 = oy * p.stride_h - p.pad_top;
    int ky0, ky1;
    tap_range(iy0, kh, p.dilation_h, H, &ky0, &ky1);
    for (int ox = 0; ox < p.out_w; ++ox) {
      const int ix0 = ox * p.stride_w - p.pad_left;
      int kx0, kx1;
      tap_range(ix0, kw, p.dilation_w, W, &kx0, &kx1);
      float* o = out_row + size_t(ox) * size_t(C);
      const int nky = ky1 - ky0, nkx = kx1 - kx0;
      const float* ib = nullptr;
      const float* wb = w + (size_t(ky0) * kw + size_t(kx0)) * C;
      if (nky > 0 && nkx > 0)
        ib = in_n + (ptrdiff_t(iy0 + ky0 * p.dilation_h) * W + (ix0 + kx0 * p.dilation_w)) * ptrdiff_t(C);
      int c = 0;
      for (; c + 8 <= C; c += 8) {
        float acc[8];
        for (int j = 0; j < 8; ++j) acc[j] = bias[c + j];
        for (int ky = 0; ky < nky; ++ky)
          for (int kx = 0; kx < nkx; ++kx) {
            const float* ip = ib + ky * dy + kx * dx + c;
            const float* wp = wb + (size_t(ky) * kw + size_t(kx)) * C + c;
            for (int j = 0; j < 8; ++j) acc[j] += ip[j] * wp[j];
          }
        for (int j = 0; j < 8; ++j) o[c + j] = clampf(acc[j], p.lo, p.hi);
      }
      for (; c < C; ++c) {
        float acc = bias[c];
        for (int ky = 0; ky < nky; ++ky)
          for (int kx = 0; kx < nkx; ++kx) acc += ib[ky * dy + kx * dx + c] * wb[(size_t(ky) * kw + size_t(kx)) * C + c];
        o[c] = clampf(acc, p.lo, p.hi);
      }
    }
  }
}

#if SLIMRT_AVX2_KERNELS
// ---- depth_multiplier == 1, AVX2+FMA ----

// Four adjacent output pixels whose whole KHxKW window lies inside the input: each weight vector is loaded once
// for the four pixels. ib: input at the first pixel's window origin; step: input distance between the pixels.
template <int KH, int KW>
SLIMRT_TARGET_AVX2 inline void dw_px4_avx2(const float* ib, ptrdiff_t step, ptrdiff_t dy, ptrdiff_t dx, const float* w,
                                           int C, const float* bias, float* o, __m256 vlo, __m256 vhi,
                                           __m256i tail_mask) {
  int c = 0;
  for (; c + 8 <= C; c += 8) {
    __m256 a0 = _mm256_loadu_ps(bias + c);
    __m256 a1 = a0, a2 = a0, a3 = a0;
    for (int ky = 0; ky < KH; ++ky)
      for (int kx = 0; kx < KW; ++kx) {
        const float* ip = ib + ky * dy + kx * dx + c;
        const __m256 wv = _mm256_loadu_ps(w + (ky * KW + kx) * C + c);
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(ip), wv, a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(ip + step), wv, a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(ip + 2 * step), wv, a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(ip + 3 * step), wv, a3);
      }
    _mm256_storeu_ps(o + c, _mm256_min_ps(vhi, _mm256_max_ps(vlo, a0)));
    _mm256_storeu_ps(o + C + c, _mm256_min_ps(vhi, _mm256_max_ps(vlo, a1)));
    _mm256_storeu_ps(o + 2 * C + c, _mm256_min_ps(vhi, _mm256_max_ps(vlo, a2)));
    _mm256_storeu_ps(o + 3 * C + c, _mm256_min_ps(vhi, _mm256_max_ps(vlo, a3)));
  }
  if (c < C) {
    __m256 a0 = _mm256_maskload_ps(bias + c, tail_mask);
    __m256 a1 = a0, a2 = a0, a3 = a0;
    for (int ky = 0; ky < KH; ++ky)
      for (int kx = 0; kx < KW; ++kx) {
        const float* ip = ib + ky * dy + kx * dx + c;
        const __m256 wv = _mm256_maskload_ps(w + (ky * KW + kx) * C + c, tail_mask);
        a0 = _mm256_fmadd_ps(_mm256_maskload_ps(ip, tail_mask), wv, a0);
        a1 = _mm256_fmadd_ps(_mm256_maskload_ps(ip + step, tail_mask), wv, a1);
        a2 = _mm256_fmadd_ps(_mm256_maskload_ps(ip + 2 * step, tail_mask), wv, a2);
        a3 = _mm256_fmadd_ps(_mm256_maskload_ps(ip + 3 * step, tail_mask), wv, a3);
      }
    _mm256_maskstore_ps(o + c, tail_mask, _mm256_min_ps(vhi, _mm256_max_ps(vlo, a0)));
    _mm256_maskstore_ps(o + C + c, tail_mask, _mm256_min_ps(vhi, _mm256_max_ps(vlo, a1)));
    _mm256_maskstore_ps(o + 2 * C + c, tail_mask, _mm256_min_ps(vhi, _mm256_max_ps(vlo, a2)));
    _mm256_maskstore_ps(o + 3 * C + c, tail_mask, _mm256_min_ps(vhi, _mm256_max_ps(vlo, a3)));
  }
}

template <int KH, int KW>
SLIMRT_TARGET_AVX2 void dw_dm1_avx2(const DepthwiseParams& p, const float* in, const float* w, const float* bias,
                                    float* out, int64_t r0, int64_t r1) {
  const int kh = KH ? KH : p.kh, kw = KW ? KW : p.kw;
  const int C = p.in_c, W = p.in_w, H = p.in_h;
  const ptrdiff_t dy = ptrdiff_t(p.dilation_h) * W * C, dx = ptrdiff_t(p.dilation_w) * C;
  const __m256 vlo = _mm256_set1_ps(p.lo), vhi = _mm256_set1_ps(p.hi);
  const int rem = C & 7;
  const __m256i tail_mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(rem), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  for (int64_t r = r0; r < r1; ++r) {
    const int n = int(r / p.out_h), oy = int(r % p.out_h);
    const float* in_n = in + size_t(n) * size_t(H) * size_t(W) * size_t(C);
    float* out_row = out + size_t(r) * size_t(p.out_w) * size_t(C);
    const int iy0 = oy * p.stride_h - p.pad_top;
    int ky0, ky1;
    tap_range(iy0, kh, p.dilation_h, H, &ky0, &ky1);
    // Output columns whose window is entirely inside the input along x.
    int ox_lo = 0, ox_hi = 0;
    if (KH && KW && ky0 == 0 && ky1 == KH) {
      ox_lo = (p.pad_left + p.stride_w - 1) / p.stride_w;
      const int last = W - 1 - (kw - 1) * p.dilation_w + p.pad_left;  // ix0 + (kw-1)*dw <= W-1
      ox_hi = last < 0 ? 0 : std::min(p.out_w, last / p.stride_w + 1);
      if (ox_hi < ox_lo) ox_hi = ox_lo;
    }
    const ptrdiff_t px_step = ptrdiff_t(p.stride_w) * C;
    for (int ox = 0; ox < p.out_w; ++ox) {
      if (ox == ox_lo && ox + 4 <= ox_hi) {
        for (; ox + 4 <= ox_hi; ox += 4) {
          const float* ib = in_n + (ptrdiff_t(iy0) * W + (ox * p.stride_w - p.pad_left)) * ptrdiff_t(C);
          dw_px4_avx2<(KH ? KH : 1), (KW ? KW : 1)>(ib, px_step, dy, dx, w, C, bias,
                                                    out_row + size_t(ox) * size_t(C), vlo, vhi, tail_mask);
        }
        if (ox >= p.out_w) break;
      }
      const int ix0 = ox * p.stride_w - p.pad_left;
      int kx0, kx1;
      tap_range(ix0, kw, p.dilation_w, W, &kx0, &kx1);
      float* o = out_row + size_t(ox) * size_t(C);
      const int nky = ky1 - ky0, nkx = kx1 - kx0;
      if (KH && KW && nky == KH && nkx == KW) {
        // Whole window inside the input: compile-time trip counts, fully unrolled.
        const float* ib = in_n + (ptrdiff_t(iy0) * W + ix0) * ptrdiff_t(C);
        int c = 0;
        for (; c + 16 <= C; c += 16) {
          __m256 a0 = _mm256_loadu_ps(bias + c), a1 = _mm256_loadu_ps(bias + c + 8);
          for (int ky = 0; ky < KH; ++ky)
            for (int kx = 0; kx < KW; ++kx) {
              const float* ip = ib + ky * dy + kx * dx + c;
              const float* wp = w + (ky * KW + kx) * C + c;
              a0 = _mm256_fmadd_ps(_mm256_loadu_ps(ip), _mm256_loadu_ps(wp), a0);
              a1 = _mm256_fmadd_ps(_mm256_loadu_ps(ip + 8), _mm256_loadu_ps(wp + 8), a1);
            }
          _mm256_storeu_ps(o + c, _mm256_min_ps(vhi, _mm256_max_ps(vlo, a0)));
          _mm256_storeu_ps(o + c + 8, _mm256_min_ps(vhi, _mm256_max_ps(vlo, a1)));
        }
        for (; c + 8 <= C; c += 8) {
          __m256 a0 = _mm256_loadu_ps(bias + c);
          for (int ky = 0; ky < KH; ++ky)
            for (int kx = 0; kx < KW; ++kx)
              a0 = _mm256_fmadd_ps(_mm256_loadu_ps(ib + ky * dy + kx * dx + c),
                                   _mm256_loadu_ps(w + (ky * KW + kx) * C + c), a0);
          _mm256_storeu_ps(o + c, _mm256_min_ps(vhi, _mm256_max_ps(vlo, a0)));
        }
        if (rem) {
          __m256 a0 = _mm256_maskload_ps(bias + c, tail_mask);
          for (int ky = 0; ky < KH; ++ky)
            for (int kx = 0; kx < KW; ++kx)
              a0 = _mm256_fmadd_ps(_mm256_maskload_ps(ib + ky * dy + kx * dx + c, tail_mask),
                                   _mm256_maskload_ps(w + (ky * KW + kx) * C + c, tail_mask), a0);
          _mm256_maskstore_ps(o + c, tail_mask, _mm256_min_ps(vhi, _mm256_max_ps(vlo, a0)));
        }
        continue;
      }
      const float* ib = nullptr;
      const float* wb = w + (size_t(ky0) * kw + size_t(kx0)) * C;
      if (nky > 0 && nkx > 0)
        ib = in_n + (ptrdiff_t(iy0 + ky0 * p.dilation_h) * W + (ix0 + kx0 * p.dilation_w)) * ptrdiff_t(C);
      int c = 0;
      for (; c + 16 <= C; c += 16) {
        __m256 a0 = _mm256_loadu_ps(bias + c), a1 = _mm256_loadu_ps(bias + c + 8);
        for (int ky = 0; ky < nky; ++ky)
          for (int kx = 0; kx < nkx; ++kx) {
            const float* ip = ib + ky * dy + kx * dx + c;
            const float* wp = wb + (size_t(ky) * kw + size_t(kx)) * C + c;
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(ip), _mm256_loadu_ps(wp), a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(ip + 8), _mm256_loadu_ps(wp + 8), a1);
          }
        _mm256_storeu_ps(o + c, _mm256_min_ps(vhi, _mm256_max_ps(vlo, a0)));
        _mm256_storeu_ps(o + c + 8, _mm256_min_ps(vhi, _mm256_max_ps(vlo, a1)));
      }
      for (; c + 8 <= C; c += 8) {
        __m256 a0 = _mm256_loadu_ps(bias + c);
        for (int ky = 0; ky < nky; ++ky)
          for (int kx = 0; kx < nkx; ++kx)
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(ib + ky * dy + kx * dx + c),
                                 _mm256_loadu_ps(wb + (size_t(ky) * kw + size_t(kx)) * C + c), a0);
        _mm256_storeu_ps(o + c, _mm256_min_ps(vhi, _mm256_max_ps(vlo, a0)));
      }
      if (rem) {
        __m256 a0 = _mm256_maskload_ps(bias + c, tail_mask);
        for (int ky = 0; ky < nky; ++ky)
          for (int kx = 0; kx < nkx; ++kx)
            a0 = _mm256_fmadd_ps(_mm256_maskload_ps(ib + ky * dy + kx * dx + c, tail_mask),
                                 _mm256_maskload_ps(wb + (size_t(ky) * kw + size_t(kx)) * C + c, tail_mask), a0);
        _mm256_maskstore_ps(o + c, tail_mask, _mm256_min_ps(vhi, _mm256_max_ps(vlo, a0)));
      }
    }
  }
}
#endif

// ---- any depth_multiplier (scalar) ----
void dw_general(const DepthwiseParams& p, const float* in, const float* w, const float* bias, float* out, int64_t r0,
                int64_t r1) {
  const int C = p.in_c, W = p.in_w, H = p.in_h, dm = p.depth_multiplier, OC = C * dm;
  for (int64_t r = r0; r < r1; ++r) {
    const int n = int(r / p.out_h), oy = int(r % p.out_h);
    const float* in_n = in + size_t(n) * size_t(H) * size_t(W) * size_t(C);
    float* out_row = out + size_t(r) * size_t(p.out_w) * size_t(OC);
    const int iy0 = oy * p.stride_h - p.pad_top;
    int ky0, ky1;
    tap_range(iy0, p.kh, p.dilation_h, H, &ky0, &ky1);
    for (int ox = 0; ox < p.out_w; ++ox) {
      const int ix0 = ox * p.stride_w - p.pad_left;
      int kx0, kx1;
      tap_range(ix0, p.kw, p.dilation_w, W, &kx0, &kx1);
      float* o = out_row + size_t(ox) * size_t(OC);
      for (int oc = 0; oc < OC; ++oc) o[oc] = bias[oc];
      for (int ky = ky0; ky < ky1; ++ky) {
        const int iy = iy0 + ky * p.dilation_h;
        for (int kx = kx0; kx < kx1; ++kx) {
          const int ix = ix0 + kx * p.dilation_w;
          const float* ip = in_n + (size_t(iy) * W + size_t(ix)) * C;
          const float* wp = w + (size_t(ky) * p.kw + size_t(kx)) * OC;
          for (int c = 0; c < C; ++c) {
            const float v = ip[c];
            for (int m = 0; m < dm; ++m) o[c * dm + m] += v * wp[c * dm + m];
          }
        }
      }
      for (int oc = 0; oc < OC; ++oc) o[oc] = clampf(o[oc], p.lo, p.hi);
    }
  }
}

}  // namespace

void depthwise_tile_rows(const DepthwiseParams& p, const float* in, const float* w, const float* bias, float* out,
                         int64_t r0, int64_t r1, TileInterior interior, TileBorder border) {
  const int C = p.in_c, K = p.kh, SW = p.stride_w;
  // Output columns whose window is inside the input: pad_left <= ox * SW and ox * SW - pad_left + K <= W.
  const int ox_lo = std::min(p.out_w, (p.pad_left + SW - 1) / SW);
  const int last = p.in_w - K + p.pad_left;
  const int ox_hi = std::max(ox_lo, last < 0 ? 0 : std::min(p.out_w, last / SW + 1));
  for (int64_t r = r0; r < r1; ++r) {
    const int n = int(r / p.out_h), oy = int(r % p.out_h);
    const float* in_n = in + size_t(n) * size_t(p.in_h) * size_t(p.in_w) * size_t(C);
    float* row_out = out + size_t(r) * size_t(p.out_w) * size_t(C);
    const int iy0 = oy * p.stride_h - p.pad_top;
    const int ky0 = std::max(0, -iy0), ky1 = std::min(K, p.in_h - iy0);
    for (int ox = 0; ox < p.out_w; ++ox) {
      if (ox == ox_lo && ox_lo < ox_hi) {
        interior(p, in_n + ptrdiff_t(iy0 + ky0) * p.in_w * C, ky0, ky1, w, bias, row_out, ox_lo, ox_hi);
        ox = ox_hi - 1;
        continue;
      }
      border(p, in_n, w, bias, row_out + ptrdiff_t(ox) * C, iy0, ox * SW - p.pad_left);
    }
  }
}

void depthwise_conv_rows(const DepthwiseParams& p, const float* input, const float* filter, const float* bias,
                         float* output, int64_t row_begin, int64_t row_end, Isa isa) {
  if (p.depth_multiplier != 1) {
    dw_general(p, input, filter, bias, output, row_begin, row_end);
    return;
  }
#if SLIMRT_AVX2_KERNELS
  if (isa == Isa::kAvx512 && depthwise_avx512_handles(p))
    return depthwise_avx512(p, input, filter, bias, output, row_begin, row_end);
  if (isa == Isa::kAvx2 || isa == Isa::kAvx512) {
    if (p.kh == 3 && p.kw == 3)
      dw_dm1_avx2<3, 3>(p, input, filter, bias, output, row_begin, row_end);
    else if (p.kh == 5 && p.kw == 5)
      dw_dm1_avx2<5, 5>(p, input, filter, bias, output, row_begin, row_end);
    else if (p.kh == 1 && p.kw == 1)
      dw_dm1_avx2<1, 1>(p, input, filter, bias, output, row_begin, row_end);
    else
      dw_dm1_avx2<0, 0>(p, input, filter, bias, output, row_begin, row_end);
    return;
  }
#endif
#if SLIMRT_NEON_KERNELS
  if (isa == Isa::kNeon && depthwise_neon_handles(p))
    return depthwise_neon(p, input, filter, bias, output, row_begin, row_end);
#endif
  if (p.kh == 3 && p.kw == 3)
    dw_dm1_generic<3, 3>(p, input, filter, bias, output, row_begin, row_end);
  else if (p.kh == 5 && p.kw == 5)
    dw_dm1_generic<5, 5>(p, input, filter, bias, output, row_begin, row_end);
  else
    dw_dm1_generic<0, 0>(p, input, filter, bias, output, row_begin, row_end);
}

}  // namespace kernels
}  // namespace slimrt
