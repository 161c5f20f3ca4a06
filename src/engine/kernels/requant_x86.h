// Internal to kernels/: TFLite's double-rounding requantization (int8k::requant_double_rounding) on 8 / 16 int32
// lanes, each lane with its own multiplier and shifts (per output channel), then + zero point and the clamp:
//   x = acc << lsh; hi = (x * mult + 2^30) >> 31 (64-bit products of even and odd lanes; only bits 31..62 are
//   kept, so a logical shift serves); then RoundingDivideByPOT(hi, rsh) in its mask / threshold form.
// Bit-identical to the scalar form (tests/cpp/int8_kernels_test.cc).
#pragma once

#include <cstdint>

#include "conv_simd.h"

#if SLIMRT_AVX2_KERNELS
namespace slimrt {
namespace kernels {

SLIMRT_TARGET_AVX2 inline __m256i requant8(__m256i acc, const int32_t* mult_p, const int32_t* lsh_p, const int32_t* rsh_p,
                                            int32_t out_zp, int32_t lo, int32_t hi_clamp) {
  const __m256i mult = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(mult_p));
  const __m256i lsh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lsh_p));
  const __m256i rsh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rsh_p));
  const __m256i x = _mm256_sllv_epi32(acc, lsh);
  const __m256i nudge = _mm256_set1_epi64x(int64_t(1) << 30);
  const __m256i ev = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(x, mult), nudge), 31);
  const __m256i od = _mm256_slli_epi64(
      _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(mult, 32)), nudge), 1);
  const __m256i hi = _mm256_blend_epi32(ev, od, 0xAA);
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, rsh), one);
  const __m256i rem = _mm256_and_si256(hi, mask);
  const __m256i thr = _mm256_sub_epi32(_mm256_srai_epi32(mask, 1), _mm256_cmpgt_epi32(_mm256_setzero_si256(), hi));
  __m256i r = _mm256_sub_epi32(_mm256_srav_epi32(hi, rsh), _mm256_cmpgt_epi32(rem, thr));
  r = _mm256_add_epi32(r, _mm256_set1_epi32(out_zp));
  return _mm256_min_epi32(_mm256_set1_epi32(hi_clamp), _mm256_max_epi32(_mm256_set1_epi32(lo), r));
}

SLIMRT_TARGET_AVX512 inline __m512i requant16(__m512i acc, const int32_t* mult_p, const int32_t* lsh_p,
                                              const int32_t* rsh_p, int32_t out_zp, int32_t lo, int32_t hi_clamp) {
  const __m512i mult = _mm512_loadu_si512(mult_p);
  const __m512i lsh = _mm512_loadu_si512(lsh_p);
  const __m512i rsh = _mm512_loadu_si512(rsh_p);
  const __m512i x = _mm512_sllv_epi32(acc, lsh);
  const __m512i nudge = _mm512_set1_epi64(int64_t(1) << 30);
  const __m512i ev = _mm512_srli_epi64(_mm512_add_epi64(_mm512_mul_epi32(x, mult), nudge), 31);
  const __m512i od = _mm512_slli_epi64(
      _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_srli_epi64(mult, 32)), nudge), 1);
  const __m512i hi = _mm512_mask_blend_epi32(0xAAAA, ev, od);
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, rsh), one);
  const __m512i rem = _mm512_and_si512(hi, mask);
  __m512i thr = _mm512_srai_epi32(mask, 1);
  thr = _mm512_mask_add_epi32(thr, _mm512_cmplt_epi32_mask(hi, _mm512_setzero_si512()), thr, one);
  __m512i r = _mm512_srav_epi32(hi, rsh);
  r = _mm512_mask_add_epi32(r, _mm512_cmpgt_epi32_mask(rem, thr), r, one);
  r = _mm512_add_epi32(r, _mm512_set1_epi32(out_zp));
  return _mm512_min_epi32(_mm512_set1_epi32(hi_clamp), _mm512_max_epi32(_mm512_set1_epi32(lo), r));
}

}  // namespace kernels
}  // namespace slimrt
#endif
