// SOFTMAX (with beta) and LOG_SOFTMAX over the last axis. They share one file because their quantized forms share
// the input scaling into Q5.26 and the fixed-point exp (kernels/fixed_point.h).
//
// float32: exp((x - max) * beta) / sum.
// int8 -> int8 / int16, uint8 -> uint8 / int16: bit-exact with the reference kernel BUILTIN_REF runs (not the
// optimized float table): input differences from the row maximum are scaled by beta * input_scale into Q5.26,
// exponentiated in fixed point (gemmlowp exp_on_negative_values), summed in Q12.19, and each exp is multiplied by
// the fixed-point reciprocal of the sum; differences below diff_min contribute nothing. int8 outputs must be
// quantized with scale 1/256 and zero point -128 (the reference checks it).
// int16 -> int16: the reference's two 513-entry interpolated tables (exp on [-10, 0], 1/(1+x) on [0, 1]).
// Versions: 1 float, 2 int8/uint8, 3 int16.
//
// LOG_SOFTMAX: float32 x - max - log(sum exp(x - max)); int8 bit-exact with the reference (output scale 16/256,
// zero point 127): the same Q5.26 exps summed in Q12.19, their log in fixed point, differences at or below the
// adjusted minimum give -128. Version 2 (int8); uint8 is refused.
#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/fixed_point.h"
#include "kernels/threadpool.h"
#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct SoftmaxOptions {
  float beta;
};

SoftmaxOptions ReadOptions(const OpContext& ctx) { return {ctx.options(opt::SoftmaxOptions).get<float>(0, 0.f)}; }

struct SoftmaxState : OpState {
  float beta = 1.f;
  int64_t rows = 0, depth = 0;
  DType in_type = DType::kFloat32, out_type = DType::kFloat32;
  int32_t mult = 0;  // input_diff multiplier (Q5.26 scaling, or the int16 table's input scaling)
  int shift = 0;
  int32_t diff_min = 0;
  int32_t rev_mult = 0;  // LOG_SOFTMAX int8: the inverse of the Q5.26 scaling
  int rev_shift = 0;
  std::vector<int16_t> exp_lut, recip_lut;  // int16 only
  // 8-bit SOFTMAX: exp of every possible (x - max) in [-255, 0] (index -diff), the reference's Q0.31 value or -1
  std::vector<int32_t> exp8;
};

// ---- float32 ----

void SoftmaxRows(const SoftmaxState& s, const float* in, float* out, int64_t b, int64_t e) {
  const int64_t d = s.depth;
  for (int64_t r = b; r < e; ++r) {
    const float* x = in + r * d;
    float* y = out + r * d;
    float mx = x[0];
    for (int64_t i = 1; i < d; ++i) mx = std::max(mx, x[i]);
    float sum = 0;
    for (int64_t i = 0; i < d; ++i) {
      y[i] = std::exp((x[i] - mx) * s.beta);
      sum += y[i];
    }
    const float inv = 1.f / sum;
    for (int64_t i = 0; i < d; ++i) y[i] *= inv;
  }
}

void EvalFloat(OpContext& ctx) {
  const SoftmaxState& s = ctx.state<SoftmaxState>();
  const float* in = ctx.input(0).as<float>();
  float* out = ctx.output(0).as<float>();
  if (ctx.num_threads() > 1 && s.rows > 1 && s.rows * s.depth >= (1 << 14)) {
    ctx.pool().parallel_for(s.rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, s.depth)),
                            [&](int64_t b, int64_t e, int) { SoftmaxRows(s, in, out, b, e); });
  } else {
    SoftmaxRows(s, in, out, 0, s.rows);
  }
}

// ---- int8 / uint8 input (gemmlowp fixed point) ----

int32_t load8(DType t, const uint8_t* p, int64_t i) {
  return t == DType::kInt8 ? int32_t(reinterpret_cast<const int8_t*>(p)[i]) : int32_t(p[i]);
}

