// Randomized differential tests of the ops against the reference kernels, through the whole engine: each case is a
// one-op .tflite model built in memory (model_builder.h), read, prepared, planned and run by slimrt::Interpreter with
// 1 to 4 threads, and compared with the reference kernel on the same data (int8: bit for bit; float: within a bound
// on float rounding of the sums). Shapes, strides, dilations, padding, groups, depth multipliers, per-channel and
// per-tensor quantization, zero points and fused activations are drawn at random.
#include <cmath>
#include <cstring>

#include "harness.h"
#include "kernels/reference/reference.h"
#include "model_builder.h"
#include "op_runner.h"
#include "op.h"
#include "slimrt.h"

using namespace slimrt;
using testing::ModelBuilder;
using testing::Bytes;
using testing::bytes_of;
using testing::randi;
using testing::randn;
using testing::run;
using testing::values_of;

namespace {

int thread_count(testing::Ctx& t) { return t.uniform(1, 4); }

size_t elems(const std::vector<int32_t>& shape) {
  size_t n = 1;
  for (int32_t d : shape) n *= size_t(d);
  return n;
}

// Float outputs: |got - want| <= taps * 4e-6 * scale + 1e-5 (float sums of `taps` terms, reordered).
bool close_f32(testing::Ctx& t, const std::vector<float>& got, const std::vector<float>& want, int taps,
               const std::string& what) {
  if (!t.check(got.size() == want.size(), what, ": ", got.size(), " outputs, reference has ", want.size())) return false;
  for (size_t i = 0; i < got.size(); ++i) {
    const float tol = (float(taps) * 4e-6f + 1e-5f) * std::max(1.f, std::fabs(want[i]));
    if (!(std::fabs(got[i] - want[i]) <= tol))
      return t.check(false, what, ": output ", i, " = ", got[i], ", reference ", want[i]);
  }
  return true;
}

bool equal_i8(testing::Ctx& t, const std::vector<int8_t>& got, const std::vector<int8_t>& want, const std::string& what) {
  if (!t.check(got.size() == want.size(), what, ": ", got.size(), " outputs, reference has ", want.size())) return false;
  for (size_t i = 0; i < got.size(); ++i)
    if (got[i] != want[i]) return t.check(false, what, ": output ", i, " = ", int(got[i]), ", reference ", int(want[i]));
  return true;
}

struct Act {
  int code;
  float lo, hi;
};
Act random_act(testing::Ctx& t) {
  switch (t.uniform(0, 3)) {
    case 1: return {kActRelu, 0.f, INFINITY};
    case 2: return {kActRelu6, 0.f, 6.f};
    case 3: return {kActReluN1To1, -1.f, 1.f};
    default: return {kActNone, -INFINITY, INFINITY};
  }
}

// TFLite's quantized activation range: zero point + round(x / scale), clamped to int8.
void act_range_i8(const Act& a, float scale, int32_t zp, int32_t* lo, int32_t* hi) {
  auto q = [&](float f) { return int32_t(std::max(-128.0, std::min(127.0, double(zp) + std::round(f / scale)))); };
  *lo = -128, *hi = 127;
  if (a.code == kActRelu || a.code == kActRelu6) *lo = q(0.f);
  if (a.code == kActRelu6) *hi = q(6.f);
  if (a.code == kActReluN1To1) *lo = q(-1.f), *hi = q(1.f);
}

struct Quant8 {
  float in_s, out_s;
  int32_t in_zp, out_zp;
  std::vector<float> w_s;
};

Quant8 random_quant(testing::Ctx& t, int channels, bool per_channel) {
  Quant8 q;
  q.in_s = std::exp(std::uniform_real_distribution<float>(std::log(0.003f), std::log(0.2f))(t.rng));
  q.out_s = std::exp(std::uniform_real_distribution<float>(std::log(0.01f), std::log(1.0f))(t.rng));
  q.in_zp = t.coin(0.2) ? (t.coin() ? -128 : 127) : t.uniform(-128, 127);
  q.out_zp = t.uniform(-128, 127);
  q.w_s.resize(per_channel ? size_t(channels) : 1);
  for (auto& s : q.w_s) s = std::exp(std::uniform_real_distribution<float>(std::log(0.001f), std::log(0.05f))(t.rng));
  return q;
}

ref::QuantOut quant_out(const Quant8& q, const Act& a) {
  ref::QuantOut o;
  for (float ws : q.w_s) o.real_multiplier.push_back(double(q.in_s) * double(ws) / double(q.out_s));
  o.in_zp = q.in_zp;
  o.out_zp = q.out_zp;
  act_range_i8(a, q.out_s, q.out_zp, &o.act_min, &o.act_max);
  return o;
}

std::vector<int64_t> zeros64(size_t n) { return std::vector<int64_t>(n, 0); }

// Spatial geometry draws shared by conv, depthwise and pooling.
struct Spatial {
  int N, H, W, KH, KW;
  ref::Window w;
};
Spatial random_spatial(testing::Ctx& t, int max_k = 5) {
  Spatial s;
  s.N = t.uniform(1, 2);
  s.H = t.uniform(1, 12);
  s.W = t.uniform(1, 12);
  s.KH = t.uniform(1, max_k);
  s.KW = t.uniform(1, max_k);
  s.w.stride_h = t.uniform(1, 3);
  s.w.stride_w = t.uniform(1, 3);
  s.w.dil_h = t.coin(0.7) ? 1 : t.uniform(2, 3);
  s.w.dil_w = t.coin(0.7) ? 1 : t.uniform(2, 3);
  s.w.same = t.coin();
  return s;
}

std::vector<testing::OptField> conv_options(const Spatial& s, int act) {
  return {testing::i8(0, s.w.same ? 0 : 1), testing::i32(1, s.w.stride_w), testing::i32(2, s.w.stride_h),
          testing::i8(3, act), testing::i32(4, s.w.dil_w), testing::i32(5, s.w.dil_h)};
}

std::vector<testing::OptField> depthwise_options(const Spatial& s, int mult, int act) {
  return {testing::i8(0, s.w.same ? 0 : 1), testing::i32(1, s.w.stride_w), testing::i32(2, s.w.stride_h),
          testing::i32(3, mult), testing::i8(4, act), testing::i32(5, s.w.dil_w), testing::i32(6, s.w.dil_h)};
}

}  // namespace

