// EXPAND_DIMS and SQUEEZE (any element type): the input's bytes under a shape with a size-1 dimension inserted at
// `axis` (an int32/int64 scalar input, in [-rank-1, rank]) or with size-1 dimensions removed (SqueezeOptions
// squeeze_dims, each naming a size-1 dimension; none = all of them).
#include "op.h"
#include "ops/movement.h"
#include "ops/util.h"

namespace slimrt {
namespace {

void PrepareExpandDims(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  same_type_elements(ctx, in, ctx.output(0));
  const int rank = in.rank();
  int64_t axis = input_scalar(ctx, 1, "axis");
  ctx.check(axis >= -rank - 1 && axis <= rank, "axis ", axis, " is out of range for an input of rank ", rank);
  if (axis < 0) axis += rank + 1;
  Shape shape = in.shape;
  shape.insert(shape.begin() + axis, 1);
  ctx.set_output_shape(0, shape);
}

void PrepareSqueeze(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  same_type_elements(ctx, in, ctx.output(0));
  const int rank = in.rank();
  const fb::Vector<int32_t> dims = ctx.options(opt::SqueezeOptions).vec<int32_t>(0, "SqueezeOptions.squeeze_dims");
  std::vector<char> drop(size_t(rank), dims.empty() ? 1 : 0);
  for (uint32_t k = 0; k < dims.size(); ++k) {
    const int d = normalize_axis(ctx, dims[k], rank);
    ctx.check(in.dim(d) == 1, "cannot squeeze dimension ", d, " of shape ", in.shape, ": its size is not 1");
    drop[size_t(d)] = 1;
  }
  Shape shape;
  for (int d = 0; d < rank; ++d)
    if (!drop[size_t(d)] || in.dim(d) != 1) shape.push_back(in.dim(d));
  ctx.set_output_shape(0, shape);
}

}  // namespace

void Register_EXPAND_DIMS(OpRegistry& r) {
  r.add({op::EXPAND_DIMS, "EXPAND_DIMS", kAnyType, 1, PrepareExpandDims, EvalCopyInput});
}
void Register_SQUEEZE(OpRegistry& r) { r.add({op::SQUEEZE, "SQUEEZE", kAnyType, 1, PrepareSqueeze, EvalCopyInput}); }

}  // namespace slimrt
