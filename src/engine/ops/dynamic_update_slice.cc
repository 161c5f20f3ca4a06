// DYNAMIC_UPDATE_SLICE (any element type): the operand with `update` written at start_indices (a 1-D int32/int64
// input, one entry per dimension, read at invoke), each start clamped to [0, operand dim - update dim].
#include <algorithm>
#include <cstring>

#include "op.h"
#include "ops/movement.h"
#include "ops/util.h"

namespace slimrt {
namespace {

void PrepareDus(OpContext& ctx) {
  ctx.check_inputs(3, 3);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  const Tensor& upd = ctx.input(1);
  const Tensor& start = ctx.input(2);
  same_type_elements(ctx, in, ctx.output(0));
  ctx.check(upd.type == in.type && upd.rank() == in.rank(), "update ", dtype_name(upd.type), " ", upd.shape,
            " must have the operand's type and rank (", dtype_name(in.type), " ", in.shape, ")");
  for (int d = 0; d < in.rank(); ++d)
    ctx.check(upd.dim(d) <= in.dim(d), "update ", upd.shape, " is larger than the operand ", in.shape);
  ctx.check((start.type == DType::kInt32 || start.type == DType::kInt64) && start.rank() == 1 &&
                start.dim(0) == in.rank(),
            "start_indices must be a 1-D int32/int64 tensor with ", in.rank(), " entries, got ",
            dtype_name(start.type), " ", start.shape);
  ctx.set_output_shape(0, in.shape);
}

void EvalDus(OpContext& ctx) {
  const Tensor& in = ctx.input(0);
  const Tensor& upd = ctx.input(1);
  Tensor& out = ctx.output(0);
  const size_t es = dtype_size(in.type);
  const size_t total = size_t(in.elements()) * es;
  if (total && out.data != in.data) std::memcpy(out.data, in.data, total);
  const std::vector<int64_t> start = ctx.input_ints(2, "start_indices");
  const std::vector<int64_t> stride = shape_strides(in.shape);
  StridedView v;  // where the update goes in the output
  for (int d = 0; d < in.rank(); ++d) {
    const int64_t s = std::min<int64_t>(std::max<int64_t>(start[size_t(d)], 0), in.dim(d) - upd.dim(d));
    v.start += s * stride[size_t(d)];
    v.add(upd.dim(d), stride[size_t(d)]);
  }
  if (in.rank() == 0) v.add(1, 1);  // not folded: the innermost step stays 1, so rows are contiguous in both
  const size_t row = size_t(v.count.back()) * es;
  const uint8_t* src = upd.data;
  v.for_each_row([&](int64_t pos) {
    std::memcpy(out.data + size_t(pos) * es, src, row);
    src += row;
  });
}

}  // namespace

void Register_DYNAMIC_UPDATE_SLICE(OpRegistry& r) {
  r.add({op::DYNAMIC_UPDATE_SLICE, "DYNAMIC_UPDATE_SLICE", kAnyType, 4, PrepareDus, EvalDus});
}

}  // namespace slimrt
