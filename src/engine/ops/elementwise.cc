// Elementwise ops: ADD, SUB, MUL (float32 and int32, numpy broadcasting, fused clamp activations), PRELU, and the
// float activations RELU, RELU_N1_TO_1, RELU6, LOGISTIC, TANH, HARD_SWISH.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/elementwise_broadcast.h"
#include "kernels/elementwise_kernels.h"
#include "kernels/threadpool.h"
#include "op.h"

namespace slimrt {
namespace {

// Elements below which splitting work across threads costs more than it saves.
constexpr int64_t kParallelMinElements = 1 << 15;

// ---------------------------------------------------------------------------------------------------------------
// Binary ops

// int32 (float ops use kernels/elementwise_kernels.cc); int32 arithmetic wraps (as the reference does on two's-complement hardware) instead of overflowing.
struct AddI {
  static int32_t apply(int32_t a, int32_t b) { return int32_t(uint32_t(a) + uint32_t(b)); }
};
struct SubI {
  static int32_t apply(int32_t a, int32_t b) { return int32_t(uint32_t(a) - uint32_t(b)); }
};
struct MulI {
  static int32_t apply(int32_t a, int32_t b) { return int32_t(uint32_t(a) * uint32_t(b)); }
};

template <class T>
inline T clamp(T v, T lo, T hi) {
  return std::min(std::max(v, lo), hi);
}

// One contiguous row: each operand either advances (step) or repeats its first element.
template <class F, class T>
void BinaryRow(T* o, const T* a, const T* b, int64_t n, bool step_a, bool step_b, T lo, T hi) {
  if (step_a && step_b) {
    for (int64_t i = 0; i < n; ++i) o[i] = clamp(F::apply(a[i], b[i]), lo, hi);
  } else if (step_a) {
    const T bv = b[0];
    for (int64_t i = 0; i < n; ++i) o[i] = clamp(F::apply(a[i], bv), lo, hi);
  } else if (step_b) {
    const T av = a[0];
    for (int64_t i = 0; i < n; ++i) o[i] = clamp(F::apply(av, b[i]), lo, hi);
  } else {
    const T v = clamp(F::apply(a[0], b[0]), lo, hi);
    for (int64_t i = 0; i < n; ++i) o[i] = v;
  }
}

struct BinaryState : OpState {
  BroadcastPlan plan;
  double lo = 0, hi = 0;
};

template <class T>
void ActivationBounds(const OpContext& ctx, int act, T* lo, T* hi);

template <>
void ActivationBounds<float>(const OpContext& ctx, int act, float* lo, float* hi) {
  ActRange r = float_activation_range(ctx, act);
  *lo = r.lo;
  *hi = r.hi;
}

template <>
void ActivationBounds<int32_t>(const OpContext& ctx, int act, int32_t* lo, int32_t* hi) {
  *lo = std::numeric_limits<int32_t>::min();
  *hi = std::numeric_limits<int32_t>::max();
  switch (act) {
    case kActNone: break;
    case kActRelu: *lo = 0; break;
    case kActReluN1To1: *lo = -1; *hi = 1; break;
    case kActRelu6: *lo = 0; *hi = 6; break;
    default: ctx.fail(cat("fused activation function ", act, " is not supported"));
  }
}

// Shared prepare of ADD/SUB/MUL/PRELU: two inputs of type T, broadcast output shape.
template <class T>
void PrepareBinary(OpContext& ctx, DType type, bool has_activation) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  Tensor& out = ctx.output(0);
  ctx.check_type(a, type, "input 0");
  ctx.check_type(b, type, "input 1");
  ctx.check_type(out, type, "output");
  Shape shape;
  ctx.check(BroadcastShapes(a.shape, b.shape, &shape), "input shapes ", a.shape, " and ", b.shape,
            " cannot be broadcast together (or rank > ", kMaxBroadcastRank, ")");
  BinaryState& s = ctx.state<BinaryState>();
  s.plan.init(a.shape, b.shape, shape);
  T lo, hi;
  int act = has_activation ? int(ctx.options().get<int8_t>(0, 0)) : 0;
  ActivationBounds<T>(ctx, act, &lo, &hi);
  s.lo = double(lo);
  s.hi = double(hi);
  ctx.set_output_shape(0, shape);
}

template <class F, class T>
void EvalBinary(OpContext& ctx) {
  const BinaryState& s = *static_cast<const BinaryState*>(ctx.node().state.get());
  const BroadcastPlan& p = s.plan;
  const T* a = ctx.input(0).as<T>();
  const T* b = ctx.input(1).as<T>();
  T* o = ctx.output(0).as<T>();
  const T lo = T(s.lo), hi = T(s.hi);
  const bool sa = p.a_inner_step(), sb = p.b_inner_step();
  if (p.total == 0) return;
  const bool parallel = ctx.num_threads() > 1 && p.total >= kParallelMinElements;
  if (p.rank == 1) {
    // One flat loop (equal shapes, or a scalar operand): split the elements.
    auto run = [&](int64_t begin, int64_t end, int) {
      BinaryRow<F, T>(o + begin, sa ? a + begin : a, sb ? b + begin : b, end - begin, sa, sb, lo, hi);
    };
    if (parallel) ctx.pool().parallel_for(p.total, 4096, run);
    else run(0, p.total, 0);
    return;
  }
  auto rows = [&](int64_t begin, int64_t end, int) {
    ForEachBroadcastRow(p, a, b, o, begin, end, [&](T* orow, const T* arow, const T* brow, int64_t n) {
      BinaryRow<F, T>(orow, arow, brow, n, sa, sb, lo, hi);
    });
  };
  if (parallel) ctx.pool().parallel_for(p.outer(), std::max<int64_t>(1, 4096 / std::max<int64_t>(1, p.inner())), rows);
  else rows(0, p.outer(), 0);
}

// Float: the loops live in kernels/elementwise_kernels.cc (built for speed).
template <ew::BinOp kOp>
void EvalBinaryF32(OpContext& ctx) {
  const BinaryState& s = *static_cast<const BinaryState*>(ctx.node().state.get());
  const BroadcastPlan& p = s.plan;
  const float* a = ctx.input(0).as<float>();
  const float* b = ctx.input(1).as<float>();
  float* o = ctx.output(0).as<float>();
  const float lo = float(s.lo), hi = float(s.hi);
  const bool sa = p.a_inner_step(), sb = p.b_inner_step();
  if (p.total == 0) return;
  const bool parallel = ctx.num_threads() > 1 && p.total >= kParallelMinElements;
  if (p.rank == 1) {
    auto run = [&](int64_t begin, int64_t end, int) {
      ew::BinaryRowF32(kOp, o + begin, sa ? a + begin : a, sb ? b + begin : b, end - begin, sa, sb, lo, hi);
    };
    if (parallel) ctx.pool().parallel_for(p.total, 4096, run);
    else run(0, p.total, 0);
    return;
  }
  const int64_t C = p.inner(), rows = p.outer();
  const int64_t grain = std::max<int64_t>(1, 4096 / std::max<int64_t>(1, C));
  if (p.rank == 2 && sa && sb && (p.sa[0] == 0) != (p.sb[0] == 0)) {
    // One operand is a per-channel vector repeated over the rows of the other.
    const bool vec_first = p.sa[0] == 0;
    const float* full = vec_first ? b : a;
    const float* vec = vec_first ? a : b;
    auto run = [&](int64_t begin, int64_t end, int) {
      ew::BinaryRowsVecF32(kOp, o + begin * C, full + begin * C, vec, end - begin, C, vec_first, lo, hi);
    };
    if (parallel) ctx.pool().parallel_for(rows, grain, run);
    else run(0, rows, 0);
    return;
  }
  auto run = [&](int64_t begin, int64_t end, int) {
    ForEachBroadcastRow(p, a, b, o, begin, end, [&](float* orow, const float* arow, const float* brow, int64_t n) {
      ew::BinaryRowF32(kOp, orow, arow, brow, n, sa, sb, lo, hi);
    });
  };
  if (parallel) ctx.pool().parallel_for(rows, grain, run);
  else run(0, rows, 0);
}

void PrepareBinaryF32(OpContext& ctx) { PrepareBinary<float>(ctx, DType::kFloat32, true); }
void PrepareBinaryI32(OpContext& ctx) { PrepareBinary<int32_t>(ctx, DType::kInt32, true); }
void PreparePrelu(OpContext& ctx) { PrepareBinary<float>(ctx, DType::kFloat32, false); }

// ---------------------------------------------------------------------------------------------------------------
// Unary float ops

void PrepareUnaryF32(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  ctx.check_type(in, DType::kFloat32, "input");
  ctx.check_type(ctx.output(0), DType::kFloat32, "output");
  ctx.set_output_shape(0, in.shape);
}

template <ew::UnOp kOp>
void EvalUnaryF32(OpContext& ctx) {
  const float* in = ctx.input(0).as<float>();
  float* out = ctx.output(0).as<float>();
  const int64_t n = ctx.input(0).elements();
  auto run = [&](int64_t b, int64_t e, int) { ew::UnaryF32(kOp, in + b, out + b, e - b); };
  const bool heavy = kOp == ew::UnOp::kLogistic || kOp == ew::UnOp::kTanh;
  if (ctx.num_threads() > 1 && n >= (heavy ? kParallelMinElements / 8 : kParallelMinElements))
    ctx.pool().parallel_for(n, heavy ? 2048 : 8192, run);
  else run(0, n, 0);
}

}  // namespace

