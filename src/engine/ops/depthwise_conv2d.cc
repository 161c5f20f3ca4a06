// DEPTHWISE_CONV_2D: NHWC input, filter [1, KH, KW, C * depth_multiplier], optional bias.
//
// float32: a direct kernel (kernels/depthwise.h) reading filter and bias in place, rows split across threads.
// int8: per-channel weights along dimension 3, bit-exact with the reference kernels (see conv_common.h); padded taps
// are skipped, so the input zero point is subtracted from the inputs instead of folded into the bias.
//
// The depth multiplier follows the tensor shapes: the stored option is known to be unreliable in some converted
// models, so it is read but not checked against them.
// hybrid (float activations, constant int8 weights): each batch image quantized asymmetrically at run time, the
// int8 sums above with the image's offset as zero point, y = sum * image_scale * channel_scale + bias.
// int16x8: int16 input/output (zero point 0), int8 weights, int64 bias, 64-bit sums and requantization.
// Versions: float 1, 2 with dilation; int8 3, 5, 6 per-channel; hybrid 4, 6; int16x8 7.
#include <vector>

#include "kernels/depthwise.h"
#include "kernels/depthwise_i8.h"
#include "kernels/threadpool.h"
#include "ops/conv_common.h"
#include "ops/hybrid.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct DepthwiseConv2DOptions {
  int padding, stride_w, stride_h, depth_multiplier, activation, dilation_w, dilation_h;
};

DepthwiseConv2DOptions ReadOptions(const OpContext& ctx) {
  const fb::Table o = ctx.options(opt::DepthwiseConv2DOptions);
  return {o.get<int8_t>(0, 0), o.get<int32_t>(1, 0), o.get<int32_t>(2, 0), o.get<int32_t>(3, 0),
          clamp_activation(ctx, o.get<int8_t>(4, 0)), o.get<int32_t>(5, 1), o.get<int32_t>(6, 1)};
}

struct Geom {
  int N, H, W, C, KH, KW, OC, OH, OW, pad_t, pad_l;
};

Geom Geometry(OpContext& ctx, const DepthwiseConv2DOptions& o) {
  const Tensor& in = ctx.input(0);
  const Tensor& filter = ctx.input(1);
  ctx.check(in.rank() == 4, "input '", in.name, "' must be 4-D (NHWC), has shape ", in.shape);
  ctx.check(filter.rank() == 4 && filter.dim(0) == 1, "filter '", filter.name, "' must be 4-D [1, H, W, C], has shape ",
            filter.shape);
  for (int i = 0; i < 4; ++i) ctx.check(filter.dim(i) > 0, "filter has an empty dimension: ", filter.shape);
  Geom g{};
  g.N = in.dim(0), g.H = in.dim(1), g.W = in.dim(2), g.C = in.dim(3);
  g.KH = filter.dim(1), g.KW = filter.dim(2), g.OC = filter.dim(3);
  ctx.check(g.C > 0 && g.OC % g.C == 0, "filter channels (", g.OC, ") must be a multiple of input channels (", g.C, ")");
  const AxisGeometry gh = window_axis(ctx, g.H, g.KH, o.stride_h, o.dilation_h, o.padding);
  const AxisGeometry gw = window_axis(ctx, g.W, g.KW, o.stride_w, o.dilation_w, o.padding);
  g.OH = gh.out, g.pad_t = gh.pad_before, g.OW = gw.out, g.pad_l = gw.pad_before;
  return g;
}

// ---- float32 ----

struct FloatState : OpState {
  kernels::DepthwiseParams p{};
  std::vector<float> zero_bias;
};

