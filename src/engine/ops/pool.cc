// Float 2-D pooling over NHWC tensors: MAX_POOL_2D and AVERAGE_POOL_2D (SAME/VALID padding, strides, fused
// clamp activations). Average pooling divides by the number of window elements inside the input, as TFLite does.
#include <algorithm>
#include <cstring>
#include <limits>

#include "kernels/threadpool.h"
#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

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
  float lo = 0, hi = 0;
};

void PreparePool(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  ctx.check_type(in, DType::kFloat32, "input");
  ctx.check_type(ctx.output(0), DType::kFloat32, "output");
  ctx.check(in.rank() == 4, "input must be 4-D NHWC, got shape ", in.shape);
  const Pool2DOptions o = ReadOptions(ctx);
  const int padding = o.padding;
  PoolState& s = ctx.state<PoolState>();
  s.stride_w = o.stride_w;
  s.stride_h = o.stride_h;
  s.filter_w = o.filter_w;
  s.filter_h = o.filter_h;
  ActRange r = float_activation_range(ctx, o.activation);
  s.lo = r.lo;
  s.hi = r.hi;
  s.batch = in.dim(0);
  s.in_h = in.dim(1);
  s.in_w = in.dim(2);
  s.ch = in.dim(3);
  const AxisGeometry gh = window_axis(ctx, s.in_h, s.filter_h, s.stride_h, 1, padding);
  const AxisGeometry gw = window_axis(ctx, s.in_w, s.filter_w, s.stride_w, 1, padding);
  s.out_h = gh.out;
  s.out_w = gw.out;
  s.pad_top = gh.pad_before;
  s.pad_left = gw.pad_before;
  ctx.set_output_shape(0, {s.batch, s.out_h, s.out_w, s.ch});
}

template <bool kMax>
void PoolRows(const PoolState& s, const float* in, float* out, int64_t row_begin, int64_t row_end) {
  const int C = s.ch;
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int b = int(row / s.out_h), oy = int(row % s.out_h);
    const int iy0 = oy * s.stride_h - s.pad_top;
    const int fy0 = std::max(0, -iy0), fy1 = std::min(s.filter_h, s.in_h - iy0);
    const float* in_b = in + int64_t(b) * s.in_h * s.in_w * C;
    float* out_row = out + row * s.out_w * C;
    for (int ox = 0; ox < s.out_w; ++ox) {
      const int ix0 = ox * s.stride_w - s.pad_left;
      const int fx0 = std::max(0, -ix0), fx1 = std::min(s.filter_w, s.in_w - ix0);
      float* o = out_row + int64_t(ox) * C;
      const int count = std::max(0, fy1 - fy0) * std::max(0, fx1 - fx0);
      if (kMax) {
        for (int c = 0; c < C; ++c) o[c] = std::numeric_limits<float>::lowest();
      } else {
        for (int c = 0; c < C; ++c) o[c] = 0.f;
      }
      for (int fy = fy0; fy < fy1; ++fy) {
        const float* in_row = in_b + (int64_t(iy0 + fy) * s.in_w + ix0) * C;
        for (int fx = fx0; fx < fx1; ++fx) {
          const float* p = in_row + int64_t(fx) * C;
          if (kMax) {
            for (int c = 0; c < C; ++c) o[c] = std::max(o[c], p[c]);
          } else {
            for (int c = 0; c < C; ++c) o[c] += p[c];
          }
        }
      }
      if (kMax) {
        for (int c = 0; c < C; ++c) o[c] = std::min(std::max(o[c], s.lo), s.hi);
      } else {
        // A window entirely in the padding has nothing to average: output 0 (clamped).
        const float inv = count > 0 ? 1.f / float(count) : 0.f;
        if (count > 0) {
          for (int c = 0; c < C; ++c) o[c] = std::min(std::max(o[c] / float(count), s.lo), s.hi);
        } else {
          for (int c = 0; c < C; ++c) o[c] = std::min(std::max(o[c] * inv, s.lo), s.hi);
        }
      }
    }
  }
}

template <bool kMax>
void EvalPool(OpContext& ctx) {
  const PoolState& s = ctx.state<PoolState>();
  const float* in = ctx.input(0).as<float>();
  float* out = ctx.output(0).as<float>();
  const int64_t rows = int64_t(s.batch) * s.out_h;
  const int64_t work_per_row = int64_t(s.out_w) * s.ch * s.filter_h * s.filter_w;
  if (ctx.num_threads() > 1 && rows > 1 && rows * work_per_row >= (1 << 16)) {
    const int64_t grain = std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, work_per_row));
    ctx.pool().parallel_for(rows, grain, [&](int64_t b, int64_t e, int) { PoolRows<kMax>(s, in, out, b, e); });
  } else {
    PoolRows<kMax>(s, in, out, 0, rows);
  }
}

}  // namespace

// Versions 2+ add int8/int16 inputs; the float kernel covers every float feature.
void Register_MAX_POOL_2D(OpRegistry& r) {
  r.add({op::MAX_POOL_2D, "MAX_POOL_2D", DType::kFloat32, 3, PreparePool, EvalPool<true>});
}
void Register_AVERAGE_POOL_2D(OpRegistry& r) {
  r.add({op::AVERAGE_POOL_2D, "AVERAGE_POOL_2D", DType::kFloat32, 3, PreparePool, EvalPool<false>});
}

}  // namespace slimrt
