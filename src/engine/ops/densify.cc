// DENSIFY: a sparse constant (schema SparsityParameters, verified when the model is read; any element type, in
// practice float32 / float16 / int8 weights) to its dense form. The levels are walked in traversal order: a dense
// level enumerates its dimension (child position = position * size + index), a sparse (CSR) level the run
// segments[position] .. segments[position + 1] of its indices (child position = run index); at the last level the
// position is the index of the stored value. Block dimensions combine with their dimension as
// index = outer * block_size + inner. Elements not stored are zero.
#include "ops/densify.h"

#include <algorithm>
#include <cstring>

#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct Walk {
  const Sparsity& s;
  const uint8_t* in;
  uint8_t* out;
  size_t es;
  std::vector<int64_t> coord, stride;  // expanded coordinates; dense strides of the original dimensions
  size_t rank;

  void Visit(size_t level, int64_t pos) {
    if (level == s.levels.size()) {
      int64_t flat = 0;
      for (size_t d = 0; d < rank; ++d) flat += coord[d] * stride[d];  // blocked: stride of a whole block
      for (size_t k = 0; k < s.block_map.size(); ++k) flat += coord[rank + k] * stride[rank + k];
      std::memcpy(out + size_t(flat) * es, in + size_t(pos) * es, es);
      return;
    }
    const Sparsity::Level& lv = s.levels[level];
    int64_t& c = coord[size_t(s.traversal_order[level])];
    if (!lv.sparse) {
      for (int32_t j = 0; j < lv.size; ++j) c = j, Visit(level + 1, pos * lv.size + j);
    } else {
      for (int32_t k = lv.segments[size_t(pos)]; k < lv.segments[size_t(pos) + 1]; ++k)
        c = lv.indices[size_t(k)], Visit(level + 1, k);
    }
  }
};

void Densify(const Tensor& in, uint8_t* out, size_t out_bytes) {
  const Sparsity& s = *in.sparsity;
  Walk w{s, in.data, out, dtype_size(in.type), {}, {}, size_t(in.rank())};
  w.coord.assign(s.levels.size(), 0);
  w.stride.assign(s.levels.size(), 1);
  for (size_t d = w.rank; d-- > 1;) w.stride[d - 1] = w.stride[d] * in.dim(int(d));
  // A block dimension steps like its dimension; the dimension itself then steps a whole block at a time.
  for (size_t k = 0; k < s.block_map.size(); ++k) {
    const size_t d = size_t(s.block_map[k]);
    w.stride[w.rank + k] = w.stride[d];
    w.stride[d] *= s.expanded[w.rank + k];
  }
  std::memset(out, 0, out_bytes);
  w.Visit(0, 0);
}

void Eval(OpContext& ctx) {
  Tensor& out = ctx.output(0);
  Densify(ctx.input(0), out.data, out.bytes);
}

void Prepare(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  ctx.check_same_type(in, ctx.output(0));
  ctx.check(in.sparse && in.sparsity && in.is_const(), "input '", in.name, "' must be a sparse constant");
  elem_size(ctx, in, "input");
  ctx.set_output_shape(0, in.shape);
}

}  // namespace

void densify_in_place(const OpContext& ctx, Tensor& t) {
  if (!t.sparse) return;
  ctx.check(t.sparsity && t.is_const(), "sparse tensor '", t.name, "' must be a constant");
  std::vector<uint8_t> dense(std::max<size_t>(t.required_bytes(), 1));
  Densify(t, dense.data(), t.required_bytes());
  t.owned.swap(dense);
  t.data = t.owned.data();
  t.bytes = t.required_bytes();
  t.sparse = false;
  t.sparsity.reset();
}

void Register_DENSIFY(OpRegistry& r) {
  r.add({op::DENSIFY, "DENSIFY", kAnyType, 1, Prepare, Eval, kSparseInput0});
}

}  // namespace slimrt
