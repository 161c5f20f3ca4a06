// RANGE (int32, int64, float32 scalars start, limit, delta): start, start + delta, ... up to (excluding) limit.
// Values are accumulated (value += delta), as the official runtime does, so float outputs match it bit for bit.
// The output size depends on the input values: with constant inputs it is known (and folded) at allocate;
// otherwise the node is prepared at invoke time.
#include <cmath>
#include <cstring>

#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

template <class T>
T scalar(const Tensor& t) {
  T v;
  std::memcpy(&v, t.data, sizeof(T));
  return v;
}

void PrepareRange(OpContext& ctx) {
  ctx.check_inputs(3, 3);
  ctx.check_outputs(1);
  const Tensor& start = ctx.input(0);
  const DType t = start.type;
  ctx.check(t == DType::kInt32 || t == DType::kInt64 || t == DType::kFloat32, "start '", start.name,
            "' must be int32, int64 or float32, got ", dtype_name(t));
  for (int i = 0; i < 3; ++i) {
    const Tensor& x = ctx.input(i);
    ctx.check(x.type == t && x.elements() == 1, "input ", i, " ('", x.name, "') must be one ", dtype_name(t),
              " value, got ", dtype_name(x.type), " ", x.shape);
    if (!ctx.values_known(x)) ctx.defer();
  }
  ctx.check_same_type(start, ctx.output(0));
  double size;
  bool ok;
  if (t == DType::kFloat32) {
    const float s = scalar<float>(start), l = scalar<float>(ctx.input(1)), d = scalar<float>(ctx.input(2));
    ok = d != 0.f && ((s >= l && d < 0.f) || (s <= l && d > 0.f));
    size = ok ? std::ceil(std::fabs(double((l - s) / d))) : 0.0;
  } else {
    auto get = [&](int i) { return t == DType::kInt32 ? int64_t(scalar<int32_t>(ctx.input(i))) : scalar<int64_t>(ctx.input(i)); };
    const int64_t s = get(0), l = get(1), d = get(2);
    ok = d != 0 && ((s >= l && d < 0) || (s <= l && d > 0));
    // |l - s| and |d| as unsigned: no overflow for any int64 values.
    const uint64_t span = l >= s ? uint64_t(l) - uint64_t(s) : uint64_t(s) - uint64_t(l);
    const uint64_t step = d >= 0 ? uint64_t(d) : uint64_t(0) - uint64_t(d);
    size = ok ? double(span / step + (span % step ? 1 : 0)) : 0.0;
  }
  ctx.check(ok, "delta must be non-zero and point from start towards limit");
  ctx.check(std::isfinite(size) && size <= double(1 << 30), "output size ", size, " is too large");
  ctx.set_output_shape(0, Shape{int32_t(size)});
}

template <class T, class U>
void Fill(OpContext& ctx) {
  Tensor& out = ctx.output(0);
  U v = U(scalar<T>(ctx.input(0)));
  const U d = U(scalar<T>(ctx.input(2)));
  T* p = out.as<T>();
  for (int64_t i = 0, n = out.elements(); i < n; ++i, v = U(v + d)) p[i] = T(v);
}

void EvalRange(OpContext& ctx) {
  switch (ctx.output(0).type) {
    case DType::kFloat32: return Fill<float, float>(ctx);
    case DType::kInt32: return Fill<int32_t, uint32_t>(ctx);  // unsigned: wraps instead of overflowing
    default: return Fill<int64_t, uint64_t>(ctx);
  }
}

}  // namespace

void Register_RANGE(OpRegistry& r) { r.add({op::RANGE, "RANGE", kAnyType, 2, PrepareRange, EvalRange}); }

}  // namespace slimrt
