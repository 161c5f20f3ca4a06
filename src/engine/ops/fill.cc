// FILL (output of the shape given by input 0, every element equal to the scalar input 1, of its type) and
// ZEROS_LIKE (zeros of the input's shape and type). Any fixed-size type; values are copied raw.
#include <cstring>

#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

void EvalFill(OpContext& ctx) {
  const Tensor& value = ctx.input(1);
  Tensor& out = ctx.output(0);
  fill_elements(out.as<uint8_t>(), size_t(out.elements()), value.as<uint8_t>(), dtype_size(out.type));
}

void PrepareFill(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& value = ctx.input(1);
  Tensor& out = ctx.output(0);
  ctx.check(value.elements() == 1 && value.rank() <= 1, "value must be a scalar, got shape ", value.shape);
  ctx.check_same_type(value, out);
  elem_size(ctx, value, "value");
  ctx.check(ctx.input(0).rank() == 1, "dims must be a 1-D tensor, got shape ", ctx.input(0).shape);
  const std::vector<int64_t> dims = ctx.input_ints(0, "dims");
  Shape shape;
  for (int64_t d : dims) shape.push_back(to_dim(ctx, d, "dimension"));
  ctx.set_output_shape(0, shape);
}

void EvalZerosLike(OpContext& ctx) {
  Tensor& out = ctx.output(0);
  std::memset(out.data, 0, size_t(out.elements()) * dtype_size(out.type));
}

void PrepareZerosLike(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  ctx.check_same_type(in, ctx.output(0));
  elem_size(ctx, in, "input");
  ctx.set_output_shape(0, in.shape);
}

}  // namespace

void Register_FILL(OpRegistry& r) { r.add({op::FILL, "FILL", kAnyType, 4, PrepareFill, EvalFill}); }
void Register_ZEROS_LIKE(OpRegistry& r) {
  r.add({op::ZEROS_LIKE, "ZEROS_LIKE", kAnyType, 1, PrepareZerosLike, EvalZerosLike});
}

}  // namespace slimrt