TEST(conv2d_f32_vs_reference) {
  for (int iter = 0; iter < 250 * t.scale; ++iter) {
    Spatial s = random_spatial(t);
    const int FC = t.uniform(1, 9), groups = t.coin(0.8) ? 1 : t.uniform(2, 3), C = FC * groups;
    const int OC = groups * t.uniform(1, 12);
    const Act a = random_act(t);
    const bool has_bias = t.coin(0.8), const_w = t.coin(0.9);
    auto x = randn(t, size_t(s.N) * s.H * s.W * C), w = randn(t, size_t(OC) * s.KH * s.KW * FC, 0.5f);
    auto b = has_bias ? randn(t, size_t(OC)) : std::vector<float>();
    std::vector<float> want;
    int OH, OW;
    ref::conv2d_f32(x, s.N, s.H, s.W, C, w, OC, s.KH, s.KW, b, s.w, a.lo, a.hi, &want, &OH, &OW);
    ModelBuilder m;
    const int xi = m.tensor(DType::kFloat32, {s.N, s.H, s.W, C});
    const int wi = const_w ? m.constant(DType::kFloat32, {OC, s.KH, s.KW, FC}, w) : m.tensor(DType::kFloat32, {OC, s.KH, s.KW, FC});
    const int bi = has_bias ? m.constant(DType::kFloat32, {OC}, b) : -1;
    const int yi = m.tensor(DType::kFloat32, {s.N, OH, OW, OC});
    m.op(op::CONV_2D, {xi, wi, bi}, {yi}, opt::Conv2DOptions, conv_options(s, a.code), groups > 1 ? 6 : 1);
    m.inputs = const_w ? std::vector<int32_t>{xi} : std::vector<int32_t>{xi, wi};
    m.outputs = {yi};
    std::vector<Bytes> ins = {bytes_of(x)};
    if (!const_w) ins.push_back(bytes_of(w));
    std::vector<Bytes> outs;
    const int threads = thread_count(t);
    const std::string what = cat("conv f32 ", s.N, "x", s.H, "x", s.W, "x", C, " k", s.KH, "x", s.KW, " s", s.w.stride_h,
                                 ",", s.w.stride_w, " d", s.w.dil_h, ",", s.w.dil_w, s.w.same ? " SAME" : " VALID",
                                 " groups ", groups, " OC ", OC, " threads ", threads);
    ++t.cases;
    const std::string err = run(m.finish(), ins, threads, &outs);
    if (!t.check(err.empty(), what, ": ", err)) continue;
    close_f32(t, values_of<float>(outs[0]), want, s.KH * s.KW * FC, what);
  }
}

