// int8 depthwise convolution (see depthwise_i8.h).
#include "depthwise_i8.h"

#include <algorithm>
#include <cstring>

#include "conv_simd.h"
#include "int8_dot.h"
#include "requant_neon.h"
#include "requant_x86.h"

namespace slimrt {
namespace kernels {
namespace {

// Valid taps of one axis: k in [k0, k1) keeps start + k * dil inside [0, size). In int64: hostile dilations and
// paddings near 2^31 must not overflow.
inline void taps_i8(int start, int k, int dil, int size, int* k0, int* k1) {
  const int64_t lo = start < 0 ? (-int64_t(start) + dil - 1) / dil : 0;
  const int64_t last = int64_t(size) - 1 - start;  // start + k * dil <= last
  const int64_t hi = last < 0 ? 0 : std::min<int64_t>(k, last / dil + 1);
  *k0 = int(std::min<int64_t>(lo, k));
  *k1 = int(std::max<int64_t>(*k0, hi));
}

// One output pixel's window: the valid taps are [ky0, ky1) x [kx0, kx1); tap (ky, kx) reads the input pixel at
// at(ky, kx).
struct PixelWindow {
  const int8_t* base;  // input pixel of tap (ky0, kx0) (null when no tap is valid)
  ptrdiff_t dy, dx;
  int ky0, ky1, kx0, kx1;
  const int8_t* at(int ky, int kx) const { return base + (ky - ky0) * dy + (kx - kx0) * dx; }
};

inline PixelWindow window(const DepthwiseParams& p, const int8_t* in, int64_t r, int ox) {
  const int n = int(r / p.out_h), oy = int(r % p.out_h);
  const int iy0 = oy * p.stride_h - p.pad_top, ix0 = ox * p.stride_w - p.pad_left;
  PixelWindow w;
  w.dy = ptrdiff_t(p.dilation_h) * p.in_w * p.in_c;
  w.dx = ptrdiff_t(p.dilation_w) * p.in_c;
  taps_i8(iy0, p.kh, p.dilation_h, p.in_h, &w.ky0, &w.ky1);
  taps_i8(ix0, p.kw, p.dilation_w, p.in_w, &w.kx0, &w.kx1);
  w.base = nullptr;
  if (w.ky0 < w.ky1 && w.kx0 < w.kx1)
    w.base = in + ((ptrdiff_t(n) * p.in_h + iy0 + ptrdiff_t(w.ky0) * p.dilation_h) * p.in_w + ix0 +
                   ptrdiff_t(w.kx0) * p.dilation_w) * ptrdiff_t(p.in_c);
  return w;
}

inline int8_t requant_scalar(const DepthwiseI8& d, int c, int32_t acc) {
  const int32_t v = int8k::requant_double_rounding(acc, d.mult[size_t(c)], d.lsh[size_t(c)], d.rsh[size_t(c)]) +
                    d.out_zp;
  return int8_t(v < d.lo ? d.lo : (v > d.hi ? d.hi : v));
}

using PixelFn = void (*)(const DepthwiseI8& d, const PixelWindow& win, int8_t* o);

// Plain loops, one output channel at a time (any depth multiplier).
void pixel_generic(const DepthwiseI8& d, const PixelWindow& win, int8_t* o) {
  const DepthwiseParams& p = d.geo;
  const int M = p.depth_multiplier;
  for (int oc = 0; oc < d.OC; ++oc) {
    uint32_t acc = uint32_t(d.bias[size_t(oc)]);  // wraps like the reference's int32 sums (a hostile bias)
    for (int ky = win.ky0; ky < win.ky1; ++ky)
      for (int kx = win.kx0; kx < win.kx1; ++kx)
        acc += uint32_t(int32_t(d.w[size_t(ky * p.kw + kx) * size_t(d.OCp) + size_t(oc)]) *
                        (int32_t(win.at(ky, kx)[oc / M]) - d.in_zp));
    o[oc] = requant_scalar(d, oc, int32_t(acc));
  }
}

#if SLIMRT_AVX2_KERNELS
// 8 channels per step: 16-bit products (|w| <= 128, |x - zp| <= 255), widened into int32 sums.
SLIMRT_TARGET_AVX2 void pixel_avx2(const DepthwiseI8& d, const PixelWindow& win, int8_t* o) {
  const DepthwiseParams& p = d.geo;
  const int C = p.in_c;
  const __m128i zp = _mm_set1_epi16(int16_t(d.in_zp));
  for (int c = 0; c < C; c += 8) {
    const int n = std::min(8, C - c);
    __m256i acc = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(d.bias.data() + c));
    for (int ky = win.ky0; ky < win.ky1; ++ky)
      for (int kx = win.kx0; kx < win.kx1; ++kx) {
        const int8_t* x = win.at(ky, kx) + c;
        int64_t xb = 0;
        std::memcpy(&xb, x, size_t(n));
        const __m128i xv = _mm_sub_epi16(_mm_cvtepi8_epi16(_mm_cvtsi64_si128(xb)), zp);
        const __m128i wv = _mm_cvtepi8_epi16(_mm_loadl_epi64(
            reinterpret_cast<const __m128i*>(d.w.data() + size_t(ky * p.kw + kx) * size_t(d.OCp) + c)));
        acc = _mm256_add_epi32(acc, _mm256_cvtepi16_epi32(_mm_mullo_epi16(xv, wv)));
      }
    const __m256i q = requant8(acc, d.mult.data() + c, d.lsh.data() + c, d.rsh.data() + c, d.out_zp, d.lo, d.hi);
    const __m256i b8 = _mm256_packs_epi16(_mm256_packs_epi32(q, q), _mm256_packs_epi32(q, q));
    const uint64_t bytes =
        uint32_t(_mm256_extract_epi32(b8, 0)) | uint64_t(uint32_t(_mm256_extract_epi32(b8, 4))) << 32;
    std::memcpy(o + c, &bytes, size_t(n));
  }
}

// 16 channels per step with masked loads and stores for the last ones.
SLIMRT_TARGET_AVX512 void pixel_avx512(const DepthwiseI8& d, const PixelWindow& win, int8_t* o) {
  const DepthwiseParams& p = d.geo;
  const int C = p.in_c;
  const __m256i zp = _mm256_set1_epi16(int16_t(d.in_zp));
  for (int c = 0; c < C; c += 16) {
    const __mmask16 m = C - c >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (C - c)) - 1);
    __m512i acc = _mm512_loadu_si512(d.bias.data() + c);
    for (int ky = win.ky0; ky < win.ky1; ++ky)
      for (int kx = win.kx0; kx < win.kx1; ++kx) {
        const int8_t* x = win.at(ky, kx) + c;
        const __m256i xv = _mm256_sub_epi16(_mm256_cvtepi8_epi16(_mm_maskz_loadu_epi8(m, x)), zp);
        const __m256i wv = _mm256_cvtepi8_epi16(_mm_loadu_si128(
            reinterpret_cast<const __m128i*>(d.w.data() + size_t(ky * p.kw + kx) * size_t(d.OCp) + c)));
        acc = _mm512_add_epi32(acc, _mm512_cvtepi16_epi32(_mm256_mullo_epi16(xv, wv)));
      }
    const __m512i q = requant16(acc, d.mult.data() + c, d.lsh.data() + c, d.rsh.data() + c, d.out_zp, d.lo, d.hi);
    _mm_mask_storeu_epi8(o + c, m, _mm512_cvtepi32_epi8(q));
  }
}
#endif

