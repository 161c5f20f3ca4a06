#include "ops/elementwise.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/quant_math.h"
#include "kernels/threadpool.h"

namespace slimrt {

namespace {
// Output elements below which splitting the work across threads costs more than it saves.
constexpr int64_t kParallelMinElements = 1 << 15;
}  // namespace

BinaryState& PrepareBroadcast(OpContext& ctx, int max_rank) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const Tensor& out = ctx.output(0);
  ctx.check(b.type == a.type, "input 1 '", b.name, "' has type ", dtype_name(b.type), " but input 0 '", a.name,
            "' has type ", dtype_name(a.type));
  Shape shape;
  ctx.check(BroadcastShapes(a.shape, b.shape, &shape) && int(shape.size()) <= max_rank, "input shapes ", a.shape,
            " and ", b.shape, " cannot be broadcast together (or rank > ", max_rank, ")");
  BinaryState& s = ctx.state<BinaryState>();
  s.plan.init(a.shape, b.shape, shape);
  s.esa = uint8_t(elem_size(ctx, a, "input 0"));
  s.esb = uint8_t(elem_size(ctx, b, "input 1"));
  s.eso = uint8_t(elem_size(ctx, out, "output"));
  ctx.set_output_shape(0, shape);
  return s;
}

void EvalBinary(OpContext& ctx) {
  const BinaryState& s = ctx.state<BinaryState>();
  const BroadcastPlan& p = s.plan;
  if (p.total == 0) return;
  const void* a = ctx.input(0).data;
  const void* b = ctx.input(1).data;
  void* o = ctx.output(0).data;
  const int64_t rows = p.rank == 1 ? p.total : p.outer();
  auto run = [&](int64_t begin, int64_t end, int) {
    ew::RunBinaryRows(p, s.row, s.p, a, s.esa, b, s.esb, o, s.eso, begin, end);
  };
  if (ctx.num_threads() > 1 && p.total >= kParallelMinElements) {
    const int64_t per_row = p.rank == 1 ? 1 : p.inner();
    ctx.pool().parallel_for(rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, per_row)), run);
  } else {
    run(0, rows, 0);
  }
}

void rescale_table(BinaryState& s, int input, DType type, int32_t offset, int left_shift, int32_t mult, int shift,
                   bool negate) {
  std::vector<int32_t>& t = input == 0 ? s.ta : s.tb;
  t.resize(256);
  for (int k = 0; k < 256; ++k) {
    const int32_t q = type == DType::kInt8 ? int32_t(int8_t(uint8_t(k))) : k;
    const int32_t v = ew::RoundingDivideByPOTWide(
        qm::SaturatingRoundingDoublingHighMul((q + offset) * (1 << left_shift), mult), -shift);
    t[size_t(k)] = negate ? -v : v;
  }
  (input == 0 ? s.p.ta : s.p.tb) = t.data();
}

void use_pair_table(BinaryState& s) {
  constexpr int64_t kMinElements = 1 << 16;  // below this the table costs more than it saves
  if (s.esa != 1 || s.esb != 1 || s.eso != 1 || s.plan.total < kMinElements || !s.row) return;
  std::vector<uint8_t> a(65536), b(65536);
  for (int i = 0; i < 65536; ++i) a[size_t(i)] = uint8_t(i >> 8), b[size_t(i)] = uint8_t(i);
  s.pair.resize(65536);
  s.row(s.p, s.pair.data(), a.data(), b.data(), 65536, true, true);
  s.p.pair = s.pair.data();
  s.row = ew::PairTableRow;
}

void use_generic_row(BinaryState& s, ew::Op op, DType in_type, DType out_type) {
  s.p.op = op;
  s.p.in_type = in_type;
  s.p.out_type = out_type;
  s.p.lmin = std::numeric_limits<int64_t>::min();
  s.p.lmax = std::numeric_limits<int64_t>::max();
  s.p.fmin = -std::numeric_limits<float>::infinity();
  s.p.fmax = std::numeric_limits<float>::infinity();
  s.row = in_type == DType::kFloat32 ? ew::GenericFloatRow : ew::GenericIntRow;
}

