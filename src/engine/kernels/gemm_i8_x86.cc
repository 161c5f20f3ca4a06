// int8 GEMM tiles for x86-64: AVX2 and AVX-512 VNNI (see gemm_i8.h), with the double-rounding requantization done
// in vector registers (requant_x86.h). FULLY_CONNECTED's single rounding takes the scalar path (requant_one).
#include <algorithm>

#include "gemm_i8_isa.h"
#include "requant_x86.h"

#if SLIMRT_AVX2_KERNELS
namespace slimrt {
namespace kernels {
namespace {

inline int32_t load4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// ---- AVX2 ----

// One k-group of a 4-row x 8-column tile: acc[i][0] holds columns 0-3, acc[i][1] columns 4-7, two partial sums
// per column (k 0+1 and k 2+3) from vpmaddwd.
SLIMRT_TARGET_AVX2 inline void step_avx2(__m256i (&acc)[4][2], const int8_t* bp, const int32_t (&av)[4]) {
  const __m256i b0 = _mm256_cvtepi8_epi16(_mm_load_si128(reinterpret_cast<const __m128i*>(bp)));
  const __m256i b1 = _mm256_cvtepi8_epi16(_mm_load_si128(reinterpret_cast<const __m128i*>(bp + 16)));
  for (int i = 0; i < 4; ++i) {
    const __m256i a = _mm256_cvtepi8_epi16(_mm_set1_epi32(av[i]));  // a0 a1 a2 a3, four times
    acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(a, b0));
    acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(a, b1));
  }
}

SLIMRT_TARGET_AVX2 void tile_avx2(int mr, const int8_t* A, size_t lda, const PackedI8& B, int p, int nc, int8_t* C,
                                  size_t ldc, const int32_t* row_add) {
  const int8_t* a[4];
  for (int i = 0; i < 4; ++i) a[i] = A + size_t(std::min(i, mr - 1)) * lda;
  const int full = B.K / 4;
  for (int h = 0; h < 2 && 8 * h < nc; ++h) {
    __m256i acc[4][2];
    for (int i = 0; i < 4; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
    const int8_t* bp = B.panel(p) + 32 * h;
    int g = 0;
    for (; g < full; ++g, bp += 64) {
      const int32_t av[4] = {load4(a[0] + 4 * g), load4(a[1] + 4 * g), load4(a[2] + 4 * g), load4(a[3] + 4 * g)};
      step_avx2(acc, bp, av);
    }
    if (g < B.groups) {
      const int32_t av[4] = {load_group(a[0], g, B.K), load_group(a[1], g, B.K), load_group(a[2], g, B.K),
                             load_group(a[3], g, B.K)};
      step_avx2(acc, bp, av);
    }
    const int n0 = 16 * p + 8 * h, cols = std::min(8, nc - 8 * h);
    const __m256i bias = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(B.bias.data() + n0));
    for (int i = 0; i < mr; ++i) {
      // Pairwise sums -> c0 c1 c4 c5 | c2 c3 c6 c7 -> c0..c7.
      const __m256i s = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[i][0], acc[i][1]), 0xD8);
      int8_t* c = C + size_t(i) * ldc + size_t(8 * h);
      if (B.single_round) {
        alignas(32) int32_t sums[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(sums), s);
        for (int j = 0; j < cols; ++j) c[j] = requant_one(B, n0 + j, sums[j], row_add ? row_add[i] : 0);
        continue;
      }
      __m256i v = _mm256_add_epi32(s, bias);
      if (row_add) v = _mm256_add_epi32(v, _mm256_set1_epi32(row_add[i]));
      const __m256i r = requant8(v, B.mult.data() + n0, B.lsh.data() + n0, B.rsh.data() + n0, B.out_zp, B.lo, B.hi);
      const __m256i w16 = _mm256_packs_epi32(r, r);
      const __m256i b8 = _mm256_packs_epi16(w16, w16);  // r0..r3 in lane 0's first dword, r4..r7 in lane 1's
      const uint64_t bytes = uint32_t(_mm256_extract_epi32(b8, 0)) | uint64_t(uint32_t(_mm256_extract_epi32(b8, 4))) << 32;
      std::memcpy(c, &bytes, size_t(cols));
    }
  }
}

// ---- AVX-512 VNNI ----

// One k-group of the 8 x 16 tile: (A xor 0x80) as unsigned bytes times the signed weights, 4 products per lane.
SLIMRT_TARGET_AVX512VNNI inline void step_vnni(__m512i (&acc)[8], __m512i b, const int32_t (&av)[8]) {
  const __m512i flip = _mm512_set1_epi32(int32_t(0x80808080u));
  for (int i = 0; i < 8; ++i)
    acc[i] = _mm512_dpbusd_epi32(acc[i], _mm512_xor_si512(_mm512_set1_epi32(av[i]), flip), b);
}

SLIMRT_TARGET_AVX512VNNI void tile_vnni(int mr, const int8_t* A, size_t lda, const PackedI8& B, int p, int nc,
                                        int8_t* C, size_t ldc, const int32_t* row_add) {
  const int8_t* a[8];
  for (int i = 0; i < 8; ++i) a[i] = A + size_t(std::min(i, mr - 1)) * lda;
  __m512i acc[8];
  for (int i = 0; i < 8; ++i) acc[i] = _mm512_setzero_si512();
  const int8_t* bp = B.panel(p);
  const int full = B.K / 4;
  int g = 0;
  for (; g < full; ++g, bp += 64) {
    int32_t av[8];
    for (int i = 0; i < 8; ++i) av[i] = load4(a[i] + 4 * g);
    step_vnni(acc, _mm512_load_si512(bp), av);
  }
  if (g < B.groups) {
    int32_t av[8];
    for (int i = 0; i < 8; ++i) av[i] = load_group(a[i], g, B.K);
    step_vnni(acc, _mm512_load_si512(bp), av);
  }
  const int n0 = 16 * p;
  const __mmask16 store = __mmask16((1u << nc) - 1);
  const __m512i bias = _mm512_loadu_si512(B.bias.data() + n0);
  for (int i = 0; i < mr; ++i) {
    int8_t* c = C + size_t(i) * ldc;
    if (B.single_round) {
      alignas(64) int32_t sums[16];
      _mm512_store_si512(sums, acc[i]);
      for (int j = 0; j < nc; ++j) c[j] = requant_one(B, n0 + j, sums[j], row_add ? row_add[i] : 0);
      continue;
    }
    __m512i v = _mm512_add_epi32(acc[i], bias);
    if (row_add) v = _mm512_add_epi32(v, _mm512_set1_epi32(row_add[i]));
    _mm_mask_storeu_epi8(c, store, _mm512_cvtepi32_epi8(
        requant16(v, B.mult.data() + n0, B.lsh.data() + n0, B.rsh.data() + n0, B.out_zp, B.lo, B.hi)));
  }
}

}  // namespace

const TileI8 kTileI8Avx2 = tile_avx2;
const TileI8 kTileI8Vnni = tile_vnni;

}  // namespace kernels
}  // namespace slimrt
#endif
