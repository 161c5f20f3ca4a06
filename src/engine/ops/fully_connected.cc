// FULLY_CONNECTED: input rows of `depth` values times weights [units, depth] (+ bias), optionally keeping the
// input's leading dimensions (keep_num_dims).
//
// float32: the packed GEMM, weights packed once in prepare when constant.
// int8: per-tensor (with a weight zero point) or per-channel weights, int32 bias, bit-exact with the reference
// kernels; the requantization rounds once, ties away from zero (see conv_common.h).
// hybrid (float input and output, constant int8 weights): each input row quantized at run time (symmetric, or
// asymmetric with asymmetric_quantize_inputs), y = bias + (sum - offset * row sum) * row_scale * weight_scale.
// int16x8: int16 input/output (zero point 0), int8 weights, int64 bias (or int32 with quantized_bias_type INT32);
// the reference scales the wide sum in double and rounds once.
// Versions: float 1, 5 keep_num_dims, 6 no bias; int8 up to 12; hybrid 3, 9; int16x8 7, 11 (2: shuffled weights
// is refused by the weights_format check). Sparse constant weights (version 8 and later) are densified once.
#include <algorithm>

#include "kernels/gemm.h"
#include "kernels/threadpool.h"
#include "ops/conv_common.h"
#include "ops/densify.h"
#include "ops/hybrid.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct FullyConnectedOptions {
  int activation, weights_format;
  bool keep_num_dims, asymmetric_quantize_inputs;
  int quantized_bias_type;
};

FullyConnectedOptions ReadOptions(const OpContext& ctx) {
  const fb::Table o = ctx.options(opt::FullyConnectedOptions);
  return {o.get<int8_t>(0, 0), o.get<int8_t>(1, 0), o.get<uint8_t>(2, 0) != 0, o.get<uint8_t>(3, 0) != 0,
          o.get<int8_t>(4, 0)};
}

struct Geom {
  int64_t batches, depth, units;
};

// ---- float32 ----

struct FloatState : OpState {
  Geom g{};
  float lo = 0, hi = 0;
  bool const_weights = true;
  kernels::PackedB wpack;
};

void Pack(OpContext& ctx, FloatState& s) {
  const Tensor* bias = ctx.optional_input(2);
  kernels::pack_b_rows(ctx.input(1).as<float>(), int(s.g.units), int(s.g.depth), int(s.g.depth),
                       bias ? bias->as<float>() : nullptr, &s.wpack);
}

void EvalFloat(OpContext& ctx) {
  FloatState& s = ctx.state<FloatState>();
  if (!s.const_weights) Pack(ctx, s);
  if (s.g.batches == 0) return;
  parallel_gemm(ctx, int(s.g.batches), ctx.input(0).as<float>(), size_t(s.g.depth), s.wpack,
                ctx.output(0).as<float>(), size_t(s.g.units), s.lo, s.hi);
}

void PrepareFloat(OpContext& ctx, const FullyConnectedOptions& o, const Geom& g) {
  ctx.check_type(ctx.input(1), DType::kFloat32, "weights");
  ctx.check_type(ctx.output(0), DType::kFloat32, "output");
  if (const Tensor* bias = ctx.optional_input(2)) {
    ctx.check_type(*bias, DType::kFloat32, "bias");
    ctx.check(bias->elements() == g.units, "bias must have ", g.units, " elements, got shape ", bias->shape);
  }
  FloatState& s = ctx.state<FloatState>();
  s.g = g;
  const ActRange r = float_activation_range(ctx, o.activation);
  s.lo = r.lo, s.hi = r.hi;
  s.const_weights = weights_const(ctx);
  if (s.const_weights) Pack(ctx, s);
  ctx.set_eval(EvalFloat);
}

// ---- int8 ----

// round(acc * mult * 2^(shift - 31)) with ties away from zero, computed exactly in 64 bits (|acc * mult| < 2^62),
// then offset and clamped. Needs -31 <= shift <= 30.
SLIMRT_INT8_INLINE int8_t requantize_single(int32_t acc, int32_t mult, int32_t shift, int32_t out_zp, int32_t lo,
                                            int32_t hi) {
  const int total = 31 - shift;
  const int64_t p = int64_t(acc) * int64_t(mult);
  const int64_t half = int64_t(1) << (total - 1);
  const int64_t mag = ((p >= 0 ? p : -p) + half) >> total;
  int64_t v = (p >= 0 ? mag : -mag) + out_zp;
  v = v < lo ? lo : (v > hi ? hi : v);
  return static_cast<int8_t>(v);
}

struct Int8State : QuantState {
  Geom g{};
  // constant weights: the blocked int8 GEMM with FULLY_CONNECTED's single rounding; row_add holds the weight zero
  // point's per-row term
  kernels::PackedI8 pack;
  std::vector<int32_t> row_add;
};

