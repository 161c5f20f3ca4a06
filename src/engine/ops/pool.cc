// 2-D pooling over NHWC tensors: MAX_POOL_2D, AVERAGE_POOL_2D and L2_POOL_2D (Pool2DOptions: SAME/VALID padding,
// strides, filter size, fused clamp activation).
//
// float32: every op. Average pooling divides by the number of window elements inside the input, as TFLite does;
// L2 pooling is sqrt(sum of squares / that count).
// int8 / uint8 / int16 (MAX and AVERAGE): the reference kernels work on the raw integers (input and output share
// scale and zero point), bit-exact: max of the window, or the int64 window sum divided by the count rounding half
// away from zero; then the fused activation as a clamp in the output's quantized domain.
// Versions: 1 float, 2 int8/uint8, 3 int16 (and the uint16 variant, which slimrt refuses by type).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/threadpool.h"
#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

enum PoolKind { kMax, kAvg, kL2 };

struct Pool2DOptions {
  int padding, stride_w, stride_h, filter_w, filter_h, activation;
};

Pool2DOptions ReadOptions(const OpContext& ctx) {
  const fb::Table o = ctx.options(opt::Pool2DOptions);
  return {o.get<int8_t>(0, 0), o.get<int32_t>(1, 0), o.get<int32_t>(2, 0),
          o.get<int32_t>(3, 0), o.get<int32_t>(4, 0), clamp_activation(ctx, o.get<int8_t>(5, 0))};
}

struct PoolState : OpState {
  int batch = 0, in_h = 0, in_w = 0, ch = 0, out_h = 0, out_w = 0;
  int stride_h = 1, stride_w = 1, filter_h = 1, filter_w = 1, pad_top = 0, pad_left = 0;
  PoolKind kind = kMax;
  DType type = DType::kFloat32;
  float lo = 0, hi = 0;        // float activation clamp
  int32_t qlo = 0, qhi = 0;    // quantized activation clamp
};

// The valid part [f0, f1) of the window of output position o along one axis.
struct Window {
  int origin, f0, f1;
};
__attribute__((always_inline)) inline Window window(int o, int stride, int pad, int filter, int in) {
  const int origin = o * stride - pad;
  return {origin, std::max(0, -origin), std::min(filter, in - origin)};
}

// Float rows [row_begin, row_end) of (batch, out_y), one instantiation per pool kind (a runtime kind branch per
// tap kept the channel loops from vectorizing well: MAX_POOL_2D ran ~40% slower).
template <PoolKind kind>
void PoolRowsFloat(const PoolState& s, const float* in, float* out, int64_t row_begin, int64_t row_end) {
  const int C = s.ch;
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int b = int(row / s.out_h);
    const Window wy = window(int(row % s.out_h), s.stride_h, s.pad_top, s.filter_h, s.in_h);
    const float* in_b = in + int64_t(b) * s.in_h * s.in_w * C;
    float* out_row = out + row * s.out_w * C;
    for (int ox = 0; ox < s.out_w; ++ox) {
      const Window wx = window(ox, s.stride_w, s.pad_left, s.filter_w, s.in_w);
      float* o = out_row + int64_t(ox) * C;
      const int count = std::max(0, wy.f1 - wy.f0) * std::max(0, wx.f1 - wx.f0);
      const float init = kind == kMax ? std::numeric_limits<float>::lowest() : 0.f;
      for (int c = 0; c < C; ++c) o[c] = init;
      for (int fy = wy.f0; fy < wy.f1; ++fy) {
        const float* in_row = in_b + (int64_t(wy.origin + fy) * s.in_w + wx.origin) * C;
        for (int fx = wx.f0; fx < wx.f1; ++fx) {
          const float* p = in_row + int64_t(fx) * C;
          if (kind == kMax) {
            // std::max's semantics on values (not references), so it compiles to maxss instead of a select+reload
            for (int c = 0; c < C; ++c) {
              const float a = o[c], v = p[c];
              o[c] = a < v ? v : a;
            }
          } else if (kind == kAvg) {
            for (int c = 0; c < C; ++c) o[c] += p[c];
          } else {
            for (int c = 0; c < C; ++c) o[c] += p[c] * p[c];
          }
        }
      }
      // A window entirely in the padding (impossible under TFLite's padding rules) averages to 0.
      const float n = float(std::max(count, 1));
      for (int c = 0; c < C; ++c) {
        float v = o[c];
        if (kind == kAvg) v = v / n;
        if (kind == kL2) v = std::sqrt(v / n);
        o[c] = std::min(std::max(v, s.lo), s.hi);
      }
    }
  }
}

// int8 / uint8 / int16 rows: elements are loaded and stored through the type (cold code: built for size).
int32_t load(DType t, const uint8_t* base, int64_t i) {
  switch (t) {
    case DType::kInt8: return reinterpret_cast<const int8_t*>(base)[i];
    case DType::kUInt8: return base[i];
    default: return reinterpret_cast<const int16_t*>(base)[i];
  }
}

