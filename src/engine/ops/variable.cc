// Resource variables and one-time initialisation: VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE, CALL_ONCE.
//
// Streaming models (e.g. wake-word detectors) keep ring buffers in resource variables: an init subgraph, run once
// through CALL_ONCE, assigns their initial values; the main subgraph reads them, computes, and assigns new values,
// so state carries across invokes. Variables live in the Interpreter (resource_id / resource / assign_resource).
//
// Shapes: READ_VARIABLE plans a static output when it can know its shape at prepare time. To know it, CALL_ONCE
// runs its init subgraph already at prepare (the first time only; the init subgraph has no inputs or outputs, so
// the only observable effect is the variables' values, which are the same whether it runs at allocate_tensors()
// or at the first invoke()). READ_VARIABLE then takes the shape of the variable's value if it is assigned, else
// the shape the model declares for its output when that is fully known; otherwise its output is dynamic, sized
// at every invoke from the variable's value (variables that change shape work then). An ASSIGN_VARIABLE earlier in
// the same subgraph decides instead: the read gets its value's shape (dynamic if that is). A static output whose
// variable later holds another shape or type is an error at invoke.
//
// reset_all_variables() does not touch resource variables (nor re-run CALL_ONCE), as in the official runtime.
#include <cstring>

#include "op.h"
#include "slimrt.h"