void EvalFloatBinary(OpContext& ctx, const BroadcastPlan& p, ew::BinOp op, float lo, float hi) {
  const float* a = ctx.input(0).as<float>();
  const float* b = ctx.input(1).as<float>();
  float* o = ctx.output(0).as<float>();
  const bool sa = p.a_inner_step(), sb = p.b_inner_step();
  if (p.total == 0) return;
  const bool parallel = ctx.num_threads() > 1 && p.total >= kParallelMinElements;
  if (p.rank == 1) {
    auto run = [&](int64_t begin, int64_t end, int) {
      ew::BinaryRowF32(op, o + begin, sa ? a + begin : a, sb ? b + begin : b, end - begin, sa, sb, lo, hi);
    };
    if (parallel) ctx.pool().parallel_for(p.total, 4096, run);
    else run(0, p.total, 0);
    return;
  }
  const int64_t C = p.inner(), rows = p.outer();
  const int64_t grain = std::max<int64_t>(1, 4096 / std::max<int64_t>(1, C));
  if (p.rank == 2 && sa && sb && (p.sa[0] == 0) != (p.sb[0] == 0)) {
    // One operand is a per-channel vector repeated over the rows of the other.
    const bool vec_first = p.sa[0] == 0;
    const float* full = vec_first ? b : a;
    const float* vec = vec_first ? a : b;
    auto run = [&](int64_t begin, int64_t end, int) {
      ew::BinaryRowsVecF32(op, o + begin * C, full + begin * C, vec, end - begin, C, vec_first, lo, hi);
    };
    if (parallel) ctx.pool().parallel_for(rows, grain, run);
    else run(0, rows, 0);
    return;
  }
  auto run = [&](int64_t begin, int64_t end, int) {
    ForEachBroadcastRow(p, a, b, o, begin, end, [&](float* orow, const float* arow, const float* brow, int64_t n) {
      ew::BinaryRowF32(op, orow, arow, brow, n, sa, sb, lo, hi);
    });
  };
  if (parallel) ctx.pool().parallel_for(rows, grain, run);
  else run(0, rows, 0);
}

QuantParam quant_param(const OpContext& ctx, const Tensor& t, const char* role) {
  return {single_scale(ctx, t, role), single_zero_point(ctx, t, role)};
}

QuantIO quant_io(OpContext& ctx) {
  return {quant_param(ctx, ctx.input(0), "input 0"), quant_param(ctx, ctx.input(1), "input 1"),
          quant_param(ctx, ctx.output(0), "output")};
}

bool pot_exponent(float scale, int* e) {
  const float l = std::log(scale) * (1.0f / std::log(2.0f));
  const float r = std::round(l);
  *e = int(r);
  return std::fabs(l - r) < 1e-3f;
}

void quantize_multiplier(const OpContext& ctx, double real, bool below_one, int32_t* mult, int* shift,
                         const char* what) {
  ctx.check(std::isfinite(real) && real >= 0 && (!below_one || real < 1.0), what, " ", real,
            " is out of the range the quantized kernel supports");
  qm::QuantizeMultiplier(real, mult, shift);
  ctx.check(*shift <= 31, what, " ", real, " is too large");
}

// ---- tables ----

int table_size(DType t) { return t == DType::kInt16 ? 65536 : 256; }

int32_t table_value(DType t, int index) {
  switch (t) {
    case DType::kInt8: return int8_t(uint8_t(index));
    case DType::kUInt8: return index;
    default: return int16_t(uint16_t(index));
  }
}

void fill_table(OpContext& ctx, DType in_type, TableFn fn, const void* arg, const char* invalid_msg) {
  TableState& st = ctx.state<TableState>();
  const int n = table_size(in_type);
  int32_t lo, hi;
  int_type_range(ctx.output(0).type, &lo, &hi);
  st.table.assign(size_t(n), 0);
  st.invalid.clear();
  st.invalid_msg = invalid_msg;
  for (int i = 0; i < n; ++i) {
    const int32_t v = fn(arg, table_value(in_type, i));
    if (v < lo || v > hi) {
      if (st.invalid.empty()) st.invalid.assign(size_t(n), 0);
      st.invalid[size_t(i)] = 1;
    } else {
      st.table[size_t(i)] = int16_t(v);
    }
  }
}

int32_t float_to_int32_x86(float f) {
  return (f >= -2147483648.0f && f < 2147483648.0f) ? int32_t(f) : std::numeric_limits<int32_t>::min();
}

