// Hot float loops of the elementwise ops. Plain loops written so compilers vectorize them (select/min/max forms
// without branches); built with the kernels' -O3.
#include "elementwise_kernels.h"

#include <algorithm>
#include <cmath>

#include "vmath.h"

namespace slimrt {
namespace ew {
namespace {

struct Add {
  static float f(float a, float b) { return a + b; }
};
struct Sub {
  static float f(float a, float b) { return a - b; }
};
struct Mul {
  static float f(float a, float b) { return a * b; }
};
struct Div {
  static float f(float a, float b) { return a / b; }
};
struct Max {  // a > b ? a : b, as the reference (NaN in b propagates, NaN in a does not)
  static float f(float a, float b) { return a > b ? a : b; }
};
struct Min {
  static float f(float a, float b) { return a < b ? a : b; }
};
struct SquaredDiff {
  static float f(float a, float b) { return (a - b) * (a - b); }
};
struct Prelu {
  // Branch-free (max(x,0) + min(x,0) * alpha) so it vectorizes; equal to the select for finite alpha.
  static float f(float x, float alpha) {
    const float pos = x < 0.f ? 0.f : x;
    const float neg = x > 0.f ? 0.f : x;
    return pos + neg * alpha;
  }
};

// max/min written as selects that keep NaN from the data operand (like std::min(std::max(v, lo), hi)).
inline float Clamp(float v, float lo, float hi) {
  v = v < lo ? lo : v;
  return hi < v ? hi : v;
}

template <class F>
void Row(float* o, const float* a, const float* b, int64_t n, bool sa, bool sb, float lo, float hi) {
  if (sa && sb) {
    for (int64_t i = 0; i < n; ++i) o[i] = Clamp(F::f(a[i], b[i]), lo, hi);
  } else if (sa) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; ++i) o[i] = Clamp(F::f(a[i], bv), lo, hi);
  } else if (sb) {
    const float av = a[0];
    for (int64_t i = 0; i < n; ++i) o[i] = Clamp(F::f(av, b[i]), lo, hi);
  } else {
    const float v = Clamp(F::f(a[0], b[0]), lo, hi);
    for (int64_t i = 0; i < n; ++i) o[i] = v;
  }
}

template <class F, bool kVecFirst>
void RowsVec(float* o, const float* a, const float* v, int64_t rows, int64_t C, float lo, float hi) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = a + r * C;
    float* y = o + r * C;
    for (int64_t c = 0; c < C; ++c) y[c] = Clamp(kVecFirst ? F::f(v[c], x[c]) : F::f(x[c], v[c]), lo, hi);
  }
}

template <class F>
void RowsVecDispatch(float* o, const float* a, const float* v, int64_t rows, int64_t C, bool vec_first, float lo,
                     float hi) {
  if (vec_first) RowsVec<F, true>(o, a, v, rows, C, lo, hi);
  else RowsVec<F, false>(o, a, v, rows, C, lo, hi);
}

// The ops that call into libm: one element at a time (not vectorized).
void UnaryF32Math(UnOp op, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    float r;
    switch (op) {
      case UnOp::kExp: r = std::exp(v); break;
      case UnOp::kLog: r = std::log(v); break;
      case UnOp::kSin: r = std::sin(v); break;
      case UnOp::kCos: r = std::cos(v); break;
      case UnOp::kSqrt: r = std::sqrt(v); break;
      case UnOp::kRsqrt: r = 1.f / std::sqrt(v); break;
      case UnOp::kCeil: r = std::ceil(v); break;
      case UnOp::kFloor: r = std::floor(v); break;
      case UnOp::kRound: {  // half to even
        const float f = std::floor(v);
        const float d = v - f;
        r = (d < 0.5f || (d == 0.5f && std::fmod(f, 2.f) == 0.f)) ? f : f + 1.f;
        break;
      }
      case UnOp::kElu: r = v < 0.f ? std::expm1(v) : v; break;
      case UnOp::kGelu: r = 0.5f * v * std::erfc(v * -0.70710678118654752440f); break;
      case UnOp::kGeluTanh:
        r = 0.5f * v * (1.f + std::tanh(0.7978845608028654f * (v + 0.044715f * v * v * v)));
        break;
      default: r = v;
    }
    y[i] = r;
  }
}

}  // namespace