namespace slimrt {
namespace {

size_t byte_size(const Tensor& t) { return size_t(t.elements()) * dtype_size(t.type); }

struct VarHandleState : OpState {
  int32_t id = 0;
};

bool is_handle_type(DType t) { return t == DType::kResource || t == DType::kInt32; }

int handle_id_of_options(OpContext& ctx, const fb::Table& opts) {
  const std::string container = opts.str(0, "VarHandleOptions.container");
  const std::string shared_name = opts.str(1, "VarHandleOptions.shared_name");
  return ctx.interpreter().resource_id(container, shared_name);
}

// ---- VAR_HANDLE ----

void VarHandlePrepare(OpContext& ctx) {
  ctx.check_inputs(0, 0);
  ctx.check_outputs(1);
  Tensor& out = ctx.output(0);
  ctx.check(is_handle_type(out.type), "output '", out.name, "' must be a resource (or int32) tensor, got ",
            dtype_name(out.type));
  ctx.state<VarHandleState>().id = handle_id_of_options(ctx, ctx.options(opt::VarHandleOptions));
  ctx.set_output_shape(0, Shape{});
}

void VarHandleEval(OpContext& ctx) {
  Tensor& out = ctx.output(0);
  const int32_t id = ctx.state<VarHandleState>().id;
  ctx.check(out.data && out.bytes >= sizeof(int32_t), "resource handle tensor has no storage");
  std::memcpy(out.data, &id, sizeof(id));
}

// Resource id held by a handle tensor at eval.
int32_t eval_handle(OpContext& ctx, int i) {
  const Tensor& h = ctx.input(i);
  ctx.check(h.data && h.bytes >= sizeof(int32_t), "resource handle '", h.name, "' has no value");
  int32_t id;
  std::memcpy(&id, h.data, sizeof(id));
  return id;
}

// Resource id held by tensor t at prepare, when a VAR_HANDLE node of this subgraph makes it; -1 otherwise.
int prepare_handle(OpContext& ctx, int32_t t) {
  for (Node& n : ctx.subgraph().nodes) {
    if (n.builtin != op::VAR_HANDLE) continue;
    for (int32_t o : n.outputs)
      if (o == t) return handle_id_of_options(ctx, n.options);
  }
  return -1;
}

void check_handle_input(OpContext& ctx, int i) {
  const Tensor& h = ctx.input(i);
  ctx.check(is_handle_type(h.type), "input ", i, " ('", h.name, "') must be a resource handle, got ", dtype_name(h.type));
  ctx.check(h.elements() == 1, "resource handle '", h.name, "' must have one element, has shape ", h.shape);
}

// ---- READ_VARIABLE ----

void ReadVariablePrepare(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  check_handle_input(ctx, 0);
  Tensor& out = ctx.output(0);
  ctx.check(dtype_size(out.type) > 0 && out.type != DType::kResource, "output '", out.name, "' has type ",
            dtype_name(out.type), ", which variables cannot hold");
  const int id = prepare_handle(ctx, ctx.input_index(0));
  const Tensor* var = id >= 0 ? ctx.interpreter().resource(id) : nullptr;
  // An ASSIGN_VARIABLE earlier in this subgraph decides what this read sees.
  const Tensor* assigned = nullptr;
  for (Node& n : ctx.subgraph().nodes) {
    if (&n == &ctx.node()) break;
    if (id >= 0 && n.builtin == op::ASSIGN_VARIABLE && n.inputs.size() == 2 && prepare_handle(ctx, n.inputs[0]) == id)
      assigned = &ctx.subgraph().tensor(n.inputs[1]);
  }
  if (assigned) {
    ctx.check(assigned->type == out.type, "variable '", out.name, "' is assigned ", dtype_name(assigned->type),
              " but the output is ", dtype_name(out.type));
    if (assigned->alloc == Tensor::Alloc::kDynamic) ctx.set_output_dynamic(0);
    else ctx.set_output_shape(0, assigned->shape);
  } else if (var) {
    ctx.check(var->type == out.type, "variable '", out.name, "' holds ", dtype_name(var->type), " but the output is ",
              dtype_name(out.type));
    ctx.set_output_shape(0, var->shape);
  } else {
    bool known = true;
    for (int32_t d : out.shape_signature) known = known && d >= 0;
    if (known) ctx.set_output_shape(0, out.shape);
    else ctx.set_output_dynamic(0);  // sized at each invoke from the variable's value
  }
}

void ReadVariableEval(OpContext& ctx) {
  const int32_t id = eval_handle(ctx, 0);
  Tensor& out = ctx.output(0);
  const Tensor* var = ctx.interpreter().resource(id);
  ctx.check(var != nullptr && var->data != nullptr, "variable read before it was assigned");
  ctx.check(var->type == out.type, "variable holds ", dtype_name(var->type), " but the output is ", dtype_name(out.type));
  if (out.alloc == Tensor::Alloc::kDynamic) ctx.resize_output(0, var->shape);
  ctx.check(var->shape == out.shape, "variable has shape ", var->shape, " but the output was planned with shape ",
            out.shape, " (slimrt does not support variables that change shape)");
  const size_t n = byte_size(out);
  ctx.check(var->bytes == n && out.bytes >= n, "variable size mismatch");
  if (n) std::memcpy(out.data, var->data, n);
}

// ---- ASSIGN_VARIABLE ----

void AssignVariablePrepare(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  ctx.check(ctx.num_outputs() == 0, "expects no outputs, got ", ctx.num_outputs());
  check_handle_input(ctx, 0);
  const Tensor& v = ctx.input(1);
  ctx.check(dtype_size(v.type) > 0 && v.type != DType::kResource, "value '", v.name, "' has type ",
            dtype_name(v.type), ", which variables cannot hold");
}

void AssignVariableEval(OpContext& ctx) {
  const int32_t id = eval_handle(ctx, 0);
  const Tensor& v = ctx.input(1);
  const size_t need = byte_size(v);
  ctx.check(need == 0 || (v.data && v.bytes >= need), "value '", v.name, "' has no data");
  Tensor& var = ctx.interpreter().assign_resource(id);
  if (var.owned.empty()) var.name = v.name;
  if (var.owned.size() < need || var.owned.empty()) var.owned.resize(need ? need : 1);
  var.type = v.type;
  var.shape = v.shape;
  var.shape_signature = v.shape;
  var.quant = v.quant;
  var.alloc = Tensor::Alloc::kPersistent;
  var.data = var.owned.data();
  var.bytes = need;
  if (need) std::memcpy(var.data, v.data, need);
}

// ---- CALL_ONCE ----

struct CallOnceState : OpState {
  int init = 0;
};

void CallOnceRun(OpContext& ctx, int idx) {
  Interpreter& it = ctx.interpreter();
  Subgraph& g = it.subgraph(idx);
  if (!g.allocated()) g.allocate();
  if (it.first_call(idx)) g.invoke();
}

void CallOncePrepare(OpContext& ctx) {
  ctx.check_inputs(0, 0);
  ctx.check(ctx.num_outputs() == 0, "expects no outputs, got ", ctx.num_outputs());
  const int idx = ctx.options(opt::CallOnceOptions).get<int32_t>(0, 0);
  Interpreter& it = ctx.interpreter();
  ctx.check(idx >= 0 && idx < it.num_subgraphs(), "init subgraph index ", idx, " is out of range (the model has ",
            it.num_subgraphs(), " subgraphs)");
  ctx.check(idx != ctx.subgraph().index(), "init subgraph ", idx, " is the subgraph that calls it");
  Subgraph& g = it.subgraph(idx);
  ctx.check(g.inputs.empty() && g.outputs.empty(), "init subgraph ", idx, " must have no inputs and no outputs");
  ctx.state<CallOnceState>().init = idx;
  // Run it now (once per interpreter) so READ_VARIABLE can plan with the variables' real shapes. Recursion through
  // init subgraphs is refused by Subgraph (a running subgraph cannot be entered again).
  CallOnceRun(ctx, idx);
}

void CallOnceEval(OpContext& ctx) { CallOnceRun(ctx, ctx.state<CallOnceState>().init); }

}  // namespace

void Register_VAR_HANDLE(OpRegistry& r) {
  r.add({op::VAR_HANDLE, "VAR_HANDLE", kAnyType, 1, VarHandlePrepare, VarHandleEval, kNoFold});
}
void Register_READ_VARIABLE(OpRegistry& r) {
  r.add({op::READ_VARIABLE, "READ_VARIABLE", kAnyType, 1, ReadVariablePrepare, ReadVariableEval, kNoFold});
}
void Register_ASSIGN_VARIABLE(OpRegistry& r) {
  r.add({op::ASSIGN_VARIABLE, "ASSIGN_VARIABLE", kAnyType, 1, AssignVariablePrepare, AssignVariableEval, kNoFold});
}
void Register_CALL_ONCE(OpRegistry& r) {
  r.add({op::CALL_ONCE, "CALL_ONCE", kAnyType, 1, CallOncePrepare, CallOnceEval, kNoFold});
}

}  // namespace slimrt
