// Reductions over a set of axes (ReducerOptions: keep_dims): MEAN, SUM, REDUCE_PROD, REDUCE_MAX, REDUCE_MIN,
// REDUCE_ANY, REDUCE_ALL. They share one options table and one prepare.
//
// The axes (input 1, int32/int64, negative and repeated values allowed) are folded with the input shape into
// alternating runs of kept and reduced dimensions; the input is walked once in order, a row of the innermost run at
// a time, accumulating into one accumulator per output element (scratch memory).
//   float32: accumulated in float in input order, like the reference (MEAN divides the sum by the count; MEAN over
//            a plain [outer, reduced, inner] layout takes a vectorized path).
//   int32 / int64 / bool and non-quantized int8 / uint8 / int16: exact wrap-around sums and products, max, min, any,
//            all; MEAN of int32 / int64 divides the wide sum by the count (truncating).
//   quantized int8 / uint8 / int16 (bit-exact with the reference): MEAN and SUM requantize the int32 sum minus
//            zero_point * count with input_scale / output_scale (MEAN folds 1/count into the multiplier the way the
//            reference does); REDUCE_PROD rescales every step of the product by input_scale / output_scale^(1/n);
//            REDUCE_MAX / MIN work on the raw values (input and output quantization must match).
// Empty reductions give the reduction's initial value (MEAN: NaN for float, 0 for integers).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/pool.h"
#include "kernels/quant_math.h"
#include "kernels/threadpool.h"
#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

enum Kind { kSum, kMean, kProd, kMax, kMin, kAny, kAll };

struct ReducerOptions {
  bool keep_dims;
};

ReducerOptions ReadOptions(const OpContext& ctx) { return {ctx.options(opt::ReducerOptions).get<uint8_t>(0, 0) != 0}; }

struct ReduceState : OpState {
  Kind kind = kSum;
  DType type = DType::kFloat32;
  // Folded input dims, alternating runs of reduced / kept dims (size-1 dims dropped).
  std::vector<int64_t> dims;
  std::vector<char> reduced;
  int64_t in_elems = 0, out_elems = 0;
  int64_t count = 1;  // reduced elements per output
  bool quantized = false;
  int32_t in_zp = 0, out_zp = 0, mult = 0, qlo = 0, qhi = 0;
  int shift = 0;
  // MEAN float fast path: input viewed as [outer, mid, inner] reducing mid (e.g. [N,H,W,C] over axes 1,2).
  bool three = false;
  int64_t outer = 1, mid = 1, inner = 1;
};

// ---- the walk ----

// Calls row(in_offset, out_offset, n, inner_reduced) for every run of the innermost folded dimension, in input
// order: n input elements that all go to out_offset (inner_reduced) or to n consecutive outputs.
template <class Row>
void ForEachRow(const ReduceState& s, Row row) {
  const size_t r = s.dims.size();
  if (r == 0) {
    if (s.in_elems) row(0, 0, 1, false);
    return;
  }
  std::vector<int64_t> ostride(r, 0), idx(r, 0);
  for (int64_t st = 1, i = int64_t(r) - 1; i >= 0; --i)
    if (!s.reduced[size_t(i)]) ostride[size_t(i)] = st, st *= s.dims[size_t(i)];
  const int64_t n = s.dims[r - 1];
  const bool inner_reduced = s.reduced[r - 1] != 0;
  int64_t opos = 0;
  for (int64_t in = 0; in < s.in_elems; in += n) {
    row(in, opos, n, inner_reduced);
    for (size_t i = r - 1; i-- > 0;) {
      opos += ostride[i];
      if (++idx[i] < s.dims[i]) break;
      opos -= ostride[i] * s.dims[i];
      idx[i] = 0;
    }
  }
}

float combine(Kind k, float a, float b) {
  switch (k) {
    case kProd: return a * b;
    case kMax: return b > a ? b : a;
    case kMin: return b < a ? b : a;
    default: return a + b;
  }
}

// Integers as uint64 (wrap-around sums and products are exact modulo the type's width).
uint64_t combine(Kind k, uint64_t a, int64_t b) {
  switch (k) {
    case kProd: return a * uint64_t(b);
    case kMax: return int64_t(a) > b ? a : uint64_t(b);
    case kMin: return int64_t(a) < b ? a : uint64_t(b);
    case kAny: return a | uint64_t(b != 0);
    case kAll: return a & uint64_t(b != 0);
    default: return a + uint64_t(b);
  }
}