void BinaryRowF32(BinOp op, float* o, const float* a, const float* b, int64_t n, bool step_a, bool step_b, float lo,
                  float hi) {
  switch (op) {
    case BinOp::kAdd: Row<Add>(o, a, b, n, step_a, step_b, lo, hi); break;
    case BinOp::kSub: Row<Sub>(o, a, b, n, step_a, step_b, lo, hi); break;
    case BinOp::kMul: Row<Mul>(o, a, b, n, step_a, step_b, lo, hi); break;
    case BinOp::kPrelu: Row<Prelu>(o, a, b, n, step_a, step_b, lo, hi); break;
    case BinOp::kDiv: Row<Div>(o, a, b, n, step_a, step_b, lo, hi); break;
    case BinOp::kMax: Row<Max>(o, a, b, n, step_a, step_b, lo, hi); break;
    case BinOp::kMin: Row<Min>(o, a, b, n, step_a, step_b, lo, hi); break;
    case BinOp::kSquaredDiff: Row<SquaredDiff>(o, a, b, n, step_a, step_b, lo, hi); break;
  }
}

void BinaryRowsVecF32(BinOp op, float* o, const float* a, const float* v, int64_t rows, int64_t C, bool vec_first,
                      float lo, float hi) {
  switch (op) {
    case BinOp::kAdd: RowsVecDispatch<Add>(o, a, v, rows, C, vec_first, lo, hi); break;
    case BinOp::kSub: RowsVecDispatch<Sub>(o, a, v, rows, C, vec_first, lo, hi); break;
    case BinOp::kMul: RowsVecDispatch<Mul>(o, a, v, rows, C, vec_first, lo, hi); break;
    case BinOp::kPrelu: RowsVecDispatch<Prelu>(o, a, v, rows, C, vec_first, lo, hi); break;
    case BinOp::kDiv: RowsVecDispatch<Div>(o, a, v, rows, C, vec_first, lo, hi); break;
    case BinOp::kMax: RowsVecDispatch<Max>(o, a, v, rows, C, vec_first, lo, hi); break;
    case BinOp::kMin: RowsVecDispatch<Min>(o, a, v, rows, C, vec_first, lo, hi); break;
    case BinOp::kSquaredDiff: RowsVecDispatch<SquaredDiff>(o, a, v, rows, C, vec_first, lo, hi); break;
  }
}

void LeakyReluF32(const float* x, float* y, int64_t n, float alpha) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.f ? x[i] : x[i] * alpha;
}

void UnaryF32(UnOp op, const float* x, float* y, int64_t n) {
  switch (op) {
    case UnOp::kRelu:
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] < 0.f ? 0.f : x[i];
      break;
    case UnOp::kRelu6:
      for (int64_t i = 0; i < n; ++i) y[i] = Clamp(x[i], 0.f, 6.f);
      break;
    case UnOp::kReluN1To1:
      for (int64_t i = 0; i < n; ++i) y[i] = Clamp(x[i], -1.f, 1.f);
      break;
    case UnOp::kLogistic:
      vmath::SigmoidF32(x, y, n);
      break;
    case UnOp::kTanh:
      vmath::TanhF32(x, y, n);
      break;
    case UnOp::kHardSwish:
      for (int64_t i = 0; i < n; ++i) {
        const float v = x[i];
        y[i] = v * Clamp(v + 3.f, 0.f, 6.f) * (1.f / 6.f);
      }
      break;
    case UnOp::kRelu0To1:
      for (int64_t i = 0; i < n; ++i) y[i] = Clamp(x[i], 0.f, 1.f);
      break;
    case UnOp::kAbs:
      for (int64_t i = 0; i < n; ++i) y[i] = std::fabs(x[i]);
      break;
    case UnOp::kNeg:
      for (int64_t i = 0; i < n; ++i) y[i] = -x[i];
      break;
    case UnOp::kSquare:
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] * x[i];
      break;
    case UnOp::kSign:  // NaN -> 0, like (0 < x) - (x < 0)
      for (int64_t i = 0; i < n; ++i) y[i] = float((0.f < x[i]) - (x[i] < 0.f));
      break;
    default:
      UnaryF32Math(op, x, y, n);
  }
}

}  // namespace ew
}  // namespace slimrt