void EvalInt8Gemm(OpContext& ctx) {
  Int8State& s = ctx.state<Int8State>();
  const int64_t D = s.g.depth;
  const int8_t* x = ctx.input(0).as<int8_t>();
  if (s.filter_zp) {
    // sum (x - zx)(f - zf) = sum x f - zx sum f - zf sum x + D zx zf; the first two terms are in bias_eff.
    const int32_t zf_const = int32_t(uint32_t(uint64_t(D * int64_t(s.in_zp) * s.filter_zp)));
    for (int64_t b = 0; b < s.g.batches; ++b) {
      int64_t sx = 0;
      for (int64_t k = 0; k < D; ++k) sx += x[b * D + k];
      s.row_add[size_t(b)] = add_wrap(zf_const, int32_t(uint32_t(uint64_t(-int64_t(s.filter_zp) * sx))));
    }
  }
  parallel_gemm_i8(ctx, int(s.g.batches), x, size_t(D), s.pack, ctx.output(0).as<int8_t>(), size_t(s.g.units),
                   s.filter_zp ? s.row_add.data() : nullptr);
}

void EvalInt8(OpContext& ctx) {
  Int8State& st = ctx.state<Int8State>();
  const int64_t D = st.g.depth, U = st.g.units;
  if (!st.weights_const) compute_bias_eff(st, ctx.input(1), ctx.optional_input(2), int(U), D, false);
  const int8_t* x = ctx.input(0).as<int8_t>();
  const int8_t* f = ctx.input(1).as<int8_t>();
  int8_t* y = ctx.output(0).as<int8_t>();
  const Int8State& s = st;
  // With a filter zero point: sum (x - zx)(f - zf) = sum x f - zx sum f - zf sum x + D zx zf; the first two terms
  // are in bias_eff.
  const int32_t zf = s.filter_zp;
  const int32_t zf_const = int32_t(D) * s.in_zp * zf;
  // Work items: blocks of up to 16 units of one batch row.
  const int64_t blocks = (U + 15) / 16;
  ctx.pool().parallel_for(s.g.batches * blocks, grain_for(D * 16), [&](int64_t begin, int64_t end, int) {
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
        yb[j] = requantize_single(add_wrap(add_wrap(s.bias_eff[u], acc[j]), corr), s.mult[u], s.shift[u], s.out_zp,
                                  s.act_min, s.act_max);
      }
    }
  });
}

// ---- hybrid (float input, int8 weights) and int16x8 ----

struct HybridState : Int8State {
  std::vector<float> wscale, scales;
  std::vector<int32_t> rowsum, offsets;
  std::vector<double> eff;  // int16: input_scale * weight_scale / output_scale per unit
  float lo = 0, hi = 0;
  bool asym = false;
};

void EvalHybrid(OpContext& ctx) {
  HybridState& st = ctx.state<HybridState>();
  const int64_t D = st.g.depth, U = st.g.units, B = st.g.batches;
  int8_t* q = reinterpret_cast<int8_t*>(ctx.scratch());
  int32_t* acc = reinterpret_cast<int32_t*>(ctx.scratch() + (B * D + 63) / 64 * 64);
  quantize_rows(ctx.input(0).as<float>(), B, D, st.asym, q, st.scales.data(), st.offsets.data());
  const Tensor* bias = ctx.optional_input(2);
  float* y = ctx.output(0).as<float>();
  for (int64_t b = 0; b < B; ++b) {
    int8k::dot_rows(ctx.input(1).as<int8_t>(), size_t(D), q + b * D, int(U), acc);
    for (int64_t u = 0; u < U; ++u) {
      const int32_t a = add_wrap(acc[u], -st.offsets[size_t(b)] * st.rowsum[size_t(u)]);
      const float v = (bias ? bias->as<float>()[u] : 0.f) + float(a) * (st.scales[size_t(b)] * st.wscale[size_t(u)]);
      y[b * U + u] = std::min(std::max(v, st.lo), st.hi);
    }
  }
}

// int16 activations: the reference scales the wide sum in double (input_scale * weight_scale / output_scale) and
// rounds once, half away from zero.
void EvalInt16(OpContext& ctx) {
  const HybridState& s = ctx.state<HybridState>();
  const int64_t D = s.g.depth, U = s.g.units;
  const int16_t* x = ctx.input(0).as<int16_t>();
  const int8_t* f = ctx.input(1).as<int8_t>();
  const Tensor* bias = ctx.optional_input(2);
  int16_t* y = ctx.output(0).as<int16_t>();
  for (int64_t b = 0; b < s.g.batches; ++b)
    for (int64_t u = 0; u < U; ++u) {
      int64_t acc = 0;
      for (int64_t k = 0; k < D; ++k) acc += int64_t(x[b * D + k]) * f[u * D + k];
      acc = add_wrap64(acc, bias ? (s.bias64 ? bias->as<int64_t>()[u] : bias->as<int32_t>()[u]) : 0);
      if (!s.bias64) acc = int32_t(uint32_t(uint64_t(acc)));  // the reference's int32 accumulator wraps
      double v = std::round(double(acc) * s.eff[size_t(u)]);
      v = std::min(std::max(v, -2147483648.0), 2147483647.0) + s.out_zp;
      y[b * U + u] = int16_t(std::min<double>(std::max<double>(v, s.act_min), s.act_max));
    }
}