#if SLIMRT_NEON_KERNELS
// 8 channels per step: 16-bit inputs minus the zero point, multiply-accumulate long into two int32x4.
void pixel_neon(const DepthwiseI8& d, const PixelWindow& win, int8_t* o) {
  const DepthwiseParams& p = d.geo;
  const int C = p.in_c;
  const int16x8_t zp = vdupq_n_s16(int16_t(d.in_zp));
  for (int c = 0; c < C; c += 8) {
    const int n = std::min(8, C - c);
    int32x4_t lo = vld1q_s32(d.bias.data() + c), hi = vld1q_s32(d.bias.data() + c + 4);
    for (int ky = win.ky0; ky < win.ky1; ++ky)
      for (int kx = win.kx0; kx < win.kx1; ++kx) {
        int8_t xb[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        std::memcpy(xb, win.at(ky, kx) + c, size_t(n));
        const int16x8_t xv = vsubq_s16(vmovl_s8(vld1_s8(xb)), zp);
        const int16x8_t wv = vmovl_s8(vld1_s8(d.w.data() + size_t(ky * p.kw + kx) * size_t(d.OCp) + c));
        lo = vmlal_s16(lo, vget_low_s16(xv), vget_low_s16(wv));
        hi = vmlal_s16(hi, vget_high_s16(xv), vget_high_s16(wv));
      }
    const int32x4_t q0 = requant4(lo, d.mult.data() + c, d.lsh.data() + c, d.rsh.data() + c, d.out_zp, d.lo, d.hi);
    const int32x4_t q1 =
        requant4(hi, d.mult.data() + c + 4, d.lsh.data() + c + 4, d.rsh.data() + c + 4, d.out_zp, d.lo, d.hi);
    int8_t bytes[8];
    vst1_s8(bytes, vqmovn_s16(vcombine_s16(vqmovn_s32(q0), vqmovn_s32(q1))));
    std::memcpy(o + c, bytes, size_t(n));
  }
}
#endif

}  // namespace

