// TRANSPOSE_CONV: inputs output_shape (int32 [4]), weights [OC, KH, KW, IC] (OHWI), input [N, H, W, IC], optional
// bias [OC]; options padding, stride, fused activation (version 4+), quantized_bias_type. And MediaPipe's custom op
// Convolution2DTransposeBias: inputs input, weights, bias (float32); custom options three little-endian int32s
// (padding: 1 SAME / 2 VALID, stride_w, stride_h); output size s*(in-1) + k - p with p = SAME ? max(0, k - (in-1)%s
// - 1) : 0, padding p/2 before.
//
// Every input pixel scatters IC x (KH*KW*OC) products into the output: the weights are re-laid out once as rows
// (ky, kx, oc) of IC values, one input pixel times that matrix gives the contributions to KH*KW output pixels.
//   float32: the packed GEMM for blocks of input pixels, then the scatter-add; bias first, activation last.
//   int8 (per-channel weights, int32 bias) and int16x8 (int32 or int64 bias): exact integer contributions
//   accumulated in 64 bits, then requantized per output channel as the reference does: int8 and int16 with int32
//   bias in 32-bit (wrapping) arithmetic with MultiplyByQuantizedMultiplier; int16 with int64 bias with its 64-bit
//   form. Input zero point allowed (int8); weight zero points must be 0.
//   hybrid (float input, constant int8 weights): each image quantized asymmetrically at run time, the int8 sums
//   with its offset as zero point, y = sum * image_scale * channel_scale + bias (see hybrid.h).
// Padding: TFLite's SAME/VALID rule applied from the output size to the input size (the smaller half first).
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/int8_dot.h"
#include "kernels/quant_math.h"
#include "ops/conv_common.h"
#include "ops/hybrid.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct TConvState : OpState {
  int N = 0, H = 0, W = 0, IC = 0, OC = 0, KH = 0, KW = 0, OH = 0, OW = 0;
  int sh = 1, sw = 1, pad_t = 0, pad_l = 0;
  int input = 2, bias = 3;  // input indices (the custom op has no output_shape input)
  float lo = 0, hi = 0;
  bool const_weights = true;
  kernels::PackedB fpack;          // float: rows (ky, kx, oc)
  std::vector<int8_t> qw;          // int8 weights as rows (ky, kx, oc)
  std::vector<int32_t> rowsum;     // their sums (input zero point correction)
  std::vector<int32_t> mult, shift;
  int32_t in_zp = 0, out_zp = 0, qlo = 0, qhi = 0;
  bool bias64 = false;
  std::vector<float> wscale, scales;  // hybrid: per output channel, per batch image
  std::vector<int32_t> offsets;
  int mc = 0;  // float: input pixels per GEMM block
};

int64_t Rows(const TConvState& s) { return int64_t(s.KH) * s.KW * s.OC; }

// Weights [OC, KH, KW, IC] as rows (ky, kx, oc): row (ky*KW + kx)*OC + oc.
template <class T>
void Relayout(const TConvState& s, const T* w, T* dst) {
  for (int oc = 0; oc < s.OC; ++oc)
    for (int k = 0; k < s.KH * s.KW; ++k)
      std::memcpy(dst + (int64_t(k) * s.OC + oc) * s.IC, w + (int64_t(oc) * s.KH * s.KW + k) * s.IC,
                  size_t(s.IC) * sizeof(T));
}

void PrepareWeights(OpContext& ctx, TConvState& s) {
  const Tensor& w = ctx.input(1);
  if (w.type == DType::kFloat32) {
    std::vector<float> t(size_t(Rows(s) * s.IC));
    Relayout(s, w.as<float>(), t.data());
    kernels::pack_b_rows(t.data(), int(Rows(s)), s.IC, s.IC, nullptr, &s.fpack);
    return;
  }
  s.qw.resize(size_t(Rows(s) * s.IC));
  Relayout(s, w.as<int8_t>(), s.qw.data());
  s.rowsum.assign(size_t(Rows(s)), 0);
  for (int64_t r = 0; r < Rows(s); ++r)
    for (int c = 0; c < s.IC; ++c) s.rowsum[size_t(r)] += s.qw[size_t(r * s.IC + c)];
}