TEST(conv2d_i8_vs_reference) {
  for (int iter = 0; iter < 250 * t.scale; ++iter) {
    Spatial s = random_spatial(t);
    const int FC = t.uniform(1, 20), groups = t.coin(0.8) ? 1 : t.uniform(2, 3), C = FC * groups;
    const int OC = groups * t.uniform(1, 20);
    const Act a = random_act(t);
    const bool per_channel = t.coin(0.7), has_bias = t.coin(0.9);
    const Quant8 q = random_quant(t, OC, per_channel);
    auto x = randi<int8_t>(t, size_t(s.N) * s.H * s.W * C, -128, 127);
    auto w = randi<int8_t>(t, size_t(OC) * s.KH * s.KW * FC, -127, 127);
    auto b = has_bias ? randi<int32_t>(t, size_t(OC), -20000, 20000) : std::vector<int32_t>();
    const ref::QuantOut qo = quant_out(q, a);
    std::vector<int8_t> want;
    int OH, OW;
    ref::conv2d_i8(x, s.N, s.H, s.W, C, w, OC, s.KH, s.KW, b, s.w, qo, &want, &OH, &OW);
    ModelBuilder m;
    const int xi = m.tensor(DType::kInt8, {s.N, s.H, s.W, C}, {}, {q.in_s}, {q.in_zp});
    const int wi = m.constant(DType::kInt8, {OC, s.KH, s.KW, FC}, w, q.w_s, zeros64(q.w_s.size()), 0);
    std::vector<float> bs;
    for (float ws : q.w_s) bs.push_back(q.in_s * ws);
    const int bi = has_bias ? m.constant(DType::kInt32, {OC}, b, bs, zeros64(bs.size()), 0) : -1;
    const int yi = m.tensor(DType::kInt8, {s.N, OH, OW, OC}, {}, {q.out_s}, {q.out_zp});
    m.op(op::CONV_2D, {xi, wi, bi}, {yi}, opt::Conv2DOptions, conv_options(s, a.code), groups > 1 ? 5 : 3);
    m.inputs = {xi};
    m.outputs = {yi};
    std::vector<Bytes> outs;
    const int threads = thread_count(t);
    const std::string what = cat("conv i8 ", s.N, "x", s.H, "x", s.W, "x", C, " k", s.KH, "x", s.KW, " s", s.w.stride_h,
                                 ",", s.w.stride_w, " d", s.w.dil_h, ",", s.w.dil_w, s.w.same ? " SAME" : " VALID",
                                 " groups ", groups, " OC ", OC, per_channel ? " per-channel" : " per-tensor",
                                 " zp ", q.in_zp, "/", q.out_zp, " act ", a.code, " threads ", threads);
    ++t.cases;
    const std::string err = run(m.finish(), {bytes_of(x)}, threads, &outs);
    if (!t.check(err.empty(), what, ": ", err)) continue;
    equal_i8(t, values_of<int8_t>(outs[0]), want, what);
  }
}