int64_t load(DType t, const uint8_t* p, int64_t i) {
  switch (t) {
    case DType::kInt8: return reinterpret_cast<const int8_t*>(p)[i];
    case DType::kUInt8:
    case DType::kBool: return p[i];
    case DType::kInt16: return reinterpret_cast<const int16_t*>(p)[i];
    case DType::kInt32: return reinterpret_cast<const int32_t*>(p)[i];
    default: return reinterpret_cast<const int64_t*>(p)[i];
  }
}

void store(DType t, uint8_t* p, int64_t i, int64_t v) {
  switch (t) {
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kBool: p[i] = uint8_t(v); break;
    case DType::kInt16: reinterpret_cast<int16_t*>(p)[i] = int16_t(v); break;
    case DType::kInt32: reinterpret_cast<int32_t*>(p)[i] = int32_t(uint32_t(uint64_t(v))); break;
    default: reinterpret_cast<int64_t*>(p)[i] = v;
  }
}

// ---- float32 ----

// The [outer, mid, inner] MEAN (kernels/pool.h); large ones split the outer rows, or for one row its columns,
// across threads.
void MeanThree(OpContext& ctx, const ReduceState& s, const float* in, float* out) {
  const float c = float(s.count);
  const int64_t work = s.outer * s.mid * s.inner;
  if (ctx.num_threads() <= 1 || work < (1 << 16))
    return kernels::mean_mid_f32(in, out, s.mid, s.inner, c, 0, s.outer, 0, s.inner);
  if (s.outer >= 2 * ctx.num_threads() || s.inner < 128) {
    const int64_t grain = std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, s.mid * s.inner));
    ctx.pool().parallel_for(s.outer, grain, [&](int64_t b, int64_t e, int) {
      kernels::mean_mid_f32(in, out, s.mid, s.inner, c, b, e, 0, s.inner);
    });
  } else {
    ctx.pool().parallel_for(s.inner, 64, [&](int64_t b, int64_t e, int) {
      kernels::mean_mid_f32(in, out, s.mid, s.inner, c, 0, s.outer, b, e);
    });
  }
}

void EvalFloat(OpContext& ctx) {
  const ReduceState& s = ctx.state<ReduceState>();
  const float* in = ctx.input(0).as<float>();
  float* out = ctx.output(0).as<float>();
  if (s.kind == kMean && s.three && s.count > 0) return MeanThree(ctx, s, in, out);
  const Kind k = s.kind;
  const float init = k == kProd ? 1.f
                     : k == kMax ? std::numeric_limits<float>::lowest()
                     : k == kMin ? std::numeric_limits<float>::max()
                                 : 0.f;
  for (int64_t i = 0; i < s.out_elems; ++i) out[i] = init;
  ForEachRow(s, [&](int64_t ip, int64_t op, int64_t n, bool inner_reduced) {
    if (inner_reduced) {
      float a = out[op];
      for (int64_t j = 0; j < n; ++j) a = combine(k, a, in[ip + j]);
      out[op] = a;
    } else {
      for (int64_t j = 0; j < n; ++j) out[op + j] = combine(k, out[op + j], in[ip + j]);
    }
  });
  if (k == kMean) {
    const float c = float(s.count);
    for (int64_t i = 0; i < s.out_elems; ++i) out[i] = s.count ? out[i] / c : std::numeric_limits<float>::quiet_NaN();
  }
}

// ---- integers and bool ----

