// CONV_2D: NHWC input, OHWI filter (grouped when the input has a multiple of the filter's channels), optional bias.
//
// float32: the packed GEMM (kernels/gemm.h). The weights ([out][K], K = kh*kw*in) are packed into panels with the
// bias, once in prepare when they are constants (that includes float16 weights behind DEQUANTIZE: the graph folds
// constant subexpressions first); a 1x1 / stride-1 convolution multiplies the NHWC input in place, other
// convolutions build im2col rows one block of output pixels at a time into a per-thread scratch block.
// int8: per-channel (or per-tensor) weights, int32 bias, bit-exact with the reference kernels (see conv_common.h).
//
// Versions: float 1, 6 grouped; int8 3, 4 per-channel, 5 grouped, 7/8 int16 variants (refused by the type check).
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/conv_im2col.h"
#include "kernels/gemm.h"
#include "kernels/threadpool.h"
#include "ops/conv_common.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct Conv2DOptions {
  int padding, stride_w, stride_h, activation, dilation_w, dilation_h;
  int quantized_bias_type;  // TensorType of the bias for quantized convs (0 = default int32)
};

Conv2DOptions ReadConv2DOptions(const OpContext& ctx) {
  const fb::Table o = ctx.options(opt::Conv2DOptions);
  return {o.get<int8_t>(0, 0),  o.get<int32_t>(1, 0), o.get<int32_t>(2, 0),
          clamp_activation(ctx, o.get<int8_t>(3, 0)),  // TANH / SIGN_BIT: no activation, as the official kernels
          o.get<int32_t>(4, 1), o.get<int32_t>(5, 1), o.get<int8_t>(6, 0)};
}

// Geometry shared by every type.
struct ConvGeom {
  int N, H, W, C, OC, KH, KW, FC, groups, OH, OW, pad_t, pad_l;
  int64_t K;  // taps per output channel of one group
};

ConvGeom Geometry(OpContext& ctx, const Conv2DOptions& o) {
  const Tensor& in = ctx.input(0);
  const Tensor& filter = ctx.input(1);
  ctx.check(in.rank() == 4, "input '", in.name, "' must be 4-D (NHWC), has shape ", in.shape);
  ctx.check(filter.rank() == 4, "filter '", filter.name, "' must be 4-D (OHWI), has shape ", filter.shape);
  for (int i = 0; i < 4; ++i) ctx.check(filter.dim(i) > 0, "filter has an empty dimension: ", filter.shape);
  ConvGeom g{};
  g.N = in.dim(0), g.H = in.dim(1), g.W = in.dim(2), g.C = in.dim(3);
  g.OC = filter.dim(0), g.KH = filter.dim(1), g.KW = filter.dim(2), g.FC = filter.dim(3);
  ctx.check(g.C > 0 && g.C % g.FC == 0, "input channels (", g.C, ") must be a positive multiple of the filter's (",
            g.FC, ")");
  g.groups = g.C / g.FC;
  ctx.check(g.OC % g.groups == 0, "output channels (", g.OC, ") not divisible by the ", g.groups, " groups");
  g.K = int64_t(g.KH) * g.KW * g.FC;
  ctx.check(g.K < (int64_t(1) << 28), "filter too large");
  const AxisGeometry gh = window_axis(ctx, g.H, g.KH, o.stride_h, o.dilation_h, o.padding);
  const AxisGeometry gw = window_axis(ctx, g.W, g.KW, o.stride_w, o.dilation_w, o.padding);
  g.OH = gh.out, g.pad_t = gh.pad_before, g.OW = gw.out, g.pad_l = gw.pad_before;
  ctx.check(int64_t(g.N) * g.OH * g.OW < (int64_t(1) << 31), "output too large");
  return g;
}

// ---- float32 ----

struct FloatState : OpState {
  ConvGeom g{};
  kernels::ConvGeometry geo{};
  float lo = 0, hi = 0;
  bool direct = false;  // 1x1, stride 1, no padding: the input is the GEMM's A
  int mc = 0;           // im2col rows per block
  bool const_weights = true;
  std::vector<kernels::PackedB> wpack;  // one per group
};

void Pack(OpContext& ctx, FloatState& s) {
  const Tensor& filter = ctx.input(1);
  const Tensor* bias = ctx.optional_input(2);
  const int cout_g = s.g.OC / s.g.groups, K = int(s.g.K);
  s.wpack.resize(size_t(s.g.groups));
  for (int g = 0; g < s.g.groups; ++g) {
    const float* w = filter.as<float>() + size_t(g) * size_t(cout_g) * size_t(K);
    const float* b = bias ? bias->as<float>() + size_t(g) * size_t(cout_g) : nullptr;
    kernels::pack_b_rows(w, cout_g, K, K, b, &s.wpack[size_t(g)]);
  }
}

