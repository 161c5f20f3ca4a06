// BROADCAST_ARGS: the broadcast of two shapes (1-D int32/int64 inputs of one type): aligned from the right, each
// pair of dimensions must be equal or contain a 1. The output's length is known from the input shapes; its values
// are computed at invoke (or folded at allocate when both shapes are constant).
#include <algorithm>

#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

void PrepareBroadcastArgs(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  ctx.check((a.type == DType::kInt32 || a.type == DType::kInt64) && b.type == a.type && a.rank() == 1 &&
                b.rank() == 1,
            "inputs must be 1-D int32 or int64 tensors of one type, got ", dtype_name(a.type), " ", a.shape, " and ",
            dtype_name(b.type), " ", b.shape);
  ctx.check_same_type(a, ctx.output(0));
  ctx.set_output_shape(0, Shape{std::max(a.dim(0), b.dim(0))});
}

void EvalBroadcastArgs(OpContext& ctx) {
  const std::vector<int64_t> a = ctx.input_ints(0, "shape"), b = ctx.input_ints(1, "shape");
  Tensor& out = ctx.output(0);
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const int64_t x = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t y = i < n - b.size() ? 1 : b[i - (n - b.size())];
    ctx.check(x == y || x == 1 || y == 1, "shapes ", a, " and ", b, " cannot be broadcast");
    const int64_t d = x == 1 ? y : x;
    if (out.type == DType::kInt32) out.as<int32_t>()[i] = int32_t(d);
    else out.as<int64_t>()[i] = d;
  }
}

}  // namespace

void Register_BROADCAST_ARGS(OpRegistry& r) {
  r.add({op::BROADCAST_ARGS, "BROADCAST_ARGS", kAnyType, 1, PrepareBroadcastArgs, EvalBroadcastArgs});
}

}  // namespace slimrt
