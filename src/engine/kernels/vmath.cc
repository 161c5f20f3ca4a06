// Vectorizable exp-family functions (see vmath.h).
#include "vmath.h"

#include <cstring>

#include "conv_simd.h"
#include "cpu.h"

namespace slimrt {
namespace vmath {
namespace {

// 2^n for an integral float n in [-126, 127].
SLIMRT_ALWAYS_INLINE float pow2(float n) {
  const int32_t bits = (int32_t(n) + 127) << 23;
  float r;
  std::memcpy(&r, &bits, sizeof r);
  return r;
}

// Returns expm1(x) split as (2^n, q): exp(x) = p2 * (1 + q), expm1(x) = p2 * q + (p2 - 1).
SLIMRT_ALWAYS_INLINE void exp_parts(float x, float* p2, float* q) {
  x = x < -87.3f ? -87.3f : x;
  x = x > 88.3f ? 88.3f : x;
  // round(x / ln2) with the 1.5 * 2^23 trick (round to nearest even, no call); a NaN x (which makes r, and so the
  // result, NaN) is kept out of the integer conversion.
  const float t = (x == x ? x : 0.f) * 1.44269504f + 12582912.f;
  const float n = t - 12582912.f;
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float s = 1.f / 5040.f;
  s = s * r + 1.f / 720.f;
  s = s * r + 1.f / 120.f;
  s = s * r + 1.f / 24.f;
  s = s * r + 1.f / 6.f;
  s = s * r + 0.5f;
  s = s * r + 1.f;
  *q = s * r;
  *p2 = pow2(n);
}

SLIMRT_ALWAYS_INLINE float sigmoid1(float x) {
  float p2, q;
  exp_parts(-x, &p2, &q);
  return 1.f / (1.f + (p2 + p2 * q));
}

// tanh(x) = expm1(2x) / (expm1(2x) + 2); 2x is clamped like every exp argument (|tanh| is 1 in float there).
SLIMRT_ALWAYS_INLINE float tanh1(float x) {
  float p2, q;
  exp_parts(2.f * x, &p2, &q);
  const float e = p2 * q + (p2 - 1.f);
  return e / (e + 2.f);
}

// The loops, compiled for the baseline and (x86-64) for AVX2, where the compiler vectorizes the same inlined body
// 8 wide (AVX-512 machines use it too: one more copy of the code is not worth its size).
#define SLIMRT_VMATH_LOOPS(SUFFIX, TARGET)                                                          \
  TARGET void sigmoid_##SUFFIX(const float* x, float* y, int64_t n) {                              \
    for (int64_t i = 0; i < n; ++i) y[i] = sigmoid1(x[i]);                                         \
  }                                                                                                \
  TARGET void tanh_##SUFFIX(const float* x, float* y, int64_t n) {                                 \
    for (int64_t i = 0; i < n; ++i) y[i] = tanh1(x[i]);                                            \
  }
SLIMRT_VMATH_LOOPS(base, )
#if SLIMRT_AVX2_KERNELS
SLIMRT_VMATH_LOOPS(avx2, SLIMRT_TARGET_AVX2)
#endif

}  // namespace

void SigmoidF32(const float* x, float* y, int64_t n) {
#if SLIMRT_AVX2_KERNELS
  if (kernels::float_isa() != kernels::Isa::kGeneric) return sigmoid_avx2(x, y, n);
#endif
  sigmoid_base(x, y, n);
}

void TanhF32(const float* x, float* y, int64_t n) {
#if SLIMRT_AVX2_KERNELS
  if (kernels::float_isa() != kernels::Isa::kGeneric) return tanh_avx2(x, y, n);
#endif
  tanh_base(x, y, n);
}

}  // namespace vmath
}  // namespace slimrt