void EvalFloat(OpContext& ctx) {
  FloatState& s = ctx.state<FloatState>();
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

void PrepareFloat(OpContext& ctx, const DepthwiseConv2DOptions& o, const Geom& g) {
  ctx.check_type(ctx.input(1), DType::kFloat32, "filter");
  ctx.check_type(ctx.output(0), DType::kFloat32, "output");
  if (const Tensor* bias = ctx.optional_input(2)) {
    ctx.check_type(*bias, DType::kFloat32, "bias");
    ctx.check(bias->elements() == g.OC, "bias must have ", g.OC, " elements, got shape ", bias->shape);
  }
  const ActRange r = float_activation_range(ctx, o.activation);
  FloatState& s = ctx.state<FloatState>();
  s.p = kernels::DepthwiseParams{g.N,        g.H,        g.W,          g.C,          g.KH,    g.KW,    g.OC / g.C, g.OH,
                                 g.OW,       o.stride_h, o.stride_w,   o.dilation_h, o.dilation_w, g.pad_t, g.pad_l,
                                 r.lo,       r.hi};
  s.zero_bias.assign(size_t(g.OC), 0.f);
  ctx.set_eval(EvalFloat);
}

// ---- int8 ----

struct Int8State : QuantState {
  Geom g{};
  kernels::DepthwiseI8 dw;  // int8 with constant weights and bias: kernels/depthwise_i8.h
  // hybrid
  std::vector<float> wscale, scales;
  std::vector<int32_t> offsets;
  float lo = 0, hi = 0;
};

// int8 and hybrid: acc[c] = sum over the valid taps of w * (x - zp); int16x8: the same in 64 bits.
void EvalInt8(OpContext& ctx) {
  Int8State& st = ctx.state<Int8State>();
  const Geom& g = st.g;
  const int H = g.H, W = g.W, C = g.C, KH = g.KH, KW = g.KW, OC = g.OC, OH = g.OH, OW = g.OW;
  const int M = st.depth_mult;
  const Tensor* bias = ctx.optional_input(2);
  const Tensor& in = ctx.input(0);
  const bool hybrid = in.type == DType::kFloat32, i16 = in.type == DType::kInt16;
  const int8_t* x = in.as<int8_t>();
  const int8_t* f = ctx.input(1).as<int8_t>();
  uint8_t* scratch = ctx.scratch();
  if (hybrid) {  // quantize each batch image into the front of the scratch
    const int64_t image = int64_t(H) * W * C;
    quantize_rows(in.as<float>(), g.N, image, true, reinterpret_cast<int8_t*>(scratch), st.scales.data(),
                  st.offsets.data());
    x = reinterpret_cast<int8_t*>(scratch);
    scratch += (g.N * image + 63) / 64 * 64;
  }
  const int64_t pixels = int64_t(g.N) * OH * OW;
  const Int8State& s = st;
  ctx.pool().parallel_for(pixels, grain_for(int64_t(KH) * KW * OC), [&](int64_t begin, int64_t end, int worker) {
    int64_t* acc64 = reinterpret_cast<int64_t*>(scratch + s.per_worker * size_t(worker));
    int32_t* acc = reinterpret_cast<int32_t*>(acc64);
    for (int64_t p = begin; p < end; ++p) {
      const int ox = int(p % OW);
      const int oy = int((p / OW) % OH);
      const int b = int(p / (int64_t(OW) * OH));
      const int iy0 = oy * s.stride_h - s.pad_h, ix0 = ox * s.stride_w - s.pad_w;
      const int32_t zp = hybrid ? s.offsets[size_t(b)] : s.in_zp;
      for (int c = 0; c < OC; ++c) acc[c] = 0;
      if (i16)
        for (int c = 0; c < OC; ++c) acc64[c] = 0;
      for (int ky = 0; ky < KH; ++ky) {
        const int iy = iy0 + ky * s.dil_h;
        if (iy < 0 || iy >= H) continue;
        for (int kx = 0; kx < KW; ++kx) {
          const int ix = ix0 + kx * s.dil_w;
          if (ix < 0 || ix >= W) continue;
          const int64_t xo = ((int64_t(b) * H + iy) * W + ix) * C;
          const int8_t* fp = f + (int64_t(ky) * KW + kx) * OC;
          if (i16) {
            for (int c = 0; c < OC; ++c) acc64[c] += int64_t(in.as<int16_t>()[xo + c / M]) * fp[c];
          } else if (M == 1) {
            int8k::dw_tap(x + xo, fp, zp, C, acc);
          } else {
            for (int c = 0; c < C; ++c) {
              const int32_t xv = int32_t(x[xo + c]) - zp;
              for (int m = 0; m < M; ++m) acc[c * M + m] += int32_t(fp[c * M + m]) * xv;
            }
          }
        }
      }
      for (int c = 0; c < OC; ++c) {
        const int64_t o = p * OC + c;
        if (hybrid) {
          const float v =
              float(acc[c]) * (s.scales[size_t(b)] * s.wscale[size_t(c)]) + (bias ? bias->as<float>()[c] : 0.f);
          ctx.output(0).as<float>()[o] = std::min(std::max(v, s.lo), s.hi);
        } else if (i16) {
          const int64_t a = add_wrap64(acc64[c], bias ? bias->as<int64_t>()[c] : 0);
          ctx.output(0).as<int16_t>()[o] = int16_t(requantize16(s, c, a));
        } else {
          ctx.output(0).as<int8_t>()[o] = requantize(s, c, bias ? add_wrap(bias->as<int32_t>()[c], acc[c]) : acc[c]);
        }
      }
    }
  });
}

// int8, constant weights and bias: rows split across threads.
void EvalInt8Rows(OpContext& ctx) {
  const Int8State& s = ctx.state<Int8State>();
  const int8_t* x = ctx.input(0).as<int8_t>();
  int8_t* y = ctx.output(0).as<int8_t>();
  const int64_t rows = int64_t(s.g.N) * s.g.OH;
  const int64_t work = rows * s.g.OW * s.g.OC * s.g.KH * s.g.KW;
  if (ctx.num_threads() <= 1 || rows < 2 || work < (1 << 15)) return kernels::depthwise_i8_rows(s.dw, x, y, 0, rows);
  ctx.pool().parallel_for(rows, 1, [&](int64_t b, int64_t e, int) { kernels::depthwise_i8_rows(s.dw, x, y, b, e); });
}

void PrepareInt8(OpContext& ctx, const DepthwiseConv2DOptions& o, const Geom& g) {
  ctx.check(int64_t(g.KH) * g.KW <= kMaxTaps, "filter of ", int64_t(g.KH) * g.KW,
            " taps is too large for int32 accumulation");
  Int8State& st = ctx.state<Int8State>();
  st.g = g;
  st.depth_mult = g.OC / g.C;
  st.pad_h = g.pad_t, st.pad_w = g.pad_l;
  st.stride_h = o.stride_h, st.stride_w = o.stride_w, st.dil_h = o.dilation_h, st.dil_w = o.dilation_w;
  st.per_worker = (size_t(g.OC) * sizeof(int64_t) + 63) / 64 * 64;
  size_t front = 0;
  const Tensor& in = ctx.input(0);
  if (in.type == DType::kFloat32) {  // hybrid: asymmetric per-image input quantization, as the reference does
    st.wscale = hybrid_prepare(ctx, 2, g.OC);
    ctx.check(ctx.input(1).quant.scale.size() == size_t(g.OC), "hybrid weights need one scale per channel");
    const ActRange r = float_activation_range(ctx, o.activation);
    st.lo = r.lo, st.hi = r.hi;
    st.scales.resize(size_t(g.N));
    st.offsets.resize(size_t(g.N));
    front = size_t((int64_t(g.N) * g.H * g.W * g.C + 63) / 64 * 64);
  } else {
    prepare_quant(ctx, st, g.OC, 3, o.activation, false);
    if (const Tensor* bias = ctx.optional_input(2))
      ctx.check(in.type != DType::kInt16 || bias->type == DType::kInt64, "int16 needs an int64 bias");
    if (in.type == DType::kInt8 && st.weights_const) {
      const Tensor* bias = ctx.optional_input(2);
      const kernels::DepthwiseParams geo{g.N,        g.H,        g.W,          g.C,          g.KH,    g.KW,    g.OC / g.C,
                                         g.OH,       g.OW,       o.stride_h,   o.stride_w,   o.dilation_h,
                                         o.dilation_w, g.pad_t, g.pad_l, 0.f, 0.f};
      kernels::prepare_depthwise_i8(&st.dw, geo, ctx.input(1).as<int8_t>(), bias ? bias->as<int32_t>() : nullptr,
                                    st.mult.data(), st.shift.data(), st.in_zp, st.out_zp, st.act_min, st.act_max);
      return ctx.set_eval(EvalInt8Rows);
    }
  }
  ctx.request_scratch(front + st.per_worker * size_t(ctx.num_threads()));
  ctx.set_eval(EvalInt8);
}

// ---- shared prepare ----

void Prepare(OpContext& ctx) {
  ctx.check_inputs(2, 3);
  ctx.check_outputs(1);
  const DepthwiseConv2DOptions o = ReadOptions(ctx);
  const Geom g = Geometry(ctx, o);
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

void Register_DEPTHWISE_CONV_2D(OpRegistry& r) {
  r.add({op::DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D", kAnyType, 7, Prepare, nullptr});
}

}  // namespace slimrt
