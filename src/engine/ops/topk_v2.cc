// TOPK_V2 (float32, int8, uint8, int16, int32, int64): the k largest values of every innermost row, largest
// first (equal values: lower index first, as the official runtime orders them), and their indices (int32, int16
// or int64). k is a scalar int32/int16 input in [0, last dimension].
#include <algorithm>
#include <cstring>

#include "op.h"
#include "ops/movement.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct TopKState : OpState {
  int64_t rows = 0, n = 0, k = 0;
};

void PrepareTopK(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(2);
  const Tensor& in = ctx.input(0);
  ctx.check(has_order_key(in.type), "input '", in.name, "' has type ", dtype_name(in.type),
            ", which slimrt does not support for this op");
  ctx.check_same_type(in, ctx.output(0));
  const Tensor& kt = ctx.input(1);
  ctx.check(kt.type == DType::kInt32 || kt.type == DType::kInt16, "k must be int32 or int16, got ", dtype_name(kt.type));
  ctx.check(kt.elements() == 1, "k must be a scalar, got shape ", kt.shape);
  const Tensor& idx = ctx.output(1);
  ctx.check(is_index_type(idx.type), "indices output '", idx.name, "' must be int32, int16 or int64, got ",
            dtype_name(idx.type));
  ctx.check(in.rank() >= 1, "input must have rank >= 1");
  if (!ctx.values_known(kt)) ctx.defer();
  TopKState& s = ctx.state<TopKState>();
  s.k = index_at(kt, 0);
  s.n = in.dim(in.rank() - 1);
  ctx.check(s.k >= 0 && s.k <= s.n, "k ", s.k, " is out of range [0, ", s.n, "]");
  ctx.check(idx.type != DType::kInt16 || s.n <= 32768, "int16 indices cannot address a row of ", s.n);
  s.rows = dims_product(in.shape, 0, in.rank() - 1);
  shape_elements(Shape{int32_t(s.n), 16}, 1, "TOPK_V2's sort buffer");  // bounded like a tensor
  Shape shape = in.shape;
  shape.back() = int32_t(s.k);
  ctx.set_output_shape(0, shape);
  ctx.set_output_shape(1, shape);
}

void EvalTopK(OpContext& ctx) {
  const TopKState& s = ctx.state<TopKState>();
  const Tensor& in = ctx.input(0);
  Tensor& idx = ctx.output(1);
  const size_t es = dtype_size(in.type);
  uint8_t* vals = ctx.output(0).data;
  std::vector<std::pair<uint64_t, int64_t>> row(static_cast<size_t>(s.n));
  for (int64_t r = 0; r < s.rows; ++r) {
    const uint8_t* src = in.data + size_t(r * s.n) * es;
    // Descending value, then ascending index: sort by (~key, index).
    for (int64_t j = 0; j < s.n; ++j) row[size_t(j)] = {~order_key(src + size_t(j) * es, in.type), j};
    std::partial_sort(row.begin(), row.begin() + s.k, row.end());
    for (int64_t j = 0; j < s.k; ++j) {
      const int64_t i = row[size_t(j)].second, o = r * s.k + j;
      std::memcpy(vals + size_t(o) * es, src + size_t(i) * es, es);
      switch (idx.type) {
        case DType::kInt64: idx.as<int64_t>()[o] = i; break;
        case DType::kInt16: idx.as<int16_t>()[o] = int16_t(i); break;
        default: idx.as<int32_t>()[o] = int32_t(i);
      }
    }
  }
}

}  // namespace

void Register_TOPK_V2(OpRegistry& r) { r.add({op::TOPK_V2, "TOPK_V2", kAnyType, 3, PrepareTopK, EvalTopK}); }

}  // namespace slimrt
