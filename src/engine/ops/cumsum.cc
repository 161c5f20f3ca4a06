// CUMSUM: cumulative sum along one axis (input 1, one int32 value), CumsumOptions exclusive (each output excludes
// its own element) and reverse (summing from the end). float32 (accumulated in float, in order), int32 and int64
// (wrapping).
#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct CumsumState : OpState {
  int64_t outer = 0, depth = 0, inner = 0;
  bool exclusive = false, reverse = false;
};

// U: the accumulator (float, or an unsigned integer of T's width so that overflow wraps).
template <class T, class U>
void Run(const CumsumState& s, const T* in, T* out) {
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t j = 0; j < s.inner; ++j) {
      U acc = U(0);
      for (int64_t k = 0; k < s.depth; ++k) {
        const int64_t i = (o * s.depth + (s.reverse ? s.depth - 1 - k : k)) * s.inner + j;
        const U v = U(in[i]);
        if (!s.exclusive) acc += v;
        out[i] = T(acc);
        if (s.exclusive) acc += v;
      }
    }
  }
}

void Eval(OpContext& ctx) {
  const CumsumState& s = ctx.state<CumsumState>();
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  switch (in.type) {
    case DType::kFloat32: return Run<float, float>(s, in.as<float>(), out.as<float>());
    case DType::kInt32: return Run<int32_t, uint32_t>(s, in.as<int32_t>(), out.as<int32_t>());
    default: return Run<int64_t, uint64_t>(s, in.as<int64_t>(), out.as<int64_t>());
  }
}

void Prepare(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  ctx.check_same_type(in, ctx.output(0));
  if (in.type != DType::kFloat32 && in.type != DType::kInt32 && in.type != DType::kInt64)
    ctx.unsupported_type(in, "input");
  ctx.check(in.rank() >= 1, "input must have rank >= 1");
  const int axis = input_axis(ctx, 1, in.rank());
  const fb::Table o = ctx.options(opt::CumsumOptions);
  CumsumState& s = ctx.state<CumsumState>();
  s.exclusive = o.get<uint8_t>(0, 0) != 0;
  s.reverse = o.get<uint8_t>(1, 0) != 0;
  s.outer = s.inner = 1;
  for (int i = 0; i < in.rank(); ++i) {
    if (i < axis) s.outer *= in.dim(i);
    if (i > axis) s.inner *= in.dim(i);
  }
  s.depth = in.dim(axis);
  ctx.set_output_shape(0, in.shape);
}

}  // namespace

void Register_CUMSUM(OpRegistry& r) { r.add({op::CUMSUM, "CUMSUM", kAnyType, 1, Prepare, Eval}); }

}  // namespace slimrt
