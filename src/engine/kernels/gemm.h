// Float GEMM with packed right-hand side, for convolutions and fully connected layers.
//
//   C[m][n] = clamp(bias[n] + sum_k A[m*lda + k] * B[k][n], lo, hi)     0 <= m < M, 0 <= n < N
//
// B (the weights) is packed once into column panels of `nr` columns ([K][nr] each, zero-padded), together with a
// zero-padded copy of the bias, so that the micro-kernel streams it contiguously. A (the activations) is read in
// place with a row stride, so a 1x1 convolution runs straight on its NHWC input and im2col output is used as is.
// The micro-kernels are register-blocked (MR x nr accumulators) with the bias and the activation clamp fused into
// the tile's epilogue; the loops are blocked so that a panel block of B stays in L2 while MR-row slivers of A stay
// in L1.
//
// Kernel sets (cpu.h), chosen at run time: generic 4x8 (portable, auto-vectorizes with any SIMD the target has);
// avx2 6x16 (12 accumulators), 6x8 for a last panel of at most 8 columns (packed 8 wide), 1x16 with K unrolled
// into independent accumulators for single rows; avx512 (gemm_avx512.cc) 8x32 over two panels at once, 8x16 and
// 8x8 tails, remainder rows as 4/2/1-row tiles, single rows with K unrolled; neon (gemm_neon.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "cpu.h"

namespace slimrt {
namespace kernels {

// 64-byte aligned float storage.
class FloatBuffer {
 public:
  FloatBuffer() = default;
  explicit FloatBuffer(size_t n) { resize(n); }
  FloatBuffer(const FloatBuffer&) = delete;
  FloatBuffer& operator=(const FloatBuffer&) = delete;
  FloatBuffer(FloatBuffer&&) = default;  // the vector's heap block (and so ptr_) moves along
  FloatBuffer& operator=(FloatBuffer&&) = default;
  void resize(size_t n);
  float* data() { return ptr_; }
  const float* data() const { return ptr_; }
  size_t size() const { return n_; }

 private:
  std::vector<float> storage_;
  float* ptr_ = nullptr;
  size_t n_ = 0;
};

struct PackedB {
  int K = 0, N = 0;
  int nr = 0;       // panel width
  int panels = 0;   // ceil(N / nr)
  int last_nr = 0;  // packed width of the last panel: nr, or a narrower width when the kernel has a tail variant
  Isa isa = Isa::kGeneric;
  FloatBuffer data;  // panels * K * nr
  FloatBuffer bias;  // panels * nr (zeros where there is no bias)
  const float* panel(int p) const { return data.data() + size_t(p) * size_t(K) * size_t(nr); }
};

// Packs B given as N rows of K values (row n at w + n*ldw: the layout of OHWI conv filters and [out, in] FC
// weights). bias may be null (zeros).
void pack_b_rows(const float* w, int N, int K, int ldw, const float* bias, PackedB* out, Isa isa = float_isa());

// Computes the columns of panels [p_begin, p_end) for rows [0, M). A: M rows of K values at stride lda.
// C: row stride ldc (C points at column 0 of B). Single-threaded; callers split M or the panels across threads.
void gemm_packed(int M, const float* A, size_t lda, const PackedB& B, int p_begin, int p_end, float* C, size_t ldc,
                 float lo, float hi);

// Rows of A per micro-tile for B's ISA (callers split M on multiples of it).
int gemm_mr(Isa isa);

}  // namespace kernels
}  // namespace slimrt
