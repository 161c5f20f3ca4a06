// ARG_MAX and ARG_MIN: the index of the largest / smallest value along one axis (input 1, a one-element int32 or
// int64 tensor), the first one on ties, as int32 or int64 (ArgMaxOptions / ArgMinOptions output_type, which must
// match the output tensor). Inputs: float32, int8, uint8, int32, bool (values compared exactly as doubles).
#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct ArgState : OpState {
  int64_t outer = 0, axis_size = 0, inner = 0;
  bool is_max = true;
};

double load(DType t, const uint8_t* p, int64_t i) {
  switch (t) {
    case DType::kFloat32: return reinterpret_cast<const float*>(p)[i];
    case DType::kInt8: return reinterpret_cast<const int8_t*>(p)[i];
    case DType::kInt32: return reinterpret_cast<const int32_t*>(p)[i];
    default: return p[i];  // uint8, bool
  }
}

void Eval(OpContext& ctx) {
  const ArgState& s = ctx.state<ArgState>();
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t j = 0; j < s.inner; ++j) {
      const int64_t base = o * s.axis_size * s.inner + j;
      double best = load(in.type, in.data, base);
      int64_t arg = 0;
      for (int64_t k = 1; k < s.axis_size; ++k) {
        const double v = load(in.type, in.data, base + k * s.inner);
        if (s.is_max ? v > best : v < best) best = v, arg = k;
      }
      const int64_t i = o * s.inner + j;
      if (out.type == DType::kInt32) out.as<int32_t>()[i] = int32_t(arg);
      else out.as<int64_t>()[i] = arg;
    }
  }
}

void Prepare(OpContext& ctx, bool is_max) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  const int output_type = ctx.options(is_max ? opt::ArgMaxOptions : opt::ArgMinOptions).get<int8_t>(0, 0);
  ctx.check(out.type == DType::kInt32 || out.type == DType::kInt64, "output must be int32 or int64, got ",
            dtype_name(out.type));
  ctx.check(output_type == int(out.type), "output_type option ", output_type, " does not match the output type ",
            dtype_name(out.type));
  switch (in.type) {
    case DType::kFloat32: case DType::kInt8: case DType::kUInt8: case DType::kInt32: case DType::kBool: break;
    default: ctx.unsupported_type(in, "input");
  }
  ctx.check(in.rank() >= 1, "input must have rank >= 1");
  const int axis = input_axis(ctx, 1, in.rank());
  ArgState& s = ctx.state<ArgState>();
  s.is_max = is_max;
  s.outer = s.inner = 1;
  Shape shape;
  for (int i = 0; i < in.rank(); ++i) {
    if (i < axis) s.outer *= in.dim(i);
    if (i > axis) s.inner *= in.dim(i);
    if (i != axis) shape.push_back(in.dim(i));
  }
  s.axis_size = in.dim(axis);
  ctx.check(s.axis_size > 0 || s.outer * s.inner == 0, "cannot take the arg max/min over an empty axis");
  ctx.set_output_shape(0, shape);
}

void PrepareMax(OpContext& ctx) { Prepare(ctx, true); }
void PrepareMin(OpContext& ctx) { Prepare(ctx, false); }

}  // namespace

void Register_ARG_MAX(OpRegistry& r) { r.add({op::ARG_MAX, "ARG_MAX", kAnyType, 3, PrepareMax, Eval}); }
void Register_ARG_MIN(OpRegistry& r) { r.add({op::ARG_MIN, "ARG_MIN", kAnyType, 3, PrepareMin, Eval}); }

}  // namespace slimrt