// Adds the contributions `col` (rows (ky, kx, oc)) of input pixel (b, y, x) to the output accumulators.
template <class Acc, class Col>
void Scatter(const TConvState& s, int b, int y, int x, const Col* col, Acc* acc) {
  for (int ky = 0; ky < s.KH; ++ky) {
    const int oy = y * s.sh - s.pad_t + ky;
    if (oy < 0 || oy >= s.OH) continue;
    for (int kx = 0; kx < s.KW; ++kx) {
      const int ox = x * s.sw - s.pad_l + kx;
      if (ox < 0 || ox >= s.OW) continue;
      Acc* o = acc + ((int64_t(b) * s.OH + oy) * s.OW + ox) * s.OC;
      const Col* c = col + (int64_t(ky) * s.KW + kx) * s.OC;
      for (int oc = 0; oc < s.OC; ++oc) o[oc] += Acc(c[oc]);
    }
  }
}

void EvalFloat(OpContext& ctx) {
  TConvState& s = ctx.state<TConvState>();
  if (!s.const_weights) PrepareWeights(ctx, s);
  const float* in = ctx.input(s.input).as<float>();
  const Tensor* bias = ctx.optional_input(s.bias);
  float* out = ctx.output(0).as<float>();
  const int64_t pixels = int64_t(s.OH) * s.OW, in_pixels = int64_t(s.N) * s.H * s.W;
  for (int64_t p = 0; p < int64_t(s.N) * pixels; ++p)
    for (int oc = 0; oc < s.OC; ++oc) out[p * s.OC + oc] = bias ? bias->as<float>()[oc] : 0.f;
  float* col = reinterpret_cast<float*>(ctx.scratch());
  const float inf = std::numeric_limits<float>::infinity();
  for (int64_t m0 = 0; m0 < in_pixels; m0 += s.mc) {
    const int m = int(std::min<int64_t>(s.mc, in_pixels - m0));
    parallel_gemm(ctx, m, in + m0 * s.IC, size_t(s.IC), s.fpack, col, size_t(Rows(s)), -inf, inf);
    for (int i = 0; i < m; ++i) {
      const int64_t p = m0 + i;
      Scatter(s, int(p / (int64_t(s.H) * s.W)), int(p / s.W % s.H), int(p % s.W), col + i * Rows(s), out);
    }
  }
  for (int64_t i = 0; i < int64_t(s.N) * pixels * s.OC; ++i) out[i] = std::min(std::max(out[i], s.lo), s.hi);
}

