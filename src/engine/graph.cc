// Subgraph: tensors + nodes in execution order, prepared and planned into one arena.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <new>

#include "planner.h"
#include "slimrt.h"

namespace slimrt {

namespace {

constexpr size_t kAlign = 64;

uint8_t* aligned_block(std::unique_ptr<uint8_t[]>& holder, size_t bytes) {
  holder.reset(new uint8_t[bytes + kAlign]);
  uintptr_t p = reinterpret_cast<uintptr_t>(holder.get());
  return reinterpret_cast<uint8_t*>((p + kAlign - 1) & ~uintptr_t(kAlign - 1));
}

// Initial contents of a variable tensor: its buffer if it has one, else zeros.
// A variable's initial (and reset) value: its buffer when it has one of the right size, else zero, except int8
// variables, which the official runtime (ResetVariableTensor) fills with their zero point's byte.
void init_variable(Tensor& t, const BufferDef& b) {
  const bool int8_zp = t.type == DType::kInt8 && !t.quant.zero_point.empty();
  t.owned.assign(std::max<size_t>(t.required_bytes(), 1), int8_zp ? uint8_t(t.quant.zero_point[0]) : uint8_t(0));
  if (b.size && b.size == t.required_bytes()) std::memcpy(t.owned.data(), b.data, b.size);
  t.data = t.owned.data();
  t.bytes = t.required_bytes();
}

}  // namespace

Subgraph::Subgraph(Interpreter& interp, const SubgraphDef& def, int index)
    : interp_(interp), name_(def.name), index_(index) {
  const Model& m = interp.model();
  tensors.resize(def.tensors.size());
  for (size_t i = 0; i < def.tensors.size(); ++i) {
    const TensorDef& td = def.tensors[i];
    Tensor& t = tensors[i];
    t.name = td.name;
    t.type = td.type;
    t.shape = td.shape;
    t.shape_signature = td.shape_signature;
    t.quant = td.quant;
    t.is_variable = td.is_variable;
    t.sparse = td.sparse;
    t.sparsity = td.sparsity;
    t.buffer = int32_t(td.buffer);
    const BufferDef& b = m.buffers[td.buffer];
    if (t.sparse && (!b.size || t.is_variable))
      throw Error(cat("malformed model: tensor ", i, " ('", t.name, "') is sparse but not a constant"));
    if (t.is_variable) {
      t.alloc = Tensor::Alloc::kPersistent;
      init_variable(t, b);
    } else if (b.size) {
      t.alloc = Tensor::Alloc::kConst;
      t.bytes = b.size;
      size_t esize = dtype_size(t.type);
      size_t align = esize > 8 ? 8 : (esize ? esize : 1);
      if (reinterpret_cast<uintptr_t>(b.data) % align) {
        t.owned.assign(b.data, b.data + b.size);  // keep typed access aligned on every target
        t.data = t.owned.data();
      } else {
        t.data = const_cast<uint8_t*>(b.data);
      }
    }
  }
  inputs = def.inputs;
  outputs = def.outputs;
  nodes.resize(def.operators.size());
  for (size_t i = 0; i < def.operators.size(); ++i) {
    const OperatorDef& od = def.operators[i];
    Node& n = nodes[i];
    const OperatorCode& code = m.opcodes[od.opcode];
    n.builtin = code.builtin;
    n.version = code.version;
    n.index = int(i);
    n.inputs = od.inputs;
    n.outputs = od.outputs;
    n.intermediates = od.intermediates;
    n.options_type = od.options_type;
    n.options = od.options;
    n.custom = code.custom;
    n.custom_options = od.custom_options;
  }
  check_dataflow();
}

// The planner and every op's prepare rely on these: each tensor gets its shape from one place, before use.
void Subgraph::check_dataflow() const {
  std::vector<int> producer(tensors.size(), -1);
  for (int32_t t : inputs) producer[size_t(t)] = -2;  // defined before the first node
  for (const Node& n : nodes) {
    for (int32_t t : n.outputs) {
      const Tensor& x = tensors[size_t(t)];
      const char* problem = nullptr;
      if (producer[size_t(t)] == -2) problem = "is a subgraph input";
      else if (producer[size_t(t)] >= 0) problem = "is already the output of an earlier node";
      else if (x.alloc == Tensor::Alloc::kConst) problem = "is a constant";
      else if (std::find(n.inputs.begin(), n.inputs.end(), t) != n.inputs.end()) problem = "is also its input";
      if (problem)
        throw Error(cat("malformed model: node ", n.index, " (", builtin_op_name(n.builtin), ") in subgraph ", index_,
                        " writes tensor ", t, " ('", x.name, "'), which ", problem));
      producer[size_t(t)] = n.index;
    }
  }
  for (const Node& n : nodes)
    for (int32_t t : n.inputs)
      if (t >= 0 && producer[size_t(t)] >= n.index)
        throw Error(cat("malformed model: node ", n.index, " (", builtin_op_name(n.builtin), ") in subgraph ", index_,
                        " reads tensor ", t, " before node ", producer[size_t(t)], " writes it"));
}

Tensor& Subgraph::tensor(int32_t i) {
  if (i < 0 || size_t(i) >= tensors.size())
    throw Error(cat("tensor index ", i, " is out of range (subgraph ", index_, " has ", tensors.size(), " tensors)"));
  return tensors[size_t(i)];
}

void Subgraph::resize_input(int32_t tensor_index, const Shape& shape) {
  if (std::find(inputs.begin(), inputs.end(), tensor_index) == inputs.end())
    throw Error(cat("tensor ", tensor_index, " is not an input of subgraph ", index_));
  Tensor& t = tensor(tensor_index);
  if (t.alloc == Tensor::Alloc::kConst || t.alloc == Tensor::Alloc::kPersistent)
    throw Error(cat("input tensor ", tensor_index, " ('", t.name, "') is a constant or variable and cannot be resized"));
  shape_elements(shape, dtype_size(t.type), t.name.c_str());
  t.shape = shape;
  allocated_ = false;
}

class Subgraph::Enter {
 public:
  explicit Enter(Subgraph& g) : g_(g) {
    if (g.busy_)
      throw Error(cat("subgraph ", g.index_, " ('", g.name_, "') is called while it is already running (recursion)"));
    if (g.interp_.nesting_ >= kMaxNesting)
      throw Error(cat("subgraph ", g.index_, " ('", g.name_, "'): subgraph calls nest more than ", int(kMaxNesting),
                      " deep"));
    g.busy_ = true;
    ++g.interp_.nesting_;
  }
  ~Enter() {
    g_.busy_ = false;
    --g_.interp_.nesting_;
  }

