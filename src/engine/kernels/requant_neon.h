// Internal to kernels/: TFLite's double-rounding requantization on 4 int32 lanes (NEON), each lane with its own
// multiplier and shifts, then + zero point and the clamp. vqrdmulhq_s32 is exactly SaturatingRoundingDoublingHighMul
// ((2ab + 2^31) >> 32 = floor((ab + 2^30) / 2^31), saturating only INT32_MIN^2); RoundingDivideByPOT in its
// mask / threshold form. Bit-identical to int8k::requant_double_rounding (tests/cpp/int8_kernels_test.cc).
#pragma once

#include <cstdint>

#include "conv_simd.h"

#if SLIMRT_NEON_KERNELS
namespace slimrt {
namespace kernels {

inline int32x4_t requant4(int32x4_t acc, const int32_t* mult, const int32_t* lsh, const int32_t* rsh, int32_t out_zp,
                          int32_t lo, int32_t hi) {
  const int32x4_t r = vld1q_s32(rsh);
  const int32x4_t x = vshlq_s32(acc, vld1q_s32(lsh));
  const int32x4_t h = vqrdmulhq_s32(x, vld1q_s32(mult));
  const int32x4_t one = vdupq_n_s32(1);
  const int32x4_t mask = vsubq_s32(vshlq_s32(one, r), one);
  const int32x4_t rem = vandq_s32(h, mask);
  // threshold = mask / 2 + (h < 0); comparisons give -1 for true.
  const int32x4_t thr = vsubq_s32(vshrq_n_s32(mask, 1), vreinterpretq_s32_u32(vcltq_s32(h, vdupq_n_s32(0))));
  int32x4_t q = vshlq_s32(h, vnegq_s32(r));  // arithmetic shift right by rsh (floor)
  q = vsubq_s32(q, vreinterpretq_s32_u32(vcgtq_s32(rem, thr)));
  q = vaddq_s32(q, vdupq_n_s32(out_zp));
  return vminq_s32(vdupq_n_s32(hi), vmaxq_s32(vdupq_n_s32(lo), q));
}

// Four lanes of four requantized vectors (values already in int8 range) -> 16 bytes.
inline int8x16_t narrow16(int32x4_t a, int32x4_t b, int32x4_t c, int32x4_t d) {
  const int16x8_t ab = vcombine_s16(vqmovn_s32(a), vqmovn_s32(b));
  const int16x8_t cd = vcombine_s16(vqmovn_s32(c), vqmovn_s32(d));
  return vcombine_s8(vqmovn_s16(ab), vqmovn_s16(cd));
}

}  // namespace kernels
}  // namespace slimrt
#endif
