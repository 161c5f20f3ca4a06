// IEEE 754 binary16 <-> binary32 conversions (float16 weights, DENSIFY of float16 tensors).
#pragma once

#include <cstdint>
#include <cstring>

namespace slimrt {
namespace kernels {

// IEEE 754 binary16 -> binary32, exact for every value (subnormals, infinities, NaN payloads).
inline float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: mant * 2^-24, exactly representable as a normal float
      float f = float(mant) * 5.9604644775390625e-08f;
      std::memcpy(&bits, &f, 4);
      bits |= sign;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 112u) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace kernels
}  // namespace slimrt
