// Subgraph: tensors + nodes in execution order, prepared and planned into one arena.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <new>

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
void init_variable(Tensor& t, const BufferDef& b) {
  t.owned.assign(std::max<size_t>(t.required_bytes(), 1), 0);
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
    t.buffer = int32_t(td.buffer);
    const BufferDef& b = m.buffers[td.buffer];
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
    n.options_type = od.options_type;
    n.options = od.options;
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

void Subgraph::allocate() {
  try {
    allocate_unchecked();
  } catch (const std::bad_alloc&) {
    allocated_ = false;
    throw Error(cat("allocate_tensors: out of memory (subgraph ", index_, " needs more memory than is available)"));
  }
}

void Subgraph::allocate_unchecked() {
  allocated_ = false;
  const Model& m = interp_.model();
  const OpRegistry& ops = builtin_ops();
  for (Node& n : nodes) {
    if (n.folded) continue;
    // A node's outputs get their shapes from prepare; drop arena pointers of a previous plan.
    for (int32_t o : n.outputs) {
      Tensor& t = tensors[size_t(o)];
      if (t.alloc == Tensor::Alloc::kArena) t.data = nullptr;
    }
    const OperatorCode& code = m.opcodes[m.subgraphs[size_t(index_)].operators[size_t(n.index)].opcode];
    DType in_type = kAnyType;
    if (!n.inputs.empty() && n.inputs[0] >= 0) in_type = tensors[size_t(n.inputs[0])].type;
    const OpDef* def = nullptr;
    if (n.builtin == op::CUSTOM) {
      throw Error(cat("custom op '", code.custom, "' (node ", n.index, ") is not supported by slimrt"));
    } else if (!(def = ops.find(n.builtin, in_type))) {
      if (ops.knows(n.builtin))
        throw Error(cat(builtin_op_name(n.builtin), " (node ", n.index, ") with ", dtype_name(in_type),
                        " input is not supported by slimrt"));
      throw Error(cat("op ", builtin_op_name(n.builtin), " (builtin code ", n.builtin, ", node ", n.index,
                      ") is not supported by slimrt"));
    }
    if (n.version > def->max_version)
      throw Error(cat(def->name, " (node ", n.index, ") version ", n.version,
                      " is not supported (slimrt implements up to version ", def->max_version, ")"));
    n.def = def;
    n.state.reset();
    n.scratch_bytes = 0;
  }
  for (Node& n : nodes) {
    if (n.folded) continue;  // folded at an earlier allocate: its outputs do not depend on inputs
    OpContext ctx(interp_, *this, n, nullptr);
    n.def->prepare(ctx);
    if (foldable(n)) fold(n);
  }
  plan_memory();
  allocated_ = true;
}

bool Subgraph::foldable(const Node& n) const {
  if (n.inputs.empty()) return false;
  for (int32_t t : n.inputs) {
    if (t < 0) continue;
    const Tensor& x = tensors[size_t(t)];
    if (!x.is_const() || x.type == DType::kResource) return false;
  }
  for (int32_t t : n.outputs) {
    const Tensor& x = tensors[size_t(t)];
    if (x.type == DType::kResource || x.is_variable || x.alloc == Tensor::Alloc::kPersistent) return false;
    if (std::find(outputs.begin(), outputs.end(), t) != outputs.end()) return false;  // keep graph outputs live
  }
  return true;
}

void Subgraph::fold(Node& n) {
  for (int32_t t : n.outputs) {
    Tensor& x = tensors[size_t(t)];
    x.owned.assign(std::max<size_t>(x.required_bytes(), 1), 0);
    x.data = x.owned.data();
    x.bytes = x.required_bytes();
    x.alloc = Tensor::Alloc::kConst;
    x.folded = true;
  }
  std::unique_ptr<uint8_t[]> scratch_holder;
  uint8_t* scratch = aligned_block(scratch_holder, n.scratch_bytes);
  OpContext ctx(interp_, *this, n, scratch);
  n.def->eval(ctx);
  n.folded = true;
  n.state.reset();  // nothing runs this node again
}

void Subgraph::plan_memory() {
  // Lifetimes in node steps: graph inputs live from before the first node, graph outputs to after the last.
  const int n_nodes = int(nodes.size());
  const int kBefore = -1, kAfter = n_nodes;
  std::vector<int> first(tensors.size(), kAfter + 1), last(tensors.size(), kBefore - 1);
  auto needs_arena = [&](int32_t t) {
    const Tensor& x = tensors[size_t(t)];
    return x.alloc != Tensor::Alloc::kConst && x.alloc != Tensor::Alloc::kPersistent;
  };
  auto touch = [&](int32_t t, int step) {
    if (t < 0 || !needs_arena(t)) return;
    first[size_t(t)] = std::min(first[size_t(t)], step);
    last[size_t(t)] = std::max(last[size_t(t)], step);
  };
  for (int32_t t : inputs) {
    touch(t, kBefore);
    touch(t, kAfter);  // inputs are preserved across invoke, as in TFLite
  }
  for (int i = 0; i < n_nodes; ++i) {
    for (int32_t t : nodes[size_t(i)].inputs) touch(t, i);
    for (int32_t t : nodes[size_t(i)].outputs) touch(t, i);
  }
  for (int32_t t : outputs) touch(t, kAfter);

  struct Item {
    size_t tensor;
    uint64_t bytes, offset;
    int first, last;
  };
  std::vector<Item> items;
  for (size_t t = 0; t < tensors.size(); ++t) {
    if (first[t] > last[t]) continue;
    Tensor& x = tensors[t];
    uint64_t bytes = dtype_size(x.type) ? x.required_bytes() : 0;
    if (!dtype_size(x.type) && x.type != DType::kResource)
      throw Error(cat("tensor '", x.name, "' has type ", dtype_name(x.type), ", which slimrt does not support"));
    items.push_back({t, bytes, 0, first[t], last[t]});
  }
  // Greedy by size: each tensor goes at the lowest offset free during its whole lifetime. Offsets are 64-bit
  // and checked, so a hostile model cannot wrap them around on 32-bit targets.
  auto align64 = [](uint64_t n) { return (n + kAlign - 1) & ~uint64_t(kAlign - 1); };
  const uint64_t kLimit = std::min<uint64_t>(std::numeric_limits<size_t>::max() / 2, SLIMRT_MAX_ALLOC_BYTES);
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return items[a].bytes > items[b].bytes; });
  std::vector<size_t> placed;
  uint64_t total = 0;
  for (size_t k : order) {
    Item& it = items[k];
    std::vector<std::pair<uint64_t, uint64_t>> busy;  // [offset, end) of overlapping placed items
    for (size_t p : placed) {
      const Item& o = items[p];
      if (o.first <= it.last && it.first <= o.last) busy.emplace_back(o.offset, o.offset + align64(o.bytes));
    }
    std::sort(busy.begin(), busy.end());
    uint64_t off = 0, need = align64(it.bytes);
    for (auto& b : busy) {
      if (b.first >= off + need) break;
      off = std::max(off, b.second);
    }
    it.offset = off;
    total = std::max(total, off + need);
    if (total > kLimit)
      throw Error(cat("allocate_tensors: the tensors of subgraph ", index_, " need ", total,
                      " bytes, more than slimrt allows (", kLimit, ")"));
    placed.push_back(k);
  }
  uint8_t* base = aligned_block(arena_, size_t(total));
  arena_size_ = size_t(total);
  for (const Item& it : items) {
    Tensor& x = tensors[it.tensor];
    x.alloc = Tensor::Alloc::kArena;
    x.data = base + size_t(it.offset);
    x.bytes = size_t(it.bytes);
  }
  scratch_size_ = 0;
  for (const Node& n : nodes) scratch_size_ = std::max(scratch_size_, n.scratch_bytes);
  if (scratch_size_ > kLimit)
    throw Error(cat("allocate_tensors: an op of subgraph ", index_, " asks for ", scratch_size_, " bytes of scratch memory"));
  aligned_block(scratch_, scratch_size_);
}

void Subgraph::invoke(std::vector<OpTiming>* timings) {
  if (!allocated_) throw Error("allocate_tensors() must be called before invoke()");
  uint8_t* scratch = reinterpret_cast<uint8_t*>(
      (reinterpret_cast<uintptr_t>(scratch_.get()) + kAlign - 1) & ~uintptr_t(kAlign - 1));
  for (Node& n : nodes) {
    if (n.folded) continue;
    OpContext ctx(interp_, *this, n, scratch);
    if (timings) {
      auto t0 = std::chrono::steady_clock::now();
      n.def->eval(ctx);
      auto t1 = std::chrono::steady_clock::now();
      timings->push_back({index_, n.index, n.def->name, std::chrono::duration<double>(t1 - t0).count()});
    } else {
      n.def->eval(ctx);
    }
  }
}

void Subgraph::reset_variables() {
  const Model& m = interp_.model();
  for (Tensor& t : tensors)
    if (t.is_variable) init_variable(t, m.buffers[size_t(t.buffer)]);
}

}  // namespace slimrt