void EvalQuant(OpContext& ctx) {
  TConvState& s = ctx.state<TConvState>();
  if (!s.const_weights) PrepareWeights(ctx, s);
  const Tensor& in = ctx.input(s.input);
  const Tensor* bias = ctx.optional_input(s.bias);
  Tensor& out = ctx.output(0);
  const bool i16 = in.type == DType::kInt16, hybrid = in.type == DType::kFloat32;
  const int64_t R = Rows(s), total = int64_t(s.N) * s.OH * s.OW * s.OC, image = int64_t(s.H) * s.W * s.IC;
  int64_t* acc = reinterpret_cast<int64_t*>(ctx.scratch());
  int32_t* col = reinterpret_cast<int32_t*>(acc + total);
  const int8_t* x8 = in.as<int8_t>();
  if (hybrid) {  // each batch image quantized asymmetrically after the accumulators and the column
    int8_t* q = reinterpret_cast<int8_t*>(col + 2 * R);
    quantize_rows(in.as<float>(), s.N, image, true, q, s.scales.data(), s.offsets.data());
    x8 = q;
  }
  std::fill(acc, acc + total, int64_t(0));
  for (int b = 0; b < s.N; ++b) {
    const int32_t zp = hybrid ? s.offsets[size_t(b)] : s.in_zp;
    for (int y = 0; y < s.H; ++y)
      for (int x = 0; x < s.W; ++x) {
        const int64_t p = b * image + (int64_t(y) * s.W + x) * s.IC;
        if (i16) {
          const int16_t* xp = in.as<int16_t>() + p;
          for (int64_t r = 0; r < R; ++r) {
            int64_t v = 0;
            for (int c = 0; c < s.IC; ++c) v += int64_t(xp[c]) * s.qw[size_t(r * s.IC + c)];
            reinterpret_cast<int64_t*>(col)[r] = v;
          }
          Scatter(s, b, y, x, reinterpret_cast<int64_t*>(col), acc);
        } else {
          int8k::dot_rows(s.qw.data(), size_t(s.IC), x8 + p, int(R), col);
          for (int64_t r = 0; r < R; ++r) col[r] = add_wrap(col[r], -zp * s.rowsum[size_t(r)]);
          Scatter(s, b, y, x, col, acc);
        }
      }
  }
  for (int64_t i = 0; i < total; ++i) {
    const int oc = int(i % s.OC);
    if (hybrid) {
      const int b = int(i / (total / std::max(s.N, 1)));
      const float v = float(int32_t(uint32_t(uint64_t(acc[i])))) * (s.scales[size_t(b)] * s.wscale[size_t(oc)]) +
                      (bias ? bias->as<float>()[oc] : 0.f);
      out.as<float>()[i] = std::min(std::max(v, s.lo), s.hi);
      continue;
    }
    int64_t v;
    if (s.bias64) {
      v = qm::MultiplyByQuantizedMultiplier64(add_wrap64(acc[i], bias ? bias->as<int64_t>()[oc] : 0),
                                               s.mult[size_t(oc)], s.shift[size_t(oc)]);
    } else {
      const int32_t a = add_wrap(int32_t(uint32_t(uint64_t(acc[i]))), bias ? bias->as<int32_t>()[oc] : 0);
      v = qm::MultiplyByQuantizedMultiplier(a, s.mult[size_t(oc)], s.shift[size_t(oc)]);
    }
    v = std::min<int64_t>(std::max<int64_t>(v + s.out_zp, s.qlo), s.qhi);
    if (i16) out.as<int16_t>()[i] = int16_t(v);
    else out.as<int8_t>()[i] = int8_t(v);
  }
}

// Hybrid: float input and output, constant int8 weights; input images quantized asymmetrically at run time.
void PrepareHybrid(OpContext& ctx, TConvState& s, int act) {
  s.wscale = hybrid_prepare(ctx, s.bias, s.OC);
  const ActRange r = float_activation_range(ctx, act);
  s.lo = r.lo, s.hi = r.hi;
  s.scales.resize(size_t(s.N));
  s.offsets.resize(size_t(s.N));
  const int64_t total = int64_t(s.N) * s.OH * s.OW * s.OC;
  ctx.request_scratch(size_t(total) * 8 + size_t(Rows(s)) * 8 + size_t(int64_t(s.N) * s.H * s.W * s.IC));
  ctx.set_eval(EvalQuant);
}

