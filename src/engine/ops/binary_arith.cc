// ADD, SUB, MUL: numpy broadcasting, fused clamp activation. float32 and int32 (int32 arithmetic wraps, as the
// reference does on two's-complement hardware, instead of overflowing).
// Options: AddOptions / SubOptions / MulOptions (fused_activation_function at field 0).
// Versions: float and int32 of every version (later versions add quantized types).
#include <algorithm>
#include <limits>

#include "kernels/elementwise_broadcast.h"
#include "kernels/elementwise_kernels.h"
#include "kernels/threadpool.h"
#include "op.h"

namespace slimrt {
namespace {

// Elements below which splitting work across threads costs more than it saves.
constexpr int64_t kParallelMinElements = 1 << 15;

struct ArithOptions {
  int activation;
};

ArithOptions ReadOptions(const OpContext& ctx, opt::Type type) { return {ctx.options(type).get<int8_t>(0, 0)}; }

struct BinaryState : OpState {
  BroadcastPlan plan;
  float lo = 0, hi = 0;        // float clamp
  int32_t ilo = 0, ihi = 0;    // int32 clamp
};

// ---- int32 ----

struct AddI {
  static int32_t apply(int32_t a, int32_t b) { return int32_t(uint32_t(a) + uint32_t(b)); }
};
struct SubI {
  static int32_t apply(int32_t a, int32_t b) { return int32_t(uint32_t(a) - uint32_t(b)); }
};
struct MulI {
  static int32_t apply(int32_t a, int32_t b) { return int32_t(uint32_t(a) * uint32_t(b)); }
};

// One contiguous row: each operand either advances (step) or repeats its first element.
template <class F>
void RowI32(int32_t* o, const int32_t* a, const int32_t* b, int64_t n, bool step_a, bool step_b, int32_t lo, int32_t hi) {
  for (int64_t i = 0; i < n; ++i) o[i] = std::min(std::max(F::apply(a[step_a ? i : 0], b[step_b ? i : 0]), lo), hi);
}

template <class F>
void EvalI32(OpContext& ctx) {
  const BinaryState& s = ctx.state<BinaryState>();
  const BroadcastPlan& p = s.plan;
  const int32_t* a = ctx.input(0).as<int32_t>();
  const int32_t* b = ctx.input(1).as<int32_t>();
  int32_t* o = ctx.output(0).as<int32_t>();
  if (p.total == 0) return;
  const bool sa = p.a_inner_step(), sb = p.b_inner_step();
  ForEachBroadcastRow(p, a, b, o, 0, p.outer(), [&](int32_t* orow, const int32_t* arow, const int32_t* brow, int64_t n) {
    RowI32<F>(orow, arow, brow, n, sa, sb, s.ilo, s.ihi);
  });
}

// ---- float32: the loops live in kernels/elementwise_kernels.cc (built for speed) ----

template <ew::BinOp kOp>
void EvalF32(OpContext& ctx) {
  const BinaryState& s = ctx.state<BinaryState>();
  const BroadcastPlan& p = s.plan;
  const float* a = ctx.input(0).as<float>();
  const float* b = ctx.input(1).as<float>();
  float* o = ctx.output(0).as<float>();
  const float lo = s.lo, hi = s.hi;
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

void int32_activation(const OpContext& ctx, int act, int32_t* lo, int32_t* hi) {
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

template <opt::Type kOptions, ew::BinOp kFloatOp, class IntOp>
void Prepare(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const ArithOptions o = ReadOptions(ctx, kOptions);
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const Tensor& out = ctx.output(0);
  ctx.check_type(b, a.type, "input 1");
  ctx.check_same_type(a, out);
  Shape shape;
  ctx.check(BroadcastShapes(a.shape, b.shape, &shape), "input shapes ", a.shape, " and ", b.shape,
            " cannot be broadcast together (or rank > ", kMaxBroadcastRank, ")");
  BinaryState& s = ctx.state<BinaryState>();
  s.plan.init(a.shape, b.shape, shape);
  ctx.set_output_shape(0, shape);
  switch (a.type) {
    case DType::kFloat32: {
      const ActRange r = float_activation_range(ctx, o.activation);
      s.lo = r.lo, s.hi = r.hi;
      return ctx.set_eval(EvalF32<kFloatOp>);
    }
    case DType::kInt32:
      int32_activation(ctx, o.activation, &s.ilo, &s.ihi);
      return ctx.set_eval(EvalI32<IntOp>);
    default: ctx.unsupported_type(a, "input 0");
  }
}

}  // namespace

void Register_ADD(OpRegistry& r) {
  r.add({op::ADD, "ADD", kAnyType, 5, Prepare<opt::AddOptions, ew::BinOp::kAdd, AddI>, nullptr});
}
void Register_SUB(OpRegistry& r) {
  r.add({op::SUB, "SUB", kAnyType, 5, Prepare<opt::SubOptions, ew::BinOp::kSub, SubI>, nullptr});
}
void Register_MUL(OpRegistry& r) {
  r.add({op::MUL, "MUL", kAnyType, 7, Prepare<opt::MulOptions, ew::BinOp::kMul, MulI>, nullptr});
}

}  // namespace slimrt
