// Generic and quantized row kernels of the elementwise binary ops (see elementwise_quant.h).
#include "elementwise_quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "conv_simd.h"
#include "cpu.h"
#include "int8_dot.h"
#include "quant_math.h"
#include "requant_x86.h"

namespace slimrt {
namespace ew {
namespace {

int64_t LoadInt(const void* p, int64_t i, DType t) {
  switch (t) {
    case DType::kInt8: return static_cast<const int8_t*>(p)[i];
    case DType::kUInt8: return static_cast<const uint8_t*>(p)[i];
    case DType::kBool: return static_cast<const uint8_t*>(p)[i] != 0;
    case DType::kInt16: return static_cast<const int16_t*>(p)[i];
    case DType::kInt32: return static_cast<const int32_t*>(p)[i];
    default: return static_cast<const int64_t*>(p)[i];
  }
}

// Stores the low bits of v (two's-complement wrap to the type), or v != 0 for bool.
void StoreInt(void* p, int64_t i, DType t, int64_t v) {
  switch (t) {
    case DType::kInt8:
    case DType::kUInt8: static_cast<uint8_t*>(p)[i] = uint8_t(uint64_t(v)); break;
    case DType::kBool: static_cast<uint8_t*>(p)[i] = v != 0; break;
    case DType::kInt16: static_cast<uint16_t*>(p)[i] = uint16_t(uint64_t(v)); break;
    case DType::kInt32: static_cast<uint32_t*>(p)[i] = uint32_t(uint64_t(v)); break;
    default: static_cast<int64_t*>(p)[i] = v;
  }
}

// v wrapped to the width of type t (sign-extended back to int64).
int64_t WrapTo(DType t, int64_t v) {
  switch (t) {
    case DType::kInt8: return int8_t(uint8_t(uint64_t(v)));
    case DType::kUInt8: return uint8_t(uint64_t(v));
    case DType::kInt16: return int16_t(uint16_t(uint64_t(v)));
    case DType::kInt32: return int32_t(uint32_t(uint64_t(v)));
    default: return v;
  }
}

// A double converted to the integer type t as the reference's static_cast does: in-range values truncate;
// out-of-range values and NaN (undefined behaviour in C++) give what x86's conversion instruction gives, the
// lowest value of int32/int64, wrapped to t.
int64_t DoubleToInt(DType t, double d) {
  if (t == DType::kInt64) {
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return std::numeric_limits<int64_t>::min();
    return int64_t(d);
  }
  if (!(d > -2147483649.0 && d < 2147483648.0)) return std::numeric_limits<int32_t>::min();
  return WrapTo(t, int64_t(d));
}

template <class T>
bool Compare(Op op, T x, T y) {
  switch (op) {
    case Op::kEqual: return x == y;
    case Op::kNotEqual: return x != y;
    case Op::kLess: return x < y;
    case Op::kLessEqual: return x <= y;
    case Op::kGreater: return x > y;
    default: return x >= y;
  }
}

int64_t IntOp(const Params& p, int64_t x, int64_t y) {
  const uint64_t ux = uint64_t(x), uy = uint64_t(y);
  int64_t r;
  if (y == 0 && (p.op == Op::kDiv || p.op == Op::kFloorDiv || p.op == Op::kFloorMod)) return 0;  // op checks first
  switch (p.op) {
    case Op::kAdd: r = int64_t(ux + uy); break;
    case Op::kSub: r = int64_t(ux - uy); break;
    case Op::kMul: r = int64_t(ux * uy); break;
    case Op::kDiv:  // truncating; the one overflow (INT32_MIN / -1) saturates, as the official kernels give
      r = (y == -1) ? (x == std::numeric_limits<int64_t>::min() ? std::numeric_limits<int64_t>::max() : -x) : x / y;
      if (p.in_type == DType::kInt32) r = std::min<int64_t>(r, std::numeric_limits<int32_t>::max());
      break;
    case Op::kFloorDiv: return DoubleToInt(p.in_type, std::floor(double(x) / double(y)));
    case Op::kFloorMod: {
      const int64_t m = (y == -1) ? 0 : x % y;
      r = (m != 0 && ((y < 0) != (m < 0))) ? m + y : m;
      break;
    }
    case Op::kPow: return DoubleToInt(p.in_type, std::pow(double(x), double(y)));
    case Op::kMax: return std::max(x, y);
    case Op::kMin: return std::min(x, y);
    case Op::kSquaredDiff: {
      const uint64_t d = uint64_t(WrapTo(p.in_type, int64_t(ux - uy)));
      r = int64_t(d * d);
      break;
    }
    case Op::kAnd: return (x != 0) && (y != 0);
    case Op::kOr: return (x != 0) || (y != 0);
    default: return Compare(p.op, x, y);
  }
  r = WrapTo(p.in_type, r);
  return std::min(std::max(r, p.lmin), p.lmax);
}

float FloatOp(const Params& p, float x, float y) {
  float r;
  switch (p.op) {
    case Op::kAdd: r = x + y; break;
    case Op::kSub: r = x - y; break;
    case Op::kMul: r = x * y; break;
    case Op::kDiv: r = x / y; break;
    case Op::kFloorDiv: r = float(std::floor(double(x) / double(y))); break;
    case Op::kFloorMod: {
      const float m = std::fmod(x, y);
      r = (m != 0 && ((y < 0) != (m < 0))) ? m + y : m;
      break;
    }
    case Op::kPow: r = std::pow(x, y); break;
    case Op::kMax: return x > y ? x : y;
    case Op::kMin: return x < y ? x : y;
    case Op::kSquaredDiff: r = (x - y) * (x - y); break;
    default: return Compare(p.op, x, y) ? 1.f : 0.f;
  }
  r = r < p.fmin ? p.fmin : r;
  return p.fmax < r ? p.fmax : r;
}

bool IsComparison(Op op) { return op >= Op::kEqual && op <= Op::kGreaterEqual; }

int32_t Clamp(const Params& p, int32_t v) { return std::min(p.qmax, std::max(p.qmin, v)); }

// z[i] = f(x[i or 0], y[i or 0]) over typed rows: the loop every typed row kernel shares.
template <class In, class Out, class F>
void TypedRow(void* o, const void* a, const void* b, int64_t n, bool sa, bool sb, F f) {
  const In* x = static_cast<const In*>(a);
  const In* y = static_cast<const In*>(b);
  Out* z = static_cast<Out*>(o);
  const int64_t ia = sa, ib = sb;
  for (int64_t i = 0; i < n; ++i) z[i] = f(x[i * ia], y[i * ib]);
}

// ---- gemmlowp-style fixed point, for the reciprocal of quantized DIV ----

int CountLeadingZeros32(uint32_t x) {
  int n = 0;
  for (uint32_t bit = 0x80000000u; bit && !(x & bit); bit >>= 1) ++n;
  return n;
}

// Leading bits equal to the sign bit, not counting the sign bit itself (31 for 0 and -1).
int CountLeadingSignBits32(int32_t x) {
  return CountLeadingZeros32(x >= 0 ? uint32_t(x) : ~uint32_t(x)) - 1;
}

// x * 2^e with saturation (e > 0) or rounding (e < 0), as the fixed-point Rescale does.
int32_t SaturatingRoundingMulByPOT(int32_t x, int e) {
  if (e <= 0) return qm::RoundingDivideByPOT(x, -e);
  const int32_t threshold = int32_t((int64_t(1) << (31 - e)) - 1);
  if (x > threshold) return std::numeric_limits<int32_t>::max();
  if (x < -threshold) return std::numeric_limits<int32_t>::min();
  return qm::WrappingShiftLeft(x, e);
}

int32_t Wrap32(int64_t v) { return int32_t(uint32_t(uint64_t(v))); }

// 1 / (1 + a) for a in [0, 1), a and the result with 0 integer bits (raw / 2^31): Newton-Raphson from 48/17 -
// 32/17 * d with d = (1 + a) / 2, three iterations in the 2-integer-bit format.
int32_t OneOverOnePlusX(int32_t a) {
  const int64_t sum = int64_t(a) + std::numeric_limits<int32_t>::max();  // a + One (0 integer bits)
  const int32_t half_denominator = int32_t((sum + (sum >= 0 ? 1 : -1)) / 2);
  const int32_t c48_17 = 1515870810, cneg32_17 = -1010580540;  // 48/17 and -32/17 with 2 integer bits
  int32_t x = Wrap32(int64_t(c48_17) + qm::SaturatingRoundingDoublingHighMul(half_denominator, cneg32_17));
  const int32_t one_f2 = 1 << 29;
  for (int i = 0; i < 3; ++i) {
    const int32_t hdx = qm::SaturatingRoundingDoublingHighMul(half_denominator, x);  // 2 integer bits
    const int32_t one_minus = Wrap32(int64_t(one_f2) - hdx);
    const int32_t prod = qm::SaturatingRoundingDoublingHighMul(x, one_minus);  // 4 integer bits
    x = Wrap32(int64_t(x) + SaturatingRoundingMulByPOT(prod, 2));
  }
  return SaturatingRoundingMulByPOT(x, 1);  // x / 2 with 1 integer bit, rescaled to 0 integer bits
}

// The reference's RoundingDivideByPOT for exponents outside [0, 31] as it runs on x86-64 and AArch64 (C++ leaves such
// shifts undefined; the hardware takes 64-bit shift counts mod 64 and 32-bit ones mod 32): the mask 2^e - 1 is built
// in 64 bits and truncated to 32, the shift of x uses e mod 32. Quantized DIV reaches exponents up to ~80 for
// dividends near zero, and negative ones for output multipliers above 2^15; the official kernels produce exactly
// this there.
int32_t RoundingDivideByPOTWideImpl(int32_t x, int e) {
  if (e >= 0 && e <= 31) return qm::RoundingDivideByPOT(x, e);
  const int32_t mask = int32_t(uint32_t((uint64_t(1) << (e & 63)) - 1));
  const int32_t remainder = x & mask;
  const int32_t threshold = qm::ShiftRightFloor32(mask, 1) + (x < 0 ? 1 : 0);
  return qm::ShiftRightFloor32(x, e & 31) + (remainder > threshold ? 1 : 0);
}

// Reciprocal of x > 0 with x_integer_digits integer bits: a Q31 mantissa and the exponent above 1.
int32_t GetReciprocal(int32_t x, int x_integer_digits, int* num_bits_over_unit) {
  const int headroom_plus_one = CountLeadingZeros32(uint32_t(x));
  *num_bits_over_unit = x_integer_digits - headroom_plus_one;
  const int32_t shifted_minus_one = int32_t((uint32_t(x) << headroom_plus_one) - (uint32_t(1) << 31));
  return OneOverOnePlusX(shifted_minus_one);
}

}  // namespace

void RunBinaryRows(const BroadcastPlan& p, BinaryRowFn row, const Params& prm, const void* a, size_t esa,
                   const void* b, size_t esb, void* o, size_t eso, int64_t row_begin, int64_t row_end) {
  if (row_begin >= row_end) return;
  const uint8_t* pa = static_cast<const uint8_t*>(a);
  const uint8_t* pb = static_cast<const uint8_t*>(b);
  uint8_t* po = static_cast<uint8_t*>(o);
  const bool sa = p.a_inner_step(), sb = p.b_inner_step();
  if (p.rank == 1) {  // one row, split by elements
    row(prm, po + size_t(row_begin) * eso, sa ? pa + size_t(row_begin) * esa : pa,
        sb ? pb + size_t(row_begin) * esb : pb, row_end - row_begin, sa, sb);
    return;
  }
  const int64_t n = p.inner();
  ForEachBroadcastRowOffset(p, row_begin, row_end, [&](int64_t oo, int64_t oa, int64_t ob) {
    row(prm, po + size_t(oo) * eso, pa + size_t(oa) * esa, pb + size_t(ob) * esb, n, sa, sb);
  });
}

void GenericIntRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb) {
  const int64_t ia = sa, ib = sb;
  for (int64_t i = 0; i < n; ++i)
    StoreInt(o, i, p.out_type, IntOp(p, LoadInt(a, i * ia, p.in_type), LoadInt(b, i * ib, p.in_type)));
}

void GenericFloatRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb) {
  if (IsComparison(p.op))
    TypedRow<float, uint8_t>(o, a, b, n, sa, sb, [&](float x, float y) { return uint8_t(Compare(p.op, x, y)); });
  else
    TypedRow<float, float>(o, a, b, n, sa, sb, [&](float x, float y) { return FloatOp(p, x, y); });
}

