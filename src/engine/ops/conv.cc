// Float convolution family: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED (float32 activations and weights).
//
// CONV_2D and FULLY_CONNECTED run on the packed GEMM (kernels/gemm.h): the weights ([out][K], K = kh*kw*in for OHWI
// filters) are packed into panels with the bias; a 1x1 / stride-1 convolution multiplies the NHWC input in place,
// other convolutions build im2col rows one block of output pixels at a time into a per-thread scratch block (so the
// block stays in cache and threads never share buffers). Grouped convolution (input channels a multiple of the
// filter's) runs one GEMM per group. DEPTHWISE_CONV_2D is a direct kernel (kernels/depthwise.h).
//
// Weights: constant filters and biases are packed once, in prepare. That includes the float16 models' weights
// behind DEQUANTIZE: the graph folds constant subexpressions at allocate time (graph.cc), so by this node's
// prepare they are constants. Anything else (weights fed as a model input) is re-packed on every eval.
// The depthwise kernel reads filter and bias in place on every eval, so it needs none of this.
//
// Versions (TFLite op version history): CONV_2D float is version 1, 6 for grouped convolution (2/5 are hybrid
// int8-weight variants, 3/4/7/8 integer: rejected here by the filter type check or served by conv_int8.cc);
// DEPTHWISE_CONV_2D float is 1, 2 with dilation (4/6 hybrid); FULLY_CONNECTED float is 1, 5 keep_num_dims, 6 without
// bias (2 is the shuffled int8 weight format, 8 sparse weights: both rejected in prepare).
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "kernels/conv_im2col.h"
#include "kernels/depthwise.h"
#include "kernels/gemm.h"
#include "kernels/threadpool.h"
#include "op.h"
#include "slimrt.h"