void prepare_depthwise_i8(DepthwiseI8* d, const DepthwiseParams& geo, const int8_t* filter, const int32_t* bias,
                          const int32_t* mult, const int32_t* shift, int32_t in_zp, int32_t out_zp, int32_t lo,
                          int32_t hi, Isa isa) {
  d->geo = geo;
  d->in_zp = in_zp, d->out_zp = out_zp, d->lo = lo, d->hi = hi;
  d->isa = isa;
  d->taps = geo.kh * geo.kw;
  d->OC = geo.in_c * geo.depth_multiplier;
  d->OCp = (d->OC + 15) / 16 * 16;
  const size_t OC = size_t(d->OC), OCp = size_t(d->OCp);
  d->w.assign(size_t(d->taps) * OCp, 0);
  for (int t = 0; t < d->taps; ++t) std::memcpy(d->w.data() + size_t(t) * OCp, filter + size_t(t) * OC, OC);
  d->bias.assign(OCp, 0);
  d->mult.assign(OCp, 0);
  d->lsh.assign(OCp, 0);
  d->rsh.assign(OCp, 0);
  for (size_t c = 0; c < OC; ++c) {
    d->bias[c] = bias ? bias[c] : 0;
    d->mult[c] = mult[c];
    d->lsh[c] = shift[c] > 0 ? shift[c] : 0;
    d->rsh[c] = shift[c] > 0 ? 0 : -shift[c];
  }
}

void depthwise_i8_rows(const DepthwiseI8& d, const int8_t* in, int8_t* out, int64_t r0, int64_t r1) {
  PixelFn pixel = pixel_generic;
#if SLIMRT_AVX2_KERNELS
  if (d.geo.depth_multiplier == 1 && d.isa == Isa::kAvx512Vnni) pixel = pixel_avx512;
  if (d.geo.depth_multiplier == 1 && d.isa == Isa::kAvx2) pixel = pixel_avx2;
#endif
#if SLIMRT_NEON_KERNELS
  if (d.geo.depth_multiplier == 1 && (d.isa == Isa::kNeon || d.isa == Isa::kNeonDot)) pixel = pixel_neon;
#endif
  const DepthwiseParams& p = d.geo;
  for (int64_t r = r0; r < r1; ++r)
    for (int ox = 0; ox < p.out_w; ++ox)
      pixel(d, window(p, in, r, ox), out + (size_t(r) * size_t(p.out_w) + size_t(ox)) * size_t(d.OC));
}

}  // namespace kernels
}  // namespace slimrt