TEST(depthwise_f32_vs_reference) {
  for (int iter = 0; iter < 250 * t.scale; ++iter) {
    Spatial s = random_spatial(t);
    const int C = t.uniform(1, 24), M = t.coin(0.8) ? 1 : t.uniform(2, 3), OC = C * M;
    const Act a = random_act(t);
    const bool has_bias = t.coin(0.8);
    auto x = randn(t, size_t(s.N) * s.H * s.W * C), w = randn(t, size_t(s.KH) * s.KW * OC, 0.5f);
    auto b = has_bias ? randn(t, size_t(OC)) : std::vector<float>();
    std::vector<float> want;
    int OH, OW;
    ref::depthwise_f32(x, s.N, s.H, s.W, C, w, s.KH, s.KW, M, b, s.w, a.lo, a.hi, &want, &OH, &OW);
    ModelBuilder m;
    const int xi = m.tensor(DType::kFloat32, {s.N, s.H, s.W, C});
    const int wi = m.constant(DType::kFloat32, {1, s.KH, s.KW, OC}, w);
    const int bi = has_bias ? m.constant(DType::kFloat32, {OC}, b) : -1;
    const int yi = m.tensor(DType::kFloat32, {s.N, OH, OW, OC});
    m.op(op::DEPTHWISE_CONV_2D, {xi, wi, bi}, {yi}, opt::DepthwiseConv2DOptions, depthwise_options(s, M, a.code), 2);
    m.inputs = {xi};
    m.outputs = {yi};
    std::vector<Bytes> outs;
    const int threads = thread_count(t);
    const std::string what = cat("depthwise f32 ", s.N, "x", s.H, "x", s.W, "x", C, " k", s.KH, "x", s.KW, " mult ", M,
                                 " s", s.w.stride_h, ",", s.w.stride_w, " d", s.w.dil_h, ",", s.w.dil_w,
                                 s.w.same ? " SAME" : " VALID", " threads ", threads);
    ++t.cases;
    const std::string err = run(m.finish(), {bytes_of(x)}, threads, &outs);
    if (!t.check(err.empty(), what, ": ", err)) continue;
    close_f32(t, values_of<float>(outs[0]), want, s.KH * s.KW, what);
  }
}

