// Internal to kernels/: the int8 GEMM's shared pieces (gemm_i8.h explains the packing and the arithmetic): the
// scalar requantization every kernel set falls back to, and each set's tile. A tile computes rows [0, mr) (mr <=
// its MR; rows past mr re-read row mr - 1 and are not stored) x the nc <= 16 columns of one panel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "conv_simd.h"
#include "gemm_i8.h"
#include "int8_dot.h"

namespace slimrt {
namespace kernels {

using TileI8 = void (*)(int mr, const int8_t* A, size_t lda, const PackedI8& B, int p, int nc, int8_t* C,
                        size_t ldc, const int32_t* row_add);

// The 4 bytes of A's k-group g (zero-filled past K, whose packed weights are zero).
inline int32_t load_group(const int8_t* a, int g, int K) {
  int32_t v = 0;
  const int n = K - 4 * g;
  std::memcpy(&v, a + 4 * g, size_t(n >= 4 ? 4 : n));
  return v;
}

inline int32_t wrap_add(int32_t a, int32_t b) { return int32_t(uint32_t(a) + uint32_t(b)); }

// Requantizes the int32 sums of column n (the bias and row term not yet added).
inline int8_t requant_one(const PackedI8& B, int n, int32_t sum, int32_t row) {
  const int32_t acc = wrap_add(wrap_add(sum, B.bias[size_t(n)]), row);
  int64_t v;
  if (B.single_round) {
    // round(acc * mult * 2^(shift - 31)), ties away from zero, exact in 64 bits.
    const int total = 31 - B.shift[size_t(n)];
    const int64_t p = int64_t(acc) * int64_t(B.mult[size_t(n)]);
    const int64_t mag = ((p >= 0 ? p : -p) + (int64_t(1) << (total - 1))) >> total;
    v = (p >= 0 ? mag : -mag) + B.out_zp;
  } else {
    v = int64_t(int8k::requant_double_rounding(acc, B.mult[size_t(n)], B.lsh[size_t(n)], B.rsh[size_t(n)])) + B.out_zp;
  }
  return int8_t(v < B.lo ? B.lo : (v > B.hi ? B.hi : v));
}

// sums: mr rows of 16 int32 (columns of panel p); writes nc columns of each row.
inline void requant_tile(const int32_t* sums, int mr, const PackedI8& B, int p, int nc, int8_t* C, size_t ldc,
                         const int32_t* row_add) {
  for (int i = 0; i < mr; ++i)
    for (int j = 0; j < nc; ++j)
      C[size_t(i) * ldc + size_t(j)] = requant_one(B, 16 * p + j, sums[16 * i + j], row_add ? row_add[i] : 0);
}

#if SLIMRT_AVX2_KERNELS
constexpr int kI8Avx2MR = 4, kI8VnniMR = 8;
extern const TileI8 kTileI8Avx2, kTileI8Vnni;
#endif
#if SLIMRT_NEON_KERNELS
#if defined(__aarch64__) || defined(_M_ARM64)
constexpr int kI8NeonMR = 2;
#else
constexpr int kI8NeonMR = 1;
#endif
extern const TileI8 kTileI8Neon;
#endif
#if SLIMRT_NEON_DOT_KERNELS
constexpr int kI8NeonDotMR = 4;
extern const TileI8 kTileI8NeonDot;
#endif

}  // namespace kernels
}  // namespace slimrt