// Rows [r0, r1). The exponentials come from the per-node table (the same fixed-point values, computed once).
void Quant8Rows(const SoftmaxState& s, const uint8_t* in, uint8_t* out, int64_t r0, int64_t r1) {
  const bool out16 = s.out_type == DType::kInt16;
  int32_t out_lo, out_hi;
  int_type_range(s.out_type, &out_lo, &out_hi);
  const int out_bits = out16 ? 16 : 8;
  const int64_t d = s.depth;
  const int32_t* tab = s.exp8.data();
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t base = r * d;
    int32_t mx = s.in_type == DType::kInt8 ? -128 : 0;
    for (int64_t c = 0; c < d; ++c) mx = std::max(mx, load8(s.in_type, in, base + c));
    int32_t sum = 0;  // Q12.19
    for (int64_t c = 0; c < d; ++c) {
      const int32_t e = tab[mx - load8(s.in_type, in, base + c)];
      if (e >= 0) sum = fxp::add(sum, fxp::rescale(e, 0, 12));
    }
    int over_unit = 0;
    const int32_t scale = fxp::reciprocal(sum, 12, &over_unit);
    const int exponent = std::min(31, std::max(0, over_unit + 31 - out_bits));
    for (int64_t c = 0; c < d; ++c) {
      const int32_t e = tab[mx - load8(s.in_type, in, base + c)];
      int32_t v = out_lo;
      if (e >= 0) v = std::min(std::max(qm::RoundingDivideByPOT(fxp::mul(scale, e), exponent) + out_lo, out_lo), out_hi);
      if (out16) reinterpret_cast<int16_t*>(out)[base + c] = int16_t(v);
      else out[base + c] = uint8_t(v);
    }
  }
}

void EvalQuant8(OpContext& ctx) {
  const SoftmaxState& s = ctx.state<SoftmaxState>();
  const uint8_t* in = ctx.input(0).data;
  uint8_t* out = ctx.output(0).data;
  if (ctx.num_threads() > 1 && s.rows > 1 && s.rows * s.depth >= (1 << 14))
    ctx.pool().parallel_for(s.rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, s.depth)),
                            [&](int64_t b, int64_t e, int) { Quant8Rows(s, in, out, b, e); });
  else
    Quant8Rows(s, in, out, 0, s.rows);
}

// ---- int16 (interpolated tables) ----

// TFLite's 513-entry int16 table of f for an int16 input quantized with (in_scale, in_zp) and an output quantized
// with (out_scale, 0), every entry corrected by half the interpolation error at the midpoint of its segment. The
// double arithmetic follows the reference step for step, so the tables are identical.
void MakeLut(double in_scale, int32_t in_zp, double out_scale, double (*f)(double), int16_t* lut) {
  const double in_min = in_scale * (-32768 - in_zp), in_max = in_scale * (32767 - in_zp);
  const double out_min = out_scale * -32768, out_max = out_scale * 32767;
  const double step = (in_max - in_min) / 512, half_step = step / 2;
  const double inv = 65536.0 / (out_max - out_min);
  auto q = [](double v) { return int16_t(std::min(32767.0, std::max(-32768.0, v))); };
  for (int i = 0; i < 512; ++i) {
    const double v = f(in_min + i * step), mid = f(in_min + i * step + half_step), next = f(in_min + (i + 1) * step);
    const double interp = std::round((next * inv + std::round(v * inv)) / 2);
    lut[i] = q(std::round(v * inv) - std::round((interp - std::round(mid * inv)) / 2));
  }
  lut[512] = q(std::round(f(in_max) * inv));
}

int16_t LutLookup(int16_t v, const int16_t* lut) {
  const int index = 256 + qm::ShiftRightFloor32(v, 7);
  const int32_t offset = v & 0x7f;
  const int32_t slope = int32_t(lut[index + 1]) - lut[index];
  return int16_t(lut[index] + qm::ShiftRightFloor32(slope * offset + 64, 7));
}

int16_t SaturateInt16(int64_t v) { return int16_t(std::min<int64_t>(std::max<int64_t>(v, -32768), 32767)); }

void EvalInt16(OpContext& ctx) {
  const SoftmaxState& s = ctx.state<SoftmaxState>();
  const int16_t* in = ctx.input(0).as<int16_t>();
  int16_t* out = ctx.output(0).as<int16_t>();
  const int64_t d = s.depth;
  for (int64_t r = 0; r < s.rows; ++r) {
    const int16_t* x = in + r * d;
    int16_t* y = out + r * d;
    int32_t mx = -32768;
    for (int64_t c = 0; c < d; ++c) mx = std::max<int32_t>(mx, x[c]);
    int32_t sum = 0;  // Q16.15; the exps are cached in the output
    for (int64_t c = 0; c < d; ++c) {
      const int32_t scaled = qm::MultiplyByQuantizedMultiplier(int32_t(x[c]) - mx, s.mult, s.shift);
      y[c] = LutLookup(SaturateInt16(int64_t(scaled) + 32767), s.exp_lut.data());
      sum = fxp::add(sum, y[c]);
    }
    const int h = std::min(31, std::max(1, fxp::clz32(uint32_t(sum))));
    const int64_t shifted = ((int64_t(uint32_t(sum)) << (h - 1)) + (1 << 13)) >> 14;
    const int32_t recip = LutLookup(SaturateInt16(shifted - (1 << 15) - (1 << 16)), s.recip_lut.data());
    const int right = 31 - h;
    for (int64_t c = 0; c < d; ++c) {
      const int64_t v = (int64_t(y[c]) * recip + (int64_t(1) << (right - 1))) >> right;
      y[c] = int16_t(std::min<int64_t>(std::max<int64_t>(v, 0), 32767));
    }
  }
}

