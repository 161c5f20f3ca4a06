// int8 GEMM with packed weights and a fused requantization epilogue, for the quantized convolutions and fully
// connected layers. Bit-exact with TFLite's reference kernels on every kernel set (integer sums are exact; the
// requantization reproduces the reference's fixed-point rounding).
//
//   acc[m][n] = bias[n] + row_add[m] + sum_k A[m*lda + k] * W[n][k]          (int32, wrapping like the reference)
//   C[m][n]   = clamp(requantize_n(acc[m][n]) + out_zp, lo, hi)                  (int8)
//
// requantize_n: mult[n] * 2^(shift[n]-31) applied with gemmlowp's double rounding (CONV_2D, DEPTHWISE_CONV_2D:
// SaturatingRoundingDoublingHighMul then RoundingDivideByPOT) or with one rounding, ties away from zero
// (FULLY_CONNECTED). bias carries the input zero point folded in (bias - in_zp * sum_k W[n][k]); row_add, when
// given, adds a per-row term (FULLY_CONNECTED's weight zero point).
//
// Packing: W (N rows of K int8, the layout of OHWI conv filters and [units, depth] FC weights) into panels of 16
// columns; inside a panel, groups of 4 consecutive k: [K/4][16 columns][4 k] bytes, zero-padded (64 bytes per
// group: one zmm, two ymm, four q registers). Kernel sets (cpu.h):
//   generic     portable C++ over the same layout, scalar requantization;
//   avx2        4x8 tiles: A's 4 bytes sign-extended and broadcast, B sign-extended, vpmaddwd pairs;
//   avx512vnni  8x16 tiles: vpdpbusd on (A xor 0x80) as unsigned bytes; the 128 * column sums that adds are taken
//               out of the bias at packing;
//   neon        2x16 (aarch64) / 1x16 (armv7) tiles: vmull_s8 + vpadalq_s16;
//   neondot     4x16 tiles (aarch64): sdot by lane.
// A is read in place with a row stride (a 1x1 convolution runs on its NHWC input); rows need K readable bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "cpu.h"

namespace slimrt {
namespace kernels {

struct PackedI8 {
  int K = 0, N = 0, groups = 0, panels = 0;  // groups: ceil(K / 4)
  Isa isa = Isa::kGeneric;
  std::vector<int8_t> storage;
  int8_t* data = nullptr;                     // 64-byte aligned, panels * groups * 64 bytes
  std::vector<int32_t> colsum;                // per column, sum_k W[n][k]
  // Requantization, per column, padded to panels * 16 (set_requant).
  std::vector<int32_t> bias, mult, shift, lsh, rsh;
  int32_t out_zp = 0, lo = -128, hi = 127;
  bool single_round = false;
  const int8_t* panel(int p) const { return data + size_t(p) * size_t(groups) * 64; }
};

// Packs W (N rows of K values, row n at w + n * ldw). isa: an int8 kernel set this machine runs.
void pack_i8(const int8_t* w, int N, int K, size_t ldw, PackedI8* out, Isa isa = int8_isa());

// Sets the epilogue: bias (N values, may be null: zeros; the input zero point already folded in), per-column
// mult/shift (QuantizeMultiplier's Q31 mantissa and exponent, -31 <= shift <= 30), output zero point, clamp.
void set_requant(PackedI8* p, const int32_t* bias, const int32_t* mult, const int32_t* shift, int32_t out_zp,
                 int32_t lo, int32_t hi, bool single_round);

// Rows [0, M) x panels [p0, p1). A: M rows of K int8 at stride lda; C: int8 at stride ldc (column 0 of W);
// row_add: M values or null. Single-threaded; callers split M (multiples of gemm_i8_mr) or the panels.
void gemm_i8(int M, const int8_t* A, size_t lda, const PackedI8& B, int p0, int p1, int8_t* C, size_t ldc,
             const int32_t* row_add = nullptr);

// Rows per tile of the kernel set.
int gemm_i8_mr(Isa isa);

}  // namespace kernels
}  // namespace slimrt
