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

// Copies src[i] into input i of g (resizing it first where the shape differs, then allocating g if needed).
void call_inputs(OpContext& ctx, Subgraph& g, const char* role, const std::vector<const Tensor*>& src) {
  ctx.check(g.inputs.size() == src.size(), role, " subgraph ", g.index(), " ('", g.name(), "') has ",
            g.inputs.size(), " inputs, the op passes ", src.size());
  for (size_t i = 0; i < src.size(); ++i) {
    const Tensor& t = g.tensor(g.inputs[i]);
    ctx.check(!t.is_const() && !t.is_variable, role, " subgraph ", g.index(), " ('", g.name(), "'): input ", i,
              " ('", t.name, "') is a constant or variable tensor");
    ctx.check(t.type == src[i]->type, role, " subgraph ", g.index(), " ('", g.name(), "'): input ", i, " ('", t.name,
              "') is ", dtype_name(t.type), " but the op passes ", dtype_name(src[i]->type));
    if (t.shape != src[i]->shape) g.resize_input(g.inputs[i], src[i]->shape);
  }
  if (!g.allocated()) g.allocate();
  if (!ctx.at_invoke()) return;  // prepare: shapes only
  for (size_t i = 0; i < src.size(); ++i) {
    Tensor& t = g.tensor(g.inputs[i]);
    const size_t n = src[i]->required_bytes();
    if (n && t.data != src[i]->data) std::memcpy(t.data, src[i]->data, n);
  }
}

std::vector<const Tensor*> node_inputs(OpContext& ctx, int first) {
  std::vector<const Tensor*> v;
  for (int i = first; i < ctx.num_inputs(); ++i) v.push_back(&ctx.input(i));
  return v;
}

std::vector<const Tensor*> node_outputs(OpContext& ctx) {
  std::vector<const Tensor*> v;
  for (int i = 0; i < ctx.num_outputs(); ++i) v.push_back(&ctx.output(i));
  return v;
}

// prepare: output i gets g's output i shape when every subgraph in `gs` agrees on a static one, else it is dynamic.
void plan_outputs(OpContext& ctx, const std::vector<Subgraph*>& gs, const char* role) {
  for (Subgraph* g : gs)
    ctx.check(int(g->outputs.size()) == ctx.num_outputs(), role, " subgraph ", g->index(), " ('", g->name(), "') has ",
              g->outputs.size(), " outputs, the op has ", ctx.num_outputs());
  for (int i = 0; i < ctx.num_outputs(); ++i) {
    const Tensor& first = gs[0]->tensor(gs[0]->outputs[size_t(i)]);
    bool fixed = true;
    for (Subgraph* g : gs) {
      const Tensor& t = g->tensor(g->outputs[size_t(i)]);
      ctx.check(t.type == ctx.output(i).type, role, " subgraph ", g->index(), " ('", g->name(), "'): output ", i,
                " is ", dtype_name(t.type), " but the op's output is ", dtype_name(ctx.output(i).type));
      fixed = fixed && t.alloc != Tensor::Alloc::kDynamic && t.shape == first.shape;
    }
    if (fixed) ctx.set_output_shape(i, first.shape);
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

// ---- WHILE ----

void PrepareWhile(OpContext& ctx) {
  ctx.check(ctx.num_inputs() == ctx.num_outputs(), "has ", ctx.num_inputs(), " inputs but ", ctx.num_outputs(),
            " outputs (one per loop variable)");
  const fb::Table o = ctx.options(opt::WhileOptions);
  CallState& s = ctx.state<CallState>();
  s.a = o.get<int32_t>(0, 0);
  s.b = o.get<int32_t>(1, 0);
  Subgraph& cond = callee(ctx, s.a, "cond");
  Subgraph& body = callee(ctx, s.b, "body");
  for (int i = 0; i < ctx.num_inputs(); ++i) ctx.check_same_type(ctx.input(i), ctx.output(i));
  const std::vector<const Tensor*> in = node_inputs(ctx, 0);
  call_inputs(ctx, cond, "cond", in);
  ctx.check(cond.outputs.size() == 1 && cond.tensor(cond.outputs[0]).type == DType::kBool, "cond subgraph ", s.a,
            " ('", cond.name(), "') must have one bool output");
  call_inputs(ctx, body, "body", in);
  plan_outputs(ctx, {&body}, "body");
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
  const std::vector<const Tensor*> vars = node_outputs(ctx);
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
  const fb::Table o = ctx.options(opt::IfOptions);
  CallState& s = ctx.state<CallState>();
  s.a = o.get<int32_t>(0, 0);
  s.b = o.get<int32_t>(1, 0);
  Subgraph& then_g = callee(ctx, s.a, "then");
  Subgraph& else_g = callee(ctx, s.b, "else");
  const Tensor& c = ctx.input(0);
  ctx.check(c.type == DType::kBool && c.elements() == 1, "condition '", c.name, "' must be one bool value, got ",
            dtype_name(c.type), " ", c.shape);
  const std::vector<const Tensor*> in = node_inputs(ctx, 1);
  call_inputs(ctx, then_g, "then", in);
  call_inputs(ctx, else_g, "else", in);
  plan_outputs(ctx, {&then_g, &else_g}, "branch");
}

void EvalIf(OpContext& ctx) {
  const CallState& s = ctx.state<CallState>();
  Subgraph& g = ctx.interpreter().subgraph(read_bool(ctx, ctx.input(0), "condition") ? s.a : s.b);
  call_inputs(ctx, g, "branch", node_inputs(ctx, 1));
  g.invoke();
  copy_outputs(ctx, g);
}

// ---- CALL ----

void PrepareCall(OpContext& ctx) {
  CallState& s = ctx.state<CallState>();
  s.a = int(ctx.options(opt::CallOptions).get<uint32_t>(0, 0) & 0x7fffffff);
  Subgraph& g = callee(ctx, s.a, "called");
  call_inputs(ctx, g, "called", node_inputs(ctx, 0));
  plan_outputs(ctx, {&g}, "called");
}

void EvalCall(OpContext& ctx) {
  Subgraph& g = ctx.interpreter().subgraph(ctx.state<CallState>().a);
  call_inputs(ctx, g, "called", node_inputs(ctx, 0));
  g.invoke();
  copy_outputs(ctx, g);
}

}  // namespace

// Never folded: the subgraphs may have side effects (resource variables).
void Register_WHILE(OpRegistry& r) { r.add({op::WHILE, "WHILE", kAnyType, 1, PrepareWhile, EvalWhile, kNoFold}); }
void Register_IF(OpRegistry& r) { r.add({op::IF, "IF", kAnyType, 1, PrepareIf, EvalIf, kNoFold}); }
void Register_CALL(OpRegistry& r) { r.add({op::CALL, "CALL", kAnyType, 1, PrepareCall, EvalCall, kNoFold}); }

}  // namespace slimrt