void EvalInt(OpContext& ctx) {
  const ReduceState& s = ctx.state<ReduceState>();
  const uint8_t* in = ctx.input(0).data;
  uint8_t* out = ctx.output(0).data;
  uint64_t* acc = reinterpret_cast<uint64_t*>(ctx.scratch());
  int32_t lo, hi;
  int_type_range(s.type, &lo, &hi);
  // Quantized REDUCE_PROD chains a rescaled product per output; `acc` holds it, the top bit marks "started".
  const bool qprod = s.quantized && s.kind == kProd;
  const Kind k = s.kind == kMean ? kSum : s.kind;
  const int64_t init = k == kProd ? 1
                       : k == kMax ? (s.type == DType::kInt64 ? std::numeric_limits<int64_t>::min() : lo)
                       : k == kMin ? (s.type == DType::kInt64 ? std::numeric_limits<int64_t>::max() : hi)
                       : k == kAll ? 1
                                   : 0;
  for (int64_t i = 0; i < s.out_elems; ++i) acc[i] = qprod ? 0 : uint64_t(init);
  ForEachRow(s, [&](int64_t ip, int64_t op, int64_t n, bool inner_reduced) {
    for (int64_t j = 0; j < n; ++j) {
      const int64_t v = load(s.type, in, ip + j);
      uint64_t& a = acc[inner_reduced ? op : op + j];
      if (!qprod) {
        a = combine(k, a, v);
      } else if (a >> 63) {
        const int64_t p = int64_t(int32_t(uint32_t(a))) * (v - s.in_zp);
        a = (uint64_t(1) << 63) | uint32_t(qm::MultiplyByQuantizedMultiplier64(p, s.mult, s.shift));
      } else {
        a = (uint64_t(1) << 63) | uint32_t(int32_t(v - s.in_zp));
      }
    }
  });
  for (int64_t i = 0; i < s.out_elems; ++i) {
    int64_t v = int64_t(acc[i]);
    if (qprod) {
      v = qm::MultiplyByQuantizedMultiplier64(int32_t(uint32_t(acc[i])), s.mult, s.shift) + int64_t(s.out_zp);
    } else if (s.quantized && k == kSum) {
      // The reference sums in int32 (wrapping) and subtracts zero_point * count in int64, truncated to int32.
      const int32_t sum = int32_t(uint32_t(acc[i]) - uint32_t(uint64_t(int64_t(s.in_zp) * s.count)));
      v = int64_t(qm::MultiplyByQuantizedMultiplier(sum, s.mult, s.shift)) + s.out_zp;
    } else if (s.kind == kMean) {
      v = s.count ? int64_t(acc[i]) / s.count : 0;
    }
    if (s.quantized && s.kind != kMax && s.kind != kMin) v = std::min<int64_t>(std::max<int64_t>(v, s.qlo), s.qhi);
    // The reference leaves quantized sums, means and products of nothing at 0.
    if (s.in_elems == 0 && (s.kind == kMean || (s.quantized && s.kind != kMax && s.kind != kMin))) v = 0;
    store(s.type, out, i, v);
  }
}

// ---- prepare ----

void PrepareQuantized(OpContext& ctx, ReduceState& s, const Tensor& in, const Tensor& out) {
  const float in_s = single_scale(ctx, in, "input"), out_s = single_scale(ctx, out, "output");
  s.in_zp = single_zero_point(ctx, in, "input");
  s.out_zp = single_zero_point(ctx, out, "output");
  int_type_range(in.type, &s.qlo, &s.qhi);
  if (in.type == DType::kInt16)
    ctx.check(s.in_zp == 0 && s.out_zp == 0, "int16 input and output need zero point 0");
  if (s.kind == kMax || s.kind == kMin) {
    ctx.check(in_s == out_s && s.in_zp == s.out_zp, "input and output must have the same quantization");
    return;
  }
  if (s.kind == kProd) {
    ctx.check(in.type != DType::kUInt8, "quantized uint8 input is not supported");
    if (s.in_elems == 0 || s.out_elems == 0) return;
    const double m = double(in_s) / std::pow(double(out_s), 1.0 / double(s.in_elems / s.out_elems));
    qm::QuantizeMultiplier(m, &s.mult, &s.shift);
    ctx.check(s.shift < 8, "requantization multiplier ", m, " is too large");
    return;
  }
  qm::QuantizeMultiplier(double(in_s) / double(out_s), &s.mult, &s.shift);
  ctx.check(s.shift >= -31 && s.shift <= 30, "input/output scale ratio is out of range");
  if (s.kind == kMean && s.count > 0) {
    // The reference folds 1/count into the multiplier: mult * 2^k / count with shift - k, k = floor(log2 count)
    // (capped at 32 and at 31 + shift).
    int k = 0;
    while (k < 62 && (int64_t(1) << (k + 1)) <= s.count) ++k;
    k = std::min(std::min(k, 32), 31 + s.shift);
    s.mult = int32_t((int64_t(s.mult) << k) / s.count);
    s.shift -= k;
  }
}

