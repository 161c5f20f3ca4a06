// int8 GEMM tiles for ARM (see gemm_i8.h): NEON (vmull_s8 + vpadalq_s16, aarch64 and armv7) and, on aarch64 CPUs
// with the dot-product extension, sdot by lane. Double-rounding requantization in vector registers
// (requant_neon.h); FULLY_CONNECTED's single rounding takes the scalar path (requant_one).
#include <algorithm>

#include "gemm_i8_isa.h"
#include "requant_neon.h"

#if SLIMRT_NEON_KERNELS
namespace slimrt {
namespace kernels {
namespace {

inline int32x4_t pairwise(int32x4_t a, int32x4_t b) {
#if defined(__aarch64__) || defined(_M_ARM64)
  return vpaddq_s32(a, b);
#else
  return vcombine_s32(vpadd_s32(vget_low_s32(a), vget_high_s32(a)), vpadd_s32(vget_low_s32(b), vget_high_s32(b)));
#endif
}

// Row i of a tile: its 16 column sums in four vectors -> requantized bytes in C.
inline void store_row(const int32x4_t (&s)[4], const PackedI8& B, int p, int nc, int8_t* c, int32_t row) {
  const int n0 = 16 * p;
  if (B.single_round) {
    int32_t sums[16];
    for (int j = 0; j < 4; ++j) vst1q_s32(sums + 4 * j, s[j]);
    for (int j = 0; j < nc; ++j) c[j] = requant_one(B, n0 + j, sums[j], row);
    return;
  }
  int32x4_t q[4];
  for (int j = 0; j < 4; ++j) {
    const int32x4_t v = vaddq_s32(vaddq_s32(s[j], vld1q_s32(B.bias.data() + n0 + 4 * j)), vdupq_n_s32(row));
    q[j] = requant4(v, B.mult.data() + n0 + 4 * j, B.lsh.data() + n0 + 4 * j, B.rsh.data() + n0 + 4 * j, B.out_zp,
                    B.lo, B.hi);
  }
  const int8x16_t bytes = narrow16(q[0], q[1], q[2], q[3]);
  if (nc == 16) {
    vst1q_s8(c, bytes);
  } else {
    int8_t tmp[16];
    vst1q_s8(tmp, bytes);
    std::memcpy(c, tmp, size_t(nc));
  }
}

// NEON: per k-group, vmull_s8 of 4 columns x 4 k by the row's 4 bytes, pairs added into int32 (two partial sums
// per column), reduced pairwise at the end.
template <int MR>
void tile_neon(int mr, const int8_t* A, size_t lda, const PackedI8& B, int p, int nc, int8_t* C, size_t ldc,
               const int32_t* row_add) {
  const int8_t* a[MR];
  for (int i = 0; i < MR; ++i) a[i] = A + size_t(std::min(i, mr - 1)) * lda;
  int32x4_t acc[MR][8];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < 8; ++j) acc[i][j] = vdupq_n_s32(0);
  const int8_t* bp = B.panel(p);
  for (int g = 0; g < B.groups; ++g, bp += 64) {
    const int8x16_t b[4] = {vld1q_s8(bp), vld1q_s8(bp + 16), vld1q_s8(bp + 32), vld1q_s8(bp + 48)};
    for (int i = 0; i < MR; ++i) {
      const int8x16_t av = vreinterpretq_s8_s32(vdupq_n_s32(load_group(a[i], g, B.K)));
      const int8x8_t al = vget_low_s8(av);
      for (int j = 0; j < 4; ++j) {
        acc[i][2 * j] = vpadalq_s16(acc[i][2 * j], vmull_s8(vget_low_s8(b[j]), al));
        acc[i][2 * j + 1] = vpadalq_s16(acc[i][2 * j + 1], vmull_s8(vget_high_s8(b[j]), al));
      }
    }
  }
  for (int i = 0; i < mr; ++i) {
    const int32x4_t s[4] = {pairwise(acc[i][0], acc[i][1]), pairwise(acc[i][2], acc[i][3]),
                            pairwise(acc[i][4], acc[i][5]), pairwise(acc[i][6], acc[i][7])};
    store_row(s, B, p, nc, C + size_t(i) * ldc, row_add ? row_add[i] : 0);
  }
}

#if SLIMRT_NEON_DOT_KERNELS
// sdot: each lane of acc[i][j] (columns 4j..4j+3) adds the dot product of its column's 4 k with the row's 4 bytes.
template <int L>
SLIMRT_TARGET_DOTPROD inline void dot_step(int32x4_t (&acc)[4][4], const int8_t* bp, const int8x16_t (&av)[4]) {
  const int8x16_t b[4] = {vld1q_s8(bp), vld1q_s8(bp + 16), vld1q_s8(bp + 32), vld1q_s8(bp + 48)};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) acc[i][j] = vdotq_laneq_s32(acc[i][j], b[j], av[i], L);
}

SLIMRT_TARGET_DOTPROD void tile_neondot(int mr, const int8_t* A, size_t lda, const PackedI8& B, int p, int nc,
                                        int8_t* C, size_t ldc, const int32_t* row_add) {
  const int8_t* a[4];
  for (int i = 0; i < 4; ++i) a[i] = A + size_t(std::min(i, mr - 1)) * lda;
  int32x4_t acc[4][4];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) acc[i][j] = vdupq_n_s32(0);
  const int8_t* bp = B.panel(p);
  int g = 0;
  // Four k-groups (16 bytes of each row) at a time, then one group at a time for the rest.
  for (; 4 * (g + 4) <= B.K; g += 4, bp += 256) {
    int8x16_t av[4];
    for (int i = 0; i < 4; ++i) av[i] = vld1q_s8(a[i] + 4 * g);
    dot_step<0>(acc, bp, av);
    dot_step<1>(acc, bp + 64, av);
    dot_step<2>(acc, bp + 128, av);
    dot_step<3>(acc, bp + 192, av);
  }
  for (; g < B.groups; ++g, bp += 64) {
    int8x16_t av[4];
    for (int i = 0; i < 4; ++i) av[i] = vreinterpretq_s8_s32(vdupq_n_s32(load_group(a[i], g, B.K)));
    dot_step<0>(acc, bp, av);
  }
  for (int i = 0; i < mr; ++i) store_row(acc[i], B, p, nc, C + size_t(i) * ldc, row_add ? row_add[i] : 0);
}
#endif

}  // namespace

const TileI8 kTileI8Neon = tile_neon<kI8NeonMR>;
#if SLIMRT_NEON_DOT_KERNELS
const TileI8 kTileI8NeonDot = tile_neondot;
#endif

}  // namespace kernels
}  // namespace slimrt
#endif
