// RESHAPE (any element type): the new shape comes from the shape input (a 1-D int32/int64 tensor) or, without
// one, from ReshapeOptions.new_shape; one dimension may be -1. A shape computed at run time defers the node.
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>
#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

void PrepareReshape(OpContext& ctx) {
  ctx.check_inputs(1, 2);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  elem_size(ctx, in, "input");
  ctx.check(out.type == in.type, "output type ", dtype_name(out.type), " differs from input type ", dtype_name(in.type));
  std::vector<int64_t> want;
  const Tensor* shape_t = ctx.optional_input(1);
  // As TFLite: a 1-D integer shape tensor wins (a run-time one defers the node); otherwise the new_shape option,
  // where [0] is a legacy "scalar".
  if (shape_t && shape_t->rank() == 1 && (shape_t->type == DType::kInt32 || shape_t->type == DType::kInt64)) {
    want = ctx.input_ints(1, "shape");
  } else {
    want = ctx.options(opt::ReshapeOptions).vec<int32_t>(0, "ReshapeOptions.new_shape").to_vector<int64_t>();
    if (want.size() == 1 && want[0] == 0) want.clear();
  }
  const int64_t n_in = in.elements();
  int stretch = -1;
  int64_t known = 1;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] == -1) {
      ctx.check(stretch < 0, "new shape ", want, " has more than one -1");
      stretch = int(i);
    } else {
      ctx.check(want[i] >= 0 && want[i] <= std::numeric_limits<int32_t>::max(), "new shape ", want,
                " has an invalid dimension");
      known *= want[i];
      ctx.check(known <= (int64_t(1) << 40), "new shape ", want, " is too large");
    }
  }
  if (stretch >= 0) {
    if (known == 0) {
      ctx.check(n_in == 0, "cannot infer the -1 dimension of ", want, " for an input of ", n_in, " elements");
      want[size_t(stretch)] = 0;
    } else {
      ctx.check(n_in % known == 0, "cannot reshape ", in.shape, " to ", want);
      want[size_t(stretch)] = n_in / known;
    }
  }
  Shape shape(want.size());
  for (size_t i = 0; i < want.size(); ++i) shape[i] = to_dim(ctx, want[i], "dimension");
  ctx.check(shape_elements(shape) == n_in, "cannot reshape ", in.shape, " (", n_in, " elements) to ", shape);
  ctx.set_output_shape(0, shape);
}

void EvalCopy(OpContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const size_t n = size_t(out.elements()) * dtype_size(out.type);
  if (n && in.data != out.data) std::memcpy(out.data, in.data, n);
}

}  // namespace

void Register_RESHAPE(OpRegistry& r) { r.add({op::RESHAPE, "RESHAPE", kAnyType, 1, PrepareReshape, EvalCopy}); }

}  // namespace slimrt