void PoolRowsInt(const PoolState& s, const uint8_t* in, uint8_t* out, int64_t row_begin, int64_t row_end) {
  const int C = s.ch;
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int b = int(row / s.out_h);
    const Window wy = window(int(row % s.out_h), s.stride_h, s.pad_top, s.filter_h, s.in_h);
    const int64_t in_b = int64_t(b) * s.in_h * s.in_w * C;
    for (int ox = 0; ox < s.out_w; ++ox) {
      const Window wx = window(ox, s.stride_w, s.pad_left, s.filter_w, s.in_w);
      const int64_t count = int64_t(std::max(0, wy.f1 - wy.f0)) * std::max(0, wx.f1 - wx.f0);
      for (int c = 0; c < C; ++c) {
        int64_t acc = s.kind == kMax ? std::numeric_limits<int64_t>::min() : 0;
        for (int fy = wy.f0; fy < wy.f1; ++fy) {
          const int64_t p = in_b + (int64_t(wy.origin + fy) * s.in_w + wx.origin) * C + c;
          for (int fx = wx.f0; fx < wx.f1; ++fx) {
            const int64_t v = load(s.type, in, p + int64_t(fx) * C);
            acc = s.kind == kMax ? std::max(acc, v) : acc + v;
          }
        }
        if (s.kind == kAvg && count > 0) acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
        const int32_t v = int32_t(std::min<int64_t>(std::max<int64_t>(acc, s.qlo), s.qhi));
        const int64_t o = (row * s.out_w + ox) * C + c;
        if (s.type == DType::kInt16) reinterpret_cast<int16_t*>(out)[o] = int16_t(v);
        else out[o] = uint8_t(v);
      }
    }
  }
}

void EvalPool(OpContext& ctx) {
  const PoolState& s = ctx.state<PoolState>();
  const uint8_t* in = ctx.input(0).data;
  uint8_t* out = ctx.output(0).data;
  auto run = [&](int64_t b, int64_t e, int) {
    const float* fin = reinterpret_cast<const float*>(in);
    float* fout = reinterpret_cast<float*>(out);
    if (s.type != DType::kFloat32) PoolRowsInt(s, in, out, b, e);
    else if (s.kind == kMax) PoolRowsFloat<kMax>(s, fin, fout, b, e);
    else if (s.kind == kAvg) PoolRowsFloat<kAvg>(s, fin, fout, b, e);
    else PoolRowsFloat<kL2>(s, fin, fout, b, e);
  };
  const int64_t rows = int64_t(s.batch) * s.out_h;
  const int64_t work_per_row = std::max<int64_t>(1, int64_t(s.out_w) * s.ch * s.filter_h * s.filter_w);
  if (ctx.num_threads() > 1 && rows > 1 && rows * work_per_row >= (1 << 16))
    ctx.pool().parallel_for(rows, std::max<int64_t>(1, (1 << 14) / work_per_row), run);
  else
    run(0, rows, 0);
}

void PreparePool(OpContext& ctx, PoolKind kind) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  ctx.check_same_type(in, out);
  ctx.check(in.rank() == 4, "input must be 4-D NHWC, got shape ", in.shape);
  const Pool2DOptions o = ReadOptions(ctx);
  PoolState& s = ctx.state<PoolState>();
  s.kind = kind;
  s.type = in.type;
  s.stride_w = o.stride_w, s.stride_h = o.stride_h, s.filter_w = o.filter_w, s.filter_h = o.filter_h;
  s.batch = in.dim(0), s.in_h = in.dim(1), s.in_w = in.dim(2), s.ch = in.dim(3);
  const AxisGeometry gh = window_axis(ctx, s.in_h, s.filter_h, s.stride_h, 1, o.padding);
  const AxisGeometry gw = window_axis(ctx, s.in_w, s.filter_w, s.stride_w, 1, o.padding);
  s.out_h = gh.out, s.out_w = gw.out, s.pad_top = gh.pad_before, s.pad_left = gw.pad_before;
  const bool integer = in.type == DType::kInt8 || in.type == DType::kUInt8 || in.type == DType::kInt16;
  if (in.type == DType::kFloat32) {
    const ActRange r = float_activation_range(ctx, o.activation);
    s.lo = r.lo, s.hi = r.hi;
  } else if (integer && kind != kL2) {
    quantized_activation(ctx, o.activation, out, &s.qlo, &s.qhi);
  } else {
    ctx.unsupported_type(in, "input");
  }
  ctx.set_output_shape(0, {s.batch, s.out_h, s.out_w, s.ch});
}

void PrepareMax(OpContext& ctx) { PreparePool(ctx, kMax); }
void PrepareAvg(OpContext& ctx) { PreparePool(ctx, kAvg); }
void PrepareL2(OpContext& ctx) { PreparePool(ctx, kL2); }

}  // namespace

void Register_MAX_POOL_2D(OpRegistry& r) {
  r.add({op::MAX_POOL_2D, "MAX_POOL_2D", kAnyType, 3, PrepareMax, EvalPool});
}
void Register_AVERAGE_POOL_2D(OpRegistry& r) {
  r.add({op::AVERAGE_POOL_2D, "AVERAGE_POOL_2D", kAnyType, 3, PrepareAvg, EvalPool});
}
void Register_L2_POOL_2D(OpRegistry& r) {
  r.add({op::L2_POOL_2D, "L2_POOL_2D", kAnyType, 1, PrepareL2, EvalPool});
}

}  // namespace slimrt