// ---- LOG_SOFTMAX ----

void LogSoftmaxRowsFloat(OpContext& ctx) {
  const SoftmaxState& s = ctx.state<SoftmaxState>();
  const float* in = ctx.input(0).as<float>();
  float* out = ctx.output(0).as<float>();
  const int64_t d = s.depth;
  for (int64_t r = 0; r < s.rows; ++r) {
    const float* x = in + r * d;
    float* y = out + r * d;
    float mx = x[0];
    for (int64_t i = 1; i < d; ++i) mx = std::max(mx, x[i]);
    float sum = 0;
    for (int64_t i = 0; i < d; ++i) sum += std::exp(x[i] - mx);
    const float log_sum = std::log(sum);
    for (int64_t i = 0; i < d; ++i) y[i] = x[i] - mx - log_sum;
  }
}

void EvalLogSoftmaxInt8(OpContext& ctx) {
  const SoftmaxState& s = ctx.state<SoftmaxState>();
  const int8_t* in = ctx.input(0).as<int8_t>();
  int8_t* out = ctx.output(0).as<int8_t>();
  const int64_t d = s.depth;
  auto q5 = [&](int32_t diff) { return fxp::mul(int32_t(uint32_t(diff) << s.shift), s.mult); };
  for (int64_t r = 0; r < s.rows; ++r) {
    const int8_t* x = in + r * d;
    int8_t* y = out + r * d;
    int32_t mx = -128;
    for (int64_t c = 0; c < d; ++c) mx = std::max<int32_t>(mx, x[c]);
    int32_t sum = 0;  // Q12.19
    for (int64_t c = 0; c < d; ++c) {
      const int32_t diff = x[c] - mx;
      if (diff >= s.diff_min) sum = fxp::add(sum, fxp::rescale(fxp::exp_on_negative_values(q5(diff), 5), 0, 12));
    }
    const int32_t log_sum = fxp::log_x_ge_1(sum, 12, 5);  // Q5.26
    const int32_t adjusted_min = std::max(
        s.diff_min - 1, qm::MultiplyByQuantizedMultiplier(fxp::add(log_sum, std::numeric_limits<int32_t>::min()),
                                                          s.rev_mult, s.rev_shift));
    for (int64_t c = 0; c < d; ++c) {
      const int32_t diff = x[c] - mx;
      int32_t v = -128;
      if (diff > adjusted_min) v = std::min(std::max(qm::RoundingDivideByPOT(fxp::sub(q5(diff), log_sum), 22) + 127, -128), 127);
      y[c] = int8_t(v);
    }
  }
}

// ---- prepare ----

// The input differences are scaled into Q5.26 by beta * input_scale (capped so that the multiplier fits):
// TFLite's PreprocessSoftmaxScaling with 5 integer bits, and the smallest difference that cannot overflow.
void ScaleIntoQ5(OpContext& ctx, SoftmaxState& s, double beta_scale) {
  const double m = std::min(beta_scale * double(1 << 26), double((int64_t(1) << 31) - 1));
  ctx.check(m > 1.0, "input scale * beta (", beta_scale, ") is too small for the quantized softmax");
  qm::QuantizeMultiplier(m, &s.mult, &s.shift);
  ctx.check(s.shift >= 0 && s.shift <= 31, "input scale * beta is out of range");
  s.diff_min = -int32_t(std::floor(31.0 * double(int64_t(1) << 26) / double(int64_t(1) << s.shift)));
}

