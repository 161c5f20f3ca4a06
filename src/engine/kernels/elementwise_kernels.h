// Hot float loops of the elementwise ops (ops/binary_arith.cc, ops/activations.cc, ops/unary_math.cc), compiled
// with the kernels' optimization flags.
#pragma once

#include <cstdint>

namespace slimrt {
namespace ew {

enum class BinOp : int { kAdd, kSub, kMul, kPrelu /* a = input, b = alpha */, kDiv, kMax, kMin, kSquaredDiff };
enum class UnOp : int {
  kRelu, kRelu6, kReluN1To1, kLogistic, kTanh, kHardSwish,
  kRelu0To1, kAbs, kNeg, kExp, kLog, kSin, kCos, kSqrt, kRsqrt, kSquare, kCeil, kFloor, kRound, kSign, kElu,
  kGelu, kGeluTanh, kLeakyRelu /* LeakyReluF32 */,
};

// o[i] = clamp(op(a[step_a ? i : 0], b[step_b ? i : 0]), lo, hi) for i in [0, n).
void BinaryRowF32(BinOp op, float* o, const float* a, const float* b, int64_t n, bool step_a, bool step_b, float lo,
                  float hi);

// A per-channel vector against a [rows, C] block: o[r*C + c] = clamp(op(a[r*C + c], v[c])) (or op(v[c], a[r*C+c])
// when vec_first), for r in [0, rows).
void BinaryRowsVecF32(BinOp op, float* o, const float* a, const float* v, int64_t rows, int64_t C, bool vec_first,
                      float lo, float hi);

// y[i] = x[i] > 0 ? x[i] : x[i] * alpha.
void LeakyReluF32(const float* x, float* y, int64_t n, float alpha);

// y[i] = f(x[i]) for i in [0, n).
void UnaryF32(UnOp op, const float* x, float* y, int64_t n);

}  // namespace ew
}  // namespace slimrt
