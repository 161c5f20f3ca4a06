// Row kernels of the elementwise binary ops outside the fast float32 ones (elementwise_kernels.h):
//  - type-generic rows: every element is loaded into int64 (integer and bool types) or float (float32), the op is
//    applied, the result stored in the output type. One loop serves every op and type; integer arithmetic wraps
//    like two's-complement hardware instead of overflowing (the reference's int32 arithmetic on the machines it
//    runs on).
//  - quantized rows bit-exact with TFLite's reference kernels (quant_math.h has the fixed-point primitives).
//    8-bit inputs go through per-value tables of their rescaled values, computed in prepare.
//
// A row kernel computes o[i] = f(a[step_a ? i : 0], b[step_b ? i : 0]) for i in [0, n); RunBinaryRows walks a
// BroadcastPlan with one. Every kernel's parameters live in one struct, filled by the op's prepare.
#pragma once

#include <cstddef>
#include <cstdint>

#include "elementwise_broadcast.h"

namespace slimrt {
namespace ew {

// Ops of the generic rows.
enum class Op : uint8_t {
  kAdd, kSub, kMul, kDiv, kFloorDiv, kFloorMod, kPow, kMax, kMin, kSquaredDiff,  // arithmetic (type of the inputs)
  kEqual, kNotEqual, kLess, kLessEqual, kGreater, kGreaterEqual,                 // comparisons (bool out)
  kAnd, kOr,                                                                      // logical (bool)
};

struct Params {
  Op op = Op::kAdd;
  DType in_type = DType::kFloat32, out_type = DType::kFloat32;
  // quantized inputs: real value ~ (q + offset) * scale; output q = (...) + out_offset
  int32_t a_offset = 0, b_offset = 0, out_offset = 0;
  int32_t a_mult = 0, b_mult = 0, out_mult = 0;  // Q31 multipliers (quant_math.h)
  int a_shift = 0, b_shift = 0, out_shift = 0;
  int left_shift = 0;
  int32_t qmin = 0, qmax = 0;  // clamp of quantized results
  int64_t lmin = 0, lmax = 0;  // clamp of integer results of the generic rows (after wrapping to the type)
  float fmin = 0, fmax = 0;    // clamp of float results of the generic rows
  // 8-bit inputs: per-value tables (indexed by the input byte) of the rescaled inputs
  const int32_t* ta = nullptr;
  const int32_t* tb = nullptr;
  // 8-bit inputs and output: the output byte for every (a, b) pair, indexed a * 256 + b (PairTableRow)
  const uint8_t* pair = nullptr;
};

using BinaryRowFn = void (*)(const Params& p, void* o, const void* a, const void* b, int64_t n, bool step_a,
                             bool step_b);

// Runs `row` over output rows [row_begin, row_end) of the plan; esa/esb/eso are the element sizes in bytes.
// A plan of rank 1 (one row) may be split: rows then count elements.
void RunBinaryRows(const BroadcastPlan& p, BinaryRowFn row, const Params& prm, const void* a, size_t esa,
                   const void* b, size_t esb, void* o, size_t eso, int64_t row_begin, int64_t row_end);

// Generic rows: integer/bool inputs (in_type int8/uint8/int16/int32/int64/bool) and float32 inputs. p.op, p.in_type
// and p.out_type select the computation; arithmetic results are clamped to [lmin, lmax] / [fmin, fmax].
// Integer kDiv/kFloorDiv/kFloorMod need non-zero divisors (the op checks before running).
void GenericIntRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb);
void GenericFloatRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb);

// 8-bit quantized ADD/SUB: out = clamp(rescale(ta[a] + tb[b]) + out_offset) (SUB negates tb in prepare);
// op kSquaredDiff: rescale((ta[a] - tb[b])^2).
void Quant8AddRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb);
// int16 quantized ADD/SUB with general scales: inputs shifted left 15 bits, rescaled, summed (b negated for SUB).
void Quant16AddSubRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb);
// int16 ADD/SUB with power-of-two scales, zero points 0 (LSTM-style): inputs shifted right by -a_shift/-b_shift
// (one of them 0), then a saturating add (op kAdd) or subtract (kSub).
void Int16PotAddSubRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb);
// Quantized MUL (int8/uint8/int16 by p.in_type): (a + a_offset) * (b + b_offset) rescaled.
void QuantMulRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb);
// Quantized DIV (int8/uint8/int16 by p.in_type): (a + a_offset) / (b + b_offset) in fixed point (a Newton-Raphson
// reciprocal of the divisor), rescaled by out_mult/out_shift. Divisors equal to the zero point must be refused first.
void QuantDivRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb);
// Quantized PRELU (int8/uint8 by p.in_type), a = input, b = alpha: x = a + a_offset; x >= 0 rescaled by
// a_mult/a_shift, else x * (b + b_offset) rescaled by b_mult/b_shift; plus out_offset, clamped to [qmin, qmax].
void QuantPreluRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb);
// Any op on 8-bit inputs with an 8-bit (or bool) output, through p.pair: o[i] = pair[a[i] * 256 + b[i]].
void PairTableRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb);
// Quantized comparisons (p.op), bool out: 8-bit inputs compare ta[a] with tb[b]; int16 inputs are rescaled
// ((q + offset) << left_shift, times the Q31 multiplier) per element.
void QuantCompareRow(const Params& p, void* o, const void* a, const void* b, int64_t n, bool sa, bool sb);

// The reference's RoundingDivideByPOT(x, e) also for exponents outside [0, 31], where C++ leaves its shifts
// undefined, as x86-64 and AArch64 execute them (64-bit shift counts mod 64, 32-bit ones mod 32).
int32_t RoundingDivideByPOTWide(int32_t x, int e);
// MultiplyByQuantizedMultiplier for any shift, with RoundingDivideByPOTWide for the right shift.
int32_t MultiplyByQuantizedMultiplierWide(int32_t x, int32_t mult, int shift);
// TFLite's GetInvSqrtQuantizedMultiplierExp: 1/sqrt(x) of x >= 0 as a Q31 multiplier and a shift (x <= 1 gives
// INT32_MAX, 0), Newton-Raphson in fixed point; the shift is negated by reverse_shift = -1.
void InvSqrtQuantizedMultiplierExp(int32_t x, int reverse_shift, int32_t* mult, int* shift);

}  // namespace ew
}  // namespace slimrt
