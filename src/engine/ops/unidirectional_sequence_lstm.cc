// UNIDIRECTIONAL_SEQUENCE_LSTM: an LSTM layer over a sequence, float32 or hybrid (int8 weights, float activations,
// as TensorFlow's converter writes dynamic-range models). Inputs (TFLite's layout; "opt" may be left out, -1):
//   0 input [batch, time, in] ([time, batch, in] when time_major)
//   1-4 input-to-{input(opt: CIFG), forget, cell, output} weights [cells, in]
//   5-8 recurrent-to-{input(opt), forget, cell, output} weights [cells, out]
//   9-11 peephole cell-to-{input(opt), forget, output} weights [cells] (opt, all or none)
//   12-15 {input(opt), forget, cell, output} gate biases [cells] (float32)
//   16 projection weights [out, cells] (opt), 17 projection bias [out] (opt)
//   18 output state [batch, out], 19 cell state [batch, cells]: variable tensors, kept across invokes and zeroed by
//      reset_all_variables(), exactly like the official runtime
//   20-23 layer-norm coefficients {input(opt), forget, cell, output} [cells] (opt)
// Options: fused activation (cell and output; none/relu/relu_n1_to_1/relu6/tanh), cell_clip, proj_clip, time_major,
// asymmetric_quantize_inputs (hybrid).
//
// Per step, per batch row:  gate_g = act_g(W_g x + R_g h + p_g .* c + b_g)  (layer norm: act(ln_g .* norm(...) + b_g)),
// c = clip(f .* c + i .* g) (CIFG: i = 1 - f), h = o .* act(c) (projection: clip(P h + pb)). The float path runs
// the input products of the whole sequence as one GEMM; the hybrid path quantizes x and h per row (asymmetric or
// symmetric int8) and accumulates exact integer dot products in the official order, so it matches the official
// hybrid kernel, not just approximately. Full-integer LSTMs (int8 input) run in ops/lstm_integer.cc.
#include <cmath>
#include <cstring>

#include "kernels/gemm.h"
#include "kernels/hybrid.h"
#include "op.h"
#include "ops/conv_common.h"
#include "ops/lstm_integer.h"
#include "ops/util.h"