namespace {

// LUTPopulateInt16<float>: 512 segments over the int16 input range plus the end point.
void Lut16(FloatFn f, const void* arg, QuantParam qi, QuantParam qo, int16_t lut[513]) {
  const float input_min = qi.scale * float(-32768 - qi.zero_point);
  const float input_max = qi.scale * float(32767 - qi.zero_point);
  const float output_min = qo.scale * float(-32768 - qo.zero_point);
  const float output_max = qo.scale * float(32767 - qo.zero_point);
  const float step = (input_max - input_min) / 512;
  const float half_step = step / 2;
  const float inv = 65536.0f / (output_max - output_min);
  // NaN (inf - inf in the midpoint correction of overflowing functions) converts as x86 does: to 0 here.
  auto clamp16 = [](float v) {
    return int16_t(uint32_t(float_to_int32_x86(std::min(std::max(v, -32768.0f), 32767.0f))));
  };
  for (int i = 0; i < 512; ++i) {
    const float val = f(input_min + float(i) * step, arg);
    const float val_mid = f(input_min + float(i) * step + half_step, arg);
    const float val_next = f(input_min + float(i + 1) * step, arg);
    const float sample = std::round(val * inv);
    const float mid_interp = std::round((val_next * inv + std::round(val * inv)) / 2);
    const float mid = std::round(val_mid * inv);
    const float bias = std::round((mid_interp - mid) / 2);
    lut[i] = clamp16(sample - bias);
  }
  lut[512] = clamp16(std::round(f(input_max, arg) * inv));
}

}  // namespace

void fill_lut(OpContext& ctx, FloatFn f, const void* arg, const char* invalid_msg, float valid_from) {
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  const QuantParam qi = quant_param(ctx, in, "input"), qo = quant_param(ctx, out, "output");
  int32_t lo, hi;
  int_type_range(out.type, &lo, &hi);
  TableState& st = ctx.state<TableState>();
  const int n = table_size(in.type);
  st.table.resize(size_t(n));
  st.invalid.clear();
  st.invalid_msg = invalid_msg;
  int16_t lut[513];
  if (in.type == DType::kInt16) Lut16(f, arg, qi, qo, lut);
  const float out_inv = 1.0f / qo.scale;
  for (int i = 0; i < n; ++i) {
    const int32_t q = table_value(in.type, i);
    const float x = qi.scale * float(q - qi.zero_point);
    if (x < valid_from) {
      if (st.invalid.empty()) st.invalid.assign(size_t(n), 0);
      st.invalid[size_t(i)] = 1;
    }
    if (in.type == DType::kInt16) {  // LUTLookup: base and slope of segment q / 128, interpolated
      const int32_t index = 256 + qm::ShiftRightFloor32(q, 7);
      const int32_t offset = q & 0x7f;
      const int32_t slope = int16_t(lut[index + 1] - lut[index]);  // int16, as the reference holds it
      st.table[size_t(i)] = int16_t(lut[index] + qm::ShiftRightFloor32(slope * offset + 64, 7));
    } else {
      // Clamped in floating point before the int conversion (infinite and huge values saturate).
      const float v = std::round(f(x, arg) * out_inv) + float(qo.zero_point);
      st.table[size_t(i)] = int16_t(!(v > float(lo)) ? lo : (v > float(hi) ? hi : int32_t(v)));
    }
  }
}

void EvalTable(OpContext& ctx) {
  const TableState& st = ctx.state<TableState>();
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const int64_t n = in.elements();
  const int16_t* t = st.table.data();
  const bool wide_in = in.type == DType::kInt16;
  if (!st.invalid.empty()) {
    for (int64_t i = 0; i < n; ++i) {
      const size_t k = wide_in ? size_t(in.as<uint16_t>()[i]) : size_t(in.as<uint8_t>()[i]);
      if (st.invalid[k]) ctx.fail(st.invalid_msg ? st.invalid_msg : "input value outside the op's domain");
    }
  }
  if (out.type == DType::kInt16) {
    int16_t* y = out.as<int16_t>();
    if (wide_in)
      for (int64_t i = 0; i < n; ++i) y[i] = t[in.as<uint16_t>()[i]];
    else
      for (int64_t i = 0; i < n; ++i) y[i] = t[in.as<uint8_t>()[i]];
  } else {
    uint8_t* y = out.as<uint8_t>();
    if (wide_in)
      for (int64_t i = 0; i < n; ++i) y[i] = uint8_t(t[in.as<uint16_t>()[i]]);
    else
      for (int64_t i = 0; i < n; ++i) y[i] = uint8_t(t[in.as<uint8_t>()[i]]);
  }
}

}  // namespace slimrt