void PrepareInt8(OpContext& ctx, const FullyConnectedOptions& o, const Geom& g) {
  const Tensor& in = ctx.input(0);
  if (in.type == DType::kInt8)
    ctx.check(o.quantized_bias_type == 0 || o.quantized_bias_type == int(DType::kInt32),
              "only int32 quantized bias is supported");
  HybridState& st = ctx.state<HybridState>();
  st.g = g;
  ctx.check(g.depth <= kMaxTaps, "weights of depth ", g.depth, " are too large for int32 accumulation");
  if (in.type == DType::kFloat32) {  // hybrid
    st.wscale = hybrid_prepare(ctx, 2, g.units);
    st.asym = o.asymmetric_quantize_inputs;
    const ActRange r = float_activation_range(ctx, o.activation);
    st.lo = r.lo, st.hi = r.hi;
    st.scales.resize(size_t(g.batches));
    st.offsets.resize(size_t(g.batches));
    st.rowsum = hybrid_row_sums(ctx.input(1), g.units, g.depth);
    ctx.request_scratch(size_t((g.batches * g.depth + 63) / 64 * 64 + g.units * 4));
    return ctx.set_eval(EvalHybrid);
  }
  prepare_quant(ctx, st, int(g.units), 0, o.activation, in.type == DType::kInt8);
  if (in.type == DType::kInt16) {
    int16_bias_type(ctx, st, o.quantized_bias_type);
    const Tensor& w = ctx.input(1);
    st.eff.resize(size_t(g.units));
    for (int64_t u = 0; u < g.units; ++u)
      st.eff[size_t(u)] = double(in.quant.scale[0]) * w.quant.scale[w.quant.scale.size() == 1 ? 0 : size_t(u)] /
                          double(ctx.output(0).quant.scale[0]);
    return ctx.set_eval(EvalInt16);
  }
  if (st.weights_const) {
    compute_bias_eff(st, ctx.input(1), ctx.optional_input(2), int(g.units), g.depth, false);
    kernels::pack_i8(ctx.input(1).as<int8_t>(), int(g.units), int(g.depth), size_t(g.depth), &st.pack);
    kernels::set_requant(&st.pack, st.bias_eff.data(), st.mult.data(), st.shift.data(), st.out_zp, st.act_min,
                         st.act_max, true);
    st.row_add.assign(size_t(g.batches), 0);
    return ctx.set_eval(EvalInt8Gemm);
  }
  st.bias_eff.resize(size_t(g.units));
  ctx.set_eval(EvalInt8);
}

// ---- shared prepare ----

void Prepare(OpContext& ctx) {
  ctx.check_inputs(2, 3);
  ctx.check_outputs(1);
  const FullyConnectedOptions o = ReadOptions(ctx);
  ctx.check(o.weights_format == 0, "weights_format ", o.weights_format, " is not supported (only DEFAULT)");
  const Tensor& in = ctx.input(0);
  Tensor& w = ctx.input(1);
  densify_in_place(ctx, w);  // sparse weights (1x1 or block CSR): densified once, then the dense kernels
  ctx.check(w.rank() == 2, "weights '", w.name, "' must be 2-D [units, depth], has shape ", w.shape);
  ctx.check(in.rank() >= 1, "input '", in.name, "' must have at least one dimension");
  Geom g{0, w.dim(1), w.dim(0)};
  ctx.check(g.depth > 0 && g.units > 0, "weights '", w.name, "' have an empty dimension: ", w.shape);
  const int64_t total = in.elements();
  ctx.check(total % g.depth == 0, "input '", in.name, "' with shape ", in.shape, " does not hold whole rows of ",
            g.depth, " values");
  g.batches = total / g.depth;
  ctx.check(g.batches < (int64_t(1) << 31), "input too large");
  if (o.keep_num_dims) {
    ctx.check(in.shape.back() == g.depth, "keep_num_dims needs the input's last dimension (", in.shape.back(),
              ") to equal the weights' depth (", g.depth, ")");
    Shape os = in.shape;
    os.back() = int32_t(g.units);
    ctx.set_output_shape(0, os);
  } else {
    ctx.set_output_shape(0, Shape{int32_t(g.batches), int32_t(g.units)});
  }
  switch (in.type) {
    case DType::kFloat32:
      if (w.type == DType::kInt8) return PrepareInt8(ctx, o, g);
      return PrepareFloat(ctx, o, g);
    case DType::kInt8:
    case DType::kInt16: return PrepareInt8(ctx, o, g);
    default: ctx.unsupported_type(in, "input");
  }
}

}  // namespace

void Register_FULLY_CONNECTED(OpRegistry& r) {
  r.add({op::FULLY_CONNECTED, "FULLY_CONNECTED", kAnyType, 12, Prepare, nullptr, kSparseInput1});
}

}  // namespace slimrt
