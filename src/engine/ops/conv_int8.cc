// int8 CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED (per-tensor or per-channel weights, int32 bias), plus int8
// LOGISTIC (until the quantized elementwise ops get their own family; see the note at RegisterQuantizedConvOps).
//
// Results are bit-exact with TFLite's reference kernels (BUILTIN_REF): for each output element
//   acc = bias + sum_k filter[k] * (input[k] - input_zp)          (padded taps contribute nothing)
//   out = clamp(Requantize(acc, M_c) + output_zp, act_min, act_max)
// with M_c = input_scale * filter_scale_c / output_scale (computed in double, per-tensor and per-channel alike)
// split into a Q31 mantissa and a shift. Requantize differs by op, as measured against ai-edge-litert 2.3:
//   CONV_2D, DEPTHWISE_CONV_2D: gemmlowp double rounding, MultiplyByQuantizedMultiplier (quant_math.h);
//   FULLY_CONNECTED: one exact rounding of acc * mantissa * 2^(shift-31), ties away from zero.
// Integer sums are exact, so the loops may reorder them: we fold the input zero point into a per-channel
// constant, bias_eff[c] = bias[c] - input_zp * sum_k filter_c[k], and pad with input_zp so every tap counts:
//   acc = bias_eff[c] + sum_k filter_c[k] * input_padded[k].
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/int8_dot.h"
#include "kernels/quant_math.h"
#include "kernels/threadpool.h"
#include "op.h"

