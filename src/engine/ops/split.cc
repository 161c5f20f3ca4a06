// SPLIT (equal parts) and SPLIT_V (given sizes, one may be -1) along one axis, any element type.
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>
#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct SplitState : OpState {
  int64_t outer = 1;
  size_t in_chunk = 0;
  std::vector<size_t> chunk;
};

void SetupSplit(OpContext& ctx, const Tensor& in, int axis, const std::vector<int64_t>& sizes) {
  SplitState& s = ctx.state<SplitState>();
  const size_t es = elem_size(ctx, in, "input");
  int64_t inner = 1;
  for (int i = axis + 1; i < in.rank(); ++i) inner *= in.dim(i);
  s.outer = 1;
  for (int i = 0; i < axis; ++i) s.outer *= in.dim(i);
  s.in_chunk = size_t(int64_t(in.dim(axis)) * inner) * es;
  s.chunk.clear();
  for (size_t k = 0; k < sizes.size(); ++k) {
    Tensor& out = ctx.output(int(k));
    ctx.check(out.type == in.type, "output ", k, " type ", dtype_name(out.type), " differs from input type ",
              dtype_name(in.type));
    Shape shape = in.shape;
    shape[size_t(axis)] = int32_t(sizes[k]);
    s.chunk.push_back(size_t(sizes[k] * inner) * es);
    ctx.set_output_shape(int(k), shape);
  }
}

void PrepareSplit(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  const Tensor& in = ctx.input(1);
  const int axis = input_axis(ctx, 0, in.rank());
  const int num = ctx.options(opt::SplitOptions).get<int32_t>(0, ctx.num_outputs());
  ctx.check(num > 0 && num == ctx.num_outputs(), "num_splits ", num, " must equal the number of outputs ",
            ctx.num_outputs());
  const int32_t dim = in.dim(axis);
  ctx.check(dim % num == 0, "dimension ", axis, " of size ", dim, " is not divisible by num_splits ", num);
  SetupSplit(ctx, in, axis, std::vector<int64_t>(size_t(num), dim / num));
}

void PrepareSplitV(OpContext& ctx) {
  ctx.check_inputs(3, 3);
  const Tensor& in = ctx.input(0);
  std::vector<int64_t> sizes = ctx.input_ints(1, "size_splits");
  const int axis = input_axis(ctx, 2, in.rank());
  const int num = ctx.num_outputs();
  ctx.check(num > 0 && int(sizes.size()) == num, "size_splits has ", sizes.size(), " entries but the op has ", num,
            " outputs");
  const int64_t dim = in.dim(axis);
  int unknown = -1;
  int64_t sum = 0;
  for (int i = 0; i < num; ++i) {
    if (sizes[size_t(i)] == -1) {
      ctx.check(unknown < 0, "size_splits ", sizes, " has more than one -1");
      unknown = i;
    } else {
      ctx.check(sizes[size_t(i)] >= 0, "size_splits ", sizes, " has a negative size");
      sum += sizes[size_t(i)];
    }
  }
  if (unknown >= 0) {
    ctx.check(sum <= dim, "size_splits ", sizes, " exceed dimension ", axis, " of size ", dim);
    sizes[size_t(unknown)] = dim - sum;
  } else {
    ctx.check(sum == dim, "size_splits ", sizes, " do not add up to dimension ", axis, " of size ", dim);
  }
  SetupSplit(ctx, in, axis, sizes);
}

void EvalSplit(OpContext& ctx) {
  const SplitState& s = ctx.state<SplitState>();
  const uint8_t* in = ctx.input(ctx.node().builtin == op::SPLIT ? 1 : 0).data;
  size_t off = 0;
  for (size_t k = 0; k < s.chunk.size(); ++k) {
    const size_t c = s.chunk[k];
    if (c) {
      uint8_t* dst = ctx.output(int(k)).data;
      for (int64_t o = 0; o < s.outer; ++o) std::memcpy(dst + size_t(o) * c, in + size_t(o) * s.in_chunk + off, c);
    }
    off += c;
  }
}

}  // namespace

void Register_SPLIT(OpRegistry& r) { r.add({op::SPLIT, "SPLIT", kAnyType, 4, PrepareSplit, EvalSplit}); }
void Register_SPLIT_V(OpRegistry& r) { r.add({op::SPLIT_V, "SPLIT_V", kAnyType, 3, PrepareSplitV, EvalSplit}); }

}  // namespace slimrt
