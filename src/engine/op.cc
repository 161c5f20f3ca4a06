// OpContext: what an op sees of the engine during prepare and eval.
#include "op.h"

#include <limits>

#include "kernels/threadpool.h"
#include "slimrt.h"

namespace slimrt {

const char* OpContext::op_name() const { return node_.def ? node_.def->name : builtin_op_name(node_.builtin); }

void OpContext::fail(const std::string& msg) const {
  if (sg_.index() == 0) throw Error(cat(op_name(), " (node ", node_.index, "): ", msg));
  throw Error(cat(op_name(), " (subgraph ", sg_.index(), ", node ", node_.index, "): ", msg));
}

Tensor& OpContext::input(int i) {
  if (i >= num_inputs()) fail(cat("needs input ", i, " but has only ", num_inputs()));
  int32_t t = node_.inputs[size_t(i)];
  if (t < 0) fail(cat("input ", i, " is required but missing"));
  return sg_.tensors[size_t(t)];
}

Tensor* OpContext::optional_input(int i) {
  if (i >= num_inputs() || node_.inputs[size_t(i)] < 0) return nullptr;
  return &sg_.tensors[size_t(node_.inputs[size_t(i)])];
}

Tensor& OpContext::output(int i) {
  if (i >= num_outputs()) fail(cat("needs output ", i, " but has only ", num_outputs()));
  return sg_.tensors[size_t(node_.outputs[size_t(i)])];
}

void OpContext::set_output_shape(int i, Shape shape) {
  Tensor& t = output(i);
  if (t.is_const()) fail(cat("output ", i, " ('", t.name, "') is a constant tensor"));
  shape_elements(shape, dtype_size(t.type), t.name.c_str());  // validates: no negative dims, no overflow
  t.shape = std::move(shape);
}

ThreadPool& OpContext::pool() { return interp_.pool(); }
int OpContext::num_threads() const { return interp_.num_threads(); }

void OpContext::check_inputs(int min, int max) const {
  check(num_inputs() >= min && num_inputs() <= max, "expects ", min, (min == max ? "" : cat("-", max)),
        " inputs, got ", num_inputs());
}

void OpContext::check_outputs(int n) const { check(num_outputs() == n, "expects ", n, " outputs, got ", num_outputs()); }

void OpContext::check_type(const Tensor& t, DType want, const char* role) const {
  check(t.type == want, role, " '", t.name, "' must be ", dtype_name(want), ", got ", dtype_name(t.type));
}

ActRange float_activation_range(const OpContext& ctx, int act) {
  switch (act) {
    case kActNone: return {-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()};
    case kActRelu: return {0.f, std::numeric_limits<float>::infinity()};
    case kActReluN1To1: return {-1.f, 1.f};
    case kActRelu6: return {0.f, 6.f};
    default: ctx.fail(cat("fused activation function ", act, " is not supported"));
  }
}

AxisGeometry window_axis(const OpContext& ctx, int64_t in, int filter, int stride, int dilation, int padding) {
  ctx.check(padding == 0 || padding == 1, "unknown padding type ", padding);
  ctx.check(stride > 0 && dilation > 0, "stride and dilation must be positive, got ", stride, " and ", dilation);
  ctx.check(filter > 0, "filter size must be positive, got ", filter);
  const int64_t eff = int64_t(filter - 1) * dilation + 1;
  int64_t out = padding == 0 ? (in + stride - 1) / stride : (in >= eff ? (in - eff) / stride + 1 : 0);
  ctx.check(out <= (int64_t(1) << 30), "output size too large");
  int64_t total = out > 0 ? (out - 1) * stride + eff - in : 0;
  return {int(out), total > 0 ? int(total / 2) : 0};
}

}  // namespace slimrt
