// Fixed-point helpers for quantized kernels, with the exact rounding behaviour of TFLite's reference kernels
// (gemmlowp-style): a real multiplier M is represented as a Q31 mantissa in [2^30, 2^31) and a power-of-two
// exponent, M ~= mult * 2^(shift - 31); products are taken with a rounding doubling high multiply and
// a rounding (half away from zero) arithmetic right shift.
//
// Everything here is portable C++17: integer overflow is avoided (products go through int64, the left shift
// of MultiplyByQuantizedMultiplier wraps through uint32 like the two's-complement hardware the reference
// runs on), and right shifts of negative values are written so they do not rely on arithmetic shifting.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace slimrt {
namespace qm {

// Arithmetic (floor) right shift of a signed value, 0 <= n < 64, without implementation-defined behaviour.
inline int64_t ShiftRightFloor64(int64_t x, int n) {
  return x >= 0 ? (x >> n) : -1 - ((-1 - x) >> n);
}
inline int32_t ShiftRightFloor32(int32_t x, int n) {
  return x >= 0 ? (x >> n) : -1 - ((-1 - x) >> n);
}

// Splits a real multiplier m >= 0 into a Q31 mantissa in [2^30, 2^31) and an exponent: m ~= mult * 2^(shift-31).
// m == 0 (and multipliers too small to represent, exponent < -31) give mult = 0, shift = 0.
inline void QuantizeMultiplier(double m, int32_t* mult, int* shift) {
  if (!(m > 0.0) || !std::isfinite(m)) {  // zero, negative, nan: nothing sensible to represent
    *mult = 0;
    *shift = 0;
    return;
  }
  int e = 0;
  const double frac = std::frexp(m, &e);  // frac in [0.5, 1)
  int64_t q = static_cast<int64_t>(std::round(frac * 2147483648.0));  // round half away from zero
  if (q == (int64_t(1) << 31)) {
    q /= 2;
    ++e;
  }
  if (e < -31) {
    q = 0;
    e = 0;
  }
  *mult = static_cast<int32_t>(q);
  *shift = e;
}

// For multipliers known to be < 1 (shift <= 0), as TFLite's QuantizeMultiplierSmallerThanOneExp.
inline void QuantizeMultiplierSmallerThanOneExp(double m, int32_t* mult, int* left_shift) {
  QuantizeMultiplier(m, mult, left_shift);
}

// round((a * b) / 2^31) with ties away from zero, saturating the single overflow case (INT32_MIN * INT32_MIN).
inline int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::max();
  const int64_t ab = int64_t(a) * int64_t(b);
  const int64_t nudge = ab >= 0 ? (int64_t(1) << 30) : (1 - (int64_t(1) << 30));
  // Division truncating toward zero (C++ semantics), as the reference does.
  return static_cast<int32_t>((ab + nudge) / (int64_t(1) << 31));
}

// x / 2^exponent rounded to nearest, ties away from zero. 0 <= exponent <= 31.
inline int32_t RoundingDivideByPOT(int32_t x, int exponent) {
  const int32_t mask = int32_t((int64_t(1) << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return ShiftRightFloor32(x, exponent) + (remainder > threshold ? 1 : 0);
}
inline int64_t RoundingDivideByPOT64(int64_t x, int exponent) {
  const int64_t mask = int64_t((uint64_t(1) << exponent) - 1);
  const int64_t remainder = x & mask;
  const int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return ShiftRightFloor64(x, exponent) + (remainder > threshold ? 1 : 0);
}

// x * 2^left_shift with two's-complement wrap-around (what the reference's int32 multiply does in practice).
inline int32_t WrappingShiftLeft(int32_t x, int left_shift) {
  return static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
}

// x * M where M = mult * 2^(shift-31) (mult, shift from QuantizeMultiplier), TFLite reference rounding.
inline int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t mult, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(WrappingShiftLeft(x, left_shift), mult), right_shift);
}

// Variants named after TFLite's: multiplier < 1 (shift <= 0) and multiplier > 1 (shift >= 0).
inline int32_t MultiplyByQuantizedMultiplierSmallerThanOneExp(int32_t x, int32_t mult, int shift) {
  return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, mult), -shift);
}
inline int32_t MultiplyByQuantizedMultiplierGreaterThanOne(int32_t x, int32_t mult, int left_shift) {
  return SaturatingRoundingDoublingHighMul(WrappingShiftLeft(x, left_shift), mult);
}

// 64-bit input variant (TFLite's MultiplyByQuantizedMultiplier(int64_t, ...), used by int16 kernels):
// mult is rounded to Q15 first; result = round(x * mult15 * 2^(shift-15)) truncated to int32 like the reference
// (which wraps when a hostile or extreme input overflows it). |x| < 2^47 keeps the product in int64.
inline int32_t MultiplyByQuantizedMultiplier64(int64_t x, int32_t mult, int shift) {
  const int32_t reduced = mult < 0x7FFF0000 ? ((mult + (1 << 15)) >> 16) : 0x7FFF;
  const int total_shift = 15 - shift;
  // Wrapping arithmetic: inside the reference's range (|x| < 2^47) it is exact; a hostile x must not be UB.
  const uint64_t round = total_shift > 0 ? (uint64_t(1) << (total_shift - 1)) : 0;
  const int64_t prod = int64_t(uint64_t(x) * uint64_t(int64_t(reduced)) + round);
  const int64_t r = total_shift > 0 ? ShiftRightFloor64(prod, total_shift) : prod;
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(r)));
}

// Round half away from zero (TfLiteRound semantics, i.e. std::round), for float -> int quantization.
inline float RoundHalfAway(float x) { return std::round(x); }

template <class T>
inline T SaturateCast(int32_t v) {
  const int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  return static_cast<T>(v < lo ? lo : (v > hi ? hi : v));
}

}  // namespace qm
}  // namespace slimrt