namespace slimrt {
namespace {

// ---- shared pieces ----

// Per-node requantization data.
struct QuantState : OpState {
  std::vector<int32_t> mult, shift;  // per output channel (per-tensor weights: replicated)
  std::vector<uint8_t> lsh, rsh;      // max(shift, 0), max(-shift, 0)
  std::vector<int32_t> bias_eff;     // bias - input_zp * filter row sum (recomputed at eval if not constant)
  int32_t in_zp = 0, out_zp = 0, filter_zp = 0;
  int32_t act_min = -128, act_max = 127;
  bool weights_const = true;
  // conv / depthwise geometry
  int stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1, pad_h = 0, pad_w = 0;
  int groups = 1, depth_mult = 1;
  bool direct = false;  // 1x1 conv, stride 1, no padding: the input row is the patch
  size_t per_worker = 0;
};

float single_scale(OpContext& ctx, const Tensor& t, const char* role) {
  ctx.check(t.quant.scale.size() == 1 && t.quant.zero_point.size() == 1, role, " '", t.name,
            "' must have per-tensor quantization (one scale and zero point), has ", t.quant.scale.size(), " scales");
  const float s = t.quant.scale[0];
  ctx.check(s > 0.f && std::isfinite(s), role, " '", t.name, "' has an invalid scale ", s);
  return s;
}

int32_t single_zero_point(OpContext& ctx, const Tensor& t, const char* role) {
  const int64_t z = t.quant.zero_point[0];
  ctx.check(z >= -128 && z <= 127, role, " '", t.name, "' has zero point ", z, " outside the int8 range");
  return int32_t(z);
}

// Fused activation as a clamp in the quantized output domain.
void quantized_activation(OpContext& ctx, int act, float scale, int32_t zp, int32_t* lo, int32_t* hi) {
  auto q = [&](float f) { return zp + static_cast<int32_t>(std::round(f / scale)); };
  const int32_t qmin = -128, qmax = 127;
  switch (act) {
    case kActNone: *lo = qmin; *hi = qmax; break;
    case kActRelu: *lo = std::max(qmin, q(0.f)); *hi = qmax; break;
    case kActRelu6: *lo = std::max(qmin, q(0.f)); *hi = std::min(qmax, q(6.f)); break;
    case kActReluN1To1: *lo = std::max(qmin, q(-1.f)); *hi = std::min(qmax, q(1.f)); break;
    default: ctx.fail(cat("fused activation function ", act, " is not supported for int8"));
  }
  ctx.check(*lo <= *hi, "fused activation range is empty for this output quantization");
}

// Validates types and quantization of input/filter/bias/output and fills mult/shift/zero points/act range.
// `channels`: number of output channels; `qdim`: the filter dimension that per-channel scales run along.
void prepare_quant(OpContext& ctx, QuantState& st, int channels, int qdim, int act, bool allow_filter_zp) {
  const Tensor& in = ctx.input(0);
  const Tensor& filter = ctx.input(1);
  const Tensor* bias = ctx.optional_input(2);
  const Tensor& out = ctx.output(0);
  ctx.check_type(in, DType::kInt8, "input");
  ctx.check_type(filter, DType::kInt8, "filter");
  ctx.check_type(out, DType::kInt8, "output");
  if (bias) {
    ctx.check_type(*bias, DType::kInt32, "bias");
    ctx.check(bias->elements() == channels, "bias '", bias->name, "' has ", bias->elements(), " elements, expected ",
              channels);
  }
  const float in_s = single_scale(ctx, in, "input");
  const float out_s = single_scale(ctx, out, "output");
  st.in_zp = single_zero_point(ctx, in, "input");
  st.out_zp = single_zero_point(ctx, out, "output");
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
    ctx.check(shift <= 30, "requantization multiplier ", m, " of output channel ", c, " is too large");
    ctx.check(shift >= -31, "requantization multiplier ", m, " of output channel ", c, " is too small");
    st.shift[size_t(c)] = shift;
    st.lsh[size_t(c)] = uint8_t(shift > 0 ? shift : 0);
    st.rsh[size_t(c)] = uint8_t(shift > 0 ? 0 : -shift);
  }
  quantized_activation(ctx, act, out_s, st.out_zp, &st.act_min, &st.act_max);
  st.weights_const = filter.is_const() && (!bias || bias->is_const());
}

// Accumulators are int32, as in the reference kernels. Products are below 2^15 in magnitude, so sums over up
// to kMaxTaps taps stay in range (prepare refuses bigger filters: no real model comes close); biases are added
// with wrap-around, what the reference's int32 add does on every target, so a hostile bias is not UB.
constexpr int64_t kMaxTaps = int64_t(1) << 16;
inline int32_t add_wrap(int32_t a, int32_t b) { return int32_t(uint32_t(a) + uint32_t(b)); }

// bias_eff[c] = bias[c] - in_zp * sum(filter row c) for filters stored as `channels` rows of `row` values
// (row stride `row`), or, for depthwise filters [.., C], as columns: value k of channel c at k * channels + c.
void compute_bias_eff(QuantState& st, const Tensor& filter, const Tensor* bias, int channels, int64_t row,
                      bool columns) {
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

// CONV_2D / DEPTHWISE_CONV_2D requantization of channel c (the math of qm::MultiplyByQuantizedMultiplier).
SLIMRT_INT8_INLINE int8_t requantize(const QuantState& s, int c, int32_t acc) {
  int32_t v = int8k::requant_double_rounding(acc, s.mult[size_t(c)], s.lsh[size_t(c)], s.rsh[size_t(c)]) + s.out_zp;
  v = v < s.act_min ? s.act_min : (v > s.act_max ? s.act_max : v);
  return static_cast<int8_t>(v);
}

// FULLY_CONNECTED's requantization: round(acc * mult * 2^(shift - 31)) with ties away from zero, computed
// exactly in 64 bits (|acc * mult| < 2^62), then offset and clamped. Needs -31 <= shift <= 30.
SLIMRT_INT8_INLINE int8_t requantize_single(int32_t acc, int32_t mult, int32_t shift, int32_t out_zp, int32_t lo, int32_t hi) {
  const int total = 31 - shift;
  const int64_t p = int64_t(acc) * int64_t(mult);
  const int64_t half = int64_t(1) << (total - 1);
  const int64_t mag = ((p >= 0 ? p : -p) + half) >> total;
  int64_t v = (p >= 0 ? mag : -mag) + out_zp;
  v = v < lo ? lo : (v > hi ? hi : v);
  return static_cast<int8_t>(v);
}

int64_t grain_for(int64_t work_per_item) { return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, work_per_item)); }

// ---- CONV_2D ----