void PrepareQuant(OpContext& ctx, SoftmaxState& s, const Tensor& in, const Tensor& out) {
  const float in_scale = single_scale(ctx, in, "input");
  single_zero_point(ctx, in, "input");
  const int32_t out_zp = single_zero_point(ctx, out, "output");
  const float out_scale = single_scale(ctx, out, "output");
  if (in.type == DType::kInt16) {
    ctx.check(out.type == DType::kInt16, "int16 input needs an int16 output, got ", dtype_name(out.type));
    ctx.check(in.quant.zero_point[0] == 0 && out_zp == 0, "int16 softmax needs zero points 0");
    ctx.check(std::fabs(out_scale - 1.f / 32768) <= 0.001f / 32768, "int16 output scale must be 1/32768, got ",
              out_scale);
    const double m = double(in_scale) * double(s.beta) / (10.0 / 65535.0);
    qm::QuantizeMultiplier(m, &s.mult, &s.shift);
    ctx.check(s.shift <= 30, "input scale * beta ", m, " is too large");
    s.exp_lut.resize(513);
    s.recip_lut.resize(513);
    const double range = 65535.0;
    MakeLut(10.0 / range, 32767, 2.0 / range, [](double v) { return std::exp(v); }, s.exp_lut.data());
    MakeLut(1.0 / range, -32768, 2.0 / range, [](double v) { return 1.0 / (1.0 + v); }, s.recip_lut.data());
    return ctx.set_eval(EvalInt16);
  }
  ctx.check(out.type == in.type || out.type == DType::kInt16, "output '", out.name, "' must be ",
            dtype_name(in.type), " or int16, got ", dtype_name(out.type));
  if (in.type == DType::kInt8 && out.type == DType::kInt8) {
    ctx.check(out_zp == -128, "int8 output must have zero point -128, has ", out_zp);
    ctx.check(std::fabs(out_scale - 1.f / 256) <= 0.001f / 256, "int8 output scale must be 1/256, got ", out_scale);
  }
  ScaleIntoQ5(ctx, s, double(s.beta) * double(in_scale));
  s.exp8.resize(256);
  for (int32_t k = 0; k < 256; ++k) {  // diff = -k
    const int32_t diff = -k;
    s.exp8[size_t(k)] = diff < s.diff_min ? -1
                                           : fxp::exp_on_negative_values(fxp::mul(int32_t(uint32_t(diff) << s.shift),
                                                                                  s.mult), 5);  // Q5.26 in
  }
  ctx.set_eval(EvalQuant8);
}

void PrepareSoftmax(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  ctx.check(in.rank() >= 1, "input must have rank >= 1");
  SoftmaxState& s = ctx.state<SoftmaxState>();
  s.beta = ReadOptions(ctx).beta;
  s.depth = in.dim(in.rank() - 1);
  s.rows = s.depth ? in.elements() / s.depth : 0;
  s.in_type = in.type, s.out_type = out.type;
  ctx.set_output_shape(0, in.shape);
  switch (in.type) {
    case DType::kFloat32:
      ctx.check_same_type(in, out);
      return ctx.set_eval(EvalFloat);
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kInt16:
      return PrepareQuant(ctx, s, in, out);
    default: ctx.unsupported_type(in, "input");
  }
}

void PrepareLogSoftmax(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  ctx.check(in.rank() >= 1, "input must have rank >= 1");
  ctx.check_same_type(in, out);
  ctx.options(opt::LogSoftmaxOptions);
  SoftmaxState& s = ctx.state<SoftmaxState>();
  s.depth = in.dim(in.rank() - 1);
  s.rows = s.depth ? in.elements() / s.depth : 0;
  ctx.set_output_shape(0, in.shape);
  if (in.type == DType::kFloat32) return ctx.set_eval(LogSoftmaxRowsFloat);
  if (in.type != DType::kInt8) ctx.unsupported_type(in, "input");
  const float in_scale = single_scale(ctx, in, "input");
  single_zero_point(ctx, in, "input");
  ctx.check(single_scale(ctx, out, "output") == 16.f / 256 && single_zero_point(ctx, out, "output") == 127,
            "int8 output must have scale 16/256 and zero point 127");
  ScaleIntoQ5(ctx, s, double(in_scale));
  const double reverse = double(int64_t(1) << (31 - s.shift)) / double(s.mult);
  ctx.check(reverse < 1.0, "input scale ", in_scale, " is out of range");
  qm::QuantizeMultiplier(reverse, &s.rev_mult, &s.rev_shift);
  ctx.set_eval(EvalLogSoftmaxInt8);
}

}  // namespace

void Register_LOG_SOFTMAX(OpRegistry& r) {
  r.add({op::LOG_SOFTMAX, "LOG_SOFTMAX", kAnyType, 2, PrepareLogSoftmax, nullptr});
}

void Register_SOFTMAX(OpRegistry& r) { r.add({op::SOFTMAX, "SOFTMAX", kAnyType, 3, PrepareSoftmax, nullptr}); }

}  // namespace slimrt