// bias_type: the quantized_bias_type option (0 when unset).
void PrepareQuant(OpContext& ctx, TConvState& s, int act, int bias_type) {
  const Tensor& in = ctx.input(s.input);
  const Tensor& w = ctx.input(1);
  const Tensor& out = ctx.output(0);
  const Tensor* bias = ctx.optional_input(s.bias);
  ctx.check_type(w, DType::kInt8, "weights");
  const bool i16 = in.type == DType::kInt16;
  if (bias) {
    s.bias64 = bias->type == DType::kInt64;
    ctx.check(bias->type == DType::kInt32 || (i16 && s.bias64), "bias '", bias->name, "' must be int32",
              i16 ? " or int64" : "");
  }
  ctx.check(!s.bias64 || i16, "int64 bias needs int16 input");
  // The reference reads an int16 convolution's bias as int64 unless quantized_bias_type says INT32.
  if (i16 && bias)
    ctx.check(s.bias64 ? bias_type != int(DType::kInt32) : bias_type == int(DType::kInt32),
              "bias type ", dtype_name(bias->type), " does not match quantized_bias_type ", bias_type);
  const float in_s = single_scale(ctx, in, "input"), out_s = single_scale(ctx, out, "output");
  s.in_zp = single_zero_point(ctx, in, "input");
  s.out_zp = single_zero_point(ctx, out, "output");
  if (i16) ctx.check(s.in_zp == 0 && s.out_zp == 0, "int16 input and output need zero point 0");
  const size_t n = w.quant.scale.size();
  ctx.check(n == 1 || n == size_t(s.OC), "weights need 1 or ", s.OC, " scales, have ", n);
  ctx.check(w.quant.zero_point.size() == n, "weights need one zero point per scale");
  s.mult.resize(size_t(s.OC));
  s.shift.resize(size_t(s.OC));
  for (int c = 0; c < s.OC; ++c) {
    const float ws = w.quant.scale[n == 1 ? 0 : size_t(c)];
    ctx.check(ws > 0 && w.quant.zero_point[n == 1 ? 0 : size_t(c)] == 0, "weights need positive scales and zero "
              "point 0");
    qm::QuantizeMultiplier(double(in_s) * ws / out_s, &s.mult[size_t(c)], &s.shift[size_t(c)]);
    ctx.check(s.shift[size_t(c)] >= -31 && s.shift[size_t(c)] <= (s.bias64 ? 7 : 30), "requantization multiplier of "
              "channel ", c, " is out of range");
  }
  quantized_activation(ctx, act, out, &s.qlo, &s.qhi);
  const int64_t total = int64_t(s.N) * s.OH * s.OW * s.OC;
  ctx.request_scratch(size_t(total) * 8 + size_t(Rows(s)) * 8);
  ctx.set_eval(EvalQuant);
}

// Shared by TRANSPOSE_CONV and the custom op once geometry and options are known.
void Finish(OpContext& ctx, TConvState& s, int act, int bias_type) {
  const Tensor& in = ctx.input(s.input);
  const Tensor& w = ctx.input(1);
  const Tensor* bias = ctx.optional_input(s.bias);
  ctx.check_same_type(in, ctx.output(0));
  if (bias) ctx.check(bias->elements() == s.OC, "bias must have ", s.OC, " elements, got shape ", bias->shape);
  ctx.check(Rows(s) * s.IC < (int64_t(1) << 28), "filter too large");
  ctx.check(s.IC <= kMaxTaps || (in.type == DType::kFloat32 && w.type == DType::kFloat32),
            "input depth ", s.IC, " is too large for int32 accumulation");
  s.const_weights = w.is_const();
  ctx.set_output_shape(0, {s.N, s.OH, s.OW, s.OC});
  switch (in.type) {
    case DType::kFloat32: {
      if (w.type == DType::kInt8) {
        PrepareHybrid(ctx, s, act);
        break;
      }
      ctx.check_type(w, DType::kFloat32, "weights");
      if (bias) ctx.check_type(*bias, DType::kFloat32, "bias");
      const ActRange r = float_activation_range(ctx, act);
      s.lo = r.lo, s.hi = r.hi;
      const int64_t in_pixels = int64_t(s.N) * s.H * s.W;
      s.mc = int(std::max<int64_t>(1, std::min<int64_t>(in_pixels, (64 * 1024) / std::max<int64_t>(1, Rows(s)))));
      ctx.request_scratch(size_t(s.mc) * size_t(Rows(s)) * sizeof(float));
      ctx.set_eval(EvalFloat);
      break;
    }
    case DType::kInt8:
    case DType::kInt16: PrepareQuant(ctx, s, act, bias_type); break;
    default: ctx.unsupported_type(in, "input");
  }
  if (s.const_weights) PrepareWeights(ctx, s);
}