void ConvPrepare(OpContext& ctx) {
  ctx.check_inputs(2, 3);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  const Tensor& filter = ctx.input(1);
  const Tensor* bias = ctx.optional_input(2);
  ctx.check(in.rank() == 4, "input '", in.name, "' must be 4-D (NHWC), has shape ", in.shape);
  ctx.check(filter.rank() == 4, "filter '", filter.name, "' must be 4-D (OHWI), has shape ", filter.shape);
  const fb::Table& o = ctx.options();
  const int padding = o.get<int8_t>(0, 0);
  const int sw = o.get<int32_t>(1, 0), sh = o.get<int32_t>(2, 0);  // schema default 0: must be set
  const int act = o.get<int8_t>(3, 0);
  const int dw = o.get<int32_t>(4, 1), dh = o.get<int32_t>(5, 1);
  ctx.check(o.get<int8_t>(6, 0) == 0, "only int32 quantized bias is supported");
  const int N = in.dim(0), H = in.dim(1), W = in.dim(2), C = in.dim(3);
  const int OC = filter.dim(0), KH = filter.dim(1), KW = filter.dim(2), FC = filter.dim(3);
  ctx.check(FC > 0 && C > 0 && C % FC == 0, "input has ", C, " channels, not a multiple of the filter's ", FC);
  const int groups = C / FC;
  ctx.check(OC > 0 && OC % groups == 0, "filter has ", OC, " output channels, not a multiple of ", groups, " groups");
  ctx.check(KH > 0 && KW > 0, "filter has an empty spatial size ", filter.shape);
  QuantState& st = ctx.state<QuantState>();
  prepare_quant(ctx, st, OC, 0, act, false);
  const AxisGeometry gh = window_axis(ctx, H, KH, sh, dh, padding), gw = window_axis(ctx, W, KW, sw, dw, padding);
  const int OH = gh.out, OW = gw.out;
  st.pad_h = gh.pad_before;
  st.pad_w = gw.pad_before;
  st.stride_h = sh, st.stride_w = sw, st.dil_h = dh, st.dil_w = dw, st.groups = groups;
  st.direct = KH == 1 && KW == 1 && sh == 1 && sw == 1 && st.pad_h == 0 && st.pad_w == 0 && groups == 1;
  const int64_t K = int64_t(KH) * KW * FC;
  ctx.check(K <= kMaxTaps, "filter of ", K, " taps per output is too large for int32 accumulation");
  if (st.weights_const) compute_bias_eff(st, filter, bias, OC, K, false);
  else st.bias_eff.resize(size_t(OC));
  // Per worker: the gathered patch (K bytes, unless direct) and OC int32 accumulators.
  st.per_worker = (st.direct ? 0 : size_t((K + 63) / 64 * 64)) + size_t((OC * 4 + 63) / 64 * 64);
  ctx.request_scratch(st.per_worker * size_t(ctx.num_threads()));
  ctx.set_output_shape(0, Shape{N, OH, OW, OC});
}

void ConvEval(OpContext& ctx) {
  const Tensor& in = ctx.input(0);
  const Tensor& filter = ctx.input(1);
  Tensor& out = ctx.output(0);
  QuantState& st = ctx.state<QuantState>();
  const int N = in.dim(0), H = in.dim(1), W = in.dim(2), C = in.dim(3);
  const int OC = filter.dim(0), KH = filter.dim(1), KW = filter.dim(2), FC = filter.dim(3);
  const int OH = out.dim(1), OW = out.dim(2);
  const int64_t K = int64_t(KH) * KW * FC;
  if (!st.weights_const) compute_bias_eff(st, filter, ctx.optional_input(2), OC, K, false);
  const int8_t* x = in.as<int8_t>();
  const int8_t* f = filter.as<int8_t>();
  int8_t* y = out.as<int8_t>();
  uint8_t* scratch = ctx.scratch();
  const int groups = st.groups, OCG = OC / groups;
  const int64_t pixels = int64_t(N) * OH * OW;
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
        for (int g = 0; g < groups; ++g) {
          // Gather the receptive field of this group, padded with the input zero point.
          int8_t* dst = patch;
          for (int ky = 0; ky < KH; ++ky) {
            const int iy = iy0 + ky * s.dil_h;
            for (int kx = 0; kx < KW; ++kx, dst += FC) {
              const int ix = ix0 + kx * s.dil_w;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) {
                std::memset(dst, s.in_zp & 0xFF, size_t(FC));
              } else {
                std::memcpy(dst, x + ((int64_t(b) * H + iy) * W + ix) * C + int64_t(g) * FC, size_t(FC));
              }
            }
          }
          int8k::dot_rows(f + int64_t(g) * OCG * K, size_t(K), patch, OCG, acc + g * OCG);
        }
      }
      for (int oc = 0; oc < OC; ++oc)
        yo[oc] = requantize(s, oc, add_wrap(s.bias_eff[size_t(oc)], acc[oc]));
    }
  });
}

