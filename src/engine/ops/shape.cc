// SHAPE and RANK (any input type): the input's shape as a 1-D int32/int64 tensor (ShapeOptions.out_type names
// the output type, which the output tensor's type must match) and its rank as an int32 scalar. Both depend only
// on input shapes (kShapeOnly): with known shapes they fold at allocate_tensors(), so SHAPE -> STRIDED_SLICE ->
// PACK -> RESHAPE chains resolve to constants; after a dynamic input they run at invoke.
#include <cstring>

#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

void PrepareShape(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& out = ctx.output(0);
  const int out_type = ctx.options(opt::ShapeOptions).get<int8_t>(0, int8_t(out.type));
  ctx.check(out.type == DType::kInt32 || out.type == DType::kInt64, "output '", out.name,
            "' must be int32 or int64, got ", dtype_name(out.type));
  ctx.check(out_type == int(out.type), "ShapeOptions.out_type ", out_type, " differs from the output type ",
            dtype_name(out.type));
  ctx.set_output_shape(0, Shape{int32_t(ctx.input(0).rank())});
}

void EvalShape(OpContext& ctx) {
  const Shape& s = ctx.input(0).shape;
  Tensor& out = ctx.output(0);
  for (size_t i = 0; i < s.size(); ++i) {
    if (out.type == DType::kInt32) out.as<int32_t>()[i] = s[i];
    else out.as<int64_t>()[i] = s[i];
  }
}

void PrepareRank(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  ctx.check_type(ctx.output(0), DType::kInt32, "output");
  ctx.set_output_shape(0, Shape{});
}

void EvalRank(OpContext& ctx) { *ctx.output(0).as<int32_t>() = ctx.input(0).rank(); }

}  // namespace

void Register_SHAPE(OpRegistry& r) { r.add({op::SHAPE, "SHAPE", kAnyType, 1, PrepareShape, EvalShape, kShapeOnly}); }
void Register_RANK(OpRegistry& r) { r.add({op::RANK, "RANK", kAnyType, 1, PrepareRank, EvalRank, kShapeOnly}); }

}  // namespace slimrt
