// Control flow: WHILE, IF and CALL run other subgraphs of the model.
//
//   WHILE (WhileOptions cond_subgraph_index, body_subgraph_index): N loop variables (inputs i -> outputs i). The
//          outputs start as the inputs; while cond(vars) (a one-element bool) is true, vars = body(vars).
//   IF    (IfOptions then_subgraph_index, else_subgraph_index): input 0 is a one-element bool; inputs 1.. go to the
//          branch it picks, whose outputs are the op's outputs.
//   CALL  (CallOptions subgraph): the inputs go to the subgraph, its outputs are the op's outputs.
//
// A call copies the op's inputs into the subgraph's input tensors (resizing them, and allocating the subgraph
// again, when a shape differs from the last call), invokes it, and copies its outputs out. At prepare, every
// subgraph the op may run is resized to the op's input shapes and allocated; an output whose shape is not known
// then (a loop variable that changes shape, branches that disagree, a subgraph output computed at run time) is a
// dynamic output, sized at each invoke. Types must match exactly. Recursion (a subgraph reached again while it
// runs) and nesting deeper than Subgraph::kMaxNesting fail with an error naming the subgraph.
#include <cstring>

#include "op.h"
#include "ops/util.h"
#include "slimrt.h"

#ifndef SLIMRT_MAX_LOOP_ITERATIONS  // fuzz builds lower it: a hostile loop must end
#define SLIMRT_MAX_LOOP_ITERATIONS (int64_t(1) << 62)
#endif

