// ADD_N: the elementwise sum of N >= 2 inputs of one shape and type (float32, int32 wrapping), added in input order
// as the reference does.
#include "op.h"

namespace slimrt {
namespace {

template <class T, class Acc>
void Sum(OpContext& ctx) {
  const int64_t n = ctx.output(0).elements();
  T* out = ctx.output(0).as<T>();
  for (int64_t i = 0; i < n; ++i) {
    Acc acc = 0;
    for (int k = 0; k < ctx.num_inputs(); ++k) acc = Acc(acc + Acc(ctx.input(k).as<T>()[i]));
    out[i] = T(acc);
  }
}

void Eval(OpContext& ctx) {
  if (ctx.output(0).type == DType::kFloat32) Sum<float, float>(ctx);
  else Sum<int32_t, uint32_t>(ctx);
}

void Prepare(OpContext& ctx) {
  ctx.check_inputs(2, 1 << 20);
  ctx.check_outputs(1);
  const Tensor& a = ctx.input(0);
  if (a.type != DType::kFloat32 && a.type != DType::kInt32) ctx.unsupported_type(a, "input 0");
  for (int k = 1; k < ctx.num_inputs(); ++k) {
    const Tensor& b = ctx.input(k);
    ctx.check(b.type == a.type && b.shape == a.shape, "input ", k, " ('", b.name, "') must have the type and shape ",
              "of input 0");
  }
  ctx.check_same_type(a, ctx.output(0));
  ctx.set_output_shape(0, a.shape);
}

}  // namespace

void Register_ADD_N(OpRegistry& r) { r.add({op::ADD_N, "ADD_N", kAnyType, 1, Prepare, Eval}); }

}  // namespace slimrt
