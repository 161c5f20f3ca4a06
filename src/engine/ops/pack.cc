// PACK (any element type): N inputs of one shape stacked along a new axis (PackOptions values_count, axis in
// [-rank-1, rank]); quantized inputs must share the output's quantization (nothing is rescaled).
#include <cstring>

#include "op.h"
#include "ops/movement.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct PackState : OpState {
  int64_t outer = 1;
  size_t chunk = 0;  // bytes of one input per outer step
};

void check_same_quant(OpContext& ctx, const Tensor& t, const Tensor& out, const char* role) {
  const bool q = t.type == DType::kInt8 || t.type == DType::kUInt8 || t.type == DType::kInt16;
  if (!q || !t.quant.present() || !out.quant.present()) return;
  ctx.check(t.quant.scale == out.quant.scale && t.quant.zero_point == out.quant.zero_point, role, " '", t.name,
            "' must have the same quantization as output '", out.name, "'");
}

void PreparePack(OpContext& ctx) {
  const fb::Table o = ctx.options(opt::PackOptions);
  const int n = o.get<int32_t>(0, 0);
  ctx.check(n >= 1 && n == ctx.num_inputs(), "values_count ", n, " must equal the number of inputs ", ctx.num_inputs());
  ctx.check_outputs(1);
  const Tensor& in0 = ctx.input(0);
  Tensor& out = ctx.output(0);
  const size_t es = same_type_elements(ctx, in0, out);
  const int rank = in0.rank();
  int axis = o.get<int32_t>(1, 0);
  ctx.check(axis >= -rank - 1 && axis <= rank, "axis ", axis, " is out of range for inputs of rank ", rank);
  if (axis < 0) axis += rank + 1;
  for (int k = 0; k < n; ++k) {
    const Tensor& t = ctx.input(k);
    ctx.check(t.type == in0.type && t.shape == in0.shape, "input ", k, " (", dtype_name(t.type), " ", t.shape,
              ") differs from input 0 (", dtype_name(in0.type), " ", in0.shape, ")");
    check_same_quant(ctx, t, out, "input");
  }
  PackState& s = ctx.state<PackState>();
  s.outer = dims_product(in0.shape, 0, axis);
  s.chunk = size_t(dims_product(in0.shape, axis, rank)) * es;
  Shape shape = in0.shape;
  shape.insert(shape.begin() + axis, n);
  ctx.set_output_shape(0, shape);
}

void EvalPack(OpContext& ctx) {
  const PackState& s = ctx.state<PackState>();
  uint8_t* out = ctx.output(0).data;
  const int n = ctx.num_inputs();
  if (!s.chunk) return;
  for (int k = 0; k < n; ++k) {
    const uint8_t* in = ctx.input(k).data;
    for (int64_t o = 0; o < s.outer; ++o)
      std::memcpy(out + (size_t(o) * size_t(n) + size_t(k)) * s.chunk, in + size_t(o) * s.chunk, s.chunk);
  }
}

// UNPACK (any element type): the N = dim(axis) slices of the input along `axis`, each without that axis
// (UnpackOptions num, axis).
void PrepareUnpack(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  const Tensor& in = ctx.input(0);
  const fb::Table o = ctx.options(opt::UnpackOptions);
  const int rank = in.rank();
  ctx.check(rank >= 1, "input must have rank >= 1");
  const int axis = normalize_axis(ctx, o.get<int32_t>(1, 0), rank);
  const int n = in.dim(axis);
  ctx.check(o.get<int32_t>(0, n) == n && ctx.num_outputs() == n, "num ", o.get<int32_t>(0, n), " and the ",
            ctx.num_outputs(), " outputs must equal dimension ", axis, " of shape ", in.shape);
  PackState& s = ctx.state<PackState>();
  s.outer = dims_product(in.shape, 0, axis);
  Shape shape = in.shape;
  shape.erase(shape.begin() + axis);
  for (int k = 0; k < n; ++k) {
    s.chunk = same_type_elements(ctx, in, ctx.output(k)) * size_t(dims_product(in.shape, axis + 1, rank));
    check_same_quant(ctx, ctx.output(k), in, "output");
    ctx.set_output_shape(k, shape);
  }
}

void EvalUnpack(OpContext& ctx) {
  const PackState& s = ctx.state<PackState>();
  const uint8_t* in = ctx.input(0).data;
  const int n = ctx.num_outputs();
  if (!s.chunk) return;
  for (int k = 0; k < n; ++k) {
    uint8_t* out = ctx.output(k).data;
    for (int64_t o = 0; o < s.outer; ++o)
      std::memcpy(out + size_t(o) * s.chunk, in + (size_t(o) * size_t(n) + size_t(k)) * s.chunk, s.chunk);
  }
}

}  // namespace

void Register_PACK(OpRegistry& r) { r.add({op::PACK, "PACK", kAnyType, 4, PreparePack, EvalPack}); }
void Register_UNPACK(OpRegistry& r) { r.add({op::UNPACK, "UNPACK", kAnyType, 4, PrepareUnpack, EvalUnpack}); }

}  // namespace slimrt
