// Full-integer UNIDIRECTIONAL_SEQUENCE_LSTM, bit-exact with TFLite's integer LSTM kernel ("8x8_16"), which every
// official kernel set (the reference ones included) runs:
//   - int8 input x and output state h (per-tensor scale and zero point), int16 cell state c with a power-of-two
//     scale 2^k (k in [-15, -9]), int8 weights with one scale each, int32 biases, int16 peephole and layer-norm
//     weights. Five intermediate tensors carry quantization only: 0-3 the scales of the gate pre-activations
//     (used with layer norm; without it they are 2^-12, Q3.12), 4 the scale and zero point of the hidden value
//     o .* tanh(c) before the projection.
//   - Per gate: int16 pre-activation = sat16(sat16(M_x(W_x x + b_x)) + M_h(W_h h + b_h)) (+ M_c(p .* c), saturating),
//     where the zero points are folded into the biases (b += -zp * row sums) and M_* are the effective scales
//     (weight scale * activation scale / gate scale) as Q31 multipliers. Layer norm (integer: mean and variance
//     in fixed point, 1/sqrt by Newton-Raphson) replaces the bias, then sigmoid (input, forget, output) or tanh
//     (cell) in 16-bit fixed point with 3 integer bits (gemmlowp's exp / Newton-Raphson reciprocal, reproduced
//     exactly in int16 arithmetic below).
//   - c = sat16(f .* c >> 15 + i .* g >> (30 + k)) (CIFG: i = 1 - f), clipped to the quantized cell clip;
//     hidden = sat8(M_hidden(o .* tanh(c)) + hidden_zp) and h = hidden without projection; with projection the
//     official kernel stores sat8(M_hidden(...) - hidden_zp) and adds hidden_zp * row sums to the projection bias
//     (the same value unless the hidden saturates, where it differs; checked against it), then h = sat8(P hidden
//     + output zero point), clipped. The fused activation option is ignored (always tanh), as the official
//     kernel does. The int8 output state starts at (and is reset to) its zero point, as the official runtime
//     resets int8 variables (graph.cc).
//   - Quirks kept: the peephole product covers the first n_output cells of each row (the official kernel passes
//     n_output as the vector length), so peephole LSTMs with n_output > n_cell are refused (the official kernel
//     reads past its arrays there); int32 sums wrap like the official kernel's.
// Batch-major inputs run one batch row at a time, time-major ones all rows of a step at once (the official
// order; it matters for the peephole quirk). State lives in the variable tensors (inputs 18, 19).
#include "ops/lstm_integer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/elementwise_quant.h"
#include "kernels/quant_math.h"
#include "ops/util.h"