 private:
  Subgraph& g_;
};

void Subgraph::allocate() {
  Enter enter(*this);
  try {
    allocate_unchecked();
  } catch (const std::bad_alloc&) {
    allocated_ = false;
    throw Error(cat("allocate_tensors: out of memory (subgraph ", index_, " needs more memory than is available)"));
  }
}

void Subgraph::reset_plan() {
  // Back to the model's state: allocate() derives everything else (folding, dynamic tensors, the arena) again,
  // since shapes may have changed since the last plan.
  for (Tensor& t : tensors) {
    if (t.folded) {
      t.folded = false;
      t.alloc = Tensor::Alloc::kNone;
      std::vector<uint8_t>().swap(t.owned);
    }
    if (t.alloc == Tensor::Alloc::kArena || t.alloc == Tensor::Alloc::kDynamic) {
      t.alloc = Tensor::Alloc::kNone;
      std::vector<uint8_t>().swap(t.owned);
    }
    if (t.alloc == Tensor::Alloc::kNone) {
      t.data = nullptr;
      t.bytes = 0;
    }
  }
  for (Node& n : nodes) {
    n.folded = n.deferred = false;
    n.state.reset();
    n.scratch_bytes = 0;
  }
}

const OpDef* Subgraph::resolve(const Node& n) const {
  const OpRegistry& ops = builtin_ops();
  DType in_type = kAnyType;
  if (!n.inputs.empty() && n.inputs[0] >= 0) in_type = tensors[size_t(n.inputs[0])].type;
  const OpDef* def = nullptr;
  // A selective build says so, since the op may well be one that a full build has.
  const std::string subset =
      op_selection() ? cat("; this slimrt was built with only the ops ", op_selection(),
                           ": rebuild it for this model too (slim build --ops-from MODEL.tflite ...)")
                     : std::string();
  if (n.builtin == op::CUSTOM) {
    def = ops.find_custom(n.custom);
    if (!def) throw Error(cat("custom op '", n.custom, "' (node ", n.index, ") is not supported by slimrt", subset));
  } else if (!(def = ops.find(n.builtin, in_type))) {
    if (ops.knows(n.builtin))
      throw Error(cat(builtin_op_name(n.builtin), " (node ", n.index, ") with ", dtype_name(in_type),
                      " input is not supported by slimrt"));
    throw Error(cat("op ", builtin_op_name(n.builtin), " (builtin code ", n.builtin, ", node ", n.index,
                    ") is not supported by slimrt", subset));
  }
  if (n.version > def->max_version)
    throw Error(cat(def->name, " (node ", n.index, ") version ", n.version,
                    " is not supported (slimrt implements up to version ", def->max_version, ")"));
  // Sparse constants reach only the ops that read their sparsity; any other op would take the stored values for
  // the dense tensor.
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (n.inputs[i] < 0 || !tensors[size_t(n.inputs[i])].sparse) continue;
    const bool ok = (i == 0 && (def->flags & kSparseInput0)) || (i == 1 && (def->flags & kSparseInput1));
    if (!ok)
      throw Error(cat(def->name, " (node ", n.index, "): input ", i, " ('", tensors[size_t(n.inputs[i])].name,
                      "') is a sparse tensor, which slimrt does not support for this op"));
  }
  return def;
}

