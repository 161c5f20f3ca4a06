// GATHER_ND and SCATTER_ND (int16/int32/int64 indices whose last dimension, the index depth, addresses the
// leading dimensions of params / of the output).
//   GATHER_ND (any element type): output = indices[:-1] + params[depth:], each slice copied from params.
//   SCATTER_ND (float32, int32, int64, int8, uint8, bool): output of `shape` (an int32/int64 input), zero, with
//   the update slices added at their indices (duplicates accumulate; bool ORs).
// An index outside the addressed dimensions fails the invoke, as in the official runtime.
#include <cstring>

#include "op.h"
#include "ops/movement.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct NdState : OpState {
  int depth = 0;
  int64_t n = 0;           // index tuples
  size_t slice = 0;        // bytes per slice
  int64_t slice_elems = 0;
  Shape dims;              // the addressed dimensions
  std::vector<int64_t> stride;  // their strides, in slices
};

// Shared: validates indices against the addressed shape `target`, fills the state.
void SetupNd(OpContext& ctx, const Tensor& idx, const Shape& target, size_t es) {
  check_index_type(ctx, idx, "indices");
  ctx.check(idx.rank() >= 1, "indices must have rank >= 1");
  NdState& s = ctx.state<NdState>();
  s.depth = idx.dim(idx.rank() - 1);
  ctx.check(s.depth <= int(target.size()), "index depth ", s.depth, " exceeds the rank of ", target);
  s.n = dims_product(idx.shape, 0, idx.rank() - 1);
  s.dims.assign(target.begin(), target.begin() + s.depth);
  s.slice_elems = dims_product(target, s.depth, int(target.size()));
  s.slice = size_t(s.slice_elems) * es;
  s.stride = shape_strides(s.dims);
}

// Slice offset of index tuple i (in slices), checked.
int64_t slice_of(OpContext& ctx, const NdState& s, const Tensor& idx, int64_t i) {
  int64_t off = 0;
  for (int d = 0; d < s.depth; ++d) {
    const int64_t k = index_at(idx, i * s.depth + d);
    ctx.check(k >= 0 && k < s.dims[size_t(d)], "index ", k, " is out of range for dimension ", d, " of size ",
              s.dims[size_t(d)]);
    off += k * s.stride[size_t(d)];
  }
  return off;
}

void PrepareGatherNd(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& params = ctx.input(0);
  const Tensor& idx = ctx.input(1);
  SetupNd(ctx, idx, params.shape, same_type_elements(ctx, params, ctx.output(0)));
  const int depth = ctx.state<NdState>().depth;
  Shape shape(idx.shape.begin(), idx.shape.end() - 1);
  shape.insert(shape.end(), params.shape.begin() + depth, params.shape.end());
  ctx.set_output_shape(0, shape);
}

void EvalGatherNd(OpContext& ctx) {
  const NdState& s = ctx.state<NdState>();
  const Tensor& idx = ctx.input(1);
  const uint8_t* in = ctx.input(0).data;
  uint8_t* out = ctx.output(0).data;
  for (int64_t i = 0; i < s.n; ++i) {
    const int64_t off = slice_of(ctx, s, idx, i);
    if (s.slice) std::memcpy(out + size_t(i) * s.slice, in + size_t(off) * s.slice, s.slice);
  }
}

void PrepareScatterNd(OpContext& ctx) {
  ctx.check_inputs(3, 3);
  ctx.check_outputs(1);
  const Tensor& idx = ctx.input(0);
  const Tensor& upd = ctx.input(1);
  const Tensor& out = ctx.output(0);
  const DType t = upd.type;
  ctx.check(t == DType::kFloat32 || t == DType::kInt32 || t == DType::kInt64 || t == DType::kInt8 ||
                t == DType::kUInt8 || t == DType::kBool,
            "updates '", upd.name, "' has type ", dtype_name(t), ", which slimrt does not support for this op");
  ctx.check_same_type(upd, out);
  ctx.check(ctx.input(2).type == idx.type, "shape and indices must have the same type");
  const std::vector<int64_t> want = ctx.input_ints(2, "shape");
  Shape shape(want.size());
  for (size_t i = 0; i < want.size(); ++i) shape[i] = to_dim(ctx, want[i], "output dimension");
  SetupNd(ctx, idx, shape, dtype_size(t));
  const NdState& s = ctx.state<NdState>();
  Shape expect(idx.shape.begin(), idx.shape.end() - 1);
  expect.insert(expect.end(), shape.begin() + s.depth, shape.end());
  ctx.check(upd.shape == expect, "updates shape ", upd.shape, " must be ", expect, " for indices ", idx.shape,
            " and output shape ", shape);
  ctx.set_output_shape(0, shape);
}

template <class T>
void AddSlice(T* dst, const T* src, int64_t n) {
  for (int64_t j = 0; j < n; ++j) dst[j] = T(dst[j] + src[j]);
}

void EvalScatterNd(OpContext& ctx) {
  const NdState& s = ctx.state<NdState>();
  const Tensor& idx = ctx.input(0);
  const Tensor& upd = ctx.input(1);
  Tensor& out = ctx.output(0);
  if (out.bytes) std::memset(out.data, 0, size_t(out.elements()) * dtype_size(out.type));
  for (int64_t i = 0; i < s.n; ++i) {
    const size_t off = size_t(slice_of(ctx, s, idx, i)) * s.slice;
    const uint8_t* src = upd.data + size_t(i) * s.slice;
    uint8_t* dst = out.data + off;
    const int64_t m = s.slice_elems;
    switch (out.type) {  // integers wrap around, as two's complement addition does
      case DType::kFloat32: AddSlice(reinterpret_cast<float*>(dst), reinterpret_cast<const float*>(src), m); break;
      case DType::kInt32: AddSlice(reinterpret_cast<uint32_t*>(dst), reinterpret_cast<const uint32_t*>(src), m); break;
      case DType::kInt64: AddSlice(reinterpret_cast<uint64_t*>(dst), reinterpret_cast<const uint64_t*>(src), m); break;
      case DType::kBool:
        for (int64_t j = 0; j < m; ++j) dst[j] = uint8_t(dst[j] | src[j]);
        break;
      default: AddSlice(dst, src, m);  // int8 / uint8
    }
  }
}

}  // namespace

void Register_GATHER_ND(OpRegistry& r) {
  r.add({op::GATHER_ND, "GATHER_ND", kAnyType, 5, PrepareGatherNd, EvalGatherNd});
}
void Register_SCATTER_ND(OpRegistry& r) {
  r.add({op::SCATTER_ND, "SCATTER_ND", kAnyType, 1, PrepareScatterNd, EvalScatterNd});
}

}  // namespace slimrt