#if SLIMRT_AVX2_KERNELS
// 8-bit ADD / SUB / SQUARED_DIFFERENCE, 8 lanes at a time: the rescaled inputs gathered from the same per-value
// tables, the output requantization of requant_x86.h (bit-identical to the scalar row, which does the tail).
SLIMRT_TARGET_AVX2 void Quant8AddRowAvx2(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa,
                                         bool sb) {
  const uint8_t* x = static_cast<const uint8_t*>(a);
  const uint8_t* y = static_cast<const uint8_t*>(b);
  uint8_t* z = static_cast<uint8_t*>(o);
  int32_t mult[8], lsh[8], rsh[8];
  for (int i = 0; i < 8; ++i) mult[i] = p.out_mult, lsh[i] = 0, rsh[i] = -p.out_shift;
  const bool square = p.op == Op::kSquaredDiff;
  const __m256i xc = _mm256_set1_epi32(p.ta[x[0]]), yc = _mm256_set1_epi32(p.tb[y[0]]);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i xv = sa ? _mm256_i32gather_epi32(p.ta, _mm256_cvtepu8_epi32(_mm_loadl_epi64(
                                                             reinterpret_cast<const __m128i*>(x + i))), 4)
                          : xc;
    const __m256i yv = sb ? _mm256_i32gather_epi32(p.tb, _mm256_cvtepu8_epi32(_mm_loadl_epi64(
                                                             reinterpret_cast<const __m128i*>(y + i))), 4)
                          : yc;
    __m256i raw = _mm256_add_epi32(xv, yv);
    if (square) raw = _mm256_mullo_epi32(raw, raw);
    const __m256i r = kernels::requant8(raw, mult, lsh, rsh, p.out_offset, p.qmin, p.qmax);
    // Values are in the output type's range: the signed packs keep int8 ones, and uint8 ones (0..255) come out of
    // the unsigned pack.
    const __m256i w16 = _mm256_packs_epi32(r, r);
    const __m256i b8 = p.in_type == DType::kUInt8 ? _mm256_packus_epi16(w16, w16) : _mm256_packs_epi16(w16, w16);
    const uint64_t bytes =
        uint32_t(_mm256_extract_epi32(b8, 0)) | uint64_t(uint32_t(_mm256_extract_epi32(b8, 4))) << 32;
    std::memcpy(z + i, &bytes, 8);
  }
  if (i < n) Quant8AddRow(p, z + i, sa ? x + i : x, sb ? y + i : y, n - i, sa, sb);
}
#endif

