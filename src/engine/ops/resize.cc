// RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR over NHWC tensors to the size [height, width] held by input 1
// (int32). Options: align_corners, half_pixel_centers (not both). One file: the same prepare, different kernels.
//
// Source coordinates follow the reference kernels: scale = in / out (align_corners: (in - 1) / (out - 1)),
// source = out_index * scale, or (out_index + 0.5) * scale - 0.5 with half_pixel_centers.
// RESIZE_BILINEAR: float32 interpolates in float (kernels/resize.h); uint8 the same float arithmetic plus 0.5,
// truncated; int8 and int16 the reference's integer form with 10 fractional bits (bit-exact).
// RESIZE_NEAREST_NEIGHBOR: any type (whole pixels are copied); the source index is floor(source) (round with
// align_corners), clamped to the input.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/resize.h"
#include "kernels/threadpool.h"
#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct ResizeState : OpState {
  bool align = false, half = false;
  int N = 0, H = 0, W = 0, C = 0, OH = 0, OW = 0;
  size_t es = 0;
};

// ---- RESIZE_NEAREST_NEIGHBOR ----

int32_t Nearest(const ResizeState& s, int v, int32_t in, int32_t out) {
  const float scale = (s.align && out > 1) ? float(in - 1) / float(out - 1) : float(in) / float(out);
  const float x = (float(v) + (s.half ? 0.5f : 0.f)) * scale;
  int32_t r = std::min(int32_t(s.align ? std::round(x) : std::floor(x)), in - 1);
  return s.half ? std::max(r, int32_t(0)) : r;
}

void EvalNearest(OpContext& ctx) {
  const ResizeState& s = ctx.state<ResizeState>();
  const uint8_t* in = ctx.input(0).data;
  uint8_t* out = ctx.output(0).data;
  const size_t pixel = size_t(s.C) * s.es;
  for (int b = 0; b < s.N; ++b)
    for (int y = 0; y < s.OH; ++y) {
      const uint8_t* row = in + (int64_t(b) * s.H + Nearest(s, y, s.H, s.OH)) * s.W * int64_t(pixel);
      for (int x = 0; x < s.OW; ++x, out += pixel)
        std::memcpy(out, row + int64_t(Nearest(s, x, s.W, s.OW)) * int64_t(pixel), pixel);
    }
}

// ---- RESIZE_BILINEAR ----

void EvalBilinearFloat(OpContext& ctx) {
  const ResizeState& s = ctx.state<ResizeState>();
  const kernels::ResizeGeometry g{s.N, s.H, s.W, s.C, s.OH, s.OW, s.align, s.half};
  const float* in = ctx.input(0).as<float>();
  float* out = ctx.output(0).as<float>();
  const int64_t rows = int64_t(s.N) * s.OH;
  auto run = [&](int64_t b, int64_t e, int) { kernels::resize_bilinear_rows(g, in, out, b, e); };
  if (ctx.num_threads() > 1 && rows > 1 && rows * s.OW * s.C >= (1 << 15))
    ctx.pool().parallel_for(rows, 1, run);
  else
    run(0, rows, 0);
}

// uint8: the float formula, + 0.5 and truncation (as the reference's uint8 kernel).
void EvalBilinearU8(OpContext& ctx) {
  const ResizeState& s = ctx.state<ResizeState>();
  const uint8_t* in = ctx.input(0).data;
  uint8_t* out = ctx.output(0).data;
  const float hs = kernels::resize_scale(s.H, s.OH, s.align), ws = kernels::resize_scale(s.W, s.OW, s.align);
  for (int b = 0; b < s.N; ++b)
    for (int y = 0; y < s.OH; ++y) {
      const kernels::ResizeTap ty = kernels::resize_tap(y, hs, s.half, s.H);
      for (int x = 0; x < s.OW; ++x) {
        const kernels::ResizeTap tx = kernels::resize_tap(x, ws, s.half, s.W);
        const float dy = ty.v - float(ty.i0), dx = tx.v - float(tx.i0);
        auto at = [&](int yy, int xx, int c) {
          return float(in[((int64_t(b) * s.H + yy) * s.W + xx) * s.C + c]);
        };
        for (int c = 0; c < s.C; ++c, ++out)
          *out = uint8_t(at(ty.i0, tx.i0, c) * (1 - dy) * (1 - dx) + at(ty.i1, tx.i0, c) * dy * (1 - dx) +
                         at(ty.i0, tx.i1, c) * (1 - dy) * dx + at(ty.i1, tx.i1, c) * dy * dx + 0.5f);
      }
    }
}

// int8 / int16: positions in 10-bit fixed point, products in int64, rounded half away from zero.
struct IntTap {
  int32_t v, i0, i1;
};
IntTap IntegerTap(int v, int32_t scale10, bool half, int32_t in) {
  const int32_t x = half ? v * scale10 + scale10 / 2 - (1 << 9) : v * scale10;
  return {x, std::max(x / (1 << 10), int32_t(0)), std::min((x + (1 << 10) - 1) / (1 << 10), in - 1)};
}

