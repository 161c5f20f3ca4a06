// int8 inner loops for the quantized convolution ops: exact integer results, SIMD where available (SSE2 on
// x86, NEON on ARM), plain C++ otherwise. All sums are exact int32 arithmetic, so every path gives identical
// results.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2)
#include <emmintrin.h>
#define SLIMRT_INT8_SSE2 1
#elif defined(__ARM_NEON) || defined(__ARM_NEON__) || defined(_M_ARM64)
#include <arm_neon.h>
#define SLIMRT_INT8_NEON 1
#endif

// The ops are built for size; the per-element helpers must still be inlined.
#if defined(_MSC_VER)
#define SLIMRT_INT8_INLINE __forceinline
#elif defined(__GNUC__) || defined(__clang__)
#define SLIMRT_INT8_INLINE inline __attribute__((always_inline))
#else
#define SLIMRT_INT8_INLINE inline
#endif

namespace slimrt {
namespace int8k {

// TFLite reference requantization (gemmlowp double rounding), the same math as qm::MultiplyByQuantizedMultiplier
// with the shifts split ahead of time: left = max(shift, 0), right = max(-shift, 0), mult in [0, 2^31).
//   hi  = SaturatingRoundingDoublingHighMul(acc << left, mult)   (rounds half up; the saturating case needs
//                                                                 mult == INT32_MIN, impossible here)
//   out = RoundingDivideByPOT(hi, right)                         (rounds half away from zero)
// Right shifts of negative values are written on non-negative operands, so no implementation-defined behaviour.
SLIMRT_INT8_INLINE int32_t requant_double_rounding(int32_t acc, int32_t mult, int left, int right) {
  const int32_t x = static_cast<int32_t>(static_cast<uint32_t>(acc) << left);
  const int64_t ab = int64_t(x) * int64_t(mult);
  // (ab + nudge) / 2^31 truncated toward zero, nudge = 2^30 for ab >= 0 and 1 - 2^30 otherwise.
  const int32_t hi = ab >= 0 ? int32_t((ab + (int64_t(1) << 30)) >> 31)
                             : -int32_t(((int64_t(1) << 30) - 1 - ab) >> 31);
  if (right == 0) return hi;
  const int32_t mask = int32_t((int64_t(1) << right) - 1);
  const int32_t rem = hi & mask;
  const int32_t threshold = (mask >> 1) + (hi < 0 ? 1 : 0);
  const int32_t floor = hi >= 0 ? (hi >> right) : -1 - ((-1 - hi) >> right);
  return floor + (rem > threshold ? 1 : 0);
}

#if defined(SLIMRT_INT8_SSE2)
// Sign-extends the low / high 8 bytes of v to int16.
SLIMRT_INT8_INLINE __m128i widen_lo(__m128i v) { return _mm_srai_epi16(_mm_unpacklo_epi8(v, v), 8); }
SLIMRT_INT8_INLINE __m128i widen_hi(__m128i v) { return _mm_srai_epi16(_mm_unpackhi_epi8(v, v), 8); }
SLIMRT_INT8_INLINE int32_t hsum(__m128i v) {
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0x4E));
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0xB1));
  return _mm_cvtsi128_si32(v);
}
#elif defined(SLIMRT_INT8_NEON)
SLIMRT_INT8_INLINE int32_t hsum(int32x4_t v) {
  int32x2_t s = vadd_s32(vget_low_s32(v), vget_high_s32(v));
  s = vpadd_s32(s, s);
  return vget_lane_s32(s, 0);
}
#endif

