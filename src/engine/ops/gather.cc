// GATHER (any element type; int16/int32/int64 indices): slices of params along `axis` picked by indices, with
// the first batch_dims dimensions of params and indices matched one to one (GatherOptions axis, batch_dims).
// Output shape: params[:axis] + indices[batch_dims:] + params[axis+1:]. An index outside [0, dim) fails the
// invoke (as the official runtime does). Quantized params are copied (no rescaling): int8/uint8 embedding tables.
#include <cmath>
#include <cstring>

#include "op.h"
#include "ops/movement.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct GatherState : OpState {
  int64_t batch = 1, outer = 1, axis_size = 0, coords = 0;
  size_t row = 0;  // bytes per gathered slice
};

void PrepareGather(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& params = ctx.input(0);
  const Tensor& idx = ctx.input(1);
  const size_t es = same_type_elements(ctx, params, ctx.output(0));
  check_index_type(ctx, idx, "indices");
  const fb::Table o = ctx.options(opt::GatherOptions);
  const int rank = params.rank(), irank = idx.rank();
  ctx.check(rank >= 1, "params must have rank >= 1");
  const int axis = normalize_axis(ctx, o.get<int32_t>(0, 0), rank);
  int batch_dims = o.get<int32_t>(1, 0);
  if (batch_dims < 0) batch_dims += irank;
  ctx.check(batch_dims >= 0 && batch_dims <= irank && batch_dims <= axis, "batch_dims ", o.get<int32_t>(1, 0),
            " must be in [0, min(indices rank ", irank, ", axis ", axis, ")]");
  for (int d = 0; d < batch_dims; ++d)
    ctx.check(params.dim(d) == idx.dim(d), "params ", params.shape, " and indices ", idx.shape,
              " differ in batch dimension ", d);
  GatherState& s = ctx.state<GatherState>();
  s.batch = dims_product(params.shape, 0, batch_dims);
  s.outer = dims_product(params.shape, batch_dims, axis);
  s.axis_size = params.dim(axis);
  s.coords = dims_product(idx.shape, batch_dims, irank);
  s.row = size_t(dims_product(params.shape, axis + 1, rank)) * es;
  Shape shape(params.shape.begin(), params.shape.begin() + axis);
  shape.insert(shape.end(), idx.shape.begin() + batch_dims, idx.shape.end());
  shape.insert(shape.end(), params.shape.begin() + axis + 1, params.shape.end());
  ctx.set_output_shape(0, shape);
}

void EvalGather(OpContext& ctx) {
  const GatherState& s = ctx.state<GatherState>();
  const Tensor& idx = ctx.input(1);
  const uint8_t* in = ctx.input(0).data;
  uint8_t* out = ctx.output(0).data;
  for (int64_t b = 0; b < s.batch; ++b) {
    for (int64_t o = 0; o < s.outer; ++o) {
      const uint8_t* src = in + size_t((b * s.outer + o) * s.axis_size) * s.row;
      for (int64_t i = 0; i < s.coords; ++i) {
        const int64_t k = index_at(idx, b * s.coords + i);
        ctx.check(k >= 0 && k < s.axis_size, "index ", k, " is out of range [0, ", s.axis_size, ")");
        if (s.row) std::memcpy(out, src + size_t(k) * s.row, s.row);
        out += s.row;
      }
    }
  }
}

// EMBEDDING_LOOKUP: rows of `value` (rank >= 2) picked by int32 ids (1-D). float32 and same-type int8/uint8
// tables are copied; an int8/uint8 table with a float32 output is dequantized (hybrid: value * scale, per row
// when the table has one scale per row; the zero point is ignored and uint8 bytes are read as int8, as the
// official kernel does).
struct LookupState : OpState {
  int64_t rows = 0, cols = 0;
  size_t row = 0;
  bool hybrid = false;
};

void PrepareLookup(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& ids = ctx.input(0);
  const Tensor& value = ctx.input(1);
  const Tensor& out = ctx.output(0);
  ctx.check_type(ids, DType::kInt32, "ids");
  ctx.check(ids.rank() == 1 && value.rank() >= 2, "ids must be 1-D and value at least 2-D, got ", ids.shape, " and ",
            value.shape);
  LookupState& s = ctx.state<LookupState>();
  s.hybrid = (value.type == DType::kInt8 || value.type == DType::kUInt8) && out.type == DType::kFloat32;
  if (s.hybrid) {
    const size_t n = value.quant.scale.size();
    ctx.check(n == 1 || (n == size_t(value.dim(0)) && n > 0), "value '", value.name,
              "' needs one scale, or one per row, to be dequantized; has ", n);
    for (float f : value.quant.scale) ctx.check(std::isfinite(f), "value '", value.name, "' has a non-finite scale");
  } else {
    ctx.check(value.type == DType::kFloat32 || value.type == DType::kInt8 || value.type == DType::kUInt8,
              "value '", value.name, "' has type ", dtype_name(value.type), ", expected float32, int8 or uint8");
    same_type_elements(ctx, value, out);
  }
  s.rows = value.dim(0);
  s.cols = dims_product(value.shape, 1, value.rank());
  s.row = size_t(s.cols) * dtype_size(value.type);
  Shape shape = value.shape;
  shape[0] = ids.dim(0);
  ctx.set_output_shape(0, shape);
}

void EvalLookup(OpContext& ctx) {
  const LookupState& s = ctx.state<LookupState>();
  const Tensor& ids = ctx.input(0);
  const Tensor& value = ctx.input(1);
  uint8_t* out = ctx.output(0).data;
  for (int64_t i = 0; i < ids.elements(); ++i) {
    const int64_t k = ids.as<int32_t>()[i];
    ctx.check(k >= 0 && k < s.rows, "id ", k, " is out of range [0, ", s.rows, ")");
    const uint8_t* src = value.data + size_t(k) * s.row;
    if (!s.hybrid) {
      if (s.row) std::memcpy(out + size_t(i) * s.row, src, s.row);
      continue;
    }
    const double scale = value.quant.scale[value.quant.scale.size() == 1 ? 0 : size_t(k)];
    float* dst = reinterpret_cast<float*>(out) + i * s.cols;
    for (int64_t j = 0; j < s.cols; ++j) dst[j] = float(double(int8_t(src[j])) * scale);
  }
}

}  // namespace

void Register_GATHER(OpRegistry& r) { r.add({op::GATHER, "GATHER", kAnyType, 7, PrepareGather, EvalGather}); }
void Register_EMBEDDING_LOOKUP(OpRegistry& r) {
  r.add({op::EMBEDDING_LOOKUP, "EMBEDDING_LOOKUP", kAnyType, 3, PrepareLookup, EvalLookup});
}

}  // namespace slimrt
