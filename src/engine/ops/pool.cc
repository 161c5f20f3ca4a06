// 2-D pooling over NHWC tensors: MAX_POOL_2D, AVERAGE_POOL_2D and L2_POOL_2D (Pool2DOptions: SAME/VALID padding,
// strides, filter size, fused clamp activation).
//
// float32: every op. Average pooling divides by the number of window elements inside the input, as TFLite does;
// L2 pooling is sqrt(sum of squares / that count).
// int8 / uint8 / int16 (MAX and AVERAGE): the reference kernels work on the raw integers (input and output share
// scale and zero point), bit-exact: max of the window, or the int64 window sum divided by the count rounding half
// away from zero; then the fused activation as a clamp in the output's quantized domain.
// The row loops are kernels/pool.cc (vectorized float rows for the machine's kernel set; integer rows).
// Versions: 1 float, 2 int8/uint8, 3 int16 (and the uint16 variant, which slimrt refuses by type).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/pool.h"
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

void EvalPool(OpContext& ctx) {
  const PoolState& s = ctx.state<PoolState>();
  const uint8_t* in = ctx.input(0).data;
  uint8_t* out = ctx.output(0).data;
  const kernels::PoolParams p{s.batch,    s.in_h,     s.in_w,     s.ch,       s.out_h,   s.out_w,  s.stride_h,
                              s.stride_w, s.filter_h, s.filter_w, s.pad_top, s.pad_left, s.lo,     s.hi};
  const kernels::PoolKind kind = s.kind == kMax   ? kernels::PoolKind::kMax
                                 : s.kind == kAvg ? kernels::PoolKind::kAvg
                                                  : kernels::PoolKind::kL2;
  const int itype = s.type == DType::kInt8 ? 0 : s.type == DType::kUInt8 ? 1 : 2;
  auto run = [&](int64_t b, int64_t e, int) {
    if (s.type == DType::kFloat32)
      kernels::pool_rows_f32(p, kind, reinterpret_cast<const float*>(in), reinterpret_cast<float*>(out), b, e);
    else
      kernels::pool_rows_int(p, kind, itype, in, out, s.qlo, s.qhi, b, e);
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
