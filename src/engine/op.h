// How ops plug into the engine.
//
// Every op slimrt implements is listed once in ops/op_list.def and defines `void Register_NAME(OpRegistry&)` in its
// own file under ops/ (one op per file; ops that share one options table and one prepare, such as MAX_POOL_2D and
// AVERAGE_POOL_2D, share a file). The file holds, in this order: the typed options (a struct and the function that
// reads it from the op's options table, checking the union type), the shared prepare (validation, output shapes,
// per-node state), then the evals per type (float / int8 / int16 / hybrid...). Registration adds one OpDef per
// (op, input-0 type), or one OpDef for any type whose prepare picks the eval with ctx.set_eval().
//
//   prepare(ctx): runs at allocate_tensors(). Validates inputs (count, types, ranks), sets output shapes with
//                 ctx.set_output_shape(), precomputes per-node state (ctx.state<T>()), requests scratch memory
//                 (ctx.request_scratch()). Reads the *values* of inputs only through ctx.input_ints() /
//                 ctx.values_known(): when a value is not known yet (it is computed at run time), prepare is deferred
//                 to invoke time (see "Dynamic shapes").
//   eval(ctx):    runs at invoke(). Computes outputs from inputs.
//
// Constant folding: a node whose inputs are all constant (or, for ops registered with kShapeOnly, whose inputs all
// have known shapes) is prepared and evaluated once at allocate time; its outputs become constants that its
// consumers see in their own prepare (float16 weights behind DEQUANTIZE become float constants a conv packs once;
// SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE chains resolve to a constant shape).
//
// Dynamic shapes: when a prepare needs the value of a tensor computed at run time (ctx.input_ints() calls defer()),
// or when an input is itself dynamic, the node is deferred: its outputs become dynamic tensors (heap storage of the
// size the shape needs), and at every invoke the node is prepared again, just before its eval, with every input
// value known. An op whose output shape depends on input *values* in eval may instead mark its output dynamic in
// prepare (ctx.set_output_dynamic) and call ctx.resize_output() in eval.
//
// Problems are reported with ctx.fail(...) / ctx.check(...), which throw slimrt::Error prefixed with the op's name
// and node index.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <type_traits>
#include <string>
#include <vector>

#include "flatbuffer.h"
#include "tensor.h"

namespace slimrt {

class Interpreter;
class Subgraph;
class ThreadPool;
class OpContext;
struct OpDef;

// Builtin operator codes (schema BuiltinOperator), from the one op list.
namespace op {
enum Code : int32_t {
#define SLIMRT_OP(NAME, CODE) NAME = CODE,
#define SLIMRT_NAME_ONLY(NAME, CODE) NAME = CODE,
#define SLIMRT_CUSTOM_OP(NAME)
#include "ops/op_list.def"
#undef SLIMRT_OP
#undef SLIMRT_NAME_ONLY
#undef SLIMRT_CUSTOM_OP
};
}  // namespace op

// Union type values of the operator options tables (schema BuiltinOptions).
namespace opt {
enum Type : uint8_t {
  kNone = 0,
#define SLIMRT_OPTIONS(NAME, VALUE) NAME = VALUE,
#include "ops/builtin_options.def"
#undef SLIMRT_OPTIONS
};
const char* name(int type);
}  // namespace opt

// Name of a builtin op code ("BUILTIN_OP_<code>" for codes the schema does not know).
const char* builtin_op_name(int32_t code);

// Per-node data an op keeps between prepare and eval (packed weights, precomputed parameters...).
struct OpState {
  virtual ~OpState() = default;
};

using OpFn = void (*)(OpContext&);

struct Node {
  const OpDef* def = nullptr;
  OpFn eval = nullptr;  // def->eval unless prepare picked another with ctx.set_eval()
  int32_t builtin = 0;
  std::string custom;  // custom_code for builtin == op::CUSTOM
  int version = 1;
  int index = 0;  // position in the subgraph's execution order
  std::vector<int32_t> inputs, outputs, intermediates;
  uint8_t options_type = 0;
  fb::Table options;
  fb::Bytes custom_options;  // raw custom_options bytes (custom ops)
  std::unique_ptr<OpState> state;
  size_t scratch_bytes = 0;
  bool folded = false;    // evaluated once at allocate (inputs constant); skipped by invoke
  bool deferred = false;  // prepared again at every invoke (needs run-time values or has dynamic inputs)
  // A float activation the graph fused into this node from the RELU / RELU6 / RELU_N1_TO_1 node that consumed its
  // output (see Subgraph::fuse_activations); float_activation_range() applies it when the options say none.
  int8_t fused_activation = 0;
};

constexpr DType kAnyType = DType(-1);

struct OpDef {
  int32_t builtin;
  const char* name;
  DType input_type;  // type of input 0 this definition handles, or kAnyType
  int max_version;
  OpFn prepare;
  OpFn eval;
  uint32_t flags = 0;
  const char* custom = nullptr;  // custom op name when builtin == op::CUSTOM
};

// OpDef flags.
enum : uint32_t {
  kShapeOnly = 1u << 0,        // outputs depend on input shapes only (SHAPE, RANK): folded when shapes are known
  kSparseInput1 = 1u << 1,     // input 1 may be a sparse constant (the op reads its sparsity itself)
  kSparseInput0 = 1u << 2,     // input 0 may be a sparse constant (DENSIFY)
  kNoFold = 1u << 3,           // never constant-folded (ops with side effects)
};

// Thrown by OpContext::defer(): the graph catches it and defers the node to invoke time.
struct DeferPrepare {};

class OpContext {
 public:
  OpContext(Interpreter& interp, Subgraph& sg, Node& node, uint8_t* scratch, bool at_invoke)
      : interp_(interp), sg_(sg), node_(node), scratch_(scratch), at_invoke_(at_invoke) {}

