// Float depthwise convolution, AVX-512, depth multiplier 1, 3x3 and 5x5 filters, horizontal stride 1 or 2, no
// dilation (see depthwise.h). Interior pixels (whole window inside the input) run as register tiles: 16 channels x
// PX adjacent output pixels, one filter row at a time: its KW weight vectors and the (PX-1)*stride+KW input pixels
// that PX outputs share are loaded once and combined from registers (3x3 stride 1: 13 loads for 24 FMAs instead of
// 48). Border pixels take the valid taps only. The last channel tile is masked.
#include <algorithm>
#include <cstddef>

#include "conv_simd.h"
#include "depthwise_isa.h"

#if SLIMRT_AVX2_KERNELS
namespace slimrt {
namespace kernels {
namespace {

// PX output pixels (input columns ix0, ix0 + SW, ...) of one output row, channels [c, c + 16) under mask m, from
// filter rows [ky0, ky1) (rows outside the input are left out). ib: input at (window row ky0, ix0, channel 0); dy:
// floats between input rows.
template <int KW, int SW, int PX>
SLIMRT_TARGET_AVX512 inline void tile(const float* ib, ptrdiff_t dy, int ky0, int ky1, int C, const float* w,
                                      const float* bias, float* o, int c, __mmask16 m, __m512 vlo, __m512 vhi) {
  constexpr int NI = (PX - 1) * SW + KW;
  __m512 acc[PX];
  const __m512 b = _mm512_maskz_loadu_ps(m, bias + c);
  SLIMRT_UNROLL
  for (int j = 0; j < PX; ++j) acc[j] = b;
  for (int ky = ky0; ky < ky1; ++ky) {
    __m512 wv[KW], x[NI];
    SLIMRT_UNROLL
    for (int kx = 0; kx < KW; ++kx) wv[kx] = _mm512_maskz_loadu_ps(m, w + ptrdiff_t(ky * KW + kx) * C + c);
    SLIMRT_UNROLL
    for (int i = 0; i < NI; ++i) x[i] = _mm512_maskz_loadu_ps(m, ib + (ky - ky0) * dy + ptrdiff_t(i) * C + c);
    SLIMRT_UNROLL
    for (int j = 0; j < PX; ++j)
      SLIMRT_UNROLL
      for (int kx = 0; kx < KW; ++kx) acc[j] = _mm512_fmadd_ps(x[j * SW + kx], wv[kx], acc[j]);
  }
  SLIMRT_UNROLL
  for (int j = 0; j < PX; ++j)
    _mm512_mask_storeu_ps(o + ptrdiff_t(j) * C + c, m, _mm512_min_ps(vhi, _mm512_max_ps(vlo, acc[j])));
}

// Output pixels [ox0, ox1) of a row, whose windows are inside the input horizontally, PX at a time; a remainder
// group ends at ox1 and overlaps the previous one (recomputing a few pixels beats narrower tiles). Rows shorter
// than PX take groups of PX2 (< PX), then single pixels. Filter rows [ky0, ky1) are inside the input; row_in is
// the input row of ky0.
template <int KW, int SW, int PX, int PX2>
SLIMRT_TARGET_AVX512 void interior(const DepthwiseParams& p, const float* row_in, int ky0, int ky1, const float* w,
                                   const float* bias, float* row_out, int ox0, int ox1) {
  const __m512 vlo = _mm512_set1_ps(p.lo), vhi = _mm512_set1_ps(p.hi);
  const int C = p.in_c;
  const ptrdiff_t dy = ptrdiff_t(p.in_w) * C;
  auto at = [&](int ox) { return row_in + ptrdiff_t(ox * SW - p.pad_left) * C; };
  for (int c = 0; c < C; c += 16) {
    const __mmask16 m = C - c >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (C - c)) - 1);
    const int n = ox1 - ox0;
    if (n >= PX) {
      for (int ox = ox0;; ox += PX) {
        if (ox + PX > ox1) ox = ox1 - PX;
        tile<KW, SW, PX>(at(ox), dy, ky0, ky1, C, w, bias, row_out + ptrdiff_t(ox) * C, c, m, vlo, vhi);
        if (ox + PX >= ox1) break;
      }
    } else if (n >= PX2) {
      tile<KW, SW, PX2>(at(ox0), dy, ky0, ky1, C, w, bias, row_out + ptrdiff_t(ox0) * C, c, m, vlo, vhi);
      tile<KW, SW, PX2>(at(ox1 - PX2), dy, ky0, ky1, C, w, bias, row_out + ptrdiff_t(ox1 - PX2) * C, c, m, vlo, vhi);
    } else {
      for (int ox = ox0; ox < ox1; ++ox)
        tile<KW, SW, 1>(at(ox), dy, ky0, ky1, C, w, bias, row_out + ptrdiff_t(ox) * C, c, m, vlo, vhi);
    }
  }
}

// One output pixel with only the taps inside the input.
SLIMRT_TARGET_AVX512 void border_pixel(const DepthwiseParams& p, const float* in_n, const float* w, const float* bias,
                                       float* o, int iy0, int ix0) {
  const __m512 vlo = _mm512_set1_ps(p.lo), vhi = _mm512_set1_ps(p.hi);
  const int C = p.in_c;
  const int ky0 = std::max(0, -iy0), ky1 = std::min(p.kh, p.in_h - iy0);
  const int kx0 = std::max(0, -ix0), kx1 = std::min(p.kw, p.in_w - ix0);
  for (int c = 0; c < C; c += 16) {
    const __mmask16 m = C - c >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (C - c)) - 1);
    __m512 acc = _mm512_maskz_loadu_ps(m, bias + c);
    for (int ky = ky0; ky < ky1; ++ky)
      for (int kx = kx0; kx < kx1; ++kx)
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, in_n + (ptrdiff_t(iy0 + ky) * p.in_w + ix0 + kx) * C + c),
                              _mm512_maskz_loadu_ps(m, w + ptrdiff_t(ky * p.kw + kx) * C + c), acc);
    _mm512_mask_storeu_ps(o + c, m, _mm512_min_ps(vhi, _mm512_max_ps(vlo, acc)));
  }
}

}  // namespace

bool depthwise_avx512_handles(const DepthwiseParams& p) {
  return p.depth_multiplier == 1 && p.dilation_h == 1 && p.dilation_w == 1 && (p.stride_w == 1 || p.stride_w == 2) &&
         ((p.kh == 3 && p.kw == 3) || (p.kh == 5 && p.kw == 5));
}

void depthwise_avx512(const DepthwiseParams& p, const float* in, const float* w, const float* bias, float* out,
                    int64_t r0, int64_t r1) {
  const TileInterior run = p.kh == 3 ? (p.stride_w == 1 ? interior<3, 1, 8, 4> : interior<3, 2, 8, 4>)
                                     : (p.stride_w == 1 ? interior<5, 1, 8, 4> : interior<5, 2, 4, 2>);
  depthwise_tile_rows(p, in, w, bias, out, r0, r1, run, border_pixel);
}

}  // namespace kernels
}  // namespace slimrt
#endif
