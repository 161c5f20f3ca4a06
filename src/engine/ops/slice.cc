// SLICE and REVERSE_V2 (any element type), strided views of the input.
//   SLICE: begin and size (1-D int32/int64 inputs, one entry per dimension); size -1 means "to the end".
//   REVERSE_V2: the input reversed along the dimensions listed in the axis input (1-D int32/int64).
#include "op.h"
#include "ops/movement.h"
#include "ops/util.h"

namespace slimrt {
namespace {

void PrepareSlice(OpContext& ctx) {
  ctx.check_inputs(3, 3);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  ViewState& s = ctx.state<ViewState>();
  s.es = same_type_elements(ctx, in, ctx.output(0));
  const std::vector<int64_t> begin = ctx.input_ints(1, "begin");
  const std::vector<int64_t> size = ctx.input_ints(2, "size");
  const int rank = in.rank();
  ctx.check(int(begin.size()) == rank && int(size.size()) == rank, "begin ", begin, " and size ", size,
            " must have one entry per input dimension (", rank, ")");
  const std::vector<int64_t> stride = shape_strides(in.shape);
  Shape shape(size_t(rank), 0);
  s.view = StridedView();
  for (int d = 0; d < rank; ++d) {
    const int64_t n = in.dim(d), b = begin[size_t(d)];
    int64_t k = size[size_t(d)];
    ctx.check(b >= 0 && b <= n, "begin ", begin, " is out of range for shape ", in.shape);
    if (k == -1) k = n - b;
    ctx.check(k >= 0 && k <= n - b, "begin ", begin, " and size ", size, " are out of range for shape ", in.shape);
    shape[size_t(d)] = int32_t(k);
    s.view.start += b * stride[size_t(d)];
    s.view.add(k, stride[size_t(d)]);
  }
  s.view.fold();
  ctx.set_output_shape(0, shape);
}

void PrepareReverse(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  ViewState& s = ctx.state<ViewState>();
  s.es = same_type_elements(ctx, in, ctx.output(0));
  const int rank = in.rank();
  std::vector<char> flip(size_t(rank), 0);
  for (int64_t a : ctx.input_ints(1, "axis")) flip[size_t(normalize_axis(ctx, a, rank))] = 1;
  const std::vector<int64_t> stride = shape_strides(in.shape);
  s.view = StridedView();
  for (int d = 0; d < rank; ++d) {
    const int64_t n = in.dim(d), st = stride[size_t(d)];
    if (flip[size_t(d)] && n > 0) s.view.start += (n - 1) * st;
    s.view.add(n, flip[size_t(d)] ? -st : st);
  }
  s.view.fold();
  ctx.set_output_shape(0, in.shape);
}

}  // namespace

void Register_SLICE(OpRegistry& r) { r.add({op::SLICE, "SLICE", kAnyType, 6, PrepareSlice, EvalView}); }
void Register_REVERSE_V2(OpRegistry& r) {
  r.add({op::REVERSE_V2, "REVERSE_V2", kAnyType, 3, PrepareReverse, EvalView});
}

}  // namespace slimrt
