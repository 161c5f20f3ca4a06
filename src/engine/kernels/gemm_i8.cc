// int8 GEMM: packing, the requantization parameters, the portable tile and the blocked driver (see gemm_i8.h).
#include "gemm_i8.h"

#include <algorithm>
#include <cstring>

#include "gemm_i8_isa.h"

namespace slimrt {
namespace kernels {
namespace {

constexpr int kI8GenericMR = 4;

// Portable tile: plain integer loops over the packed layout.
void tile_generic(int mr, const int8_t* A, size_t lda, const PackedI8& B, int p, int nc, int8_t* C, size_t ldc,
                  const int32_t* row_add) {
  int32_t sums[kI8GenericMR * 16] = {};
  const int8_t* panel = B.panel(p);
  for (int i = 0; i < mr; ++i) {
    const int8_t* a = A + size_t(i) * lda;
    int32_t* s = sums + 16 * i;
    for (int g = 0; g < B.groups; ++g) {
      const int32_t packed = load_group(a, g, B.K);
      int8_t av[4];
      std::memcpy(av, &packed, 4);
      const int8_t* b = panel + size_t(g) * 64;
      for (int j = 0; j < 16; ++j)
        s[j] += av[0] * b[4 * j] + av[1] * b[4 * j + 1] + av[2] * b[4 * j + 2] + av[3] * b[4 * j + 3];
    }
  }
  requant_tile(sums, mr, B, p, nc, C, ldc, row_add);
}

struct TileSet {
  int mr;
  TileI8 fn;
};

TileSet tiles_for(Isa isa) {
#if SLIMRT_AVX2_KERNELS
  if (isa == Isa::kAvx2) return {kI8Avx2MR, kTileI8Avx2};
  if (isa == Isa::kAvx512Vnni) return {kI8VnniMR, kTileI8Vnni};
#endif
#if SLIMRT_NEON_KERNELS
  if (isa == Isa::kNeon) return {kI8NeonMR, kTileI8Neon};
#endif
#if SLIMRT_NEON_DOT_KERNELS
  if (isa == Isa::kNeonDot) return {kI8NeonDotMR, kTileI8NeonDot};
#endif
  return {kI8GenericMR, tile_generic};
}

void pad_to(std::vector<int32_t>* v, const int32_t* src, int n, size_t size, int32_t fill) {
  v->assign(size, fill);
  if (src) std::copy(src, src + n, v->begin());
}

}  // namespace

int gemm_i8_mr(Isa isa) { return tiles_for(isa).mr; }

void pack_i8(const int8_t* w, int N, int K, size_t ldw, PackedI8* out, Isa isa) {
  out->K = K;
  out->N = N;
  out->isa = isa;
  out->groups = (K + 3) / 4;
  out->panels = (N + 15) / 16;
  const size_t bytes = size_t(out->panels) * size_t(out->groups) * 64;
  out->storage.assign(bytes + 64, 0);
  const uintptr_t base = reinterpret_cast<uintptr_t>(out->storage.data());
  out->data = out->storage.data() + ((64 - (base & 63)) & 63);
  out->colsum.assign(size_t(N), 0);
  for (int n = 0; n < N; ++n) {
    const int8_t* src = w + size_t(n) * ldw;
    int8_t* dst = out->data + size_t(n / 16) * size_t(out->groups) * 64 + size_t(n % 16) * 4;
    int32_t sum = 0;
    for (int k = 0; k < K; ++k) {
      dst[size_t(k / 4) * 64 + size_t(k % 4)] = src[k];
      sum += src[k];
    }
    out->colsum[size_t(n)] = sum;
  }
}

void set_requant(PackedI8* p, const int32_t* bias, const int32_t* mult, const int32_t* shift, int32_t out_zp,
                 int32_t lo, int32_t hi, bool single_round) {
  const size_t size = size_t(p->panels) * 16;
  pad_to(&p->bias, bias, p->N, size, 0);
  pad_to(&p->mult, mult, p->N, size, 0);
  pad_to(&p->shift, shift, p->N, size, 0);
  p->lsh.assign(size, 0);
  p->rsh.assign(size, 0);
  for (size_t n = 0; n < size; ++n) {
    p->lsh[n] = p->shift[n] > 0 ? p->shift[n] : 0;
    p->rsh[n] = p->shift[n] > 0 ? 0 : -p->shift[n];
  }
  // vpdpbusd multiplies (A + 128) as unsigned bytes: take 128 * column sum back out through the bias.
  if (p->isa == Isa::kAvx512Vnni)
    for (int n = 0; n < p->N; ++n) p->bias[size_t(n)] =
          wrap_add(p->bias[size_t(n)], int32_t(uint32_t(uint64_t(int64_t(-128) * p->colsum[size_t(n)]))));
  p->out_zp = out_zp;
  p->lo = lo;
  p->hi = hi;
  p->single_round = single_round;
}

void gemm_i8(int M, const int8_t* A, size_t lda, const PackedI8& B, int p0, int p1, int8_t* C, size_t ldc,
             const int32_t* row_add) {
  if (M <= 0 || p0 >= p1) return;
  const TileSet ts = tiles_for(B.isa);
  // Panel blocks of about 128 KiB of weights (L2); the MR-row sliver of A stays in L1 across a block.
  const int pb = std::max(1, int((128u * 1024u) / (size_t(B.groups) * 64 + 1)));
  for (int q0 = p0; q0 < p1; q0 += pb) {
    const int q1 = std::min(p1, q0 + pb);
    for (int m = 0; m < M; m += ts.mr) {
      const int mr = std::min(ts.mr, M - m);
      for (int p = q0; p < q1; ++p)
        ts.fn(mr, A + size_t(m) * lda, lda, B, p, std::min(16, B.N - 16 * p), C + size_t(m) * ldc + size_t(16 * p),
              ldc, row_add ? row_add + m : nullptr);
    }
  }
}

}  // namespace kernels
}  // namespace slimrt