// ---- DEPTHWISE_CONV_2D ----

void DepthwisePrepare(OpContext& ctx) {
  ctx.check_inputs(2, 3);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  const Tensor& filter = ctx.input(1);
  ctx.check(in.rank() == 4, "input '", in.name, "' must be 4-D (NHWC), has shape ", in.shape);
  ctx.check(filter.rank() == 4 && filter.dim(0) == 1, "filter '", filter.name, "' must be 4-D [1, H, W, C], has shape ",
            filter.shape);
  const fb::Table& o = ctx.options();
  const int padding = o.get<int8_t>(0, 0);
  const int sw = o.get<int32_t>(1, 0), sh = o.get<int32_t>(2, 0);  // schema default 0: must be set
  const int act = o.get<int8_t>(4, 0);
  const int dw = o.get<int32_t>(5, 1), dh = o.get<int32_t>(6, 1);
  const int N = in.dim(0), H = in.dim(1), W = in.dim(2), C = in.dim(3);
  const int KH = filter.dim(1), KW = filter.dim(2), OC = filter.dim(3);
  ctx.check(C > 0 && OC > 0 && OC % C == 0, "filter has ", OC, " channels, not a multiple of the input's ", C);
  ctx.check(KH > 0 && KW > 0, "filter has an empty spatial size ", filter.shape);
  ctx.check(int64_t(KH) * KW <= kMaxTaps, "filter of ", int64_t(KH) * KW, " taps is too large for int32 accumulation");
  QuantState& st = ctx.state<QuantState>();
  st.depth_mult = OC / C;
  prepare_quant(ctx, st, OC, 3, act, false);
  const AxisGeometry gh = window_axis(ctx, H, KH, sh, dh, padding), gw = window_axis(ctx, W, KW, sw, dw, padding);
  const int OH = gh.out, OW = gw.out;
  st.pad_h = gh.pad_before;
  st.pad_w = gw.pad_before;
  st.stride_h = sh, st.stride_w = sw, st.dil_h = dh, st.dil_w = dw;
  // Padded taps are skipped here, so the zero point is subtracted from the inputs instead of folded into the bias.
  st.per_worker = (size_t(OC) * sizeof(int32_t) + 63) / 64 * 64;
  ctx.request_scratch(st.per_worker * size_t(ctx.num_threads()));
  ctx.set_output_shape(0, Shape{N, OH, OW, OC});
}

