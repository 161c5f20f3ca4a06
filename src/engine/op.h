// How ops plug into the engine.
//
// An op is an OpDef: a builtin code, the type of its first input it handles (or kAnyType), the highest op
// version it implements, and two functions:
//   prepare(ctx): runs at allocate_tensors(). Validates inputs (count, types, ranks, constness), computes and sets
//                 output shapes with ctx.set_output_shape(), precomputes per-node state (ctx.state<T>()), requests
//                 scratch memory (ctx.request_scratch()). May read the data of *constant* inputs only.
//   eval(ctx):    runs at invoke(). Computes outputs from inputs. Must not allocate on the hot path where avoidable.
// Constant folding: a node whose inputs are all constant (and that touches no resource tensor) is prepared,
// evaluated once at allocate time, and its outputs become constants; its consumers see them as constant in
// their own prepare (so e.g. float16 weights behind DEQUANTIZE can be packed in prepare).
// Both report problems with ctx.fail(...) / ctx.check(...), which throw slimrt::Error prefixed with the op's
// name and node index. Each op family lives in one file under ops/ and registers its OpDefs in a
// Register*Ops(OpRegistry&) function called from ops/registry.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "flatbuffer.h"
#include "tensor.h"

namespace slimrt {

class Interpreter;
class Subgraph;
class ThreadPool;
struct OpDef;

// Per-node data an op keeps between prepare and eval (packed weights, precomputed parameters...).
struct OpState {
  virtual ~OpState() = default;
};

struct Node {
  const OpDef* def = nullptr;
  int32_t builtin = 0;
  int version = 1;
  int index = 0;  // position in the subgraph's execution order
  std::vector<int32_t> inputs, outputs;
  uint8_t options_type = 0;
  fb::Table options;
  std::unique_ptr<OpState> state;
  size_t scratch_bytes = 0;
  bool folded = false;  // evaluated once at allocate (all inputs constant); skipped by invoke
};

constexpr DType kAnyType = DType(-1);

struct OpDef {
  int32_t builtin;
  const char* name;
  DType input_type;  // type of input 0 this definition handles, or kAnyType
  int max_version;
  void (*prepare)(class OpContext&);
  void (*eval)(class OpContext&);
};

class OpContext {
 public:
  OpContext(Interpreter& interp, Subgraph& sg, Node& node, uint8_t* scratch)
      : interp_(interp), sg_(sg), node_(node), scratch_(scratch) {}

  int num_inputs() const { return int(node_.inputs.size()); }
  int num_outputs() const { return int(node_.outputs.size()); }
  bool has_input(int i) const { return i < num_inputs() && node_.inputs[size_t(i)] >= 0; }
  Tensor& input(int i);              // fails if missing
  Tensor* optional_input(int i);     // nullptr if missing
  Tensor& output(int i);
  int input_index(int i) const { return node_.inputs[size_t(i)]; }
  int output_index(int i) const { return node_.outputs[size_t(i)]; }

  const fb::Table& options() const { return node_.options; }
  int version() const { return node_.version; }
  const char* op_name() const;
  Node& node() { return node_; }

  // prepare: set an output's shape (its bytes are allocated after all nodes are prepared).
  void set_output_shape(int i, Shape shape);
  // prepare: ask for `bytes` of scratch memory available to eval via scratch(); shared by all nodes.
  void request_scratch(size_t bytes) { node_.scratch_bytes = bytes; }
  uint8_t* scratch() { return scratch_; }

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
  template <class... A>
  void check(bool ok, const A&... msg) const {
    if (!ok) fail(cat(msg...));
  }
  // Shorthands for the usual prepare checks.
  void check_inputs(int min, int max) const;
  void check_outputs(int n) const;
  void check_type(const Tensor& t, DType want, const char* role) const;

 private:
  Interpreter& interp_;
  Subgraph& sg_;
  Node& node_;
  uint8_t* scratch_;
};

class OpRegistry {
 public:
  void add(const OpDef& def) { defs_.push_back(def); }
  // Exact input type match first, then kAnyType. nullptr if the builtin is unknown for that type.
  const OpDef* find(int32_t builtin, DType input_type) const;
  bool knows(int32_t builtin) const;

 private:
  std::vector<OpDef> defs_;
};

const OpRegistry& builtin_ops();

// Fused activation functions (schema ActivationFunctionType).
enum Activation : int8_t { kActNone = 0, kActRelu = 1, kActReluN1To1 = 2, kActRelu6 = 3, kActTanh = 4, kActSignBit = 5 };
struct ActRange {
  float lo, hi;
};
// Clamp range of a fused activation for float ops; fails for activations that are not a clamp.
ActRange float_activation_range(const OpContext& ctx, int act);

// One spatial axis of a convolution or pooling window under TFLite's padding rules (Padding: SAME = 0,
// VALID = 1): the output size and the padding before the first element (SAME splits the total padding with
// the smaller half first). Fails for a non-positive stride, dilation or filter, or an unknown padding.
struct AxisGeometry {
  int out, pad_before;
};
AxisGeometry window_axis(const OpContext& ctx, int64_t in, int filter, int stride, int dilation, int padding);

// Builtin operator codes used by the engine (schema BuiltinOperator values).
namespace op {
enum : int32_t {
  ADD = 0, AVERAGE_POOL_2D = 1, CONCATENATION = 2, CONV_2D = 3, DEPTHWISE_CONV_2D = 4, DEQUANTIZE = 6,
  FULLY_CONNECTED = 9, LOGISTIC = 14, MAX_POOL_2D = 17, MUL = 18, RELU = 19, RELU_N1_TO_1 = 20, RELU6 = 21,
  RESHAPE = 22, SOFTMAX = 25, TANH = 28, CUSTOM = 32, PAD = 34, TRANSPOSE = 39, MEAN = 40, SUB = 41,
  STRIDED_SLICE = 45, SPLIT = 49, PRELU = 54, PADV2 = 60, SPLIT_V = 102, QUANTIZE = 114, HARD_SWISH = 117,
  CALL_ONCE = 129, VAR_HANDLE = 142, READ_VARIABLE = 143, ASSIGN_VARIABLE = 144,
};
}  // namespace op

// One registration function per op family (ops/*.cc).
void RegisterConvOps(OpRegistry& r);         // ops/conv.cc: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED (float)
void RegisterQuantizedConvOps(OpRegistry& r);  // ops/conv_int8.cc: the same for int8
void RegisterElementwiseOps(OpRegistry& r);  // ops/elementwise.cc: ADD, MUL, SUB, PRELU, RELU*, LOGISTIC, TANH...
void RegisterPoolOps(OpRegistry& r);         // ops/pool.cc: MAX_POOL_2D, AVERAGE_POOL_2D
void RegisterShapeOps(OpRegistry& r);        // ops/shape.cc: PAD, RESHAPE, CONCATENATION, STRIDED_SLICE, SPLIT(_V)
void RegisterReduceOps(OpRegistry& r);       // ops/reduce.cc: MEAN, SOFTMAX
void RegisterQuantizeOps(OpRegistry& r);     // ops/quantize.cc: DEQUANTIZE, QUANTIZE
void RegisterVariableOps(OpRegistry& r);     // ops/variable.cc: VAR_HANDLE, READ/ASSIGN_VARIABLE, CALL_ONCE

}  // namespace slimrt