void Subgraph::allocate_unchecked() {
  allocated_ = false;
  if (!fused_) {
    if (!interp_.preserve_all_tensors()) fuse_activations();
    fused_ = true;
  }
  reset_plan();
  for (Node& n : nodes) n.def = resolve(n);
  for (Node& n : nodes) {
    n.eval = n.def->eval;
    bool dynamic_input = false;
    for (int32_t t : n.inputs) dynamic_input = dynamic_input || (t >= 0 && tensors[size_t(t)].alloc == Tensor::Alloc::kDynamic);
    if (!dynamic_input) {
      OpContext ctx(interp_, *this, n, nullptr, false);
      try {
        n.def->prepare(ctx);
        check_kernel(n);
        if (foldable(n)) fold(n);
        continue;
      } catch (const DeferPrepare&) {
      }
    }
    // Prepared at every invoke, once its inputs are known; its outputs get their storage then.
    n.deferred = true;
    n.state.reset();
    n.scratch_bytes = 0;
    for (int32_t t : n.outputs) {
      Tensor& x = tensors[size_t(t)];
      if (x.alloc == Tensor::Alloc::kNone) x.alloc = Tensor::Alloc::kDynamic;
    }
  }
  plan_memory();
  allocated_ = true;
}

void Subgraph::check_kernel(const Node& n) const {
  if (!n.eval) throw Error(cat("internal error: ", n.def->name, " (node ", n.index, ") chose no kernel"));
}

bool Subgraph::foldable(const Node& n) const {
  if (n.inputs.empty() || (n.def->flags & kNoFold)) return false;
  const bool shape_only = (n.def->flags & kShapeOnly) != 0;
  for (int32_t t : n.inputs) {
    if (t < 0) continue;
    const Tensor& x = tensors[size_t(t)];
    if (x.type == DType::kResource) return false;
    if (shape_only ? x.alloc == Tensor::Alloc::kDynamic : !x.is_const()) return false;
  }
  for (int32_t t : n.outputs) {
    const Tensor& x = tensors[size_t(t)];
    if (x.type == DType::kResource) return false;
    if (std::find(outputs.begin(), outputs.end(), t) != outputs.end()) return false;  // keep graph outputs live
    // A variable written by a node of constant inputs (the float16 models' LSTM states are DEQUANTIZE outputs)
    // gets its value once, as in the official runtime, and then belongs to the op that updates it.
    if (x.is_variable && x.alloc == Tensor::Alloc::kPersistent && x.bytes == x.required_bytes()) continue;
    if (x.alloc != Tensor::Alloc::kNone) return false;
  }
  return true;
}

void Subgraph::fold(Node& n) {
  for (int32_t t : n.outputs) {
    Tensor& x = tensors[size_t(t)];
    if (x.is_variable) continue;  // evaluated into its persistent storage, stays a variable
    x.ensure_owned_storage();
    std::fill(x.owned.begin(), x.owned.end(), uint8_t(0));
    x.alloc = Tensor::Alloc::kConst;
    x.folded = true;
  }
  std::unique_ptr<uint8_t[]> scratch_holder;
  uint8_t* scratch = aligned_block(scratch_holder, n.scratch_bytes);
  OpContext ctx(interp_, *this, n, scratch, true);
  n.eval(ctx);
  n.folded = true;
  n.state.reset();  // nothing runs this node again
}