void DepthwiseEval(OpContext& ctx) {
  const Tensor& in = ctx.input(0);
  const Tensor& filter = ctx.input(1);
  const Tensor* bias = ctx.optional_input(2);
  Tensor& out = ctx.output(0);
  const QuantState& s = ctx.state<QuantState>();
  const int N = in.dim(0), H = in.dim(1), W = in.dim(2), C = in.dim(3);
  const int KH = filter.dim(1), KW = filter.dim(2), OC = filter.dim(3);
  const int OH = out.dim(1), OW = out.dim(2);
  const int M = s.depth_mult;
  const int8_t* x = in.as<int8_t>();
  const int8_t* f = filter.as<int8_t>();
  const int32_t* bp = bias ? bias->as<int32_t>() : nullptr;
  int8_t* y = out.as<int8_t>();
  uint8_t* scratch = ctx.scratch();
  const int64_t pixels = int64_t(N) * OH * OW;
  const int32_t zp = s.in_zp;
  ctx.pool().parallel_for(pixels, grain_for(int64_t(KH) * KW * OC), [&](int64_t begin, int64_t end, int worker) {
    int32_t* acc = reinterpret_cast<int32_t*>(scratch + s.per_worker * size_t(worker));
    for (int64_t p = begin; p < end; ++p) {
      const int ox = int(p % OW);
      const int oy = int((p / OW) % OH);
      const int b = int(p / (int64_t(OW) * OH));
      const int iy0 = oy * s.stride_h - s.pad_h, ix0 = ox * s.stride_w - s.pad_w;
      for (int c = 0; c < OC; ++c) acc[c] = 0;
      for (int ky = 0; ky < KH; ++ky) {
        const int iy = iy0 + ky * s.dil_h;
        if (iy < 0 || iy >= H) continue;
        for (int kx = 0; kx < KW; ++kx) {
          const int ix = ix0 + kx * s.dil_w;
          if (ix < 0 || ix >= W) continue;
          const int8_t* xp = x + ((int64_t(b) * H + iy) * W + ix) * C;
          const int8_t* fp = f + (int64_t(ky) * KW + kx) * OC;
          if (M == 1) {
            int8k::dw_tap(xp, fp, zp, C, acc);
          } else {
            for (int c = 0; c < C; ++c) {
              const int32_t xv = int32_t(xp[c]) - zp;
              for (int m = 0; m < M; ++m) acc[c * M + m] += int32_t(fp[c * M + m]) * xv;
            }
          }
        }
      }
      int8_t* yo = y + p * OC;
      for (int c = 0; c < OC; ++c)
        yo[c] = requantize(s, c, bp ? add_wrap(bp[c], acc[c]) : acc[c]);
    }
  });
}

// ---- FULLY_CONNECTED ----

struct FcState : QuantState {
  int64_t depth = 0, units = 0, batches = 0;
};

void FcPrepare(OpContext& ctx) {
  ctx.check_inputs(2, 3);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  const Tensor& filter = ctx.input(1);
  const Tensor* bias = ctx.optional_input(2);
  const fb::Table& o = ctx.options();
  const int act = o.get<int8_t>(0, 0);
  ctx.check(o.get<int8_t>(1, 0) == 0, "only the default weights format is supported");
  const bool keep_dims = o.get<uint8_t>(2, 0) != 0;
  ctx.check(o.get<int8_t>(4, 0) == 0, "only int32 quantized bias is supported");
  ctx.check(filter.rank() == 2, "filter '", filter.name, "' must be 2-D [units, depth], has shape ", filter.shape);
  ctx.check(in.rank() >= 1, "input '", in.name, "' must have at least one dimension");
  const int64_t units = filter.dim(0), depth = filter.dim(1);
  ctx.check(depth > 0 && units > 0, "filter '", filter.name, "' has an empty shape ", filter.shape);
  const int64_t total = in.elements();
  ctx.check(total % depth == 0, "input '", in.name, "' with shape ", in.shape, " does not hold whole rows of ", depth,
            " values");
  FcState& st = ctx.state<FcState>();
  prepare_quant(ctx, st, int(units), 0, act, true);
  ctx.check(depth <= kMaxTaps, "weights of depth ", depth, " are too large for int32 accumulation");
  st.depth = depth, st.units = units, st.batches = total / depth;
  if (st.weights_const) compute_bias_eff(st, filter, bias, int(units), depth, false);
  else st.bias_eff.resize(size_t(units));
  Shape os;
  if (keep_dims) {
    ctx.check(in.shape.back() == depth, "input '", in.name, "' last dimension ", in.shape.back(), " must equal ", depth,
              " with keep_num_dims");
    os = in.shape;
    os.back() = int32_t(units);
  } else {
    os = Shape{int32_t(st.batches), int32_t(units)};
  }
  ctx.set_output_shape(0, os);
}