void RegisterElementwiseOps(OpRegistry& r) {
  // Float kernels implement every float feature of all versions (later versions add integer types only).
  r.add({op::ADD, "ADD", DType::kFloat32, 5, PrepareBinaryF32, EvalBinaryF32<ew::BinOp::kAdd>});
  r.add({op::SUB, "SUB", DType::kFloat32, 5, PrepareBinaryF32, EvalBinaryF32<ew::BinOp::kSub>});
  r.add({op::MUL, "MUL", DType::kFloat32, 7, PrepareBinaryF32, EvalBinaryF32<ew::BinOp::kMul>});
  r.add({op::ADD, "ADD", DType::kInt32, 5, PrepareBinaryI32, EvalBinary<AddI, int32_t>});
  r.add({op::SUB, "SUB", DType::kInt32, 5, PrepareBinaryI32, EvalBinary<SubI, int32_t>});
  r.add({op::MUL, "MUL", DType::kInt32, 7, PrepareBinaryI32, EvalBinary<MulI, int32_t>});
  r.add({op::PRELU, "PRELU", DType::kFloat32, 1, PreparePrelu, EvalBinaryF32<ew::BinOp::kPrelu>});
  r.add({op::RELU, "RELU", DType::kFloat32, 3, PrepareUnaryF32, EvalUnaryF32<ew::UnOp::kRelu>});
  r.add({op::RELU_N1_TO_1, "RELU_N1_TO_1", DType::kFloat32, 1, PrepareUnaryF32, EvalUnaryF32<ew::UnOp::kReluN1To1>});
  r.add({op::RELU6, "RELU6", DType::kFloat32, 3, PrepareUnaryF32, EvalUnaryF32<ew::UnOp::kRelu6>});
  r.add({op::LOGISTIC, "LOGISTIC", DType::kFloat32, 3, PrepareUnaryF32, EvalUnaryF32<ew::UnOp::kLogistic>});
  r.add({op::TANH, "TANH", DType::kFloat32, 3, PrepareUnaryF32, EvalUnaryF32<ew::UnOp::kTanh>});
  r.add({op::HARD_SWISH, "HARD_SWISH", DType::kFloat32, 1, PrepareUnaryF32, EvalUnaryF32<ew::UnOp::kHardSwish>});
}

}  // namespace slimrt
