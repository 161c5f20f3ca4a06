#include "ops/conv_common.h"

#include <algorithm>
#include <cmath>

#include "kernels/quant_math.h"
#include "kernels/threadpool.h"
#include "ops/util.h"

namespace slimrt {

bool weights_const(OpContext& ctx) {
  const Tensor* bias = ctx.optional_input(2);
  return ctx.input(1).is_const() && (!bias || bias->is_const());
}

void parallel_gemm(OpContext& ctx, int M, const float* A, size_t lda, const kernels::PackedB& B, float* C, size_t ldc,
                   float lo, float hi) {
  const int T = ctx.num_threads();
  if (T <= 1 || int64_t(M) * B.K * B.N < (1 << 16)) {
    kernels::gemm_packed(M, A, lda, B, 0, B.panels, C, ldc, lo, hi);
    return;
  }
  const int MR = kernels::gemm_mr(B.isa);
  const int mtiles = (M + MR - 1) / MR;
  if (mtiles >= 2 * T || B.panels < T) {
    ctx.pool().parallel_for(mtiles, 1, [&](int64_t b, int64_t e, int) {
      const int m0 = int(b) * MR, m1 = std::min(M, int(e) * MR);
      kernels::gemm_packed(m1 - m0, A + size_t(m0) * lda, lda, B, 0, B.panels, C + size_t(m0) * ldc, ldc, lo, hi);
    });
  } else {
    ctx.pool().parallel_for(B.panels, 1, [&](int64_t b, int64_t e, int) {
      kernels::gemm_packed(M, A, lda, B, int(b), int(e), C, ldc, lo, hi);
    });
  }
}

void parallel_gemm_i8(OpContext& ctx, int M, const int8_t* A, size_t lda, const kernels::PackedI8& B, int8_t* C,
                      size_t ldc, const int32_t* row_add) {
  const int T = ctx.num_threads();
  if (T <= 1 || int64_t(M) * B.K * B.N < (1 << 16)) {
    kernels::gemm_i8(M, A, lda, B, 0, B.panels, C, ldc, row_add);
    return;
  }
  const int MR = kernels::gemm_i8_mr(B.isa);
  const int mtiles = (M + MR - 1) / MR;
  if (mtiles >= 2 * T || B.panels < T) {
    ctx.pool().parallel_for(mtiles, 1, [&](int64_t b, int64_t e, int) {
      const int m0 = int(b) * MR, m1 = std::min(M, int(e) * MR);
      kernels::gemm_i8(m1 - m0, A + size_t(m0) * lda, lda, B, 0, B.panels, C + size_t(m0) * ldc, ldc,
                       row_add ? row_add + m0 : nullptr);
    });
  } else {
    ctx.pool().parallel_for(B.panels, 1, [&](int64_t b, int64_t e, int) {
      kernels::gemm_i8(M, A, lda, B, int(b), int(e), C, ldc, row_add);
    });
  }
}

void prepare_quant(OpContext& ctx, QuantState& st, int channels, int qdim, int act, bool allow_filter_zp) {
  const Tensor& in = ctx.input(0);
  const Tensor& filter = ctx.input(1);
  const Tensor* bias = ctx.optional_input(2);
  const Tensor& out = ctx.output(0);
  const DType io = in.type == DType::kInt16 ? DType::kInt16 : DType::kInt8;
  ctx.check_type(in, io, "input");
  ctx.check_type(filter, DType::kInt8, "filter");
  ctx.check_type(out, io, "output");
  // int16: the reference accumulates in 64 bits unless quantized_bias_type says INT32 (see int16_bias_type).
  st.bias64 = io == DType::kInt16 && (!bias || bias->type == DType::kInt64);
  if (bias) {
    if (!st.bias64) ctx.check_type(*bias, DType::kInt32, "bias");
    ctx.check(bias->elements() == channels, "bias '", bias->name, "' has ", bias->elements(), " elements, expected ",
              channels);
  }
  const float in_s = single_scale(ctx, in, "input");
  const float out_s = single_scale(ctx, out, "output");
  st.in_zp = single_zero_point(ctx, in, "input");
  st.out_zp = single_zero_point(ctx, out, "output");
  if (io == DType::kInt16) ctx.check(st.in_zp == 0 && st.out_zp == 0, "int16 input and output need zero point 0");
  const Quant& fq = filter.quant;
  const size_t n = fq.scale.size();
  ctx.check(n == 1 || n == size_t(channels), "filter '", filter.name, "' has ", n, " scales, expected 1 or ", channels);
  ctx.check(fq.zero_point.size() == n, "filter '", filter.name, "' has ", fq.zero_point.size(), " zero points for ", n,
            " scales");
  if (n > 1)
    ctx.check(fq.quantized_dimension == qdim, "filter '", filter.name, "' is quantized along dimension ",
              fq.quantized_dimension, ", expected ", qdim);
  st.filter_zp = 0;
  for (size_t i = 0; i < n; ++i) {
    ctx.check(fq.scale[i] > 0.f && std::isfinite(fq.scale[i]), "filter '", filter.name, "' has an invalid scale ",
              fq.scale[i]);
    if (n > 1 || !allow_filter_zp)
      ctx.check(fq.zero_point[i] == 0, "filter '", filter.name, "' must have zero point 0, has ", fq.zero_point[i]);
  }
  if (n == 1) {
    ctx.check(fq.zero_point[0] >= -128 && fq.zero_point[0] <= 127, "filter zero point out of range");
    st.filter_zp = int32_t(fq.zero_point[0]);
  }
  st.mult.resize(size_t(channels));
  st.shift.resize(size_t(channels));
  st.lsh.resize(size_t(channels));
  st.rsh.resize(size_t(channels));
  for (int c = 0; c < channels; ++c) {
    const float fs = fq.scale[n == 1 ? 0 : size_t(c)];
    const double m = double(in_s) * double(fs) / double(out_s);
    int shift = 0;
    qm::QuantizeMultiplier(m, &st.mult[size_t(c)], &shift);
    ctx.check(shift <= (st.bias64 ? 7 : 30), "requantization multiplier ", m, " of output channel ", c,
              " is too large");
    ctx.check(shift >= -31, "requantization multiplier ", m, " of output channel ", c, " is too small");
    st.shift[size_t(c)] = shift;
    st.lsh[size_t(c)] = uint8_t(shift > 0 ? shift : 0);
    st.rsh[size_t(c)] = uint8_t(shift > 0 ? 0 : -shift);
  }
  quantized_activation(ctx, act, out, &st.act_min, &st.act_max);
  st.weights_const = filter.is_const() && (!bias || bias->is_const());
}

void int16_bias_type(OpContext& ctx, QuantState& st, int quantized_bias_type) {
  const Tensor* bias = ctx.optional_input(2);
  if (ctx.input(0).type != DType::kInt16) return;
  ctx.check(quantized_bias_type == 0 || quantized_bias_type == int(DType::kInt32) ||
                quantized_bias_type == int(DType::kInt64),
            "quantized_bias_type ", quantized_bias_type, " is not supported");
  // Without quantized_bias_type the reference reads the bias as int64 (past the end of an int32 one).
  if (bias)
    ctx.check((bias->type == DType::kInt32) == (quantized_bias_type == int(DType::kInt32)), "bias type ",
              dtype_name(bias->type), " does not match quantized_bias_type ", quantized_bias_type);
  st.bias64 = quantized_bias_type != int(DType::kInt32);
}

void compute_bias_eff(QuantState& st, const Tensor& filter, const Tensor* bias, int channels, int64_t row, bool columns) {
  const int8_t* f = filter.as<int8_t>();
  const int32_t* b = bias ? bias->as<int32_t>() : nullptr;
  st.bias_eff.resize(size_t(channels));
  for (int c = 0; c < channels; ++c) {
    int64_t sum = 0;
    if (columns) {
      for (int64_t k = 0; k < row; ++k) sum += f[k * channels + c];
    } else {
      const int8_t* r = f + int64_t(c) * row;
      for (int64_t k = 0; k < row; ++k) sum += r[k];
    }
    // 64-bit, then wrapped to 32 bits: what the reference's int32 accumulation gives, without signed overflow
    // (only hostile models get anywhere near the int32 range).
    int64_t v = int64_t(b ? b[c] : 0) - int64_t(st.in_zp) * sum;
    st.bias_eff[size_t(c)] = int32_t(uint32_t(uint64_t(v)));
  }
}

}  // namespace slimrt