void FcEval(OpContext& ctx) {
  const Tensor& in = ctx.input(0);
  const Tensor& filter = ctx.input(1);
  Tensor& out = ctx.output(0);
  FcState& st = ctx.state<FcState>();
  if (!st.weights_const) compute_bias_eff(st, filter, ctx.optional_input(2), int(st.units), st.depth, false);
  const int8_t* x = in.as<int8_t>();
  const int8_t* f = filter.as<int8_t>();
  int8_t* y = out.as<int8_t>();
  const FcState& s = st;
  const int64_t D = s.depth, U = s.units;
  // With a filter zero point: sum (x - zx)(f - zf) = sum x f - zx sum f - zf sum x + D zx zf; the first two
  // terms are in bias_eff.
  const int32_t zf = s.filter_zp;
  const int32_t zf_const = int32_t(D) * s.in_zp * zf;
  // Work items: blocks of up to 16 units of one batch row.
  const int64_t blocks = (U + 15) / 16;
  ctx.pool().parallel_for(s.batches * blocks, grain_for(D * 16), [&](int64_t begin, int64_t end, int) {
    int32_t acc[16];
    for (int64_t i = begin; i < end; ++i) {
      const int64_t b = i / blocks, u0 = (i % blocks) * 16;
      const int n = int(std::min<int64_t>(16, U - u0));
      const int8_t* xb = x + b * D;
      int8k::dot_rows(f + u0 * D, size_t(D), xb, n, acc);
      int32_t corr = 0;
      if (zf) {
        int32_t sx = 0;
        for (int64_t k = 0; k < D; ++k) sx += xb[k];
        corr = add_wrap(zf_const, int32_t(uint32_t(uint64_t(-int64_t(zf) * sx))));
      }
      int8_t* yb = y + b * U + u0;
      for (int j = 0; j < n; ++j) {
        const size_t u = size_t(u0 + j);
        yb[j] = requantize_single(add_wrap(add_wrap(s.bias_eff[u], acc[j]), corr), s.mult[u], s.shift[u], s.out_zp, s.act_min,
                                  s.act_max);
      }
    }
  });
}

// ---- LOGISTIC (int8) ----
// The reference computes int8 sigmoid through a 256-entry table built from float math:
// table[q] = clamp(round(sigmoid(in_scale * (q - in_zp)) / out_scale) + out_zp).

struct LutState : OpState {
  int8_t table[256];
};

void LogisticPrepare(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  ctx.check_type(in, DType::kInt8, "input");
  ctx.check_type(out, DType::kInt8, "output");
  const float in_s = single_scale(ctx, in, "input");
  const float out_s = single_scale(ctx, out, "output");
  const int32_t in_zp = single_zero_point(ctx, in, "input");
  const int32_t out_zp = single_zero_point(ctx, out, "output");
  LutState& st = ctx.state<LutState>();
  const float inv = 1.0f / out_s;
  for (int q = -128; q <= 127; ++q) {
    const float xf = in_s * float(q - in_zp);
    const float yf = 1.0f / (1.0f + std::exp(-xf));
    // Clamp in floating point: a hostile scale can make the value huge or NaN, which must not reach an int cast.
    const double r = double(std::round(yf * inv)) + double(out_zp);
    const int32_t v = !(r > -128.0) ? -128 : (r > 127.0 ? 127 : int32_t(r));
    st.table[uint8_t(int8_t(q))] = int8_t(v);
  }
  ctx.set_output_shape(0, in.shape);
}

void LogisticEval(OpContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const LutState& st = ctx.state<LutState>();
  const int8_t* x = in.as<int8_t>();
  int8_t* y = out.as<int8_t>();
  const int64_t n = in.elements();
  for (int64_t i = 0; i < n; ++i) y[i] = st.table[uint8_t(x[i])];
}

}  // namespace

// Note: int8 LOGISTIC lives here for now; a RegisterQuantizedOps family (ops/quantized.cc) for int8
// elementwise ops (LOGISTIC, TANH, ADD, MUL, ...) would be a better home.
void RegisterQuantizedConvOps(OpRegistry& r) {
  r.add({op::CONV_2D, "CONV_2D", DType::kInt8, 8, ConvPrepare, ConvEval});
  r.add({op::DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D", DType::kInt8, 7, DepthwisePrepare, DepthwiseEval});
  r.add({op::FULLY_CONNECTED, "FULLY_CONNECTED", DType::kInt8, 12, FcPrepare, FcEval});
  r.add({op::LOGISTIC, "LOGISTIC", DType::kInt8, 3, LogisticPrepare, LogisticEval});
}

}  // namespace slimrt
