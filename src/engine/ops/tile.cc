// TILE (any element type): the input repeated multiples[d] times along each dimension d (multiples: a 1-D
// int32/int64 input with one non-negative entry per input dimension).
#include "op.h"
#include "ops/movement.h"
#include "ops/util.h"

namespace slimrt {
namespace {

void PrepareTile(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  ViewState& s = ctx.state<ViewState>();
  s.es = same_type_elements(ctx, in, ctx.output(0));
  const std::vector<int64_t> m = ctx.input_ints(1, "multiples");
  const int rank = in.rank();
  ctx.check(int(m.size()) == rank, "multiples ", m, " must have one entry per input dimension (", rank, ")");
  const std::vector<int64_t> stride = shape_strides(in.shape);
  Shape shape(size_t(rank), 0);
  s.view = StridedView();
  for (int d = 0; d < rank; ++d) {
    ctx.check(m[size_t(d)] >= 0, "multiples ", m, " has a negative entry");
    shape[size_t(d)] = to_dim(ctx, m[size_t(d)] * int64_t(in.dim(d)), "tiled dimension");
    // One output dimension is (repeat, input dimension): the repeat walks nothing, the inner part the input.
    s.view.add(in.dim(d) ? m[size_t(d)] : 0, 0);
    s.view.add(in.dim(d), stride[size_t(d)]);
  }
  s.view.fold();
  ctx.set_output_shape(0, shape);
}

// BROADCAST_TO (any element type): the input broadcast to `shape` (a 1-D int32/int64 input of rank <= 8):
// aligned from the right, every input dimension is 1 or the output's.
void PrepareBroadcastTo(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  ViewState& s = ctx.state<ViewState>();
  s.es = same_type_elements(ctx, in, ctx.output(0));
  const std::vector<int64_t> want = ctx.input_ints(1, "shape");
  const int rank = int(want.size()), in_rank = in.rank();
  ctx.check(rank >= in_rank && rank <= 8, "cannot broadcast shape ", in.shape, " to ", want,
            " (output rank must be in [input rank, 8])");
  const std::vector<int64_t> stride = shape_strides(in.shape);
  Shape shape(size_t(rank), 0);
  s.view = StridedView();
  for (int d = 0; d < rank; ++d) {
    const int di = d - (rank - in_rank);
    const int64_t n = want[size_t(d)], k = di >= 0 ? in.dim(di) : 1;
    ctx.check(k == n || k == 1, "cannot broadcast shape ", in.shape, " to ", want);
    shape[size_t(d)] = to_dim(ctx, n, "dimension");
    s.view.add(n, k == 1 ? 0 : stride[size_t(di)]);
  }
  s.view.fold();
  ctx.set_output_shape(0, shape);
}

}  // namespace

void Register_TILE(OpRegistry& r) { r.add({op::TILE, "TILE", kAnyType, 3, PrepareTile, EvalView}); }
void Register_BROADCAST_TO(OpRegistry& r) {
  r.add({op::BROADCAST_TO, "BROADCAST_TO", kAnyType, 3, PrepareBroadcastTo, EvalView});
}

}  // namespace slimrt
