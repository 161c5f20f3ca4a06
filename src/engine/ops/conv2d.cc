// CONV_2D: NHWC input, OHWI filter (grouped when the input has a multiple of the filter's channels), optional bias.
//
// float32: the packed GEMM (kernels/gemm.h). The weights ([out][K], K = kh*kw*in) are packed into panels with the
// bias, once in prepare when they are constants (that includes float16 weights behind DEQUANTIZE: the graph folds
// constant subexpressions first); a 1x1 / stride-1 convolution multiplies the NHWC input in place, other
// convolutions build im2col rows one block of output pixels at a time into a per-thread scratch block.
// int8: per-channel (or per-tensor) weights, int32 bias, bit-exact with the reference kernels (see conv_common.h).
// hybrid (float input and output, constant int8 weights): each batch image quantized at run time (asymmetric when
// the per-channel scales differ, symmetric otherwise, as the reference chooses), int8 sums as above, then
// y = (sum - offset * filter row sum) * image_scale * channel_scale + bias (see hybrid.h).
// int16x8: int16 input/output (zero point 0), int8 weights, 64-bit sums and requantization, or 32-bit ones with an
// int32 bias (quantized_bias_type INT32), bit-exact.
//
// Versions: float 1, 6 grouped; int8 3, 4 per-channel, 5 grouped; hybrid 2; int16x8 4, 7, 8.
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/conv_im2col.h"
#include "kernels/gemm.h"
#include "kernels/threadpool.h"
#include "ops/conv_common.h"
#include "ops/hybrid.h"
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

// ---- int8, hybrid (float input, int8 weights) and int16x8 ----

struct Int8State : QuantState {
  ConvGeom g{};
  // int8 with constant weights: the blocked int8 GEMM (one packing per group), over im2col blocks of mc rows
  std::vector<kernels::PackedI8> packs;
  kernels::ConvGeometry geo{};
  int mc = 0;
  // hybrid
  std::vector<float> wscale, scales;  // per output channel / per batch
  std::vector<int32_t> rowsum, offsets;
  float lo = 0, hi = 0;
  bool asym = false;
};

// Raw int32 sums of output pixel p for all OC channels: filter rows times the receptive field, taps in the padding
// reading `pad` (so that the zero point, folded elsewhere, cancels them).
void PixelAcc(const Int8State& s, const int8_t* x, const int8_t* f, int64_t p, int pad, int8_t* patch,
              int32_t* acc) {
  const ConvGeom& g = s.g;
  if (s.direct) return int8k::dot_rows(f, size_t(g.K), x + p * g.C, g.OC, acc);
  const int ox = int(p % g.OW), oy = int((p / g.OW) % g.OH), b = int(p / (int64_t(g.OW) * g.OH));
  const int iy0 = oy * s.stride_h - s.pad_h, ix0 = ox * s.stride_w - s.pad_w, OCG = g.OC / s.groups;
  for (int k = 0; k < s.groups; ++k) {
    int8_t* dst = patch;
    for (int ky = 0; ky < g.KH; ++ky) {
      const int iy = iy0 + ky * s.dil_h;
      for (int kx = 0; kx < g.KW; ++kx, dst += g.FC) {
        const int ix = ix0 + kx * s.dil_w;
        if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W)
          std::memset(dst, pad & 0xFF, size_t(g.FC));
        else
          std::memcpy(dst, x + ((int64_t(b) * g.H + iy) * g.W + ix) * g.C + int64_t(k) * g.FC, size_t(g.FC));
      }
    }
    int8k::dot_rows(f + int64_t(k) * OCG * g.K, size_t(g.K), patch, OCG, acc + k * OCG);
  }
}

void EvalInt8(OpContext& ctx) {
  Int8State& st = ctx.state<Int8State>();
  const ConvGeom& g = st.g;
  const bool hybrid = ctx.input(0).type == DType::kFloat32;
  if (!hybrid && !st.weights_const) compute_bias_eff(st, ctx.input(1), ctx.optional_input(2), g.OC, g.K, false);
  const int8_t* f = ctx.input(1).as<int8_t>();
  const Tensor* bias = ctx.optional_input(2);
  uint8_t* scratch = ctx.scratch();
  const int8_t* x = ctx.input(0).as<int8_t>();
  const int64_t image = int64_t(g.H) * g.W * g.C, pixels = int64_t(g.N) * g.OH * g.OW;
  if (hybrid) {  // quantize each batch image into the front of the scratch
    int8_t* q = reinterpret_cast<int8_t*>(scratch);
    quantize_rows(ctx.input(0).as<float>(), g.N, image, st.asym, q, st.scales.data(), st.offsets.data());
    x = q;
    scratch += (g.N * image + 63) / 64 * 64;
  }
  const Int8State& s = st;
  ctx.pool().parallel_for(pixels, grain_for(g.K * g.OC), [&](int64_t begin, int64_t end, int worker) {
    uint8_t* mine = scratch + s.per_worker * size_t(worker);
    int32_t* acc = reinterpret_cast<int32_t*>(mine);
    int8_t* patch = reinterpret_cast<int8_t*>(mine + size_t((g.OC * 4 + 63) / 64 * 64));
    for (int64_t p = begin; p < end; ++p) {
      const int b = int(p / (int64_t(g.OW) * g.OH));
      PixelAcc(s, x, f, p, hybrid ? s.offsets[size_t(b)] : s.in_zp, patch, acc);
      if (!hybrid) {
        int8_t* yo = ctx.output(0).as<int8_t>() + p * g.OC;
        for (int oc = 0; oc < g.OC; ++oc) yo[oc] = requantize(s, oc, add_wrap(s.bias_eff[size_t(oc)], acc[oc]));
        continue;
      }
      float* yo = ctx.output(0).as<float>() + p * g.OC;
      for (int oc = 0; oc < g.OC; ++oc) {
        const int32_t a = add_wrap(acc[oc], -s.offsets[size_t(b)] * s.rowsum[size_t(oc)]);
        const float v = float(a) * (s.scales[size_t(b)] * s.wscale[size_t(oc)]) + (bias ? bias->as<float>()[oc] : 0.f);
        yo[oc] = std::min(std::max(v, s.lo), s.hi);
      }
    }
  });
}