TEST(depthwise_i8_vs_reference) {
  for (int iter = 0; iter < 250 * t.scale; ++iter) {
    Spatial s = random_spatial(t);
    const int C = t.uniform(1, 40), M = t.coin(0.8) ? 1 : t.uniform(2, 3), OC = C * M;
    const Act a = random_act(t);
    const bool per_channel = t.coin(0.7), has_bias = t.coin(0.9);
    const Quant8 q = random_quant(t, OC, per_channel);
    auto x = randi<int8_t>(t, size_t(s.N) * s.H * s.W * C, -128, 127);
    auto w = randi<int8_t>(t, size_t(s.KH) * s.KW * OC, -127, 127);
    auto b = has_bias ? randi<int32_t>(t, size_t(OC), -20000, 20000) : std::vector<int32_t>();
    const ref::QuantOut qo = quant_out(q, a);
    std::vector<int8_t> want;
    int OH, OW;
    ref::depthwise_i8(x, s.N, s.H, s.W, C, w, s.KH, s.KW, M, b, s.w, qo, &want, &OH, &OW);
    ModelBuilder m;
    const int xi = m.tensor(DType::kInt8, {s.N, s.H, s.W, C}, {}, {q.in_s}, {q.in_zp});
    const int wi = m.constant(DType::kInt8, {1, s.KH, s.KW, OC}, w, q.w_s, zeros64(q.w_s.size()), 3);
    std::vector<float> bs;
    for (float ws : q.w_s) bs.push_back(q.in_s * ws);
    const int bi = has_bias ? m.constant(DType::kInt32, {OC}, b, bs, zeros64(bs.size()), 0) : -1;
    const int yi = m.tensor(DType::kInt8, {s.N, OH, OW, OC}, {}, {q.out_s}, {q.out_zp});
    m.op(op::DEPTHWISE_CONV_2D, {xi, wi, bi}, {yi}, opt::DepthwiseConv2DOptions, depthwise_options(s, M, a.code), 3);
    m.inputs = {xi};
    m.outputs = {yi};
    std::vector<Bytes> outs;
    const int threads = thread_count(t);
    const std::string what = cat("depthwise i8 ", s.N, "x", s.H, "x", s.W, "x", C, " k", s.KH, "x", s.KW, " mult ", M,
                                 " s", s.w.stride_h, ",", s.w.stride_w, " d", s.w.dil_h, ",", s.w.dil_w,
                                 s.w.same ? " SAME" : " VALID", per_channel ? " per-channel" : " per-tensor",
                                 " threads ", threads);
    ++t.cases;
    const std::string err = run(m.finish(), {bytes_of(x)}, threads, &outs);
    if (!t.check(err.empty(), what, ": ", err)) continue;
    equal_i8(t, values_of<int8_t>(outs[0]), want, what);
  }
}

TEST(fully_connected_f32_vs_reference) {
  for (int iter = 0; iter < 250 * t.scale; ++iter) {
    const int B = t.uniform(1, 9), D = t.uniform(1, 300), U = t.uniform(1, 70);
    const Act a = random_act(t);
    const bool has_bias = t.coin(0.8), const_w = t.coin(0.9);
    auto x = randn(t, size_t(B) * D), w = randn(t, size_t(U) * D, 0.3f);
    auto b = has_bias ? randn(t, size_t(U)) : std::vector<float>();
    std::vector<float> want;
    ref::fully_connected_f32(x, B, D, w, U, b, a.lo, a.hi, &want);
    ModelBuilder m;
    const int xi = m.tensor(DType::kFloat32, {B, D});
    const int wi = const_w ? m.constant(DType::kFloat32, {U, D}, w) : m.tensor(DType::kFloat32, {U, D});
    const int bi = has_bias ? m.constant(DType::kFloat32, {U}, b) : -1;
    const int yi = m.tensor(DType::kFloat32, {B, U});
    m.op(op::FULLY_CONNECTED, {xi, wi, bi}, {yi}, opt::FullyConnectedOptions, {testing::i8(0, a.code)}, has_bias ? 1 : 6);
    m.inputs = const_w ? std::vector<int32_t>{xi} : std::vector<int32_t>{xi, wi};
    m.outputs = {yi};
    std::vector<Bytes> ins = {bytes_of(x)};
    if (!const_w) ins.push_back(bytes_of(w));
    std::vector<Bytes> outs;
    const int threads = thread_count(t);
    const std::string what = cat("fc f32 B ", B, " D ", D, " U ", U, " threads ", threads);
    ++t.cases;
    const std::string err = run(m.finish(), ins, threads, &outs);
    if (!t.check(err.empty(), what, ": ", err)) continue;
    close_f32(t, values_of<float>(outs[0]), want, D, what);
  }
}

