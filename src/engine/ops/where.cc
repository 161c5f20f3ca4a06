// WHERE (condition of type bool, float32, int8, uint8, int32, int64, uint32): the coordinates of its non-zero
// elements, in row-major order, as an int64 [count, rank] tensor. The count depends on the values: with a
// constant condition the output is folded at allocate; otherwise the node is prepared at invoke time.
#include <algorithm>
#include <cstring>

#include "op.h"
#include "ops/movement.h"
#include "ops/util.h"

namespace slimrt {
namespace {

bool nonzero(const uint8_t* p, DType t, size_t es) {
  if (t == DType::kFloat32) {
    float f;
    std::memcpy(&f, p, 4);
    return f != 0.f;  // -0.0 is zero, NaN is not
  }
  for (size_t i = 0; i < es; ++i)
    if (p[i]) return true;
  return false;
}

void PrepareWhere(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& c = ctx.input(0);
  const DType t = c.type;
  ctx.check(t == DType::kBool || t == DType::kFloat32 || t == DType::kInt8 || t == DType::kUInt8 ||
                t == DType::kInt32 || t == DType::kInt64 || t == DType::kUInt32,
            "condition '", c.name, "' has type ", dtype_name(t), ", which slimrt does not support for this op");
  ctx.check_type(ctx.output(0), DType::kInt64, "output");
  if (!ctx.values_known(c)) ctx.defer();
  const size_t es = dtype_size(t);
  int64_t count = 0;
  for (int64_t i = 0, n = c.elements(); i < n; ++i) count += nonzero(c.data + size_t(i) * es, t, es);
  ctx.set_output_shape(0, Shape{int32_t(count), int32_t(c.rank())});
}

void EvalWhere(OpContext& ctx) {
  const Tensor& c = ctx.input(0);
  int64_t* out = ctx.output(0).as<int64_t>();
  const size_t es = dtype_size(c.type);
  const int rank = c.rank();
  std::vector<int64_t> idx(size_t(rank), 0);
  for (int64_t i = 0, n = c.elements(); i < n; ++i) {
    if (nonzero(c.data + size_t(i) * es, c.type, es)) {
      std::memcpy(out, idx.data(), size_t(rank) * 8);
      out += rank;
    }
    for (int d = rank - 1; d >= 0; --d) {
      if (++idx[size_t(d)] < c.dim(d)) break;
      idx[size_t(d)] = 0;
    }
  }
}

// UNIQUE (1-D float32, int8, uint8, int16, int32, int64): the distinct values in order of first occurrence, and
// for every input element the position of its value among them (int32 or int64, UniqueOptions.idx_out_type).
// The number of distinct values depends on the data: prepared at invoke unless the input is constant.
struct UniqueState : OpState {
  std::vector<int64_t> first;  // per distinct value: index of its first occurrence, in output order
  std::vector<int64_t> id;     // per element: its value's position in `first`
};

void PrepareUnique(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(2);
  const Tensor& in = ctx.input(0);
  ctx.check(has_order_key(in.type), "input '", in.name, "' has type ", dtype_name(in.type),
            ", which slimrt does not support for this op");
  ctx.check(in.rank() == 1, "input must be 1-D, got shape ", in.shape);
  ctx.check_same_type(in, ctx.output(0));
  const Tensor& idx = ctx.output(1);
  ctx.check(idx.type == DType::kInt32 || idx.type == DType::kInt64, "output '", idx.name,
            "' must be int32 or int64, got ", dtype_name(idx.type));
  const int idx_type = ctx.options(opt::UniqueOptions).get<int8_t>(0, int8_t(DType::kInt32));
  ctx.check(idx_type == int(idx.type), "UniqueOptions.idx_out_type ", idx_type, " differs from the type of output '",
            idx.name, "'");
  if (!ctx.values_known(in)) ctx.defer();
  // Sort positions by (value, position); each run of equal values is one distinct value, first at its head.
  const int64_t n = in.elements();
  const size_t es = dtype_size(in.type);
  shape_elements(Shape{int32_t(n), 40}, 1, "UNIQUE's sort buffers");  // n <= 2^31 (1-D); bounded like a tensor
  std::vector<std::pair<uint64_t, int64_t>> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = {order_key(in.data + size_t(i) * es, in.type), i};
  std::partial_sort(v.begin(), v.end(), v.end());  // the instantiation TOPK_V2 uses too
  std::vector<int64_t> head(static_cast<size_t>(n));  // per element: first occurrence of its value
  for (size_t i = 0; i < v.size(); ++i)
    head[size_t(v[i].second)] = (i && v[i].first == v[i - 1].first) ? head[size_t(v[i - 1].second)] : v[i].second;
  UniqueState& s = ctx.state<UniqueState>();
  s.first.clear();
  s.id.assign(static_cast<size_t>(n), 0);
  for (int64_t i = 0; i < n; ++i) {
    if (head[size_t(i)] == i) {
      s.id[size_t(i)] = int64_t(s.first.size());
      s.first.push_back(i);
    } else {
      s.id[size_t(i)] = s.id[size_t(head[size_t(i)])];
    }
  }
  ctx.set_output_shape(0, Shape{int32_t(s.first.size())});
  ctx.set_output_shape(1, in.shape);
}

void EvalUnique(OpContext& ctx) {
  const UniqueState& s = ctx.state<UniqueState>();
  const Tensor& in = ctx.input(0);
  Tensor& idx = ctx.output(1);
  const size_t es = dtype_size(in.type);
  uint8_t* out = ctx.output(0).data;
  for (size_t k = 0; k < s.first.size(); ++k) std::memcpy(out + k * es, in.data + size_t(s.first[k]) * es, es);
  for (size_t i = 0; i < s.id.size(); ++i) {
    if (idx.type == DType::kInt32) idx.as<int32_t>()[i] = int32_t(s.id[i]);
    else idx.as<int64_t>()[i] = s.id[i];
  }
}

}  // namespace

void Register_WHERE(OpRegistry& r) { r.add({op::WHERE, "WHERE", kAnyType, 1, PrepareWhere, EvalWhere}); }
void Register_UNIQUE(OpRegistry& r) { r.add({op::UNIQUE, "UNIQUE", kAnyType, 1, PrepareUnique, EvalUnique}); }

}  // namespace slimrt