void Quant8AddRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb) {
#if SLIMRT_AVX2_KERNELS
  if (n >= 8 && p.out_shift <= 0 && kernels::int8_isa() != kernels::Isa::kGeneric)
    return Quant8AddRowAvx2(p, o, a, b, n, sa, sb);
#endif
  const bool square = p.op == Op::kSquaredDiff;
  TypedRow<uint8_t, uint8_t>(o, a, b, n, sa, sb, [&](uint8_t x, uint8_t y) {
    int32_t raw = p.ta[x] + p.tb[y];
    if (square) raw *= raw;
    const int32_t v = qm::MultiplyByQuantizedMultiplierSmallerThanOneExp(raw, p.out_mult, p.out_shift);
    return uint8_t(Clamp(p, v + p.out_offset));
  });
}

void Quant16AddSubRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb) {
  const bool sub = p.op == Op::kSub;
  TypedRow<int16_t, int16_t>(o, a, b, n, sa, sb, [&](int16_t x, int16_t y) {
    const int32_t u = qm::MultiplyByQuantizedMultiplierSmallerThanOneExp((p.a_offset + x) * (1 << p.left_shift),
                                                                         p.a_mult, p.a_shift);
    const int32_t v = qm::MultiplyByQuantizedMultiplierSmallerThanOneExp((p.b_offset + y) * (1 << p.left_shift),
                                                                         p.b_mult, p.b_shift);
    const int32_t r = qm::MultiplyByQuantizedMultiplierSmallerThanOneExp(sub ? u - v : u + v, p.out_mult, p.out_shift);
    return int16_t(Clamp(p, r + p.out_offset));
  });
}