// int16 activations: plain 64-bit sums over the valid taps (zero points are 0).
void EvalInt16(OpContext& ctx) {
  const Int8State& s = ctx.state<Int8State>();
  const ConvGeom& g = s.g;
  const int16_t* x = ctx.input(0).as<int16_t>();
  const int8_t* f = ctx.input(1).as<int8_t>();
  const Tensor* bias = ctx.optional_input(2);
  int16_t* y = ctx.output(0).as<int16_t>();
  const int OCG = g.OC / s.groups;
  for (int64_t p = 0; p < int64_t(g.N) * g.OH * g.OW; ++p) {
    const int ox = int(p % g.OW), oy = int((p / g.OW) % g.OH), b = int(p / (int64_t(g.OW) * g.OH));
    for (int oc = 0; oc < g.OC; ++oc) {
      const int k = oc / OCG;
      int64_t acc = 0;
      for (int ky = 0; ky < g.KH; ++ky) {
        const int iy = oy * s.stride_h - s.pad_h + ky * s.dil_h;
        if (iy < 0 || iy >= g.H) continue;
        for (int kx = 0; kx < g.KW; ++kx) {
          const int ix = ox * s.stride_w - s.pad_w + kx * s.dil_w;
          if (ix < 0 || ix >= g.W) continue;
          const int16_t* xp = x + ((int64_t(b) * g.H + iy) * g.W + ix) * g.C + int64_t(k) * g.FC;
          const int8_t* fp = f + ((int64_t(oc) * g.KH + ky) * g.KW + kx) * g.FC;
          for (int c = 0; c < g.FC; ++c) acc += int64_t(xp[c]) * fp[c];
        }
      }
      const int64_t b64 = bias ? (s.bias64 ? bias->as<int64_t>()[oc] : bias->as<int32_t>()[oc]) : 0;
      y[p * g.OC + oc] = int16_t(requantize16(s, oc, add_wrap64(acc, b64)));
    }
  }
}

// int8, constant weights: a 1x1 / stride-1 convolution multiplies the NHWC input in place, others build im2col rows
// (padding taps hold the input zero point, which bias_eff cancels) one block at a time per worker.
void EvalInt8Gemm(OpContext& ctx) {
  const Int8State& s = ctx.state<Int8State>();
  const ConvGeom& g = s.g;
  const int8_t* x = ctx.input(0).as<int8_t>();
  int8_t* y = ctx.output(0).as<int8_t>();
  const int64_t M = int64_t(g.N) * g.OH * g.OW;
  if (M == 0) return;
  if (s.direct) return parallel_gemm_i8(ctx, int(M), x, size_t(g.C), s.packs[0], y, size_t(g.OC), nullptr);
  const int OCG = g.OC / g.groups;
  const size_t K = size_t(g.K);
  uint8_t* scratch = ctx.scratch();
  const int64_t blocks = (M + s.mc - 1) / s.mc;
  auto run = [&](int64_t b0, int64_t b1, int worker) {
    int8_t* buf = reinterpret_cast<int8_t*>(scratch + s.per_worker * size_t(worker));
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t m0 = b * s.mc, m1 = std::min(M, m0 + s.mc);
      for (int k = 0; k < g.groups; ++k) {
        kernels::im2col_rows_i8(s.geo, x, k, m0, m1, int8_t(s.in_zp), buf);
        kernels::gemm_i8(int(m1 - m0), buf, K, s.packs[size_t(k)], 0, s.packs[size_t(k)].panels,
                         y + size_t(m0) * size_t(g.OC) + size_t(k) * size_t(OCG), size_t(g.OC), nullptr);
      }
    }
  };
  if (ctx.num_threads() <= 1 || blocks == 1)
    run(0, blocks, 0);
  else
    ctx.pool().parallel_for(blocks, 1, run);
}