void Prepare(OpContext& ctx, Kind kind) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  ctx.check_same_type(in, out);
  const int rank = in.rank();
  std::vector<char> red(size_t(rank), 0);
  for (int64_t a : ctx.input_ints(1, "axis"))
    if (rank > 0) red[size_t(normalize_axis(ctx, a, rank))] = 1;
  const bool keep = ReadOptions(ctx).keep_dims;
  ReduceState& s = ctx.state<ReduceState>();
  s.kind = kind;
  s.type = in.type;
  s.dims.clear();
  s.reduced.clear();
  s.count = 1;
  s.in_elems = in.elements();
  Shape shape;
  for (int i = 0; i < rank; ++i) {
    const int32_t d = in.dim(i);
    if (red[size_t(i)]) {
      s.count *= d;
      if (keep) shape.push_back(1);
    } else {
      shape.push_back(d);
    }
    if (d == 1) continue;
    if (!s.dims.empty() && s.reduced.back() == red[size_t(i)]) {
      s.dims.back() *= d;
    } else {
      s.dims.push_back(d);
      s.reduced.push_back(red[size_t(i)]);
    }
  }
  s.out_elems = shape_elements(shape);
  if (s.in_elems == 0) s.dims.assign(1, 0), s.reduced.assign(1, 0);  // nothing to walk
  // [outer(kept)], mid(reduced), [inner(kept)] -> the three-level MEAN path.
  int n_red = 0;
  size_t first_red = s.dims.size();
  for (size_t i = 0; i < s.dims.size(); ++i)
    if (s.reduced[i]) n_red++, first_red = std::min(first_red, i);
  s.three = n_red <= 1;
  s.outer = s.mid = s.inner = 1;
  for (size_t i = 0; i < s.dims.size() && s.three; ++i)
    (i < first_red ? s.outer : i == first_red ? s.mid : s.inner) *= s.dims[i];
  ctx.set_output_shape(0, shape);

  const bool narrow = in.type == DType::kInt8 || in.type == DType::kUInt8 || in.type == DType::kInt16;
  s.quantized = narrow && in.quant.present();
  switch (in.type) {
    case DType::kFloat32:
      ctx.check(kind != kAny && kind != kAll, "input must be bool");
      return ctx.set_eval(EvalFloat);
    case DType::kBool:
      ctx.check(kind == kAny || kind == kAll, "bool input is only supported by REDUCE_ANY / REDUCE_ALL");
      break;
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kInt16:
    case DType::kInt32:
    case DType::kInt64:
      ctx.check(kind != kAny && kind != kAll, "input must be bool");
      if (s.quantized) PrepareQuantized(ctx, s, in, out);
      else if (narrow) ctx.check(kind != kSum && kind != kMean, "input '", in.name, "' must be quantized");
      break;
    default: ctx.unsupported_type(in, "input");
  }
  ctx.request_scratch(size_t(s.out_elems) * sizeof(uint64_t));
  ctx.set_eval(EvalInt);
}

template <Kind kKind>
void PrepareKind(OpContext& ctx) {
  Prepare(ctx, kKind);
}

}  // namespace

void Register_MEAN(OpRegistry& r) { r.add({op::MEAN, "MEAN", kAnyType, 3, PrepareKind<kMean>, nullptr}); }
void Register_SUM(OpRegistry& r) { r.add({op::SUM, "SUM", kAnyType, 2, PrepareKind<kSum>, nullptr}); }
void Register_REDUCE_PROD(OpRegistry& r) {
  r.add({op::REDUCE_PROD, "REDUCE_PROD", kAnyType, 2, PrepareKind<kProd>, nullptr});
}
void Register_REDUCE_MAX(OpRegistry& r) {
  r.add({op::REDUCE_MAX, "REDUCE_MAX", kAnyType, 3, PrepareKind<kMax>, nullptr});
}
void Register_REDUCE_MIN(OpRegistry& r) {
  r.add({op::REDUCE_MIN, "REDUCE_MIN", kAnyType, 3, PrepareKind<kMin>, nullptr});
}
void Register_REDUCE_ANY(OpRegistry& r) {
  r.add({op::REDUCE_ANY, "REDUCE_ANY", kAnyType, 1, PrepareKind<kAny>, nullptr});
}
void Register_REDUCE_ALL(OpRegistry& r) {
  r.add({op::REDUCE_ALL, "REDUCE_ALL", kAnyType, 1, PrepareKind<kAll>, nullptr});
}

}  // namespace slimrt