void Int16PotAddSubRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb) {
  const bool sub = p.op == Op::kSub;
  TypedRow<int16_t, int16_t>(o, a, b, n, sa, sb, [&](int16_t x, int16_t y) {
    const int32_t u = qm::RoundingDivideByPOT(x, -p.a_shift);
    const int32_t v = qm::RoundingDivideByPOT(y, -p.b_shift);
    return int16_t(Clamp(p, sub ? u - v : u + v));
  });
}

// 8-bit MUL: typed loads and stores, the requantization with its shifts split once per row (int8k's form of
// MultiplyByQuantizedMultiplier, bit-identical): ~5x faster than the type-generic loop.
template <class T>
void Quant8MulRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb) {
  const int left = p.out_shift > 0 ? p.out_shift : 0, right = p.out_shift > 0 ? 0 : -p.out_shift;
  TypedRow<T, T>(o, a, b, n, sa, sb, [&](T x, T y) {
    const int32_t u = p.a_offset + int32_t(x), v = p.b_offset + int32_t(y);
    return T(Clamp(p, p.out_offset + int8k::requant_double_rounding(u * v, p.out_mult, left, right)));
  });
}

#if SLIMRT_AVX2_KERNELS
// int8 MUL, 8 lanes at a time: 32-bit products, the requantization of requant_x86.h (bit-identical), the tail by
// Quant8MulRow.
SLIMRT_TARGET_AVX2 void Int8MulRowAvx2(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa,
                                       bool sb) {
  const int8_t* x = static_cast<const int8_t*>(a);
  const int8_t* y = static_cast<const int8_t*>(b);
  int8_t* z = static_cast<int8_t*>(o);
  int32_t mult[8], lsh[8], rsh[8];
  for (int i = 0; i < 8; ++i)
    mult[i] = p.out_mult, lsh[i] = p.out_shift > 0 ? p.out_shift : 0, rsh[i] = p.out_shift > 0 ? 0 : -p.out_shift;
  const __m256i xo = _mm256_set1_epi32(p.a_offset), yo = _mm256_set1_epi32(p.b_offset);
  const __m256i xc = _mm256_set1_epi32(x[0]), yc = _mm256_set1_epi32(y[0]);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i xv = sa ? _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x + i))) : xc;
    const __m256i yv = sb ? _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(y + i))) : yc;
    const __m256i prod = _mm256_mullo_epi32(_mm256_add_epi32(xv, xo), _mm256_add_epi32(yv, yo));
    const __m256i r = kernels::requant8(prod, mult, lsh, rsh, p.out_offset, p.qmin, p.qmax);
    const __m256i b8 = _mm256_packs_epi16(_mm256_packs_epi32(r, r), _mm256_packs_epi32(r, r));
    const uint64_t bytes =
        uint32_t(_mm256_extract_epi32(b8, 0)) | uint64_t(uint32_t(_mm256_extract_epi32(b8, 4))) << 32;
    std::memcpy(z + i, &bytes, 8);
  }
  if (i < n) Quant8MulRow<int8_t>(p, z + i, sa ? x + i : x, sb ? y + i : y, n - i, sa, sb);
}
#endif

void QuantMulRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb) {
#if SLIMRT_AVX2_KERNELS
  if (p.in_type == DType::kInt8 && kernels::int8_isa() != kernels::Isa::kGeneric)
    return Int8MulRowAvx2(p, o, a, b, n, sa, sb);
#endif
  if (p.in_type == DType::kInt8) return Quant8MulRow<int8_t>(p, o, a, b, n, sa, sb);
  if (p.in_type == DType::kUInt8) return Quant8MulRow<uint8_t>(p, o, a, b, n, sa, sb);
  const int64_t ia = sa, ib = sb;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t u = p.a_offset + int32_t(LoadInt(a, i * ia, p.in_type));
    const int32_t v = p.b_offset + int32_t(LoadInt(b, i * ib, p.in_type));
    const int32_t r = p.out_offset + qm::MultiplyByQuantizedMultiplier(u * v, p.out_mult, p.out_shift);
    StoreInt(o, i, p.in_type, Clamp(p, r));
  }
}

void QuantDivRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb) {
  const int64_t ia = sa, ib = sb;
  for (int64_t i = 0; i < n; ++i) {
    int32_t u = p.a_offset + int32_t(LoadInt(a, i * ia, p.in_type));
    int32_t v = p.b_offset + int32_t(LoadInt(b, i * ib, p.in_type));
    if (v == 0) v = 1;  // refused by the op before running; keeps the kernel total
    if (v < 0) u = -u, v = -v;
    int recip_shift;
    const int32_t inv = GetReciprocal(v, 31, &recip_shift);
    const int headroom = CountLeadingSignBits32(u);
    const int32_t unscaled = qm::MultiplyByQuantizedMultiplierGreaterThanOne(u, inv, headroom);
    const int total_shift = p.out_shift - recip_shift - headroom;
    const int32_t r = qm::SaturatingRoundingDoublingHighMul(unscaled, p.out_mult);
    const int32_t q = RoundingDivideByPOTWideImpl(r, -total_shift) + p.out_offset;
    StoreInt(o, i, p.in_type, Clamp(p, q));
  }
}

void QuantPreluRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb) {
  const int64_t ia = sa, ib = sb;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t x = p.a_offset + int32_t(LoadInt(a, i * ia, p.in_type));
    int32_t r;
    if (x >= 0) {
      r = qm::MultiplyByQuantizedMultiplier(x, p.a_mult, p.a_shift);
    } else {
      const int32_t alpha = p.b_offset + int32_t(LoadInt(b, i * ib, p.in_type));
      r = qm::MultiplyByQuantizedMultiplier(x * alpha, p.b_mult, p.b_shift);
    }
    StoreInt(o, i, p.in_type, Clamp(p, r + p.out_offset));
  }
}

void PairTableRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb) {
  TypedRow<uint8_t, uint8_t>(o, a, b, n, sa, sb, [&](uint8_t x, uint8_t y) { return p.pair[(x << 8) | y]; });
}

void QuantCompareRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb) {
  if (p.in_type != DType::kInt16) {
    TypedRow<uint8_t, uint8_t>(o, a, b, n, sa, sb,
                               [&](uint8_t x, uint8_t y) { return uint8_t(Compare(p.op, p.ta[x], p.tb[y])); });
    return;
  }
  TypedRow<int16_t, uint8_t>(o, a, b, n, sa, sb, [&](int16_t x, int16_t y) {
    const int32_t u = RoundingDivideByPOTWideImpl(
        qm::SaturatingRoundingDoublingHighMul((p.a_offset + x) * (1 << p.left_shift), p.a_mult), -p.a_shift);
    const int32_t v = RoundingDivideByPOTWideImpl(
        qm::SaturatingRoundingDoublingHighMul((p.b_offset + y) * (1 << p.left_shift), p.b_mult), -p.b_shift);
    return uint8_t(Compare(p.op, u, v));
  });
}

int32_t RoundingDivideByPOTWide(int32_t x, int e) { return RoundingDivideByPOTWideImpl(x, e); }

int32_t MultiplyByQuantizedMultiplierWide(int32_t x, int32_t mult, int shift) {
  const int left = shift > 0 ? std::min(shift, 31) : 0;
  return RoundingDivideByPOTWideImpl(qm::SaturatingRoundingDoublingHighMul(qm::WrappingShiftLeft(x, left), mult),
                                     shift > 0 ? 0 : -shift);
}

void InvSqrtQuantizedMultiplierExp(int32_t x, int reverse_shift, int32_t* mult, int* shift) {
  if (x <= 1) {
    *mult = std::numeric_limits<int32_t>::max();
    *shift = 0;
    return;
  }
  int s = 11;
  while (x >= (1 << 29)) {
    x /= 4;
    ++s;
  }
  const int pairs = (CountLeadingZeros32(uint32_t(x)) - 1) / 2 - 1;
  s -= pairs;
  x <<= 2 * pairs;
  // Newton-Raphson for 1/sqrt in fixed point with 3 integer bits (raw / 2^28).
  const int32_t input = x >> 1;
  const int32_t half_input = qm::RoundingDivideByPOT(input, 1);
  const int32_t half_three = (1 << 28) + (1 << 27);
  int32_t r = 1 << 28;
  for (int i = 0; i < 5; ++i) {
    const int32_t r3 = SaturatingRoundingMulByPOT(
        qm::SaturatingRoundingDoublingHighMul(qm::SaturatingRoundingDoublingHighMul(r, r), r), 6);
    const int32_t t = Wrap32(int64_t(qm::SaturatingRoundingDoublingHighMul(half_three, r)) -
                             qm::SaturatingRoundingDoublingHighMul(half_input, r3));
    r = SaturatingRoundingMulByPOT(t, 3);
  }
  r = qm::SaturatingRoundingDoublingHighMul(r, 1518500250);  // times sqrt(2) / 2
  if (s < 0) {
    r = qm::WrappingShiftLeft(r, -s);
    s = 0;
  }
  *mult = r;
  *shift = s * reverse_shift;
}

}  // namespace ew
}  // namespace slimrt