// out[r] = sum_k w[r * K + k] * x[k] for r in [0, rows).
inline void dot_rows(const int8_t* w, size_t K, const int8_t* x, int rows, int32_t* out) {
  int r = 0;
#if defined(SLIMRT_INT8_SSE2)
  const size_t K16 = K & ~size_t(15);
  for (; r + 4 <= rows; r += 4) {
    const int8_t* w0 = w + size_t(r) * K;
    const int8_t* w1 = w0 + K;
    const int8_t* w2 = w1 + K;
    const int8_t* w3 = w2 + K;
    __m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t k = 0; k < K16; k += 16) {
      const __m128i xv = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x + k));
      const __m128i xl = widen_lo(xv), xh = widen_hi(xv);
      __m128i v;
      v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w0 + k));
      a0 = _mm_add_epi32(a0, _mm_add_epi32(_mm_madd_epi16(widen_lo(v), xl), _mm_madd_epi16(widen_hi(v), xh)));
      v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w1 + k));
      a1 = _mm_add_epi32(a1, _mm_add_epi32(_mm_madd_epi16(widen_lo(v), xl), _mm_madd_epi16(widen_hi(v), xh)));
      v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w2 + k));
      a2 = _mm_add_epi32(a2, _mm_add_epi32(_mm_madd_epi16(widen_lo(v), xl), _mm_madd_epi16(widen_hi(v), xh)));
      v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w3 + k));
      a3 = _mm_add_epi32(a3, _mm_add_epi32(_mm_madd_epi16(widen_lo(v), xl), _mm_madd_epi16(widen_hi(v), xh)));
    }
    int32_t s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2), s3 = hsum(a3);
    for (size_t k = K16; k < K; ++k) {
      const int32_t xv = x[k];
      s0 += int32_t(w0[k]) * xv, s1 += int32_t(w1[k]) * xv, s2 += int32_t(w2[k]) * xv, s3 += int32_t(w3[k]) * xv;
    }
    out[r] = s0, out[r + 1] = s1, out[r + 2] = s2, out[r + 3] = s3;
  }
  for (; r < rows; ++r) {
    const int8_t* w0 = w + size_t(r) * K;
    __m128i a0 = _mm_setzero_si128();
    for (size_t k = 0; k < K16; k += 16) {
      const __m128i xv = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x + k));
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w0 + k));
      a0 = _mm_add_epi32(a0, _mm_add_epi32(_mm_madd_epi16(widen_lo(v), widen_lo(xv)),
                                           _mm_madd_epi16(widen_hi(v), widen_hi(xv))));
    }
    int32_t s0 = hsum(a0);
    for (size_t k = K16; k < K; ++k) s0 += int32_t(w0[k]) * int32_t(x[k]);
    out[r] = s0;
  }
#elif defined(SLIMRT_INT8_NEON)
  const size_t K16 = K & ~size_t(15);
  for (; r + 4 <= rows; r += 4) {
    const int8_t* w0 = w + size_t(r) * K;
    const int8_t* w1 = w0 + K;
    const int8_t* w2 = w1 + K;
    const int8_t* w3 = w2 + K;
    int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
    for (size_t k = 0; k < K16; k += 16) {
      const int8x16_t xv = vld1q_s8(x + k);
      const int8x8_t xl = vget_low_s8(xv), xh = vget_high_s8(xv);
      int8x16_t v;
      // |w * x| <= 128 * 128, so two products fit an int16 lane before the pairwise accumulate.
      v = vld1q_s8(w0 + k);
      a0 = vpadalq_s16(a0, vmull_s8(vget_low_s8(v), xl));
      a0 = vpadalq_s16(a0, vmull_s8(vget_high_s8(v), xh));
      v = vld1q_s8(w1 + k);
      a1 = vpadalq_s16(a1, vmull_s8(vget_low_s8(v), xl));
      a1 = vpadalq_s16(a1, vmull_s8(vget_high_s8(v), xh));
      v = vld1q_s8(w2 + k);
      a2 = vpadalq_s16(a2, vmull_s8(vget_low_s8(v), xl));
      a2 = vpadalq_s16(a2, vmull_s8(vget_high_s8(v), xh));
      v = vld1q_s8(w3 + k);
      a3 = vpadalq_s16(a3, vmull_s8(vget_low_s8(v), xl));
      a3 = vpadalq_s16(a3, vmull_s8(vget_high_s8(v), xh));
    }
    int32_t s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2), s3 = hsum(a3);
    for (size_t k = K16; k < K; ++k) {
      const int32_t xv = x[k];
      s0 += int32_t(w0[k]) * xv, s1 += int32_t(w1[k]) * xv, s2 += int32_t(w2[k]) * xv, s3 += int32_t(w3[k]) * xv;
    }
    out[r] = s0, out[r + 1] = s1, out[r + 2] = s2, out[r + 3] = s3;
  }
  for (; r < rows; ++r) {
    const int8_t* w0 = w + size_t(r) * K;
    int32x4_t a0 = vdupq_n_s32(0);
    for (size_t k = 0; k < K16; k += 16) {
      const int8x16_t xv = vld1q_s8(x + k), v = vld1q_s8(w0 + k);
      a0 = vpadalq_s16(a0, vmull_s8(vget_low_s8(v), vget_low_s8(xv)));
      a0 = vpadalq_s16(a0, vmull_s8(vget_high_s8(v), vget_high_s8(xv)));
    }
    int32_t s0 = hsum(a0);
    for (size_t k = K16; k < K; ++k) s0 += int32_t(w0[k]) * int32_t(x[k]);
    out[r] = s0;
  }