namespace slimrt {
namespace {

using kernels::PackedB;

// True when the weights (input 1) and the bias (input 2, if any) are constants: pack once in prepare.
bool weights_const(OpContext& ctx) {
  const Tensor* bias = ctx.optional_input(2);
  return ctx.input(1).is_const() && (!bias || bias->is_const());
}

// Runs C = act(A * B + bias) for rows [0, M), splitting rows (or, for short M, panels) across the pool.
void parallel_gemm(OpContext& ctx, int M, const float* A, size_t lda, const PackedB& B, float* C, size_t ldc, float lo,
                   float hi) {
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

struct SpatialOptions {
  int padding, stride_w, stride_h, dilation_w, dilation_h;
  float lo, hi;
};

void check_spatial(const OpContext& ctx, const SpatialOptions& o) {
  ctx.check(o.padding == 0 || o.padding == 1, "unsupported padding ", o.padding);
  ctx.check(o.stride_w > 0 && o.stride_h > 0, "strides must be positive, got ", o.stride_h, "x", o.stride_w);
  ctx.check(o.dilation_w > 0 && o.dilation_h > 0, "dilations must be positive, got ", o.dilation_h, "x",
            o.dilation_w);
}

// ---------------------------------------------------------------------------------------------------------------
// CONV_2D

struct ConvState : OpState {
  int batches = 0, in_h = 0, in_w = 0, in_c = 0;
  int out_h = 0, out_w = 0, out_c = 0;
  int kh = 0, kw = 0, sh = 1, sw = 1, dh = 1, dw = 1, pad_t = 0, pad_l = 0;
  int groups = 1, cin_g = 0, cout_g = 0, K = 0;
  float lo = 0, hi = 0;
  bool direct = false;  // 1x1, stride 1, no padding: the input is the GEMM's A
  int mc = 0;           // im2col rows per block
  kernels::ConvGeometry geo{};
  bool const_weights = true;
  std::vector<PackedB> wpack;  // one per group
};

void conv_pack(OpContext& ctx, ConvState& s) {
  const Tensor& filter = ctx.input(1);
  const Tensor* bias = ctx.optional_input(2);
  s.wpack.resize(size_t(s.groups));
  for (int g = 0; g < s.groups; ++g) {
    const float* w = filter.as<float>() + size_t(g) * size_t(s.cout_g) * size_t(s.K);
    const float* b = bias ? bias->as<float>() + size_t(g) * size_t(s.cout_g) : nullptr;
    kernels::pack_b_rows(w, s.cout_g, s.K, s.K, b, &s.wpack[size_t(g)]);
  }
}

void ConvPrepare(OpContext& ctx) {
  ctx.check_inputs(2, 3);
  ctx.check_outputs(1);
  const Tensor& input = ctx.input(0);
  const Tensor& filter = ctx.input(1);
  const Tensor* bias = ctx.optional_input(2);
  ctx.check_type(input, DType::kFloat32, "input");
  ctx.check_type(filter, DType::kFloat32, "filter");
  ctx.check_type(ctx.output(0), DType::kFloat32, "output");
  ctx.check(input.rank() == 4, "input must be 4-D (NHWC), got shape ", input.shape);
  ctx.check(filter.rank() == 4, "filter must be 4-D (OHWI), got shape ", filter.shape);
  ctx.check(!filter.sparse, "sparse filters are not supported");
  for (int i = 0; i < 4; ++i) ctx.check(filter.dim(i) > 0, "filter has an empty dimension: ", filter.shape);
  ConvState& s = ctx.state<ConvState>();
  s.batches = input.dim(0);
  s.in_h = input.dim(1);
  s.in_w = input.dim(2);
  s.in_c = input.dim(3);
  s.out_c = filter.dim(0);
  s.kh = filter.dim(1);
  s.kw = filter.dim(2);
  s.cin_g = filter.dim(3);
  ctx.check(s.in_c > 0 && s.in_c % s.cin_g == 0, "input channels (", s.in_c,
            ") must be a positive multiple of the filter's input channels (", s.cin_g, ")");
  s.groups = s.in_c / s.cin_g;
  ctx.check(s.out_c % s.groups == 0, "output channels (", s.out_c, ") not divisible by the ", s.groups, " groups");
  s.cout_g = s.out_c / s.groups;
  const int64_t K = int64_t(s.kh) * s.kw * s.cin_g;
  ctx.check(K < (int64_t(1) << 28), "filter too large");
  s.K = int(K);
  if (bias) {
    ctx.check_type(*bias, DType::kFloat32, "bias");
    ctx.check(bias->elements() == s.out_c, "bias must have ", s.out_c, " elements, got shape ", bias->shape);
  }

  const fb::Table& o = ctx.options();
  SpatialOptions so;
  so.padding = o.get<int8_t>(0, 0);
  so.stride_w = o.get<int32_t>(1, 0);
  so.stride_h = o.get<int32_t>(2, 0);
  const int act = o.get<int8_t>(3, 0);
  so.dilation_w = o.get<int32_t>(4, 1);
  so.dilation_h = o.get<int32_t>(5, 1);
  check_spatial(ctx, so);
  const ActRange r = float_activation_range(ctx, act);
  s.lo = r.lo;
  s.hi = r.hi;
  s.sh = so.stride_h;
  s.sw = so.stride_w;
  s.dh = so.dilation_h;
  s.dw = so.dilation_w;
  const AxisGeometry gh = window_axis(ctx, s.in_h, s.kh, s.sh, s.dh, so.padding), gw = window_axis(ctx, s.in_w, s.kw, s.sw, s.dw, so.padding);
  s.out_h = gh.out;
  s.pad_t = gh.pad_before;
  s.out_w = gw.out;
  s.pad_l = gw.pad_before;
  ctx.set_output_shape(0, {s.batches, s.out_h, s.out_w, s.out_c});

  s.geo = kernels::ConvGeometry{s.batches, s.in_h, s.in_w, s.in_c, s.out_h, s.out_w, s.kh, s.kw, s.sh, s.sw,
                                s.dh, s.dw, s.pad_t, s.pad_l, s.groups, s.cin_g};
  s.direct = s.kh == 1 && s.kw == 1 && s.sh == 1 && s.sw == 1 && s.pad_t == 0 && s.pad_l == 0;
  s.const_weights = weights_const(ctx);
  if (s.const_weights) conv_pack(ctx, s);

  const int64_t M = int64_t(s.batches) * s.out_h * s.out_w;
  ctx.check(M < (int64_t(1) << 31), "output too large");
  if (!s.direct && M > 0) {
    const kernels::Isa isa = kernels::float_isa();
    const int MR = kernels::gemm_mr(isa);
    const int T = std::max(1, ctx.num_threads());
    // ~48 KiB of im2col rows per block, at least one micro-tile, and enough blocks for every thread.
    int64_t mc = std::max<int64_t>(MR, (48 * 1024 / 4) / K / MR * MR);
    const int64_t per_thread = ((M + T - 1) / T + MR - 1) / MR * MR;
    mc = std::min(mc, std::max<int64_t>(MR, per_thread));
    s.mc = int(mc);
    ctx.request_scratch(size_t(T) * size_t(mc) * size_t(K) * sizeof(float) + 64);
  }
}

void ConvEval(OpContext& ctx) {
  ConvState& s = ctx.state<ConvState>();
  if (!s.const_weights) conv_pack(ctx, s);
  const float* in = ctx.input(0).as<float>();
  float* out = ctx.output(0).as<float>();
  const int64_t M = int64_t(s.batches) * s.out_h * s.out_w;
  if (M == 0) return;
  if (s.direct) {
    for (int g = 0; g < s.groups; ++g)
      parallel_gemm(ctx, int(M), in + size_t(g) * size_t(s.cin_g), size_t(s.in_c), s.wpack[size_t(g)],
                    out + size_t(g) * size_t(s.cout_g), size_t(s.out_c), s.lo, s.hi);
    return;
  }
  uintptr_t sp = reinterpret_cast<uintptr_t>(ctx.scratch());
  float* scratch = reinterpret_cast<float*>((sp + 63) & ~uintptr_t(63));
  const int64_t blocks = (M + s.mc - 1) / s.mc;
  auto run = [&](int64_t b0, int64_t b1, int worker) {
    float* buf = scratch + size_t(worker) * size_t(s.mc) * size_t(s.K);
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t m0 = b * s.mc, m1 = std::min(M, m0 + s.mc);
      for (int g = 0; g < s.groups; ++g) {
        kernels::im2col_rows(s.geo, in, g, m0, m1, buf);
        kernels::gemm_packed(int(m1 - m0), buf, size_t(s.K), s.wpack[size_t(g)], 0, s.wpack[size_t(g)].panels,
                             out + size_t(m0) * size_t(s.out_c) + size_t(g) * size_t(s.cout_g), size_t(s.out_c), s.lo,
                             s.hi);
      }
    }
  };
  if (ctx.num_threads() <= 1 || blocks == 1)
    run(0, blocks, 0);
  else
    ctx.pool().parallel_for(blocks, 1, run);
}

// ---------------------------------------------------------------------------------------------------------------
// DEPTHWISE_CONV_2D

struct DepthwiseState : OpState {
  kernels::DepthwiseParams p{};
  std::vector<float> zero_bias;
};

void DepthwisePrepare(OpContext& ctx) {
  ctx.check_inputs(2, 3);
  ctx.check_outputs(1);
  const Tensor& input = ctx.input(0);
  const Tensor& filter = ctx.input(1);
  const Tensor* bias = ctx.optional_input(2);
  ctx.check_type(input, DType::kFloat32, "input");
  ctx.check_type(filter, DType::kFloat32, "filter");
  ctx.check_type(ctx.output(0), DType::kFloat32, "output");
  ctx.check(input.rank() == 4, "input must be 4-D (NHWC), got shape ", input.shape);
  ctx.check(filter.rank() == 4 && filter.dim(0) == 1, "filter must be [1, H, W, C], got shape ", filter.shape);
  ctx.check(!filter.sparse, "sparse filters are not supported");
  for (int i = 0; i < 4; ++i) ctx.check(filter.dim(i) > 0, "filter has an empty dimension: ", filter.shape);
  const int in_c = input.dim(3), out_c = filter.dim(3);
  ctx.check(in_c > 0 && out_c % in_c == 0, "filter channels (", out_c, ") must be a multiple of input channels (",
            in_c, ")");
  const fb::Table& o = ctx.options();
  SpatialOptions so;
  so.padding = o.get<int8_t>(0, 0);
  so.stride_w = o.get<int32_t>(1, 0);
  so.stride_h = o.get<int32_t>(2, 0);
  const int dm_opt = o.get<int32_t>(3, 0);
  const int act = o.get<int8_t>(4, 0);
  so.dilation_w = o.get<int32_t>(5, 1);
  so.dilation_h = o.get<int32_t>(6, 1);
  check_spatial(ctx, so);
  // The multiplier follows the tensor shapes (the stored option is known to be unreliable in some converted
  // models, so it is not checked against them).
  const int dm = out_c / in_c;
  (void)dm_opt;
  if (bias) {
    ctx.check_type(*bias, DType::kFloat32, "bias");
    ctx.check(bias->elements() == out_c, "bias must have ", out_c, " elements, got shape ", bias->shape);
  }
  const ActRange r = float_activation_range(ctx, act);
  DepthwiseState& s = ctx.state<DepthwiseState>();
  kernels::DepthwiseParams& p = s.p;
  p.batches = input.dim(0);
  p.in_h = input.dim(1);
  p.in_w = input.dim(2);
  p.in_c = in_c;
  p.kh = filter.dim(1);
  p.kw = filter.dim(2);
  p.depth_multiplier = dm;
  p.stride_h = so.stride_h;
  p.stride_w = so.stride_w;
  p.dilation_h = so.dilation_h;
  p.dilation_w = so.dilation_w;
  p.lo = r.lo;
  p.hi = r.hi;
  const AxisGeometry gh = window_axis(ctx, p.in_h, p.kh, p.stride_h, p.dilation_h, so.padding), gw = window_axis(ctx, p.in_w, p.kw, p.stride_w, p.dilation_w, so.padding);
  p.out_h = gh.out;
  p.pad_top = gh.pad_before;
  p.out_w = gw.out;
  p.pad_left = gw.pad_before;
  ctx.set_output_shape(0, {p.batches, p.out_h, p.out_w, out_c});
  s.zero_bias.assign(size_t(out_c), 0.f);
}

void DepthwiseEval(OpContext& ctx) {
  DepthwiseState& s = ctx.state<DepthwiseState>();
  const kernels::DepthwiseParams& p = s.p;
  const float* in = ctx.input(0).as<float>();
  const float* w = ctx.input(1).as<float>();
  const Tensor* bias_t = ctx.optional_input(2);
  const float* bias = bias_t ? bias_t->as<float>() : s.zero_bias.data();
  float* out = ctx.output(0).as<float>();
  const int64_t rows = int64_t(p.batches) * p.out_h;
  const int64_t work = rows * p.out_w * p.in_c * p.depth_multiplier * p.kh * p.kw;
  if (ctx.num_threads() <= 1 || rows < 2 || work < (1 << 15)) {
    kernels::depthwise_conv_rows(p, in, w, bias, out, 0, rows);
    return;
  }
  ctx.pool().parallel_for(rows, 1, [&](int64_t b, int64_t e, int) {
    kernels::depthwise_conv_rows(p, in, w, bias, out, b, e);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// FULLY_CONNECTED

struct FcState : OpState {
  int batch = 0, in_dim = 0, units = 0;
  float lo = 0, hi = 0;
  bool const_weights = true;
  PackedB wpack;
};

void fc_pack(OpContext& ctx, FcState& s) {
  const Tensor* bias = ctx.optional_input(2);
  kernels::pack_b_rows(ctx.input(1).as<float>(), s.units, s.in_dim, s.in_dim, bias ? bias->as<float>() : nullptr,
                       &s.wpack);
}

void FcPrepare(OpContext& ctx) {
  ctx.check_inputs(2, 3);
  ctx.check_outputs(1);
  const Tensor& input = ctx.input(0);
  const Tensor& weights = ctx.input(1);
  const Tensor* bias = ctx.optional_input(2);
  ctx.check_type(input, DType::kFloat32, "input");
  ctx.check_type(weights, DType::kFloat32, "weights");
  ctx.check_type(ctx.output(0), DType::kFloat32, "output");
  ctx.check(!weights.sparse, "sparse weights are not supported");
  const fb::Table& o = ctx.options();
  const int act = o.get<int8_t>(0, 0);
  const int format = o.get<int8_t>(1, 0);
  const bool keep_num_dims = o.get<uint8_t>(2, 0) != 0;
  ctx.check(format == 0, "weights_format ", format, " is not supported (only DEFAULT)");
  const ActRange r = float_activation_range(ctx, act);
  ctx.check(weights.rank() == 2, "weights must be 2-D [units, input depth], got shape ", weights.shape);
  FcState& s = ctx.state<FcState>();
  s.lo = r.lo;
  s.hi = r.hi;
  s.units = weights.dim(0);
  s.in_dim = weights.dim(1);
  ctx.check(s.units > 0 && s.in_dim > 0, "weights have an empty dimension: ", weights.shape);
  ctx.check(input.rank() >= 1, "input must have at least one dimension");
  const int64_t n = input.elements();
  ctx.check(n % s.in_dim == 0, "input shape ", input.shape, " is not a multiple of the weights' input depth ",
            s.in_dim);
  ctx.check(n / s.in_dim < (int64_t(1) << 31), "input too large");
  s.batch = int(n / s.in_dim);
  if (bias) {
    ctx.check_type(*bias, DType::kFloat32, "bias");
    ctx.check(bias->elements() == s.units, "bias must have ", s.units, " elements, got shape ", bias->shape);
  }
  if (keep_num_dims) {
    ctx.check(input.dim(input.rank() - 1) == s.in_dim, "keep_num_dims needs the input's last dimension (",
              input.dim(input.rank() - 1), ") to equal the weights' input depth (", s.in_dim, ")");
    Shape out = input.shape;
    out.back() = s.units;
    ctx.set_output_shape(0, out);
  } else {
    ctx.set_output_shape(0, {s.batch, s.units});
  }
  s.const_weights = weights_const(ctx);
  if (s.const_weights) fc_pack(ctx, s);
}

void FcEval(OpContext& ctx) {
  FcState& s = ctx.state<FcState>();
  if (!s.const_weights) fc_pack(ctx, s);
  if (s.batch == 0) return;
  parallel_gemm(ctx, s.batch, ctx.input(0).as<float>(), size_t(s.in_dim), s.wpack, ctx.output(0).as<float>(),
                size_t(s.units), s.lo, s.hi);
}

}  // namespace

void RegisterConvOps(OpRegistry& r) {
  r.add({op::CONV_2D, "CONV_2D", DType::kFloat32, 6, ConvPrepare, ConvEval});
  r.add({op::DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D", DType::kFloat32, 2, DepthwisePrepare, DepthwiseEval});
  r.add({op::FULLY_CONNECTED, "FULLY_CONNECTED", DType::kFloat32, 6, FcPrepare, FcEval});
}

}  // namespace slimrt