void EvalFloat(OpContext& ctx);

void PrepareFloat(OpContext& ctx, const Conv2DOptions& o, const ConvGeom& g) {
  const Tensor* bias = ctx.optional_input(2);
  ctx.check_type(ctx.input(1), DType::kFloat32, "filter");
  ctx.check_type(ctx.output(0), DType::kFloat32, "output");
  if (bias) {
    ctx.check_type(*bias, DType::kFloat32, "bias");
    ctx.check(bias->elements() == g.OC, "bias must have ", g.OC, " elements, got shape ", bias->shape);
  }
  FloatState& s = ctx.state<FloatState>();
  s.g = g;
  const ActRange r = float_activation_range(ctx, o.activation);
  s.lo = r.lo, s.hi = r.hi;
  s.geo = kernels::ConvGeometry{g.N,        g.H,        g.W,          g.C,          g.OH,    g.OW,    g.KH,     g.KW,
                                o.stride_h, o.stride_w, o.dilation_h, o.dilation_w, g.pad_t, g.pad_l, g.groups, g.FC};
  s.direct = g.KH == 1 && g.KW == 1 && o.stride_h == 1 && o.stride_w == 1 && g.pad_t == 0 && g.pad_l == 0;
  s.const_weights = weights_const(ctx);
  if (s.const_weights) Pack(ctx, s);
  const int64_t M = int64_t(g.N) * g.OH * g.OW;
  if (!s.direct && M > 0) {
    const int MR = kernels::gemm_mr(kernels::float_isa());
    const int T = std::max(1, ctx.num_threads());
    // ~48 KiB of im2col rows per block, at least one micro-tile, and enough blocks for every thread.
    int64_t mc = std::max<int64_t>(MR, (48 * 1024 / 4) / g.K / MR * MR);
    const int64_t per_thread = ((M + T - 1) / T + MR - 1) / MR * MR;
    mc = std::min(mc, std::max<int64_t>(MR, per_thread));
    s.mc = int(mc);
    ctx.request_scratch(size_t(T) * size_t(mc) * size_t(g.K) * sizeof(float) + 64);
  }
  ctx.set_eval(EvalFloat);
}

void EvalFloat(OpContext& ctx) {
  FloatState& s = ctx.state<FloatState>();
  if (!s.const_weights) Pack(ctx, s);
  const float* in = ctx.input(0).as<float>();
  float* out = ctx.output(0).as<float>();
  const ConvGeom& g = s.g;
  const int cin_g = g.FC, cout_g = g.OC / g.groups;
  const int64_t M = int64_t(g.N) * g.OH * g.OW;
  if (M == 0) return;
  if (s.direct) {
    for (int k = 0; k < g.groups; ++k)
      parallel_gemm(ctx, int(M), in + size_t(k) * size_t(cin_g), size_t(g.C), s.wpack[size_t(k)],
                    out + size_t(k) * size_t(cout_g), size_t(g.OC), s.lo, s.hi);
    return;
  }
  uintptr_t sp = reinterpret_cast<uintptr_t>(ctx.scratch());
  float* scratch = reinterpret_cast<float*>((sp + 63) & ~uintptr_t(63));
  const int64_t blocks = (M + s.mc - 1) / s.mc;
  auto run = [&](int64_t b0, int64_t b1, int worker) {
    float* buf = scratch + size_t(worker) * size_t(s.mc) * size_t(g.K);
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t m0 = b * s.mc, m1 = std::min(M, m0 + s.mc);
      for (int k = 0; k < g.groups; ++k) {
        kernels::im2col_rows(s.geo, in, k, m0, m1, buf);
        kernels::gemm_packed(int(m1 - m0), buf, size_t(g.K), s.wpack[size_t(k)], 0, s.wpack[size_t(k)].panels,
                             out + size_t(m0) * size_t(g.OC) + size_t(k) * size_t(cout_g), size_t(g.OC), s.lo, s.hi);
      }
    }
  };
  if (ctx.num_threads() <= 1 || blocks == 1)
    run(0, blocks, 0);
  else
    ctx.pool().parallel_for(blocks, 1, run);
}

// ---- int8 ----

struct Int8State : QuantState {
  ConvGeom g{};
};

void EvalInt8(OpContext& ctx);