namespace slimrt {

LstmOptions ReadLstmOptions(const OpContext& ctx) {
  const fb::Table t = ctx.options(opt::UnidirectionalSequenceLSTMOptions);
  LstmOptions o;
  o.act = t.get<int8_t>(0, 0);
  ctx.check(o.act >= kActNone && o.act <= kActTanh, "fused activation ", o.act, " is not supported");
  o.cell_clip = t.get<float>(1, 0.f);
  o.proj_clip = t.get<float>(2, 0.f);
  ctx.check(std::isfinite(o.cell_clip) && std::isfinite(o.proj_clip), "clip values must be finite");
  o.time_major = t.get<uint8_t>(3, 0) != 0;
  o.asymmetric_inputs = t.get<uint8_t>(4, 0) != 0;
  ctx.check(t.get<uint8_t>(5, 0) == 0, "diagonal recurrent weights are not supported");
  return o;
}

namespace lstm_int {
namespace {

enum Gate { kIn = 0, kForget = 1, kCell = 2, kOut = 3 };
const char* const kGateName[4] = {"input", "forget", "cell", "output"};

struct Mult {
  int32_t m = 0;
  int s = 0;
};

int32_t Wrap32(int64_t v) { return int32_t(uint32_t(uint64_t(v))); }
int16_t Wrap16(int32_t v) { return int16_t(uint16_t(uint32_t(v))); }
int32_t Clamp(int64_t v, int32_t lo, int32_t hi) { return int32_t(std::min<int64_t>(hi, std::max<int64_t>(lo, v))); }
int32_t Apply(int32_t x, const Mult& q) { return qm::MultiplyByQuantizedMultiplier(x, q.m, q.s); }

// ---- 16-bit fixed point as gemmlowp computes it on int16 (add/sub/neg wrap; Q15 products round and saturate) ----

int16_t FxMul(int16_t a, int16_t b) {  // SaturatingRoundingDoublingHighMul
  if (a == b && a == std::numeric_limits<int16_t>::min()) return std::numeric_limits<int16_t>::max();
  const int32_t ab = int32_t(a) * int32_t(b);
  return int16_t((ab + (ab >= 0 ? (1 << 14) : 1 - (1 << 14))) / (1 << 15));
}
int16_t FxDivPot(int16_t x, int e) {  // RoundingDivideByPOT, 0 <= e <= 15
  const int32_t mask = (1 << e) - 1, threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return Wrap16(qm::ShiftRightFloor32(x, e) + ((x & mask) > threshold ? 1 : 0));
}
int16_t FxMulPot(int16_t x, int e) {  // SaturatingRoundingMultiplyByPOT
  if (e <= 0) return FxDivPot(x, -e);
  const int32_t t = (1 << (15 - e)) - 1;
  return x > t ? std::numeric_limits<int16_t>::max() : x < -t ? std::numeric_limits<int16_t>::min() : int16_t(x * (1 << e));
}
int16_t FxConst(int32_t q31) { return int16_t(qm::RoundingDivideByPOT(q31, 16)); }  // a Q31 constant in Q15

// exp(a) for a in [-1/4, 0) (0 integer bits): Taylor expansion around -1/8.
int16_t ExpQuarter(int16_t a) {
  const int16_t k = FxConst(1895147668), third = FxConst(715827883);
  const int16_t x = Wrap16(a + (1 << 12));
  const int16_t x2 = FxMul(x, x), x3 = FxMul(x2, x), x4 = FxMul(x2, x2);
  const int16_t poly = FxMulPot(Wrap16(FxMul(Wrap16(FxMulPot(x4, -2) + x3), third) + x2), -1);
  return int16_t(Clamp(int32_t(k) + FxMul(k, Wrap16(x + poly)), -32768, 32767));
}

// exp(a) for a <= 0 with `ib` integer bits, result with 0 integer bits.
int16_t ExpNegative(int16_t a, int ib) {
  static const int32_t kBarrel[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  const int fb = 15 - ib;
  const int32_t quarter = 1 << (fb - 2);
  const int16_t a_mod = Wrap16((a & (quarter - 1)) - quarter);
  int16_t r = ExpQuarter(FxMulPot(a_mod, ib));
  const int32_t remainder = Wrap16(a_mod - a);
  for (int e = -2; e <= 4; ++e)
    if (ib > e && (remainder & (1 << (fb + e)))) r = FxMul(r, FxConst(kBarrel[e + 2]));
  if (ib > 5 && a < FxConst(-(1 << (36 - ib)))) r = 0;
  return a == 0 ? std::numeric_limits<int16_t>::max() : r;
}

// Newton-Raphson for 1 / (1 + a), a in [0, 1): the estimate with 2 integer bits.
int16_t OnePlusXReciprocal(int16_t a) {
  const int32_t sum = int32_t(a) + 32767;
  const int16_t half = int16_t((sum + (sum >= 0 ? 1 : -1)) / 2);
  int16_t x = Wrap16(FxConst(1515870810) + FxMul(half, FxConst(-1010580540)));
  for (int i = 0; i < 3; ++i) x = Wrap16(x + FxMulPot(FxMul(x, Wrap16((1 << 13) - FxMul(half, x))), 2));
  return x;
}

// Sigmoid of Q3.12 (0 integer bits out), tanh of a value with `ib` integer bits.
int16_t Sigmoid(int16_t a) {
  if (a == 0) return 16384;
  const int16_t pos = FxMulPot(OnePlusXReciprocal(ExpNegative(Wrap16(-(a > 0 ? a : Wrap16(-a))), 3)), 1);
  return a > 0 ? pos : Wrap16(32767 - pos);
}
int16_t Tanh(int16_t a, int ib) {
  if (a == 0) return 0;
  const int16_t t = FxMulPot(Wrap16(OnePlusXReciprocal(ExpNegative(a < 0 ? a : Wrap16(-a), ib + 1)) - (1 << 13)), 2);
  return a < 0 ? Wrap16(-t) : t;
}

// ---- state and prepare ----

struct GateParams {
  const int8_t *wx = nullptr, *wh = nullptr;  // [C, I], [C, O]
  std::vector<int32_t> bx, bh;                // effective biases: bias (without layer norm) + row sums * -zp
  Mult mx, mh, mc, mln;
  const int16_t *peep = nullptr, *ln = nullptr;
  const int32_t* ln_bias = nullptr;
  int32_t guard = 1;  // layer norm: variance used when the computed one is < 1
};

struct IntLstmState : OpState {
  int B = 0, T = 0, I = 0, C = 0, O = 0, cell_scale = 0;
  bool time_major = false, cifg = false;
  GateParams gate[4];
  const int8_t* wp = nullptr;
  std::vector<int32_t> bp;
  Mult mp, mhidden;
  int32_t hidden_zp = 0, out_zp = 0;
  int16_t cell_clip = 0;
  int8_t proj_clip = 0;
};

// A constant input of the given type and shape; null when absent and not required.
const Tensor* Const(OpContext& ctx, int i, const char* what, DType type, const Shape& shape, bool required) {
  const Tensor* t = ctx.optional_input(i);
  ctx.check(t || !required, what, " (input ", i, ") is required");
  if (!t) return nullptr;
  ctx.check(t->is_const() && t->type == type && t->shape == shape, what, " '", t->name, "' must be a constant ",
            dtype_name(type), " ", shape, ", got ", dtype_name(t->type), " ", t->shape);
  return t;
}

Mult Multiplier(const OpContext& ctx, double m, const char* what) {
  ctx.check(std::isfinite(m) && m >= 0, what, " effective scale ", m, " is not finite");
  Mult r;
  qm::QuantizeMultiplier(m, &r.m, &r.s);
  ctx.check(r.s <= 30, what, " effective scale ", m, " is out of range");
  return r;
}

// bias (or 0) + zp * row sums of w [rows, cols], in int32 as the official kernel sums (wrapping).
std::vector<int32_t> EffectiveBias(const int8_t* w, int rows, int cols, const Tensor* bias, int32_t zp) {
  std::vector<int32_t> out(size_t(rows), 0);
  for (int r = 0; r < rows; ++r) {
    int32_t sum = 0;
    for (int c = 0; c < cols; ++c) sum = Wrap32(int64_t(sum) + w[size_t(r) * size_t(cols) + size_t(c)]);
    out[size_t(r)] = Wrap32((bias ? int64_t(bias->as<int32_t>()[r]) : 0) + int64_t(sum) * zp);
  }
  return out;
}

const Tensor& StateTensor(OpContext& ctx, int i, DType type, int64_t elements, const char* what) {
  const Tensor& t = ctx.input(i);
  ctx.check(t.is_variable && t.type == type && t.elements() == elements, what, " '", t.name, "' must be a ",
            dtype_name(type), " variable tensor of ", elements, " elements, got ", dtype_name(t.type), " ", t.shape);
  single_zero_point(ctx, t, what);
  single_scale(ctx, t, what);
  return t;
}

void EvalLstmInteger(OpContext& ctx);

}  // namespace
}  // namespace lstm_int

void PrepareLstmInteger(OpContext& ctx, const LstmOptions& o) {
  using namespace lstm_int;
  ctx.check(o.cell_clip >= 0 && o.proj_clip >= 0, "clip values must not be negative");
  const Tensor& in = ctx.input(0);
  ctx.check(in.rank() == 3, "input must be 3-D, got shape ", in.shape);
  ctx.check(ctx.num_intermediates() == 5, "a full-integer LSTM needs the converter's 5 intermediate tensors (gate "
            "and hidden quantization), got ", ctx.num_intermediates());
  IntLstmState& s = ctx.state<IntLstmState>();
  s = IntLstmState();
  s.time_major = o.time_major;
  s.T = in.dim(o.time_major ? 0 : 1);
  s.B = in.dim(o.time_major ? 1 : 0);
  s.I = in.dim(2);
  ctx.check(ctx.input(2).rank() == 2 && ctx.input(6).rank() == 2, "input and recurrent weights must be 2-D");
  s.C = ctx.input(2).dim(0);
  s.O = ctx.input(6).dim(1);
  ctx.check(s.C > 0, "the number of cells must be positive");
  const float in_scale = single_scale(ctx, in, "input");
  const int32_t in_zp = single_zero_point(ctx, in, "input");
  s.cifg = !ctx.has_input(1);
  const bool peephole = ctx.has_input(10);
  const bool layer_norm = ctx.num_inputs() == 24 && ctx.has_input(21);
  const Tensor& hs = StateTensor(ctx, 18, DType::kInt8, int64_t(s.B) * s.O, "output state");
  const Tensor& cs = StateTensor(ctx, 19, DType::kInt16, int64_t(s.B) * s.C, "cell state");
  const float hs_scale = hs.quant.scale[0], cs_scale = cs.quant.scale[0];
  s.out_zp = int32_t(hs.quant.zero_point[0]);
  // The cell state's scale must be a power of two 2^k (TFLite's CheckedLog2), k in [-15, -9]: tanh(c) then has
  // 15 + k in [0, 6] integer bits, the range of the official kernel. Outside it, the official kernel skips the
  // tanh and uses whatever its scratch buffer holds (the input gate, or stale memory with CIFG): refused.
  const float log2 = std::log(cs_scale) * (1.0f / std::log(2.0f)), rounded = std::round(log2);
  ctx.check(std::fabs(log2 - rounded) < 1e-3f && rounded >= -15 && rounded <= -9, "cell state '", cs.name,
            "' must have a power-of-two scale between 2^-15 and 2^-9, got ", cs_scale);
  s.cell_scale = int(rounded);
  Tensor& out = ctx.output(0);
  ctx.check_type(out, DType::kInt8, "output");
  const float out_scale = single_scale(ctx, out, "output");
  float gate_scale[4] = {0x1p-12f, 0x1p-12f, 0x1p-12f, 0x1p-12f};  // Q3.12 without layer norm
  for (int g = 0; g < 4 && layer_norm; ++g)
    gate_scale[g] = single_scale(ctx, ctx.intermediate(g), "gate intermediate");
  const Tensor& hidden = ctx.intermediate(4);
  const float hidden_scale = single_scale(ctx, hidden, "hidden intermediate");
  s.hidden_zp = single_zero_point(ctx, hidden, "hidden intermediate");

  for (int g = 0; g < 4; ++g) {
    GateParams& p = s.gate[g];
    const bool present = g != kIn || !s.cifg;
    const Tensor* wx = Const(ctx, 1 + g, "input weights", DType::kInt8, {s.C, s.I}, present);
    const Tensor* wh = Const(ctx, 5 + g, "recurrent weights", DType::kInt8, {s.C, s.O}, present);
    const Tensor* bias = Const(ctx, 12 + g, "gate bias", DType::kInt32, {s.C}, present);
    const Tensor* peep = g == kCell ? nullptr : Const(ctx, g == kOut ? 11 : 9 + g, "peephole weights",
                                                     DType::kInt16, {s.C}, peephole && present);
    const Tensor* ln = layer_norm ? Const(ctx, 20 + g, "layer norm weights", DType::kInt16, {s.C}, present) : nullptr;
    ctx.check(present || (!wh && !bias && !peep && !ln), "a CIFG LSTM (no input-gate input weights) must have no "
              "input-gate recurrent weights, bias, peephole or layer norm weights");
    ctx.check(g == kCell || !present || (peep != nullptr) == peephole,
              "peephole weights must be all present or all absent");
    if (!present) continue;
    const float sx = single_scale(ctx, *wx, "input weights"), sh = single_scale(ctx, *wh, "recurrent weights");
    const float x_in = sx * in_scale, h_in = sh * hs_scale;
    p.mx = Multiplier(ctx, x_in / gate_scale[g], kGateName[g]);
    p.mh = Multiplier(ctx, h_in / gate_scale[g], kGateName[g]);
    p.wx = wx->as<int8_t>();
    p.wh = wh->as<int8_t>();
    p.bx = EffectiveBias(p.wx, s.C, s.I, layer_norm ? nullptr : bias, -in_zp);
    p.bh = EffectiveBias(p.wh, s.C, s.O, nullptr, -s.out_zp);
    if (peep) {
      const float eff = float(std::pow(2.0, s.cell_scale) * single_scale(ctx, *peep, "peephole weights") / gate_scale[g]);
      p.mc = Multiplier(ctx, eff, kGateName[g]);
      p.peep = peep->as<int16_t>();
    }
    if (ln) {
      const float ln_scale = single_scale(ctx, *ln, "layer norm weights");
      ctx.check(10000.0f * ln_scale < 2147483648.0f, "layer norm weights scale ", ln_scale, " is out of range");
      p.mln = Multiplier(ctx, ln_scale, kGateName[g]);
      ctx.check(p.mln.s + 12 >= -31, "layer norm weights scale ", ln_scale, " is out of range");
      p.guard = std::max<int32_t>(1, int32_t(10000.0f * ln_scale));
      p.ln = ln->as<int16_t>();
      p.ln_bias = bias->as<int32_t>();
    }
  }
  ctx.check(!peephole || s.O <= s.C, "peephole weights with more outputs (", s.O, ") than cells (", s.C,
            ") are not supported (the official kernel reads past its arrays)");
  const Tensor* pw = Const(ctx, 16, "projection weights", DType::kInt8, {s.O, s.C}, false);
  const Tensor* pb = Const(ctx, 17, "projection bias", DType::kInt32, {s.O}, false);
  ctx.check(pw || (!pb && s.O == s.C), "without projection weights there must be no projection bias and the "
            "output size ", s.O, " must equal the number of cells ", s.C);
  s.mhidden = Multiplier(ctx, float(0x1p-15 / double(hidden_scale) * 0x1p-15), "hidden");
  s.wp = pw ? pw->as<int8_t>() : nullptr;
  if (pw) {
    const float p_h = single_scale(ctx, *pw, "projection weights") * hidden_scale;
    s.mp = Multiplier(ctx, p_h / hs_scale, "projection");
    s.bp = EffectiveBias(s.wp, s.O, s.C, pb, s.hidden_zp);
  }
  s.cell_clip = o.cell_clip > 0 ? int16_t(std::min(std::max(o.cell_clip / cs_scale, -32768.0f), 32767.0f)) : 0;
  s.proj_clip = o.proj_clip > 0 ? int8_t(std::min(std::max(o.proj_clip / out_scale, -128.0f), 127.0f)) : 0;
  const int rows = s.time_major ? s.B : 1;
  // Scratch per step: 4 int16 gates, the int16 tanh of the cell, the int8 hidden value; rows x C each.
  ctx.request_scratch(size_t(shape_elements(Shape{rows, s.C, 11}, 1, "LSTM scratch")));
  ctx.set_output_shape(0, s.time_major ? Shape{s.T, s.B, s.O} : Shape{s.B, s.T, s.O});
  ctx.set_eval(EvalLstmInteger);
}

namespace lstm_int {
namespace {

// out[b, r] = clamp(out[b, r] + zp + M(bias[r] + w[r, :] . x[b, :])) to T's range, for `rows` rows of w.
template <class T>
void MatVecAcc(const int8_t* x, int n, int nb, const int8_t* w, const int32_t* bias, int rows, const Mult& m,
               int32_t zp, T* out) {
  for (int b = 0; b < nb; ++b) {
    const int8_t* xb = x + size_t(b) * size_t(n);
    for (int r = 0; r < rows; ++r) {
      const int8_t* wr = w + size_t(r) * size_t(n);
      uint32_t acc = uint32_t(bias[r]);
      for (int c = 0; c < n; ++c) acc += uint32_t(int32_t(wr[c]) * int32_t(xb[c]));
      T& o = out[size_t(b) * size_t(rows) + size_t(r)];
      const int32_t v = Wrap32(int64_t(Wrap32(int64_t(Apply(int32_t(acc), m)) + zp)) + o);
      o = T(Clamp(v, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
    }
  }
}

// Integer layer norm of each row of n values in place (mean and variance in fixed point), then scaled by the
// layer norm weights plus bias and rescaled to Q3.12.
void LayerNorm(const GateParams& p, int nb, int n, int16_t* v) {
  for (int b = 0; b < nb; ++b, v += n) {
    int64_t sum = 0, sum_sq = 0;
    for (int j = 0; j < n; ++j) {
      sum += v[j];
      sum_sq += int32_t(v[j]) * int32_t(v[j]);
    }
    const int32_t mean = int32_t(sum * 1024 / n);
    const int64_t variance = sum_sq * ((1 << 20) / n) - int64_t(mean) * mean;
    int32_t var = int32_t(variance / (1 << 20));
    if (var < 1) var = p.guard;
    int32_t inv_m;
    int inv_s;
    ew::InvSqrtQuantizedMultiplierExp(var, -1, &inv_m, &inv_s);
    for (int j = 0; j < n; ++j) {
      const int32_t rescaled = qm::MultiplyByQuantizedMultiplier(1024 * int32_t(v[j]) - mean, inv_m, inv_s);
      const int64_t w = Wrap32(int64_t(rescaled) * p.ln[j] + p.ln_bias[j]);
      const int32_t r = int32_t((w > 0 ? w + 512 : w - 512) / 1024);
      v[j] = int16_t(Clamp(ew::MultiplyByQuantizedMultiplierWide(r, p.mln.m, p.mln.s + 12), -32768, 32767));
    }
  }
}

// One gate for nb rows: pre-activations from x and h (+ peephole, layer norm), then sigmoid or tanh.
void ComputeGate(const IntLstmState& s, int g, const int8_t* x, const int8_t* h, const int16_t* c, int nb,
                 int16_t* out) {
  const GateParams& p = s.gate[g];
  std::fill(out, out + size_t(nb) * size_t(s.C), int16_t(0));
  MatVecAcc(x, s.I, nb, p.wx, p.bx.data(), s.C, p.mx, 0, out);
  MatVecAcc(h, s.O, nb, p.wh, p.bh.data(), s.C, p.mh, 0, out);
  if (p.peep)  // the official kernel's vector length is n_output (see the top of the file)
    for (int k = 0; k < nb * s.O; ++k)
      out[k] = int16_t(Clamp(int64_t(Apply(int32_t(p.peep[k % s.O]) * c[k], p.mc)) + out[k], -32768, 32767));
  if (p.ln) LayerNorm(p, nb, s.C, out);
  for (int k = 0; k < nb * s.C; ++k) out[k] = g == kCell ? Tanh(out[k], 3) : Sigmoid(out[k]);
}

// One time step for nb rows: x [nb, I], h [nb, O] and c [nb, C] updated in place, y [nb, O] written.
void Step(const IntLstmState& s, const int8_t* x, int8_t* h, int16_t* c, int8_t* y, int nb, uint8_t* scratch) {
  const size_t n = size_t(nb) * size_t(s.C);
  int16_t* gate[4];
  for (int g = 0; g < 4; ++g) gate[g] = reinterpret_cast<int16_t*>(scratch) + size_t(g) * n;
  int16_t* tanh_c = gate[3] + n;
  int8_t* hidden = reinterpret_cast<int8_t*>(tanh_c + n);
  for (int g = 0; g < 3; ++g)
    if (g != kIn || !s.cifg) ComputeGate(s, g, x, h, c, nb, gate[g]);
  for (size_t k = 0; k < n; ++k) {
    const int16_t f = gate[kForget][k], i = s.cifg ? Wrap16(32767 - f) : gate[kIn][k];
    const int16_t kept = Wrap16(qm::RoundingDivideByPOT(int32_t(f) * c[k], 15));
    const int16_t added = Wrap16(qm::RoundingDivideByPOT(int32_t(i) * gate[kCell][k], 30 + s.cell_scale));
    int32_t v = Clamp(int32_t(kept) + added, -32768, 32767);
    if (s.cell_clip > 0) v = Clamp(v, -s.cell_clip, s.cell_clip);
    c[k] = int16_t(v);
  }
  ComputeGate(s, kOut, x, h, c, nb, gate[kOut]);
  for (size_t k = 0; k < n; ++k) {
    tanh_c[k] = Tanh(c[k], 15 + s.cell_scale);
    const int32_t v = Apply(int32_t(gate[kOut][k]) * tanh_c[k], s.mhidden);
    hidden[k] = int8_t(Clamp(int64_t(v) + (s.wp ? -int64_t(s.hidden_zp) : s.hidden_zp), -128, 127));
  }
  const size_t m = size_t(nb) * size_t(s.O);
  if (s.wp) {
    std::fill(h, h + m, int8_t(0));
    MatVecAcc(hidden, s.C, nb, s.wp, s.bp.data(), s.O, s.mp, s.out_zp, h);
    if (s.proj_clip > 0)
      for (size_t k = 0; k < m; ++k) h[k] = int8_t(Clamp(h[k], -s.proj_clip, s.proj_clip));
  } else {
    std::memcpy(h, hidden, m);
  }
  std::memcpy(y, h, m);
}

void EvalLstmInteger(OpContext& ctx) {
  const IntLstmState& s = ctx.state<IntLstmState>();
  const int8_t* x = ctx.input(0).as<int8_t>();
  int8_t* h = ctx.input(18).as<int8_t>();
  int16_t* c = ctx.input(19).as<int16_t>();
  int8_t* y = ctx.output(0).as<int8_t>();
  const size_t I = size_t(s.I), O = size_t(s.O), C = size_t(s.C), B = size_t(s.B);
  if (s.time_major) {
    for (size_t t = 0; t < size_t(s.T); ++t) Step(s, x + t * B * I, h, c, y + t * B * O, s.B, ctx.scratch());
    return;
  }
  for (size_t b = 0; b < B; ++b)
    for (size_t t = 0; t < size_t(s.T); ++t) {
      const size_t r = b * size_t(s.T) + t;
      Step(s, x + r * I, h + b * O, c + b * C, y + r * O, 1, ctx.scratch());
    }
}

}  // namespace
}  // namespace lstm_int
}  // namespace slimrt
