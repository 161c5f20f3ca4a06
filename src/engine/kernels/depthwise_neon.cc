// Float depthwise convolution, NEON (aarch64 and armv7), depth multiplier 1, 3x3 and 5x5 filters, horizontal stride
// 1 or 2, no dilation, channels a multiple of 4 (see depthwise.h; other shapes take the portable kernels). Interior
// pixels run as register tiles of 4 channels x 4 output pixels: per filter row, its KW weight vectors and the
// 3 * stride + KW input pixels the 4 outputs share are loaded once. Border pixels take the valid taps only.
#include <algorithm>
#include <cstddef>

#include "conv_simd.h"
#include "depthwise_isa.h"

#if SLIMRT_NEON_KERNELS
namespace slimrt {
namespace kernels {
namespace {

#if defined(__aarch64__) || defined(_M_ARM64)
inline float32x4_t dw_mla(float32x4_t acc, float32x4_t a, float32x4_t b) { return vfmaq_f32(acc, a, b); }
#else
inline float32x4_t dw_mla(float32x4_t acc, float32x4_t a, float32x4_t b) { return vmlaq_f32(acc, a, b); }
#endif

constexpr int kPX = 4;

// PX output pixels of one row, channels [c, c + 4), filter rows [ky0, ky1); ib: input of (row ky0, first pixel's
// window column 0, channel 0).
template <int KW, int SW, int PX>
inline void tile(const float* ib, ptrdiff_t dy, int ky0, int ky1, int C, const float* w, const float* bias, float* o,
                 int c, float32x4_t vlo, float32x4_t vhi) {
  constexpr int NI = (PX - 1) * SW + KW;
  float32x4_t acc[PX];
  const float32x4_t b = vld1q_f32(bias + c);
  for (int j = 0; j < PX; ++j) acc[j] = b;
  for (int ky = ky0; ky < ky1; ++ky) {
    float32x4_t wv[KW], x[NI];
    for (int kx = 0; kx < KW; ++kx) wv[kx] = vld1q_f32(w + ptrdiff_t(ky * KW + kx) * C + c);
    for (int i = 0; i < NI; ++i) x[i] = vld1q_f32(ib + (ky - ky0) * dy + ptrdiff_t(i) * C + c);
    for (int j = 0; j < PX; ++j)
      for (int kx = 0; kx < KW; ++kx) acc[j] = dw_mla(acc[j], x[j * SW + kx], wv[kx]);
  }
  for (int j = 0; j < PX; ++j) vst1q_f32(o + ptrdiff_t(j) * C + c, vminq_f32(vhi, vmaxq_f32(vlo, acc[j])));
}

template <int KW, int SW>
void interior(const DepthwiseParams& p, const float* row_in, int ky0, int ky1, const float* w, const float* bias,
              float* row_out, int ox0, int ox1) {
  const float32x4_t vlo = vdupq_n_f32(p.lo), vhi = vdupq_n_f32(p.hi);
  const int C = p.in_c;
  const ptrdiff_t dy = ptrdiff_t(p.in_w) * C;
  for (int c = 0; c < C; c += 4) {
    if (ox1 - ox0 < kPX) {
      for (int ox = ox0; ox < ox1; ++ox)
        tile<KW, SW, 1>(row_in + ptrdiff_t(ox * SW - p.pad_left) * C, dy, ky0, ky1, C, w, bias,
                        row_out + ptrdiff_t(ox) * C, c, vlo, vhi);
      continue;
    }
    for (int ox = ox0;; ox += kPX) {  // the last group ends at ox1, overlapping the previous one
      if (ox + kPX > ox1) ox = ox1 - kPX;
      tile<KW, SW, kPX>(row_in + ptrdiff_t(ox * SW - p.pad_left) * C, dy, ky0, ky1, C, w, bias,
                        row_out + ptrdiff_t(ox) * C, c, vlo, vhi);
      if (ox + kPX >= ox1) break;
    }
  }
}

void border_pixel(const DepthwiseParams& p, const float* in_n, const float* w, const float* bias, float* o, int iy0,
                  int ix0) {
  const float32x4_t vlo = vdupq_n_f32(p.lo), vhi = vdupq_n_f32(p.hi);
  const int C = p.in_c;
  const int ky0 = std::max(0, -iy0), ky1 = std::min(p.kh, p.in_h - iy0);
  const int kx0 = std::max(0, -ix0), kx1 = std::min(p.kw, p.in_w - ix0);
  for (int c = 0; c < C; c += 4) {
    float32x4_t acc = vld1q_f32(bias + c);
    for (int ky = ky0; ky < ky1; ++ky)
      for (int kx = kx0; kx < kx1; ++kx)
        acc = dw_mla(acc, vld1q_f32(in_n + (ptrdiff_t(iy0 + ky) * p.in_w + ix0 + kx) * C + c),
                  vld1q_f32(w + ptrdiff_t(ky * p.kw + kx) * C + c));
    vst1q_f32(o + c, vminq_f32(vhi, vmaxq_f32(vlo, acc)));
  }
}

}  // namespace

bool depthwise_neon_handles(const DepthwiseParams& p) {
  return p.depth_multiplier == 1 && p.dilation_h == 1 && p.dilation_w == 1 && (p.stride_w == 1 || p.stride_w == 2) &&
         ((p.kh == 3 && p.kw == 3) || (p.kh == 5 && p.kw == 5)) && p.in_c % 4 == 0;
}

void depthwise_neon(const DepthwiseParams& p, const float* in, const float* w, const float* bias, float* out,
                    int64_t r0, int64_t r1) {
  const TileInterior run = p.kh == 3 ? (p.stride_w == 1 ? interior<3, 1> : interior<3, 2>)
                                     : (p.stride_w == 1 ? interior<5, 1> : interior<5, 2>);
  depthwise_tile_rows(p, in, w, bias, out, r0, r1, run, border_pixel);
}

}  // namespace kernels
}  // namespace slimrt
#endif