void PrepareInt8(OpContext& ctx, const Conv2DOptions& o, const ConvGeom& g) {
  ctx.check(o.quantized_bias_type == 0 || o.quantized_bias_type == int(DType::kInt32),
            "only int32 quantized bias is supported");
  Int8State& st = ctx.state<Int8State>();
  st.g = g;
  prepare_quant(ctx, st, g.OC, 0, o.activation, false);
  st.pad_h = g.pad_t, st.pad_w = g.pad_l;
  st.stride_h = o.stride_h, st.stride_w = o.stride_w, st.dil_h = o.dilation_h, st.dil_w = o.dilation_w;
  st.groups = g.groups;
  st.direct = g.KH == 1 && g.KW == 1 && o.stride_h == 1 && o.stride_w == 1 && g.pad_t == 0 && g.pad_l == 0 &&
              g.groups == 1;
  ctx.check(g.K <= kMaxTaps, "filter of ", g.K, " taps per output is too large for int32 accumulation");
  if (st.weights_const) compute_bias_eff(st, ctx.input(1), ctx.optional_input(2), g.OC, g.K, false);
  else st.bias_eff.resize(size_t(g.OC));
  // Per worker: the gathered patch (K bytes, unless direct) and OC int32 accumulators.
  st.per_worker = (st.direct ? 0 : size_t((g.K + 63) / 64 * 64)) + size_t((g.OC * 4 + 63) / 64 * 64);
  ctx.request_scratch(st.per_worker * size_t(ctx.num_threads()));
  ctx.set_eval(EvalInt8);
}

void EvalInt8(OpContext& ctx) {
  Int8State& st = ctx.state<Int8State>();
  const ConvGeom& g = st.g;
  const int H = g.H, W = g.W, C = g.C, OC = g.OC, KH = g.KH, KW = g.KW, FC = g.FC, OH = g.OH, OW = g.OW;
  const int64_t K = g.K;
  if (!st.weights_const) compute_bias_eff(st, ctx.input(1), ctx.optional_input(2), OC, K, false);
  const int8_t* x = ctx.input(0).as<int8_t>();
  const int8_t* f = ctx.input(1).as<int8_t>();
  int8_t* y = ctx.output(0).as<int8_t>();
  uint8_t* scratch = ctx.scratch();
  const int groups = st.groups, OCG = OC / groups;
  const int64_t pixels = int64_t(g.N) * OH * OW;
  const QuantState& s = st;
  ctx.pool().parallel_for(pixels, grain_for(K * OC), [&](int64_t begin, int64_t end, int worker) {
    uint8_t* mine = scratch + s.per_worker * size_t(worker);
    int32_t* acc = reinterpret_cast<int32_t*>(mine);
    int8_t* patch = reinterpret_cast<int8_t*>(mine + size_t((OC * 4 + 63) / 64 * 64));
    for (int64_t p = begin; p < end; ++p) {
      int8_t* yo = y + p * OC;
      if (s.direct) {
        int8k::dot_rows(f, size_t(K), x + p * C, OC, acc);
      } else {
        const int ox = int(p % OW);
        const int oy = int((p / OW) % OH);
        const int b = int(p / (int64_t(OW) * OH));
        const int iy0 = oy * s.stride_h - s.pad_h, ix0 = ox * s.stride_w - s.pad_w;
        for (int k = 0; k < groups; ++k) {
          // Gather the receptive field of this group, padded with the input zero point.
          int8_t* dst = patch;
          for (int ky = 0; ky < KH; ++ky) {
            const int iy = iy0 + ky * s.dil_h;
            for (int kx = 0; kx < KW; ++kx, dst += FC) {
              const int ix = ix0 + kx * s.dil_w;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) {
                std::memset(dst, s.in_zp & 0xFF, size_t(FC));
              } else {
                std::memcpy(dst, x + ((int64_t(b) * H + iy) * W + ix) * C + int64_t(k) * FC, size_t(FC));
              }
            }
          }
          int8k::dot_rows(f + int64_t(k) * OCG * K, size_t(K), patch, OCG, acc + k * OCG);
        }
      }
      for (int oc = 0; oc < OC; ++oc) yo[oc] = requantize(s, oc, add_wrap(s.bias_eff[size_t(oc)], acc[oc]));
    }
  });
}

// ---- shared prepare ----

void Prepare(OpContext& ctx) {
  ctx.check_inputs(2, 3);
  ctx.check_outputs(1);
  const Conv2DOptions o = ReadConv2DOptions(ctx);
  const ConvGeom g = Geometry(ctx, o);
  ctx.set_output_shape(0, Shape{g.N, g.OH, g.OW, g.OC});
  const Tensor& in = ctx.input(0);
  switch (in.type) {
    case DType::kFloat32: return PrepareFloat(ctx, o, g);
    case DType::kInt8: return PrepareInt8(ctx, o, g);
    default: ctx.unsupported_type(in, "input");
  }
}

}  // namespace

void Register_CONV_2D(OpRegistry& r) { r.add({op::CONV_2D, "CONV_2D", kAnyType, 8, Prepare, nullptr}); }

}  // namespace slimrt