int32_t Scale10(int32_t in, int32_t out, bool align) {
  if (align && out > 1) return ((1 << 10) * (in - 1) + (out - 1) / 2) / (out - 1);
  return ((1 << 10) * in + out / 2) / out;
}

void EvalBilinearInt(OpContext& ctx) {
  const ResizeState& s = ctx.state<ResizeState>();
  const Tensor& it = ctx.input(0);
  const bool i16 = it.type == DType::kInt16;
  uint8_t* out = ctx.output(0).data;
  const int32_t hs = Scale10(s.H, s.OH, s.align), ws = Scale10(s.W, s.OW, s.align);
  auto at = [&](int64_t i) -> int64_t { return i16 ? it.as<int16_t>()[i] : it.as<int8_t>()[i]; };
  int64_t o = 0;
  for (int b = 0; b < s.N; ++b)
    for (int y = 0; y < s.OH; ++y) {
      const IntTap ty = IntegerTap(y, hs, s.half, s.H);
      const int64_t wy1 = ty.v - (1 << 10) * ty.i0, wy0 = (1 << 10) - wy1;
      for (int x = 0; x < s.OW; ++x) {
        const IntTap tx = IntegerTap(x, ws, s.half, s.W);
        const int64_t wx1 = tx.v - (1 << 10) * tx.i0, wx0 = (1 << 10) - wx1;
        const int64_t r0 = (int64_t(b) * s.H + ty.i0) * s.W, r1 = (int64_t(b) * s.H + ty.i1) * s.W;
        for (int c = 0; c < s.C; ++c, ++o) {
          const int64_t v = at((r0 + tx.i0) * s.C + c) * wy0 * wx0 + at((r1 + tx.i0) * s.C + c) * wy1 * wx0 +
                            at((r0 + tx.i1) * s.C + c) * wy0 * wx1 + at((r1 + tx.i1) * s.C + c) * wy1 * wx1;
          const int64_t q = (v + (v > 0 ? (1 << 19) : -(1 << 19))) / (1 << 20);
          if (i16) reinterpret_cast<int16_t*>(out)[o] = int16_t(q);
          else out[o] = uint8_t(int8_t(q));
        }
      }
    }
}

// ---- shared prepare ----

void Prepare(OpContext& ctx, bool bilinear) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  ctx.check_same_type(in, ctx.output(0));
  ctx.check(in.rank() == 4, "input must be 4-D NHWC, got shape ", in.shape);
  ResizeState& s = ctx.state<ResizeState>();
  const fb::Table o = ctx.options(bilinear ? opt::ResizeBilinearOptions : opt::ResizeNearestNeighborOptions);
  s.align = o.get<uint8_t>(bilinear ? 2 : 0, 0) != 0;
  s.half = o.get<uint8_t>(bilinear ? 3 : 1, 0) != 0;
  ctx.check(!bilinear || !(s.align && s.half), "align_corners and half_pixel_centers cannot both be set");
  ctx.check_type(ctx.input(1), DType::kInt32, "size");
  const std::vector<int64_t> size = ctx.input_ints(1, "size");
  ctx.check(size.size() == 2 && size[0] > 0 && size[1] > 0 && size[0] < (1 << 20) && size[1] < (1 << 20),
            "size must hold two positive values, got ", size);
  s.N = in.dim(0), s.H = in.dim(1), s.W = in.dim(2), s.C = in.dim(3);
  s.OH = int(size[0]), s.OW = int(size[1]);
  s.es = elem_size(ctx, in, "input");
  ctx.check(int64_t(s.H) * s.W > 0 || int64_t(s.N) * s.C == 0, "cannot resize an empty image");
  ctx.check(int64_t(s.H) << 10 < (int64_t(1) << 31) && int64_t(s.W) << 10 < (int64_t(1) << 31), "input too large");
  ctx.set_output_shape(0, {s.N, s.OH, s.OW, s.C});
  if (!bilinear) return ctx.set_eval(EvalNearest);
  switch (in.type) {
    case DType::kFloat32: return ctx.set_eval(EvalBilinearFloat);
    case DType::kUInt8: return ctx.set_eval(EvalBilinearU8);
    case DType::kInt8:
    case DType::kInt16: return ctx.set_eval(EvalBilinearInt);
    default: ctx.unsupported_type(in, "input");
  }
}

void PrepareBilinear(OpContext& ctx) { Prepare(ctx, true); }
void PrepareNearest(OpContext& ctx) { Prepare(ctx, false); }

}  // namespace

void Register_RESIZE_BILINEAR(OpRegistry& r) {
  r.add({op::RESIZE_BILINEAR, "RESIZE_BILINEAR", kAnyType, 4, PrepareBilinear, nullptr});
}
void Register_RESIZE_NEAREST_NEIGHBOR(OpRegistry& r) {
  r.add({op::RESIZE_NEAREST_NEIGHBOR, "RESIZE_NEAREST_NEIGHBOR", kAnyType, 4, PrepareNearest, nullptr});
}

}  // namespace slimrt
