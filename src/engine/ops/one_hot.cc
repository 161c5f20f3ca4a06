// ONE_HOT: indices (int32/int64) -> a tensor with a new dimension of size `depth` (an int32 scalar input) at
// `axis` (OneHotOptions; -1 = last, absent = 0), holding on_value where the index equals the position and off_value elsewhere
// (indices outside [0, depth) give all off_value). on/off values are scalars of the output type (any type).
#include <cstring>

#include "op.h"
#include "ops/movement.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct OneHotState : OpState {
  int64_t outer = 1, depth = 0, inner = 1;
  size_t es = 0;
};

void PrepareOneHot(OpContext& ctx) {
  ctx.check_inputs(4, 4);
  ctx.check_outputs(1);
  const Tensor& idx = ctx.input(0);
  const Tensor& out = ctx.output(0);
  ctx.check(idx.type == DType::kInt32 || idx.type == DType::kInt64, "indices '", idx.name,
            "' must be int32 or int64, got ", dtype_name(idx.type));
  OneHotState& s = ctx.state<OneHotState>();
  s.es = elem_size(ctx, out, "output");
  for (int i = 2; i < 4; ++i) {
    const Tensor& v = ctx.input(i);
    ctx.check(v.type == out.type && v.elements() == 1, i == 2 ? "on_value" : "off_value", " '", v.name,
              "' must be one ", dtype_name(out.type), " value, got ", dtype_name(v.type), " ", v.shape);
  }
  s.depth = input_scalar(ctx, 1, "depth");
  ctx.check(s.depth >= 0, "depth ", s.depth, " is negative");
  const int rank = idx.rank();
  int axis = ctx.options(opt::OneHotOptions).get<int32_t>(0, 0);
  ctx.check(axis >= -1 && axis <= rank, "axis ", axis, " is out of range for indices of rank ", rank);
  if (axis < 0) axis = rank;
  s.outer = dims_product(idx.shape, 0, axis);
  s.inner = dims_product(idx.shape, axis, rank);
  Shape shape = idx.shape;
  shape.insert(shape.begin() + axis, to_dim(ctx, s.depth, "depth"));
  ctx.set_output_shape(0, shape);
}

void EvalOneHot(OpContext& ctx) {
  const OneHotState& s = ctx.state<OneHotState>();
  const Tensor& idx = ctx.input(0);
  const uint8_t* on = ctx.input(2).data;
  const uint8_t* off = ctx.input(3).data;
  uint8_t* out = ctx.output(0).data;
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t d = 0; d < s.depth; ++d)
      for (int64_t i = 0; i < s.inner; ++i, out += s.es)
        std::memcpy(out, index_at(idx, o * s.inner + i) == d ? on : off, s.es);
}

}  // namespace

void Register_ONE_HOT(OpRegistry& r) { r.add({op::ONE_HOT, "ONE_HOT", kAnyType, 1, PrepareOneHot, EvalOneHot}); }

}  // namespace slimrt