TEST(fully_connected_i8_vs_reference) {
  for (int iter = 0; iter < 250 * t.scale; ++iter) {
    const int B = t.uniform(1, 9), D = t.uniform(1, 300), U = t.uniform(1, 70);
    const Act a = random_act(t);
    const bool per_channel = t.coin(0.4), has_bias = t.coin(0.9);
    Quant8 q = random_quant(t, U, per_channel);
    const int32_t wzp = per_channel || t.coin(0.6) ? 0 : t.uniform(-20, 20);
    auto x = randi<int8_t>(t, size_t(B) * D, -128, 127);
    auto w = randi<int8_t>(t, size_t(U) * D, -127, 127);
    auto b = has_bias ? randi<int32_t>(t, size_t(U), -20000, 20000) : std::vector<int32_t>();
    const ref::QuantOut qo = quant_out(q, a);
    std::vector<int8_t> want;
    ref::fully_connected_i8(x, B, D, w, U, wzp, b, qo, &want);
    ModelBuilder m;
    const int xi = m.tensor(DType::kInt8, {B, D}, {}, {q.in_s}, {q.in_zp});
    const int wi = m.constant(DType::kInt8, {U, D}, w, q.w_s, std::vector<int64_t>(q.w_s.size(), wzp), 0);
    std::vector<float> bs;
    for (float ws : q.w_s) bs.push_back(q.in_s * ws);
    const int bi = has_bias ? m.constant(DType::kInt32, {U}, b, bs, zeros64(bs.size()), 0) : -1;
    const int yi = m.tensor(DType::kInt8, {B, U}, {}, {q.out_s}, {q.out_zp});
    m.op(op::FULLY_CONNECTED, {xi, wi, bi}, {yi}, opt::FullyConnectedOptions, {testing::i8(0, a.code)}, 4);
    m.inputs = {xi};
    m.outputs = {yi};
    std::vector<Bytes> outs;
    const int threads = thread_count(t);
    const std::string what = cat("fc i8 B ", B, " D ", D, " U ", U, per_channel ? " per-channel" : " per-tensor",
                                 " wzp ", wzp, " threads ", threads);
    ++t.cases;
    const std::string err = run(m.finish(), {bytes_of(x)}, threads, &outs);
    if (!t.check(err.empty(), what, ": ", err)) continue;
    equal_i8(t, values_of<int8_t>(outs[0]), want, what);
  }
}

TEST(pool_f32_vs_reference) {
  for (int iter = 0; iter < 250 * t.scale; ++iter) {
    Spatial s = random_spatial(t, 4);
    s.w.dil_h = s.w.dil_w = 1;
    const int C = t.uniform(1, 20);
    const bool is_max = t.coin();
    const Act a = random_act(t);
    auto x = randn(t, size_t(s.N) * s.H * s.W * C);
    std::vector<float> want;
    int OH, OW;
    ref::pool_f32(x, s.N, s.H, s.W, C, s.KH, s.KW, s.w, is_max, a.lo, a.hi, &want, &OH, &OW);
    ModelBuilder m;
    const int xi = m.tensor(DType::kFloat32, {s.N, s.H, s.W, C});
    const int yi = m.tensor(DType::kFloat32, {s.N, OH, OW, C});
    m.op(is_max ? op::MAX_POOL_2D : op::AVERAGE_POOL_2D, {xi}, {yi}, opt::Pool2DOptions,
         {testing::i8(0, s.w.same ? 0 : 1), testing::i32(1, s.w.stride_w), testing::i32(2, s.w.stride_h),
          testing::i32(3, s.KW), testing::i32(4, s.KH), testing::i8(5, a.code)});
    m.inputs = {xi};
    m.outputs = {yi};
    std::vector<Bytes> outs;
    const int threads = thread_count(t);
    const std::string what = cat(is_max ? "max" : "avg", " pool f32 ", s.N, "x", s.H, "x", s.W, "x", C, " k", s.KH, "x",
                                 s.KW, " s", s.w.stride_h, ",", s.w.stride_w, s.w.same ? " SAME" : " VALID",
                                 " threads ", threads);
    ++t.cases;
    const std::string err = run(m.finish(), {bytes_of(x)}, threads, &outs);
    if (!t.check(err.empty(), what, ": ", err)) continue;
    close_f32(t, values_of<float>(outs[0]), want, s.KH * s.KW, what);
  }
}

