// OpContext: what an op sees of the engine during prepare and eval.
#include "op.h"

#include <cstring>
#include <limits>

#include "kernels/threadpool.h"
#include "slimrt.h"

namespace slimrt {

const char* builtin_op_name(int32_t code) {
  switch (code) {
#define SLIMRT_OP(NAME, CODE) case CODE: return #NAME;
#define SLIMRT_NAME_ONLY(NAME, CODE) case CODE: return #NAME;
#define SLIMRT_CUSTOM_OP(NAME)
#include "ops/op_list.def"
#undef SLIMRT_OP
#undef SLIMRT_NAME_ONLY
#undef SLIMRT_CUSTOM_OP
  }
  return "BUILTIN_OP";
}

const char* opt::name(int type) {
  switch (type) {
    case kNone: return "NONE";
#define SLIMRT_OPTIONS(NAME, VALUE) case VALUE: return #NAME;
#include "ops/builtin_options.def"
#undef SLIMRT_OPTIONS
  }
  return "unknown options";
}

const char* OpContext::op_name() const {
  if (node_.def) return node_.def->name;
  if (node_.builtin == op::CUSTOM) return node_.custom.c_str();
  return builtin_op_name(node_.builtin);
}

fb::Table OpContext::options(opt::Type type) const {
  if (node_.options_type == type) return node_.options;
  // Converters leave the options out (type NONE) when every field has its default value.
  check(node_.options_type == opt::kNone && !node_.options.valid(), "has options of type ",
        opt::name(node_.options_type), ", expected ", opt::name(type));
  return fb::Table();
}

void OpContext::set_output_dynamic(int i) {
  Tensor& t = output(i);
  if (t.is_const()) fail(cat("output ", i, " ('", t.name, "') is a constant tensor"));
  t.alloc = Tensor::Alloc::kDynamic;
}

void OpContext::resize_output(int i, const Shape& shape) {
  Tensor& t = output(i);
  check(t.alloc == Tensor::Alloc::kDynamic, "internal error: output ", i, " is not dynamic");
  shape_elements(shape, dtype_size(t.type), t.name.c_str());
  t.shape = shape;
  t.ensure_owned_storage();
}

std::vector<int64_t> OpContext::input_ints(int i, const char* role) {
  const Tensor& t = input(i);
  check(t.type == DType::kInt32 || t.type == DType::kInt64, role, " '", t.name, "' must be int32 or int64, got ",
        dtype_name(t.type));
  const int64_t n = t.elements();
  if (n == 0) return {};
  if (!values_known(t)) defer();
  const size_t es = dtype_size(t.type);
  check(t.data != nullptr && t.bytes >= size_t(n) * es, role, " '", t.name, "' has too little data");
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) {
    if (t.type == DType::kInt32) {
      int32_t x;
      std::memcpy(&x, t.data + size_t(k) * 4, 4);
      v[size_t(k)] = x;
    } else {
      std::memcpy(&v[size_t(k)], t.data + size_t(k) * 8, 8);
    }
  }
  return v;
}

void OpContext::defer() const {
  if (at_invoke_) fail("internal error: prepare deferred at invoke time");
  throw DeferPrepare{};
}

void OpContext::fail_args(std::initializer_list<MsgArg> msg) const { fail(format_msg(msg)); }

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

Tensor& OpContext::intermediate(int i) {
  if (i >= num_intermediates()) fail(cat("needs intermediate tensor ", i, " but has only ", num_intermediates()));
  int32_t t = node_.intermediates[size_t(i)];
  if (t < 0) fail(cat("intermediate tensor ", i, " is missing"));
  return sg_.tensors[size_t(t)];
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
  if (t.alloc == Tensor::Alloc::kDynamic) t.ensure_owned_storage();
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

void OpContext::check_same_type(const Tensor& in, const Tensor& out) const {
  check(out.type == in.type, "output '", out.name, "' has type ", dtype_name(out.type), " but input '", in.name,
        "' has type ", dtype_name(in.type));
}

void OpContext::unsupported_type(const Tensor& t, const char* role) const {
  fail(cat(role, " '", t.name, "' has type ", dtype_name(t.type), ", which slimrt does not support for this op"));
}

ActRange float_activation_range(const OpContext& ctx, int act) {
  if (act == kActNone) act = ctx.fused_activation();
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