namespace slimrt {
namespace {

enum Gate { kIn = 0, kForget = 1, kCell = 2, kOut = 3 };
constexpr float kInf = INFINITY;

struct LstmState : OpState {
  int B = 0, T = 0, I = 0, C = 0, O = 0, G = 0;
  bool time_major = false, cifg = false, hybrid = false, asym = false, layer_norm = false, projection = false;
  int act = 0;
  float cell_clip = 0, proj_clip = 0;
  int col[4] = {-1, -1, -1, -1};  // float: column block of each gate in the packed products; -1 = absent (CIFG)
  const float* bias[4] = {};
  const float* ln[4] = {};
  std::vector<float> peep[4];       // peephole weights (hybrid: dequantized)
  kernels::PackedB wx, wh, wp;      // float: [x -> gates] (+bias), [h -> gates], projection (+bias)
  const int8_t* qx[4] = {};         // hybrid weights, scales and row sums (for asymmetric inputs)
  const int8_t* qh[4] = {};
  const int8_t* qp = nullptr;
  float sx[4] = {}, sh[4] = {}, sp = 0;
  std::vector<int32_t> rx[4], rh[4], rp;
  const float* proj_bias = nullptr;
  size_t gx_floats = 0;  // scratch layout (floats): gx (float path) | gates G*C | hidden C
};


const char* const kGateName[4] = {"input", "forget", "cell", "output"};

// The weight at input i (gate g's `kind`): float32 (or, hybrid, int8 with one scale), constant, of shape
// [rows, cols] ([rows] when cols < 0). Null when absent and not required.
const Tensor* weight(OpContext& ctx, int i, int g, const char* kind, int rows, int cols, bool hybrid, bool required) {
  const Tensor* t = ctx.optional_input(i);
  ctx.check(t || !required, kGateName[g], kind, " (input ", i, ") is required");
  if (!t) return nullptr;
  const Shape want = cols < 0 ? Shape{rows} : Shape{rows, cols};
  const DType type = hybrid ? DType::kInt8 : DType::kFloat32;
  ctx.check(t->shape == want && t->is_const() && t->type == type, kGateName[g], kind, " '", t->name,
            "' must be a constant ", dtype_name(type), " ", want, ", got ", dtype_name(t->type), " ", t->shape);
  if (hybrid) single_scale(ctx, *t, kind);
  return t;
}

const float* fvec(OpContext& ctx, int i, int g, const char* kind, int n, bool required) {
  const Tensor* t = weight(ctx, i, g, kind, n, -1, false, required);
  return t ? t->as<float>() : nullptr;
}

void check_state(OpContext& ctx, int i, const Shape& want, const char* what) {
  const Tensor& t = ctx.input(i);
  ctx.check(t.is_variable && t.type == DType::kFloat32 && t.shape == want, what, " '", t.name,
            "' must be a float32 variable tensor of shape ", want, ", got ", dtype_name(t.type), " ", t.shape);
}

// Stacks the present gates' [C, K] weights into one [G*C, K] matrix (and biases) and packs it.
void pack_gates(LstmState& s, const Tensor* const w[4], int K, const float* const bias[4], kernels::PackedB* out) {
  std::vector<float> m(size_t(s.G) * size_t(s.C) * size_t(K)), b(size_t(s.G) * size_t(s.C), 0.f);
  for (int g = 0; g < 4; ++g) {
    if (s.col[g] < 0) continue;
    std::memcpy(m.data() + size_t(s.col[g]) * size_t(s.C) * size_t(K), w[g]->data, size_t(s.C) * size_t(K) * 4);
    if (bias && bias[g]) std::memcpy(b.data() + size_t(s.col[g]) * size_t(s.C), bias[g], size_t(s.C) * 4);
  }
  kernels::pack_b_rows(m.data(), s.G * s.C, K, K, bias ? b.data() : nullptr, out);
}

void PrepareLstm(OpContext& ctx) {
  ctx.check(ctx.num_inputs() == 20 || ctx.num_inputs() == 24, "expects 20 or 24 inputs, got ", ctx.num_inputs());
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  const LstmOptions o = ReadLstmOptions(ctx);
  if (in.type == DType::kInt8) return PrepareLstmInteger(ctx, o);  // full-integer: ops/lstm_integer.cc
  ctx.check(in.type == DType::kFloat32, "input '", in.name, "' has type ", dtype_name(in.type),
            ": slimrt runs float32, hybrid (int8-weight) and full-integer (int8 input) LSTMs");
  ctx.check(in.rank() == 3, "input must be 3-D, got shape ", in.shape);
  LstmState& s = ctx.state<LstmState>();
  s.act = o.act;
  s.cell_clip = o.cell_clip;
  s.proj_clip = o.proj_clip;
  s.time_major = o.time_major;
  s.asym = o.asymmetric_inputs;
  s.T = in.dim(s.time_major ? 0 : 1);
  s.B = in.dim(s.time_major ? 1 : 0);
  s.I = in.dim(2);
  const Tensor& w_forget = ctx.input(2);
  s.hybrid = w_forget.type == DType::kInt8;
  ctx.check(w_forget.rank() == 2 && ctx.input(6).rank() == 2, "input and recurrent weights must be 2-D");
  s.C = w_forget.dim(0);
  s.O = ctx.input(6).dim(1);
  const bool h = s.hybrid;
  const Tensor *wx[4], *wh[4], *peep[4] = {};
  for (int g = 0; g < 4; ++g) {
    wx[g] = weight(ctx, 1 + g, g, " gate input weights", s.C, s.I, h, g != kIn);
    wh[g] = weight(ctx, 5 + g, g, " gate recurrent weights", s.C, s.O, h, g != kIn);
    if (g != kCell) peep[g] = weight(ctx, g == kOut ? 11 : 9 + g, g, " gate peephole weights", s.C, -1, h, false);
  }
  s.cifg = !wx[kIn];
  const bool use_peep = peep[kForget] != nullptr;
  ctx.check(!wh[kIn] == s.cifg && !peep[kOut] == !use_peep && (!peep[kIn] == (!use_peep || s.cifg)),
            "input-gate weights must be all present or all absent (CIFG), peephole weights likewise");
  s.layer_norm = ctx.num_inputs() == 24 && ctx.has_input(21);
  s.G = 0;
  for (int g = 0; g < 4; ++g) {
    const bool present = g != kIn || !s.cifg;
    s.col[g] = present ? s.G++ : -1;
    s.bias[g] = fvec(ctx, 12 + g, g, " gate bias", s.C, present);
    s.ln[g] = s.layer_norm ? fvec(ctx, 20 + g, g, " gate layer norm", s.C, present) : nullptr;
    s.peep[g].clear();
    if (peep[g]) {
      s.peep[g].resize(size_t(s.C));
      for (int k = 0; k < s.C; ++k)
        s.peep[g][size_t(k)] = h ? peep[g]->quant.scale[0] * float(peep[g]->as<int8_t>()[k]) : peep[g]->as<float>()[k];
    }
  }
  const Tensor* pw = weight(ctx, 16, kOut, " projection weights", s.O, s.C, h, false);
  s.projection = pw != nullptr;
  s.proj_bias = fvec(ctx, 17, kOut, " projection bias", s.O, false);
  ctx.check(s.projection || (!s.proj_bias && s.O == s.C), "without projection the output size ", s.O,
            " must equal the number of cells ", s.C);
  check_state(ctx, 18, Shape{s.B, s.O}, "output state");
  check_state(ctx, 19, Shape{s.B, s.C}, "cell state");
  ctx.check_type(ctx.output(0), DType::kFloat32, "output");
  shape_elements(Shape{s.B, s.T, 4, s.C}, 4, "LSTM gate scratch");  // bounds every product below
  if (h) {
    for (int g = 0; g < 4; ++g) {
      if (!wx[g]) continue;
      s.qx[g] = wx[g]->as<int8_t>();
      s.qh[g] = wh[g]->as<int8_t>();
      s.sx[g] = wx[g]->quant.scale[0];
      s.sh[g] = wh[g]->quant.scale[0];
      s.rx[g].resize(size_t(s.C));
      s.rh[g].resize(size_t(s.C));
      hybrid::row_sums(s.qx[g], s.C, s.I, s.rx[g].data());
      hybrid::row_sums(s.qh[g], s.C, s.O, s.rh[g].data());
    }
    if (pw) {
      s.qp = pw->as<int8_t>();
      s.sp = pw->quant.scale[0];
      s.rp.resize(size_t(s.O));
      hybrid::row_sums(s.qp, s.O, s.C, s.rp.data());
    }
    s.gx_floats = 0;
  } else {
    pack_gates(s, wx, s.I, s.layer_norm ? nullptr : s.bias, &s.wx);
    pack_gates(s, wh, s.O, nullptr, &s.wh);
    if (pw) kernels::pack_b_rows(pw->as<float>(), s.O, s.C, s.C, s.proj_bias, &s.wp);
    s.gx_floats = size_t(s.B) * size_t(s.T) * size_t(s.G) * size_t(s.C);
  }
  // Scratch: gx (float path: the input products of the whole sequence) | 4 gate blocks | hidden | int8 row.
  ctx.request_scratch((s.gx_floats + 5 * size_t(s.C)) * 4 + size_t(std::max(s.I, std::max(s.O, s.C))));
  ctx.set_output_shape(0, s.time_major ? Shape{s.T, s.B, s.O} : Shape{s.B, s.T, s.O});
}

float sigmoid(float x) { return 1.f / (1.f + std::exp(-x)); }

float activate(int act, float x) {
  switch (act) {
    case kActRelu: return x < 0.f ? 0.f : x;
    case kActReluN1To1: return x < -1.f ? -1.f : (x > 1.f ? 1.f : x);
    case kActRelu6: return x < 0.f ? 0.f : (x > 6.f ? 6.f : x);
    case kActTanh: return std::tanh(x);
    default: return x;
  }
}

// Peephole, layer norm (+ bias) and activation of one gate's pre-activations (bias already in unless layer norm).
void finish_gate(const LstmState& s, int g, float* v, const float* c, int act) {
  const int n = s.C;
  if (!s.peep[g].empty())
    for (int k = 0; k < n; ++k) v[k] += s.peep[g][size_t(k)] * c[k];
  if (s.ln[g]) {
    float sum = 0.f, sq = 0.f;
    for (int k = 0; k < n; ++k) sum += v[k];
    const float mean = sum / float(n);
    for (int k = 0; k < n; ++k) sq += (v[k] - mean) * (v[k] - mean);
    const float inv = 1.f / std::sqrt(sq / float(n) + 1e-8f);
    for (int k = 0; k < n; ++k) v[k] = (v[k] - mean) * inv * s.ln[g][k] + s.bias[g][k];
  }
  for (int k = 0; k < n; ++k) v[k] = act < 0 ? sigmoid(v[k]) : activate(act, v[k]);
}

// Hybrid: out[g*rows...] += W_g * quantize(x) for the `count` weight matrices (null ones skipped), each rows x n.
void hybrid_acc(const LstmState& s, const float* x, int n, int count, int rows, const int8_t* const* w,
                const float* wscale, const std::vector<int32_t>* rs, float* out, int8_t* q) {
  bool zero = true;
  for (int k = 0; k < n && zero; ++k) zero = x[k] == 0.f;
  if (zero) return;  // the official kernel skips all-zero rows
  float scale;
  int32_t zp;
  hybrid::quantize_row(x, n, s.asym, q, &scale, &zp);
  for (int g = 0; g < count; ++g)
    if (w[g]) hybrid::matvec_acc(w[g], rows, n, q, zp, rs[g].data(), scale * wscale[g], out + size_t(g) * rows);
}

// One step for one batch row: x (float path: gx, its precomputed input products), h and c updated, out written.
void step(const LstmState& s, const float* x, const float* gx, float* h, float* c, float* out,
          float* gates, float* hid, int8_t* q) {
  const int C = s.C;
  float* gate[4];
  if (s.hybrid) {
    for (int g = 0; g < 4; ++g) {  // gates in order in, forget, cell, output: 4 blocks of C
      gate[g] = gates + size_t(g) * C;
      for (int k = 0; k < C; ++k) gate[g][k] = s.layer_norm || !s.bias[g] ? 0.f : s.bias[g][k];
    }
    hybrid_acc(s, x, s.I, 4, C, s.qx, s.sx, s.rx, gates, q);
    hybrid_acc(s, h, s.O, 4, C, s.qh, s.sh, s.rh, gates, q);
  } else {
    kernels::gemm_packed(1, h, size_t(s.O), s.wh, 0, s.wh.panels, gates, size_t(s.G) * C, -kInf, kInf);
    for (int k = 0; k < s.G * C; ++k) gates[k] += gx[k];
    for (int g = 0; g < 4; ++g) gate[g] = s.col[g] < 0 ? nullptr : gates + size_t(s.col[g]) * C;
  }
  if (!s.cifg) finish_gate(s, kIn, gate[kIn], c, -1);
  finish_gate(s, kForget, gate[kForget], c, -1);
  finish_gate(s, kCell, gate[kCell], c, s.act);
  for (int k = 0; k < C; ++k) {
    const float i = s.cifg ? 1.f - gate[kForget][k] : gate[kIn][k];
    float v = gate[kForget][k] * c[k] + gate[kCell][k] * i;
    if (s.cell_clip > 0.f) v = v < -s.cell_clip ? -s.cell_clip : (v > s.cell_clip ? s.cell_clip : v);
    c[k] = v;
  }
  finish_gate(s, kOut, gate[kOut], c, -1);
  for (int k = 0; k < C; ++k) hid[k] = gate[kOut][k] * activate(s.act, c[k]);
  if (s.projection) {
    if (s.hybrid) {
      for (int k = 0; k < s.O; ++k) out[k] = s.proj_bias ? s.proj_bias[k] : 0.f;
      hybrid_acc(s, hid, C, 1, s.O, &s.qp, &s.sp, &s.rp, out, q);
    } else {
      kernels::gemm_packed(1, hid, size_t(C), s.wp, 0, s.wp.panels, out, size_t(s.O), -kInf, kInf);
    }
    if (s.proj_clip > 0.f)
      for (int k = 0; k < s.O; ++k) out[k] = out[k] < -s.proj_clip ? -s.proj_clip : (out[k] > s.proj_clip ? s.proj_clip : out[k]);
  } else {
    std::memcpy(out, hid, size_t(s.O) * 4);
  }
  std::memcpy(h, out, size_t(s.O) * 4);
}

void EvalLstm(OpContext& ctx) {
  const LstmState& s = ctx.state<LstmState>();
  const float* in = ctx.input(0).as<float>();
  float* hs = ctx.input(18).as<float>();
  float* cs = ctx.input(19).as<float>();
  float* out = ctx.output(0).as<float>();
  float* scratch = reinterpret_cast<float*>(ctx.scratch());
  float* gx = scratch;
  float* gates = gx + s.gx_floats;
  float* hid = gates + size_t(4) * size_t(s.C);
  int8_t* q = reinterpret_cast<int8_t*>(hid + s.C);
  const int rows = s.B * s.T;
  if (!s.hybrid) parallel_gemm(ctx, rows, in, size_t(s.I), s.wx, gx, size_t(s.G) * s.C, -kInf, kInf);
  for (int b = 0; b < s.B; ++b) {
    for (int t = 0; t < s.T; ++t) {
      const size_t r = s.time_major ? size_t(t) * s.B + b : size_t(b) * s.T + t;
      step(s, in + r * s.I, gx + r * size_t(s.G) * s.C, hs + size_t(b) * s.O, cs + size_t(b) * s.C,
           out + r * s.O, gates, hid, q);
    }
  }
}

}  // namespace

void Register_UNIDIRECTIONAL_SEQUENCE_LSTM(OpRegistry& r) {
  r.add({op::UNIDIRECTIONAL_SEQUENCE_LSTM, "UNIDIRECTIONAL_SEQUENCE_LSTM", kAnyType, 4, PrepareLstm, EvalLstm});
}

}  // namespace slimrt