TEST(binary_f32_vs_reference) {
  const int codes[] = {op::ADD, op::SUB, op::MUL, op::PRELU};
  const int options[] = {opt::AddOptions, opt::SubOptions, opt::MulOptions, 0};
  for (int iter = 0; iter < 300 * t.scale; ++iter) {
    const int k = t.uniform(0, 3);
    const int rank = t.uniform(0, 5);
    std::vector<int32_t> os(static_cast<size_t>(rank)), as, bs;
    for (auto& d : os) d = t.uniform(1, 6);
    // Each operand: a suffix of the output shape with some dims broadcast to 1.
    auto operand = [&](std::vector<int32_t>* s) {
      const int r = t.uniform(0, rank);
      s->assign(os.end() - r, os.end());
      for (auto& d : *s)
        if (t.coin(0.3)) d = 1;
    };
    operand(&as);
    if (k == 3) {  // PRELU: alpha is a suffix of the input's shape with some dims broadcast
      bs.assign(as.end() - t.uniform(0, int(as.size())), as.end());
      for (auto& d : bs)
        if (t.coin(0.3)) d = 1;
    } else {
      operand(&bs);
    }
    const Act a = k == 3 ? Act{kActNone, -INFINITY, INFINITY} : random_act(t);
    std::vector<float> av = randn(t, size_t(elems(as))), bv = randn(t, size_t(elems(bs)));
    std::vector<float> want;
    std::vector<int32_t> ws;
    ref::binary_f32(k, av, as, bv, bs, a.lo, a.hi, &want, &ws);
    ModelBuilder m;
    const int ai = m.tensor(DType::kFloat32, as), bi = m.tensor(DType::kFloat32, bs), yi = m.tensor(DType::kFloat32, ws);
    if (options[k]) m.op(codes[k], {ai, bi}, {yi}, options[k], {testing::i8(0, a.code)});
    else m.op(codes[k], {ai, bi}, {yi});
    m.inputs = {ai, bi};
    m.outputs = {yi};
    std::vector<Bytes> outs;
    std::vector<Shape> shapes;
    const int threads = thread_count(t);
    const std::string what = cat(builtin_op_name(codes[k]), " f32 ", as, " x ", bs, " threads ", threads);
    ++t.cases;
    const std::string err = run(m.finish(), {bytes_of(av), bytes_of(bv)}, threads, &outs, &shapes);
    if (!t.check(err.empty(), what, ": ", err)) continue;
    if (!t.check(shapes[0] == ws, what, ": output shape ", shapes[0], ", reference ", ws)) continue;
    close_f32(t, values_of<float>(outs[0]), want, 1, what);
  }
}

TEST(unary_f32_vs_reference) {
  const int codes[] = {op::RELU, op::RELU6, op::RELU_N1_TO_1, op::LOGISTIC, op::TANH, op::HARD_SWISH};
  for (int iter = 0; iter < 120 * t.scale; ++iter) {
    const int k = t.uniform(0, 5);
    const int n = t.uniform(0, 5000);
    auto x = randn(t, size_t(n), 4.f);
    std::vector<float> want(x.size());
    for (size_t i = 0; i < x.size(); ++i) want[i] = ref::unary_f32(k, x[i]);
    ModelBuilder m;
    const int xi = m.tensor(DType::kFloat32, {n}), yi = m.tensor(DType::kFloat32, {n});
    m.op(codes[k], {xi}, {yi});
    m.inputs = {xi};
    m.outputs = {yi};
    std::vector<Bytes> outs;
    const int threads = thread_count(t);
    const std::string what = cat(builtin_op_name(codes[k]), " f32 n ", n, " threads ", threads);
    ++t.cases;
    const std::string err = run(m.finish(), {bytes_of(x)}, threads, &outs);
    if (!t.check(err.empty(), what, ": ", err)) continue;
    close_f32(t, values_of<float>(outs[0]), want, 2, what);
  }
}