  int num_inputs() const { return int(node_.inputs.size()); }
  int num_outputs() const { return int(node_.outputs.size()); }
  bool has_input(int i) const { return i < num_inputs() && node_.inputs[size_t(i)] >= 0; }
  Tensor& input(int i);              // fails if missing
  Tensor* optional_input(int i);     // nullptr if missing
  Tensor& output(int i);
  Tensor& intermediate(int i);
  int num_intermediates() const { return int(node_.intermediates.size()); }
  int input_index(int i) const { return node_.inputs[size_t(i)]; }
  int output_index(int i) const { return node_.outputs[size_t(i)]; }

  // The options table, checked to be of union type `type` (an absent table reads as all defaults).
  fb::Table options(opt::Type type) const;
  const fb::Bytes& custom_options() const { return node_.custom_options; }
  int version() const { return node_.version; }
  int fused_activation() const { return node_.fused_activation; }
  const char* op_name() const;
  Node& node() { return node_; }

  // prepare: set an output's shape (its bytes are allocated after all nodes are prepared; dynamic outputs right away).
  void set_output_shape(int i, Shape shape);
  // prepare: the output's shape is only known in eval, which sets it with resize_output().
  void set_output_dynamic(int i);
  // eval: give a dynamic output its shape and storage.
  void resize_output(int i, const Shape& shape);
  // prepare: ask for `bytes` of scratch memory available to eval via scratch(); shared by all nodes.
  void request_scratch(size_t bytes) { node_.scratch_bytes = bytes; }
  uint8_t* scratch() { return scratch_; }
  // prepare: run `fn` instead of the registered eval.
  void set_eval(OpFn fn) { node_.eval = fn; }

  // Whether the data of `t` can be read now: constants always; everything at invoke time.
  bool values_known(const Tensor& t) const { return at_invoke_ || t.is_const(); }
  bool at_invoke() const { return at_invoke_; }
  // The values of an int32/int64 input (shapes, axes, paddings...). At allocate, defers the node to invoke time
  // when the input is computed at run time.
  std::vector<int64_t> input_ints(int i, const char* role);
  [[noreturn]] void defer() const;

  template <class S>
  S& state() {
    if (!node_.state) node_.state.reset(new S());
    return *static_cast<S*>(node_.state.get());
  }

  ThreadPool& pool();
  int num_threads() const;
  Interpreter& interpreter() { return interp_; }
  Subgraph& subgraph() { return sg_; }

  [[noreturn]] void fail(const std::string& msg) const;
  // check(ok, "message ", parts...): fails with the parts formatted as cat() does. The parts are packed into an
  // array of MsgArg and formatted out of line, so a check costs a few bytes of code per part (ops make hundreds).
  template <class... A>
  void check(bool ok, const A&... msg) const {
    if (!ok) fail_args({MsgArg(msg)...});
  }
  // fail(cat(msg...)) for check(): out of line and for any argument list, so a check costs its call site only.
  [[noreturn]] void fail_args(std::initializer_list<MsgArg> msg) const;
  // Shorthands for the usual prepare checks.
  void check_inputs(int min, int max) const;
  void check_outputs(int n) const;
  void check_type(const Tensor& t, DType want, const char* role) const;
  // The output has the type of input 0 (and the same quantization where `same_quant`).
  void check_same_type(const Tensor& in, const Tensor& out) const;
  [[noreturn]] void unsupported_type(const Tensor& t, const char* role) const;

 private:
  Interpreter& interp_;
  Subgraph& sg_;
  Node& node_;
  uint8_t* scratch_;
  bool at_invoke_;
};

class OpRegistry {
 public:
  void add(const OpDef& def) { defs_.push_back(def); }
  // Exact input type match first, then kAnyType. nullptr if the op is unknown for that type.
  const OpDef* find(int32_t builtin, DType input_type) const;
  const OpDef* find_custom(const std::string& name) const;
  bool knows(int32_t builtin) const;
  const std::vector<OpDef>& defs() const { return defs_; }

 private:
  std::vector<OpDef> defs_;
};

const OpRegistry& builtin_ops();
// The ops of a selective build (comma-separated names, as given to SLIMRT_OPS), or nullptr for a full build.
const char* op_selection();

// Fused activation functions (schema ActivationFunctionType).
enum Activation : int8_t { kActNone = 0, kActRelu = 1, kActReluN1To1 = 2, kActRelu6 = 3, kActTanh = 4, kActSignBit = 5 };
struct ActRange {
  float lo, hi;
};
// Clamp range of a fused activation for float ops (kActNone: the activation the graph fused into the node, if any);
// fails for activations that are not a clamp.
ActRange float_activation_range(const OpContext& ctx, int act);

// Padding (schema Padding).
enum PaddingType : int8_t { kPaddingSame = 0, kPaddingValid = 1 };

// One spatial axis of a convolution or pooling window under TFLite's padding rules: the output size and the
// padding before the first element (SAME splits the total padding with the smaller half first). Fails for a
// non-positive stride, dilation or filter, or an unknown padding.
struct AxisGeometry {
  int out, pad_before;
};
AxisGeometry window_axis(const OpContext& ctx, int64_t in, int filter, int stride, int dilation, int padding);

}  // namespace slimrt