void Subgraph::plan_memory() {
  // Lifetimes in node steps: graph inputs live from before the first node, graph outputs to after the last.
  const int n_nodes = int(nodes.size());
  const int kBefore = -1, kAfter = n_nodes;
  std::vector<int> first(tensors.size(), kAfter + 1), last(tensors.size(), kBefore - 1);
  auto touch = [&](int32_t t, int step) {
    if (t < 0 || tensors[size_t(t)].alloc != Tensor::Alloc::kNone) return;  // constants, variables, dynamic
    first[size_t(t)] = std::min(first[size_t(t)], step);
    last[size_t(t)] = std::max(last[size_t(t)], step);
  };
  for (int32_t t : inputs) {
    touch(t, kBefore);
    touch(t, kAfter);  // inputs are preserved across invoke, as in TFLite
  }
  for (int i = 0; i < n_nodes; ++i) {
    if (nodes[size_t(i)].folded) continue;
    for (int32_t t : nodes[size_t(i)].inputs) touch(t, i);
    for (int32_t t : nodes[size_t(i)].outputs) touch(t, i);
  }
  for (int32_t t : outputs) touch(t, kAfter);

  std::vector<size_t> which;
  std::vector<BufferRequest> requests;
  for (size_t t = 0; t < tensors.size(); ++t) {
    if (first[t] > last[t]) continue;
    Tensor& x = tensors[t];
    if (!dtype_size(x.type) && x.type != DType::kResource)
      throw Error(cat("tensor '", x.name, "' has type ", dtype_name(x.type), ", which slimrt does not support"));
    which.push_back(t);
    requests.push_back({dtype_size(x.type) ? uint64_t(x.required_bytes()) : 0, first[t], last[t]});
  }
  const uint64_t limit = std::min<uint64_t>(std::numeric_limits<size_t>::max() / 2, SLIMRT_MAX_ALLOC_BYTES);
  const std::string what = cat("allocate_tensors: the tensors of subgraph ", index_);
  const ArenaPlan plan = plan_arena(requests, kAlign, limit, what.c_str());
  if (requests.size() <= 4096) {  // the check is cheap; a planner bug must never turn into memory corruption
    const std::string problem = check_arena_plan(requests, plan, kAlign);
    if (!problem.empty()) throw Error(cat("internal error in the memory plan of subgraph ", index_, ": ", problem));
  }
  uint8_t* base = aligned_block(arena_, size_t(plan.total));
  arena_size_ = size_t(plan.total);
  for (size_t i = 0; i < which.size(); ++i) {
    Tensor& x = tensors[which[i]];
    x.alloc = Tensor::Alloc::kArena;
    x.data = base + size_t(plan.offsets[i]);
    x.bytes = size_t(requests[i].bytes);
  }
  size_t scratch = 0;
  for (const Node& n : nodes) scratch = std::max(scratch, n.scratch_bytes);
  ensure_scratch(scratch, limit);
}

void Subgraph::ensure_scratch(size_t bytes, uint64_t limit) {
  if (bytes > limit)
    throw Error(cat("allocate_tensors: an op of subgraph ", index_, " asks for ", bytes, " bytes of scratch memory"));
  if (scratch_ && bytes <= scratch_size_) return;
  scratch_data_ = aligned_block(scratch_, bytes);
  scratch_size_ = bytes;
}

void Subgraph::invoke(std::vector<OpTiming>* timings) {
  if (!allocated_) throw Error("allocate_tensors() must be called before invoke()");
  Enter enter(*this);
  for (Node& n : nodes) {
    if (n.folded) continue;
    if (n.deferred) prepare_at_invoke(n);
    OpContext ctx(interp_, *this, n, scratch_data_, true);
    if (timings) {
      auto t0 = std::chrono::steady_clock::now();
      n.eval(ctx);
      auto t1 = std::chrono::steady_clock::now();
      timings->push_back({index_, n.index, n.def->name, std::chrono::duration<double>(t1 - t0).count()});
    } else {
      n.eval(ctx);
    }
  }
}

void Subgraph::prepare_at_invoke(Node& n) {
  n.state.reset();
  n.scratch_bytes = 0;
  n.eval = n.def->eval;
  OpContext ctx(interp_, *this, n, nullptr, true);
  try {
    n.def->prepare(ctx);
    check_kernel(n);
    for (int32_t t : n.outputs) {
      Tensor& x = tensors[size_t(t)];
      if (x.alloc == Tensor::Alloc::kDynamic && !x.data) x.ensure_owned_storage();
    }
    ensure_scratch(n.scratch_bytes, std::min<uint64_t>(std::numeric_limits<size_t>::max() / 2, SLIMRT_MAX_ALLOC_BYTES));
  } catch (const std::bad_alloc&) {
    throw Error(cat(n.def->name, " (node ", n.index, "): out of memory for tensors whose shapes are computed at run time"));
  }
}

void Subgraph::reset_variables() {
  const Model& m = interp_.model();
  for (Tensor& t : tensors)
    if (t.is_variable) init_variable(t, m.buffers[size_t(t.buffer)]);
}

}  // namespace slimrt
