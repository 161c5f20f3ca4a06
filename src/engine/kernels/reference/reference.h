// Reference kernels: the plainest loops that compute what each op computes, written for obviousness, not speed.
// They are the oracle of the randomized differential tests (tests/cpp/) for the optimized kernels and ops, and are
// compiled into the tests only, never into the engine. They share no code with the optimized paths (not even the
// fixed-point helpers), so a bug in one is not hidden by the same bug in the other.
//
// Layouts are TFLite's: NHWC activations, OHWI conv filters, [1, KH, KW, C*M] depthwise filters, [units, depth] FC
// weights. Quantized kernels follow the TFLite reference kernels' integer arithmetic.
#pragma once

#include <cstdint>
#include <vector>

namespace slimrt {
namespace ref {

// ---- fixed point (TFLite / gemmlowp semantics) ----

// m >= 0 as mult * 2^(shift - 31) with mult in [2^30, 2^31) (0 for m == 0).
void quantize_multiplier(double m, int32_t* mult, int* shift);
// gemmlowp: RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x * 2^max(shift,0), mult), max(-shift,0)).
int32_t multiply_by_quantized_multiplier(int32_t x, int32_t mult, int shift);
// One rounding, ties away from zero: round(x * mult * 2^(shift - 31)) (FULLY_CONNECTED's int8 requantization).
int32_t multiply_single_round(int32_t x, int32_t mult, int shift);

// ---- geometry ----

struct Window {
  int stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1;
  bool same = true;  // SAME (else VALID) padding
};
// TFLite output size and leading padding of one axis.
void window_axis(int in, int filter, int stride, int dil, bool same, int* out, int* pad_before);

// ---- float ----

// Convolution, NHWC x OHWI (grouped when C is a multiple of the filter's channels); bias may be empty.
void conv2d_f32(const std::vector<float>& in, int N, int H, int W, int C, const std::vector<float>& filter, int OC, int KH,
                int KW, const std::vector<float>& bias, const Window& w, float lo, float hi, std::vector<float>* out,
                int* OH, int* OW);
void depthwise_f32(const std::vector<float>& in, int N, int H, int W, int C, const std::vector<float>& filter, int KH,
                   int KW, int M, const std::vector<float>& bias, const Window& w, float lo, float hi,
                   std::vector<float>* out, int* OH, int* OW);
// out[b][u] = clamp(bias[u] + sum_d in[b][d] * w[u][d]).
void fully_connected_f32(const std::vector<float>& in, int B, int D, const std::vector<float>& w, int U,
                         const std::vector<float>& bias, float lo, float hi, std::vector<float>* out);
// Max or average pooling (average over the window taps inside the input).
void pool_f32(const std::vector<float>& in, int N, int H, int W, int C, int FH, int FW, const Window& w, bool max,
              float lo, float hi, std::vector<float>* out, int* OH, int* OW);
// C[m][n] = clamp(bias[n] + sum_k A[m][k] * B[n][k]) (B given as N rows of K).
void gemm_f32(const std::vector<float>& A, int M, int K, const std::vector<float>& B, int N, const std::vector<float>& bias,
              float lo, float hi, std::vector<float>* C);

// Binary op with numpy broadcasting: 0 add, 1 sub, 2 mul, 3 prelu (a >= 0 ? a : a * b), clamped.
void binary_f32(int op, const std::vector<float>& a, const std::vector<int32_t>& as, const std::vector<float>& b,
                const std::vector<int32_t>& bs, float lo, float hi, std::vector<float>* out, std::vector<int32_t>* os);
// Unary: 0 relu, 1 relu6, 2 relu_n1_to_1, 3 logistic, 4 tanh, 5 hard_swish.
float unary_f32(int op, float x);

// ---- int8 ----

struct QuantOut {
  std::vector<double> real_multiplier;  // per output channel: in_scale * filter_scale_c / out_scale
  int32_t in_zp = 0, out_zp = 0, act_min = -128, act_max = 127;
};

void conv2d_i8(const std::vector<int8_t>& in, int N, int H, int W, int C, const std::vector<int8_t>& filter, int OC,
               int KH, int KW, const std::vector<int32_t>& bias, const Window& w, const QuantOut& q,
               std::vector<int8_t>* out, int* OH, int* OW);
void depthwise_i8(const std::vector<int8_t>& in, int N, int H, int W, int C, const std::vector<int8_t>& filter, int KH,
                  int KW, int M, const std::vector<int32_t>& bias, const Window& w, const QuantOut& q,
                  std::vector<int8_t>* out, int* OH, int* OW);
// filter_zp: per-tensor weight zero point (FULLY_CONNECTED allows one).
void fully_connected_i8(const std::vector<int8_t>& in, int B, int D, const std::vector<int8_t>& w, int U, int32_t filter_zp,
                        const std::vector<int32_t>& bias, const QuantOut& q, std::vector<int8_t>* out);
// acc[m][n] = sum_k (A[m][k] - a_zp) * B[n][k].
void gemm_i8(const std::vector<int8_t>& A, int M, int K, int32_t a_zp, const std::vector<int8_t>& B, int N,
             std::vector<int32_t>* acc);

}  // namespace ref
}  // namespace slimrt