void Geometry(OpContext& ctx, TConvState& s) {
  const Tensor& in = ctx.input(s.input);
  const Tensor& w = ctx.input(1);
  ctx.check(in.rank() == 4 && w.rank() == 4, "input and weights must be 4-D");
  s.N = in.dim(0), s.H = in.dim(1), s.W = in.dim(2), s.IC = in.dim(3);
  s.OC = w.dim(0), s.KH = w.dim(1), s.KW = w.dim(2);
  ctx.check(w.dim(3) == s.IC, "weights have ", w.dim(3), " input channels, the input has ", s.IC);
  ctx.check(s.OC > 0 && s.KH > 0 && s.KW > 0, "weights have an empty dimension: ", w.shape);
}

void Prepare(OpContext& ctx) {
  ctx.check_inputs(3, 4);
  ctx.check_outputs(1);
  TConvState& s = ctx.state<TConvState>();
  s.input = 2, s.bias = 3;
  Geometry(ctx, s);
  const fb::Table o = ctx.options(opt::TransposeConvOptions);
  const int padding = o.get<int8_t>(0, 0), act = o.get<int8_t>(3, 0);
  s.sw = o.get<int32_t>(1, 0), s.sh = o.get<int32_t>(2, 0);
  const std::vector<int64_t> shape = ctx.input_ints(0, "output_shape");
  ctx.check(shape.size() == 4 && shape[0] == s.N && shape[3] == s.OC && shape[1] >= 0 && shape[2] >= 0,
            "output_shape ", shape, " does not match the input batch and the weights' output channels");
  s.OH = to_dim(ctx, shape[1], "output height"), s.OW = to_dim(ctx, shape[2], "output width");
  const AxisGeometry gh = window_axis(ctx, s.OH, s.KH, s.sh, 1, padding);
  const AxisGeometry gw = window_axis(ctx, s.OW, s.KW, s.sw, 1, padding);
  s.pad_t = gh.pad_before, s.pad_l = gw.pad_before;
  Finish(ctx, s, act, o.get<int8_t>(4, 0));
}

void PrepareCustom(OpContext& ctx) {
  ctx.check_inputs(3, 3);
  ctx.check_outputs(1);
  TConvState& s = ctx.state<TConvState>();
  s.input = 0, s.bias = 2;
  Geometry(ctx, s);
  const fb::Bytes& opt = ctx.custom_options();
  ctx.check(opt.size >= 12, "custom options must hold padding and strides (12 bytes), have ", opt.size);
  int32_t v[3];
  std::memcpy(v, opt.data, sizeof v);
  ctx.check((v[0] == 1 || v[0] == 2) && v[1] > 0 && v[2] > 0 && v[1] <= 4096 && v[2] <= 4096,
            "invalid padding ", v[0], " or strides ", v[1], ", ", v[2]);
  s.sw = v[1], s.sh = v[2];
  const int ph = v[0] == 1 ? std::max(0, s.KH - (s.H - 1) % s.sh - 1) : 0;
  const int pw = v[0] == 1 ? std::max(0, s.KW - (s.W - 1) % s.sw - 1) : 0;
  ctx.check(s.H > 0 && s.W > 0, "input must not be empty");
  s.OH = to_dim(ctx, int64_t(s.sh) * (s.H - 1) + s.KH - ph, "output height");
  s.OW = to_dim(ctx, int64_t(s.sw) * (s.W - 1) + s.KW - pw, "output width");
  s.pad_t = ph / 2, s.pad_l = pw / 2;
  ctx.check(ctx.input(0).type == DType::kFloat32, "only float32 is supported");
  Finish(ctx, s, kActNone, 0);
}

}  // namespace

void Register_TRANSPOSE_CONV(OpRegistry& r) {
  r.add({op::TRANSPOSE_CONV, "TRANSPOSE_CONV", kAnyType, 5, Prepare, nullptr});
}
void RegisterCustom_Convolution2DTransposeBias(OpRegistry& r) {
  r.add({op::CUSTOM, "Convolution2DTransposeBias", kAnyType, 1, PrepareCustom, nullptr, 0,
         "Convolution2DTransposeBias"});
}

}  // namespace slimrt
