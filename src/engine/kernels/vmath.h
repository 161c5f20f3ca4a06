// Vectorizable float exp-family functions for the activation kernels: no libm call per element, no branches, so
// compilers vectorize the loops with whatever SIMD the target has (and no slow denormal intermediates).
//
//   exp(x) = 2^n * (1 + q(r)),  n = round(x / ln 2), r = x - n ln 2 (Cody-Waite split of ln 2), |r| <= ln(2)/2,
//   q(r) = expm1(r) by its degree-7 Taylor polynomial (truncation error below 2^-27 relative);
//   expm1(x) = 2^n q(r) + (2^n - 1), exact-ish near 0 where tanh needs it.
// Arguments are clamped to [-87.3, 88.3] (results stay normal floats); NaN propagates.
// Measured against double-precision references in tests/cpp: relative error below 4e-7 for sigmoid and tanh.
#pragma once

#include <cstdint>

namespace slimrt {
namespace vmath {

// y[i] = 1 / (1 + exp(-x[i]))
void SigmoidF32(const float* x, float* y, int64_t n);
// y[i] = tanh(x[i])
void TanhF32(const float* x, float* y, int64_t n);

}  // namespace vmath
}  // namespace slimrt
