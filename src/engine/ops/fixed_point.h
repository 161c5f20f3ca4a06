// Fixed-point transcendental functions with the exact results of the gemmlowp routines TFLite's quantized
// reference kernels use (softmax, log-softmax, L2 normalization).
//
// A value is a raw int32 plus a number of integer bits IB (Q(IB).(31-IB)): real = raw * 2^(IB-31). The product of
// an IBa and an IBb value is SaturatingRoundingDoublingHighMul of the raws with IBa+IBb integer bits; Rescale to
// another IB is a saturating / rounding multiply by a power of two. Additions wrap (the reference's plain int32
// adds never overflow for valid inputs; hostile inputs must not make slimrt's behaviour undefined).
#pragma once

#include <cstdint>
#include <limits>

#include "kernels/quant_math.h"

namespace slimrt {
namespace fxp {

inline int32_t add(int32_t a, int32_t b) { return int32_t(uint32_t(a) + uint32_t(b)); }
inline int32_t sub(int32_t a, int32_t b) { return int32_t(uint32_t(a) - uint32_t(b)); }
inline int32_t mul(int32_t a, int32_t b) { return qm::SaturatingRoundingDoublingHighMul(a, b); }

// x * 2^e: saturating for e > 0, rounding half away from zero for e < 0. -31 <= e <= 31.
inline int32_t mul_pot(int32_t x, int e) {
  if (e == 0) return x;
  if (e < 0) return qm::RoundingDivideByPOT(x, -e);
  const int32_t threshold = int32_t((int64_t(1) << (31 - e)) - 1);
  if (x > threshold) return std::numeric_limits<int32_t>::max();
  if (x < -threshold) return std::numeric_limits<int32_t>::min();
  return int32_t(uint32_t(x) << e);
}

// Changes the integer bits of a value from src to dst.
inline int32_t rescale(int32_t x, int src_bits, int dst_bits) { return mul_pot(x, src_bits - dst_bits); }

// (a + b) / 2 rounded half away from zero.
inline int32_t rounding_half_sum(int32_t a, int32_t b) {
  const int64_t s = int64_t(a) + b;
  return int32_t((s + (s >= 0 ? 1 : -1)) / 2);
}

inline int clz32(uint32_t x) {
  if (x == 0) return 32;
  int n = 0;
  while (!(x & 0x80000000u)) {
    x <<= 1;
    ++n;
  }
  return n;
}

// exp(a) for a in [-1/4, 0), Q0.31 in and out: Taylor expansion around -1/8.
inline int32_t exp_quarter_interval(int32_t a) {
  const int32_t exp_minus_one_eighth = 1895147668, one_third = 715827883;
  const int32_t x = add(a, 1 << 28);
  const int32_t x2 = mul(x, x), x3 = mul(x2, x), x4 = mul(x2, x2);
  const int32_t x4_over_4 = mul_pot(x4, -2);
  const int32_t poly = mul_pot(add(mul(add(x4_over_4, x3), one_third), x2), -1);
  return add(exp_minus_one_eighth, mul(exp_minus_one_eighth, add(x, poly)));
}

// exp(a) for a <= 0 with `bits` integer bits; result Q0.31 (1.0 saturates to INT32_MAX).
inline int32_t exp_on_negative_values(int32_t a, int bits) {
  const int frac = 31 - bits;
  const int32_t quarter = int32_t(1) << (frac - 2);
  const int32_t a_mod = sub(a & (quarter - 1), quarter);  // in [-1/4, 0)
  int32_t result = exp_quarter_interval(rescale(a_mod, bits, 0));
  const int32_t remainder = sub(a_mod, a);
  // exp(-2^k) for k = -2..4, Q0.31.
  static const int32_t kMult[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  for (int k = -2; k <= 4; ++k) {
    if (bits > k && (remainder & (int32_t(1) << (frac + k)))) result = mul(result, kMult[k + 2]);
  }
  if (bits > 5 && a < -(int32_t(1) << (36 - bits))) result = 0;  // below -32: exp is 0
  return a == 0 ? std::numeric_limits<int32_t>::max() : result;
}

// 1 / (1 + a) for a in [0, 1), Q0.31 in and out (Newton-Raphson, 3 iterations).
inline int32_t one_over_one_plus_x(int32_t a) {
  const int32_t half_denominator = rounding_half_sum(a, std::numeric_limits<int32_t>::max());
  const int32_t c48_17 = 1515870810, c_neg32_17 = -1010580540;  // Q2.29
  int32_t x = add(c48_17, mul(half_denominator, c_neg32_17));
  for (int i = 0; i < 3; ++i) {
    const int32_t one_minus = sub(int32_t(1) << 29, mul(half_denominator, x));
    x = add(x, rescale(mul(x, one_minus), 4, 2));
  }
  return rescale(x, 1, 0);
}

// 1 / x for a positive x with `bits` integer bits: returns a Q0.31 scale s and num_bits_over_unit n with
// 1/x = s * 2^-n (TFLite's GetReciprocal).
inline int32_t reciprocal(int32_t x, int bits, int* num_bits_over_unit) {
  int h = clz32(uint32_t(x));
  if (h > 31) h = 31;  // x == 0: not a valid input; keep the shifts defined
  *num_bits_over_unit = bits - h;
  return one_over_one_plus_x(int32_t((uint32_t(x) << h) - 0x80000000u));
}

// log(x) for x >= 1 (x with `in_bits` integer bits), result with `out_bits` integer bits (TFLite's
// log_x_for_x_greater_than_or_equal_to_1).
int32_t log_x_ge_1(int32_t x, int in_bits, int out_bits);

// 1 / sqrt(x) as a Q0.31 multiplier and a shift (TFLite's GetInvSqrtQuantizedMultiplierExp, reverse_shift -1).
void inv_sqrt_multiplier(int32_t x, int32_t* mult, int* shift);

}  // namespace fxp
}  // namespace slimrt