void PrepareInt8Gemm(OpContext& ctx, Int8State& st, const Conv2DOptions& o) {
  const ConvGeom& g = st.g;
  const int OCG = g.OC / g.groups, K = int(g.K);
  st.packs.resize(size_t(g.groups));
  for (int k = 0; k < g.groups; ++k) {
    kernels::PackedI8& pk = st.packs[size_t(k)];
    kernels::pack_i8(ctx.input(1).as<int8_t>() + size_t(k) * size_t(OCG) * size_t(K), OCG, K, size_t(K), &pk);
    kernels::set_requant(&pk, st.bias_eff.data() + k * OCG, st.mult.data() + k * OCG, st.shift.data() + k * OCG,
                         st.out_zp, st.act_min, st.act_max, false);
  }
  st.geo = kernels::ConvGeometry{g.N,        g.H,        g.W,          g.C,          g.OH,    g.OW,    g.KH,     g.KW,
                                 o.stride_h, o.stride_w, o.dilation_h, o.dilation_w, g.pad_t, g.pad_l, g.groups, g.FC};
  st.per_worker = 0;
  if (!st.direct) {
    // ~16 KiB of im2col rows per block, whole tiles, and enough blocks for every thread.
    const int MR = kernels::gemm_i8_mr(st.packs[0].isa), T = std::max(1, ctx.num_threads());
    const int64_t M = int64_t(g.N) * g.OH * g.OW;
    int64_t mc = std::max<int64_t>(MR, (16 * 1024) / g.K / MR * MR);
    mc = std::min(mc, std::max<int64_t>(MR, ((M + T - 1) / T + MR - 1) / MR * MR));
    st.mc = int(mc);
    st.per_worker = size_t((mc * g.K + 63) / 64 * 64);
  }
  ctx.request_scratch(st.per_worker * size_t(ctx.num_threads()));
  ctx.set_eval(EvalInt8Gemm);
}

void PrepareInt8(OpContext& ctx, const Conv2DOptions& o, const ConvGeom& g) {
  Int8State& st = ctx.state<Int8State>();
  st.g = g;
  st.pad_h = g.pad_t, st.pad_w = g.pad_l;
  st.stride_h = o.stride_h, st.stride_w = o.stride_w, st.dil_h = o.dilation_h, st.dil_w = o.dilation_w;
  st.groups = g.groups;
  st.direct = g.KH == 1 && g.KW == 1 && o.stride_h == 1 && o.stride_w == 1 && g.pad_t == 0 && g.pad_l == 0 &&
              g.groups == 1;
  ctx.check(g.K <= kMaxTaps, "filter of ", g.K, " taps per output is too large for int32 accumulation");
  // Per worker: the gathered patch (K bytes, unless direct) and OC int32 accumulators.
  st.per_worker = (st.direct ? 0 : size_t((g.K + 63) / 64 * 64)) + size_t((g.OC * 4 + 63) / 64 * 64);
  const Tensor& in = ctx.input(0);
  if (in.type == DType::kFloat32) {  // hybrid
    st.wscale = hybrid_prepare(ctx, 2, g.OC);
    // Per-channel scales that differ: inputs quantized asymmetrically per image, else symmetrically.
    st.asym = g.groups != 1 ||
              std::any_of(st.wscale.begin(), st.wscale.end(), [&](float v) { return v != st.wscale[0]; });
    const ActRange r = float_activation_range(ctx, o.activation);
    st.lo = r.lo, st.hi = r.hi;
    st.scales.resize(size_t(g.N));
    st.offsets.assign(size_t(g.N), 0);
    st.rowsum = hybrid_row_sums(ctx.input(1), g.OC, g.K);
    ctx.request_scratch(size_t((int64_t(g.N) * g.H * g.W * g.C + 63) / 64 * 64) +
                        st.per_worker * size_t(ctx.num_threads()));
    return ctx.set_eval(EvalInt8);
  }
  prepare_quant(ctx, st, g.OC, 0, o.activation, false);
  if (in.type == DType::kInt16) {
    int16_bias_type(ctx, st, o.quantized_bias_type);
    return ctx.set_eval(EvalInt16);
  }
  ctx.check(o.quantized_bias_type == 0 || o.quantized_bias_type == int(DType::kInt32),
            "only int32 quantized bias is supported");
  if (st.weights_const) {
    compute_bias_eff(st, ctx.input(1), ctx.optional_input(2), g.OC, g.K, false);
    return PrepareInt8Gemm(ctx, st, o);
  }
  st.bias_eff.resize(size_t(g.OC));
  ctx.request_scratch(st.per_worker * size_t(ctx.num_threads()));
  ctx.set_eval(EvalInt8);
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
    case DType::kFloat32:
      if (ctx.input(1).type == DType::kInt8) return PrepareInt8(ctx, o, g);
      return PrepareFloat(ctx, o, g);
    case DType::kInt8:
    case DType::kInt16: return PrepareInt8(ctx, o, g);
    default: ctx.unsupported_type(in, "input");
  }
}

}  // namespace

void Register_CONV_2D(OpRegistry& r) { r.add({op::CONV_2D, "CONV_2D", kAnyType, 8, Prepare, nullptr}); }

}  // namespace slimrt
