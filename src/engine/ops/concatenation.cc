// CONCATENATION (any element type) along one axis; float32 may fuse a clamp activation; uint8 inputs with
// other quantization than the output are rescaled (int8/int16 must share the output's quantization).
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>
#include <cmath>

#include "kernels/threadpool.h"
#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct ConcatState : OpState {
  int64_t outer = 1;
  std::vector<size_t> chunk;  // bytes per outer step of each input
  size_t out_chunk = 0;
  float lo = 0, hi = 0;
  bool clamp = false;
  // uint8 inputs whose quantization differs from the output's: rescale (scale, bias) per input.
  std::vector<char> rescale;
  std::vector<float> scale, bias;
  int32_t out_zp = 0;
};

void PrepareConcat(OpContext& ctx) {
  ctx.check(ctx.num_inputs() >= 1, "needs at least one input");
  ctx.check_outputs(1);
  const Tensor& in0 = ctx.input(0);
  Tensor& out = ctx.output(0);
  const size_t es = elem_size(ctx, in0, "input 0");
  ctx.check(out.type == in0.type, "output type ", dtype_name(out.type), " differs from input type ",
            dtype_name(in0.type));
  const int rank = in0.rank();
  const fb::Table o = ctx.options(opt::ConcatenationOptions);
  int axis = o.get<int32_t>(0, 0);
  const int act = o.get<int8_t>(1, 0);
  ctx.check(rank >= 1, "inputs must have rank >= 1");
  ctx.check(axis >= -rank && axis < rank, "axis ", axis, " out of range for rank ", rank);
  if (axis < 0) axis += rank;
  ConcatState& s = ctx.state<ConcatState>();
  s.clamp = false;
  if (in0.type == DType::kFloat32) {
    ActRange r = float_activation_range(ctx, act);
    s.lo = r.lo;
    s.hi = r.hi;
    s.clamp = act != kActNone;
  } else {
    ctx.check(act == kActNone, "fused activation is only supported for float32");
  }
  Shape shape = in0.shape;
  int64_t axis_total = 0;
  s.chunk.clear();
  s.rescale.clear();
  s.scale.clear();
  s.bias.clear();
  int64_t inner = 1;
  for (int i = axis + 1; i < rank; ++i) inner *= in0.dim(i);
  s.outer = 1;
  for (int i = 0; i < axis; ++i) s.outer *= in0.dim(i);
  const bool quant8 = in0.type == DType::kInt8 || in0.type == DType::kUInt8 || in0.type == DType::kInt16;
  for (int k = 0; k < ctx.num_inputs(); ++k) {
    const Tensor& t = ctx.input(k);
    ctx.check(t.type == in0.type, "input ", k, " type ", dtype_name(t.type), " differs from input 0 type ",
              dtype_name(in0.type));
    ctx.check(t.rank() == rank, "input ", k, " shape ", t.shape, " has a different rank than input 0 ", in0.shape);
    for (int d = 0; d < rank; ++d)
      ctx.check(d == axis || t.dim(d) == in0.dim(d), "input ", k, " shape ", t.shape,
                " does not match input 0 shape ", in0.shape, " outside axis ", axis);
    axis_total += t.dim(axis);
    s.chunk.push_back(size_t(int64_t(t.dim(axis)) * inner) * es);
    bool rescale = false;
    if (quant8 && out.quant.present() && t.quant.present()) {
      const float in_scale = t.quant.scale[0], out_scale = out.quant.scale[0];
      const int64_t in_zp = t.quant.zero_point.empty() ? 0 : t.quant.zero_point[0];
      const int64_t out_zp = out.quant.zero_point.empty() ? 0 : out.quant.zero_point[0];
      if (in_scale != out_scale || in_zp != out_zp) {
        ctx.check(in0.type == DType::kUInt8, "input ", k, " quantization (scale ", in_scale, ", zero point ", in_zp,
                  ") must equal the output's (scale ", out_scale, ", zero point ", out_zp, ") for ",
                  dtype_name(in0.type));
        rescale = true;
        const float sc = in_scale * (1.f / out_scale);
        s.scale.push_back(sc);
        s.bias.push_back(-float(in_zp) * sc);
        s.out_zp = int32_t(out_zp);
      }
    }
    if (!rescale) {
      s.scale.push_back(1.f);
      s.bias.push_back(0.f);
    }
    s.rescale.push_back(rescale ? 1 : 0);
  }
  shape[size_t(axis)] = to_dim(ctx, axis_total, "concatenated dimension");
  s.out_chunk = size_t(axis_total * inner) * es;
  ctx.set_output_shape(0, shape);
}

// Outer steps [o0, o1): every input's chunk of each step, then the fused clamp over those steps.
void ConcatRows(OpContext& ctx, const ConcatState& s, int64_t o0, int64_t o1) {
  Tensor& out = ctx.output(0);
  size_t off = 0;
  for (int k = 0; k < ctx.num_inputs(); ++k) {
    const uint8_t* src = ctx.input(k).data;
    const size_t c = s.chunk[size_t(k)];
    if (c) {
      uint8_t* dst = out.data + off;
      if (s.rescale[size_t(k)]) {
        const float sc = s.scale[size_t(k)], bi = s.bias[size_t(k)];
        for (int64_t o = o0; o < o1; ++o) {
          const uint8_t* a = src + size_t(o) * c;
          uint8_t* b = dst + size_t(o) * s.out_chunk;
          for (size_t j = 0; j < c; ++j) {
            int32_t v = int32_t(std::round(float(a[j]) * sc + bi)) + s.out_zp;
            b[j] = uint8_t(std::min(255, std::max(0, v)));
          }
        }
      } else {
        for (int64_t o = o0; o < o1; ++o) std::memcpy(dst + size_t(o) * s.out_chunk, src + size_t(o) * c, c);
      }
    }
    off += c;
  }
  if (s.clamp) {
    const size_t per = s.out_chunk / sizeof(float);
    float* p = out.as<float>() + size_t(o0) * per;
    const int64_t total = int64_t(size_t(o1 - o0) * per);
    for (int64_t i = 0; i < total; ++i) p[i] = std::min(std::max(p[i], s.lo), s.hi);
  }
}

// Large outputs split their outer steps across threads (about 32 KB per chunk).
void EvalConcat(OpContext& ctx) {
  const ConcatState& s = ctx.state<ConcatState>();
  const size_t bytes = size_t(s.outer) * s.out_chunk;
  if (ctx.num_threads() > 1 && s.outer > 1 && bytes >= (size_t(1) << 17)) {
    const int64_t grain = std::max<int64_t>(1, int64_t((size_t(1) << 15) / std::max<size_t>(1, s.out_chunk)));
    ctx.pool().parallel_for(s.outer, grain, [&](int64_t b, int64_t e, int) { ConcatRows(ctx, s, b, e); });
  } else {
    ConcatRows(ctx, s, 0, s.outer);
  }
}

}  // namespace

void Register_CONCATENATION(OpRegistry& r) {
  r.add({op::CONCATENATION, "CONCATENATION", kAnyType, 4, PrepareConcat, EvalConcat});
}

}  // namespace slimrt