namespace slimrt {
namespace {

struct CallState : OpState {
  int a = 0, b = 0;  // WHILE: cond, body; IF: then, else; CALL: the subgraph
};

Subgraph& callee(OpContext& ctx, int index, const char* role) {
  Interpreter& it = ctx.interpreter();
  ctx.check(index >= 0 && index < it.num_subgraphs(), role, " subgraph index ", index,
            " is out of range (the model has ", it.num_subgraphs(), " subgraphs)");
  return it.subgraph(index);
}

// The tensors a call passes: the op's inputs from `first` on, or (WHILE's loop variables) the op's outputs.
struct Args {
  OpContext& ctx;
  int first;
  bool outputs;
  int size() const { return outputs ? ctx.num_outputs() : ctx.num_inputs() - first; }
  const Tensor& operator[](int i) const { return outputs ? ctx.output(i) : ctx.input(first + i); }
};

// Copies the args into g's inputs (resizing them first where the shape differs, then allocating g if needed).
void call_inputs(OpContext& ctx, Subgraph& g, const char* role, const Args& src) {
  const int n = src.size();
  ctx.check(int(g.inputs.size()) == n, role, " subgraph ", g.index(), " ('", g.name(), "') has ", g.inputs.size(),
            " inputs, the op passes ", n);
  for (int i = 0; i < n; ++i) {
    const Tensor& t = g.tensor(g.inputs[size_t(i)]);
    ctx.check(!t.is_const() && !t.is_variable && t.type == src[i].type, role, " subgraph ", g.index(), " ('",
              g.name(), "'): input ", i, " ('", t.name, "', ", dtype_name(t.type), ") cannot take the op's ",
              dtype_name(src[i].type), " value");
    if (t.shape != src[i].shape) g.resize_input(g.inputs[size_t(i)], src[i].shape);
  }
  if (!g.allocated()) g.allocate();
  if (!ctx.at_invoke()) return;  // prepare: shapes only
  for (int i = 0; i < n; ++i) {
    Tensor& t = g.tensor(g.inputs[size_t(i)]);
    const size_t bytes = src[i].required_bytes();
    if (bytes && t.data != src[i].data) std::memcpy(t.data, src[i].data, bytes);
  }
}

// prepare: output i gets the shape of output i of a and b (b may be a) when both are static and agree, else it is
// dynamic.
void plan_outputs(OpContext& ctx, Subgraph& a, Subgraph& b, const char* role) {
  for (Subgraph* g : {&a, &b})
    ctx.check(int(g->outputs.size()) == ctx.num_outputs(), role, " subgraph ", g->index(), " ('", g->name(),
              "') has ", g->outputs.size(), " outputs, the op has ", ctx.num_outputs());
  for (int i = 0; i < ctx.num_outputs(); ++i) {
    const Tensor& x = a.tensor(a.outputs[size_t(i)]);
    const Tensor& y = b.tensor(b.outputs[size_t(i)]);
    ctx.check(x.type == ctx.output(i).type && y.type == x.type, role, " subgraph output ", i, " is ",
              dtype_name(x.type), " but the op's output is ", dtype_name(ctx.output(i).type));
    const bool fixed = x.alloc != Tensor::Alloc::kDynamic && y.alloc != Tensor::Alloc::kDynamic && x.shape == y.shape;
    if (fixed) ctx.set_output_shape(i, x.shape);
    else ctx.set_output_dynamic(i);
  }
}

// eval: the op's outputs := g's outputs.
void copy_outputs(OpContext& ctx, Subgraph& g) {
  for (int i = 0; i < ctx.num_outputs(); ++i) {
    const Tensor& src = g.tensor(g.outputs[size_t(i)]);
    Tensor& dst = ctx.output(i);
    if (dst.alloc == Tensor::Alloc::kDynamic) ctx.resize_output(i, src.shape);
    ctx.check(dst.shape == src.shape, "output ", i, " of subgraph ", g.index(), " ('", g.name(), "') has shape ",
              src.shape, ", planned as ", dst.shape);
    const size_t n = src.required_bytes();
    ctx.check(n == 0 || src.data != nullptr, "output ", i, " of subgraph ", g.index(), " has no data");
    if (n && dst.data != src.data) std::memcpy(dst.data, src.data, n);
  }
}

bool read_bool(OpContext& ctx, const Tensor& t, const char* role) {
  ctx.check(t.type == DType::kBool && t.elements() == 1 && t.data, role, " '", t.name,
            "' must be one bool value, got ", dtype_name(t.type), " ", t.shape);
  return t.data[0] != 0;
}

// The subgraphs named by fields 0 and 1 of the options (WHILE: cond, body; IF: then, else), checked.
CallState& two_callees(OpContext& ctx, opt::Type options, const char* a, const char* b) {
  const fb::Table o = ctx.options(options);
  CallState& s = ctx.state<CallState>();
  s.a = o.get<int32_t>(0, 0);
  s.b = o.get<int32_t>(1, 0);
  callee(ctx, s.a, a);
  callee(ctx, s.b, b);
  return s;
}

// ---- WHILE ----

void PrepareWhile(OpContext& ctx) {
  ctx.check(ctx.num_inputs() == ctx.num_outputs(), "has ", ctx.num_inputs(), " inputs but ", ctx.num_outputs(),
            " outputs (one per loop variable)");
  const CallState& s = two_callees(ctx, opt::WhileOptions, "cond", "body");
  Subgraph& cond = ctx.interpreter().subgraph(s.a);
  Subgraph& body = ctx.interpreter().subgraph(s.b);
  for (int i = 0; i < ctx.num_inputs(); ++i) ctx.check_same_type(ctx.input(i), ctx.output(i));
  const Args in{ctx, 0, false};
  call_inputs(ctx, cond, "cond", in);
  ctx.check(cond.outputs.size() == 1 && cond.tensor(cond.outputs[0]).type == DType::kBool, "cond subgraph ", s.a,
            " ('", cond.name(), "') must have one bool output");
  call_inputs(ctx, body, "body", in);
  plan_outputs(ctx, body, body, "body");
  // A loop variable whose body output has another shape than its input changes shape: dynamic.
  for (int i = 0; i < ctx.num_outputs(); ++i)
    if (ctx.output(i).alloc != Tensor::Alloc::kDynamic && ctx.output(i).shape != ctx.input(i).shape)
      ctx.set_output_dynamic(i);
}

void EvalWhile(OpContext& ctx) {
  const CallState& s = ctx.state<CallState>();
  Interpreter& it = ctx.interpreter();
  Subgraph& cond = it.subgraph(s.a);
  Subgraph& body = it.subgraph(s.b);
  for (int i = 0; i < ctx.num_outputs(); ++i) {  // vars := inputs
    const Tensor& in = ctx.input(i);
    Tensor& out = ctx.output(i);
    if (out.alloc == Tensor::Alloc::kDynamic) ctx.resize_output(i, in.shape);
    if (out.bytes && out.data != in.data) std::memcpy(out.data, in.data, in.required_bytes());
  }
  const Args vars{ctx, 0, true};
  for (int64_t n = 0;; ++n) {
    call_inputs(ctx, cond, "cond", vars);
    cond.invoke();
    if (!read_bool(ctx, cond.tensor(cond.outputs[0]), "cond output")) break;
    ctx.check(n < SLIMRT_MAX_LOOP_ITERATIONS, "the loop ran ", n, " iterations without ending");
    call_inputs(ctx, body, "body", vars);
    body.invoke();
    copy_outputs(ctx, body);
  }
}

// ---- IF ----

void PrepareIf(OpContext& ctx) {
  ctx.check(ctx.num_inputs() >= 1, "needs the condition input");
  const CallState& s = two_callees(ctx, opt::IfOptions, "then", "else");
  Subgraph& then_g = ctx.interpreter().subgraph(s.a);
  Subgraph& else_g = ctx.interpreter().subgraph(s.b);
  const Tensor& c = ctx.input(0);
  ctx.check(c.type == DType::kBool && c.elements() == 1, "condition '", c.name, "' must be one bool value, got ",
            dtype_name(c.type), " ", c.shape);
  const Args in{ctx, 1, false};
  call_inputs(ctx, then_g, "then", in);
  call_inputs(ctx, else_g, "else", in);
  plan_outputs(ctx, then_g, else_g, "branch");
}

void EvalIf(OpContext& ctx) {
  const CallState& s = ctx.state<CallState>();
  Subgraph& g = ctx.interpreter().subgraph(read_bool(ctx, ctx.input(0), "condition") ? s.a : s.b);
  call_inputs(ctx, g, "branch", Args{ctx, 1, false});
  g.invoke();
  copy_outputs(ctx, g);
}

// ---- CALL ----

void PrepareCall(OpContext& ctx) {
  CallState& s = ctx.state<CallState>();
  s.a = int(ctx.options(opt::CallOptions).get<uint32_t>(0, 0) & 0x7fffffff);
  Subgraph& g = callee(ctx, s.a, "called");
  call_inputs(ctx, g, "called", Args{ctx, 0, false});
  plan_outputs(ctx, g, g, "called");
}

void EvalCall(OpContext& ctx) {
  Subgraph& g = ctx.interpreter().subgraph(ctx.state<CallState>().a);
  call_inputs(ctx, g, "called", Args{ctx, 0, false});
  g.invoke();
  copy_outputs(ctx, g);
}

}  // namespace

// Never folded: the subgraphs may have side effects (resource variables).
void Register_WHILE(OpRegistry& r) { r.add({op::WHILE, "WHILE", kAnyType, 1, PrepareWhile, EvalWhile, kNoFold}); }
void Register_IF(OpRegistry& r) { r.add({op::IF, "IF", kAnyType, 1, PrepareIf, EvalIf, kNoFold}); }
void Register_CALL(OpRegistry& r) { r.add({op::CALL, "CALL", kAnyType, 1, PrepareCall, EvalCall, kNoFold}); }

}  // namespace slimrt