#endif
  for (; r < rows; ++r) {
    const int8_t* w0 = w + size_t(r) * K;
    int32_t s0 = 0;
    for (size_t k = 0; k < K; ++k) s0 += int32_t(w0[k]) * int32_t(x[k]);
    out[r] = s0;
  }
}

// acc[c] += w[c] * (x[c] - zp) for c in [0, n): one depthwise tap. |w * (x - zp)| <= 128 * 255 fits int16.
inline void dw_tap(const int8_t* x, const int8_t* w, int32_t zp, int n, int32_t* acc) {
  int c = 0;
#if defined(SLIMRT_INT8_SSE2)
  const __m128i z = _mm_set1_epi16(int16_t(zp));
  for (; c + 16 <= n; c += 16) {
    const __m128i xv = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x + c));
    const __m128i wv = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + c));
    const __m128i p0 = _mm_mullo_epi16(_mm_sub_epi16(widen_lo(xv), z), widen_lo(wv));
    const __m128i p1 = _mm_mullo_epi16(_mm_sub_epi16(widen_hi(xv), z), widen_hi(wv));
    __m128i* a = reinterpret_cast<__m128i*>(acc + c);
    _mm_storeu_si128(a, _mm_add_epi32(_mm_loadu_si128(a), _mm_srai_epi32(_mm_unpacklo_epi16(p0, p0), 16)));
    _mm_storeu_si128(a + 1, _mm_add_epi32(_mm_loadu_si128(a + 1), _mm_srai_epi32(_mm_unpackhi_epi16(p0, p0), 16)));
    _mm_storeu_si128(a + 2, _mm_add_epi32(_mm_loadu_si128(a + 2), _mm_srai_epi32(_mm_unpacklo_epi16(p1, p1), 16)));
    _mm_storeu_si128(a + 3, _mm_add_epi32(_mm_loadu_si128(a + 3), _mm_srai_epi32(_mm_unpackhi_epi16(p1, p1), 16)));
  }
#elif defined(SLIMRT_INT8_NEON)
  const int16x8_t z = vdupq_n_s16(int16_t(zp));
  for (; c + 8 <= n; c += 8) {
    const int16x8_t xv = vsubq_s16(vmovl_s8(vld1_s8(x + c)), z);
    const int16x8_t p = vmulq_s16(xv, vmovl_s8(vld1_s8(w + c)));
    vst1q_s32(acc + c, vaddw_s16(vld1q_s32(acc + c), vget_low_s16(p)));
    vst1q_s32(acc + c + 4, vaddw_s16(vld1q_s32(acc + c + 4), vget_high_s16(p)));
  }
#endif
  for (; c < n; ++c) acc[c] += int32_t(w[c]) * (int32_t(x[c]) - zp);
}

}  // namespace int8k
}  // namespace slimrt
