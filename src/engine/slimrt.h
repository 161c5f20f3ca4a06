// slimrt's public C++ API: load a .tflite model, allocate, set inputs, invoke, read outputs.
//
//   slimrt::Interpreter it(bytes, /*num_threads=*/1);   // throws slimrt::Error for malformed models
//   it.allocate_tensors();                               // throws for unsupported ops / bad shapes
//   slimrt::Subgraph& g = it.subgraph(0);
//   std::memcpy(g.tensors[g.inputs[0]].data, ..., g.tensors[g.inputs[0]].bytes);
//   it.invoke();
//   const slimrt::Tensor& out = g.tensors[g.outputs[0]];
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model.h"
#include "op.h"
#include "tensor.h"

namespace slimrt {

class Interpreter;

struct OpTiming {
  int subgraph;
  int node;
  const char* op;
  double seconds;
};

// One subgraph of the model, ready to run: tensors, nodes in execution order, and an arena memory plan.
class Subgraph {
 public:
  Subgraph(Interpreter& interp, const SubgraphDef& def, int index);

  int index() const { return index_; }
  const std::string& name() const { return name_; }
  std::vector<Tensor> tensors;
  std::vector<int32_t> inputs, outputs;
  std::vector<Node> nodes;

  Tensor& tensor(int32_t i);  // checked
  void resize_input(int32_t tensor_index, const Shape& shape);
  void allocate();  // prepare every node, then plan and allocate the arena
  void invoke(std::vector<OpTiming>* timings = nullptr);
  bool allocated() const { return allocated_; }
  // Control-flow ops (WHILE, IF, CALL, CALL_ONCE) run other subgraphs from inside allocate()/invoke(). A subgraph
  // that is being allocated or invoked cannot be entered again (recursion fails with an error naming it), and
  // subgraph calls nest at most kMaxNesting deep.
  static constexpr int kMaxNesting = 16;
  bool busy() const { return busy_; }
  size_t arena_bytes() const { return arena_size_; }
  void reset_variables();

 private:
  void check_dataflow() const;
  void fuse_activations();  // fusion.cc
  void allocate_unchecked();
  void reset_plan();
  const OpDef* resolve(const Node& n) const;
  void check_kernel(const Node& n) const;
  bool foldable(const Node& n) const;
  void fold(Node& n);
  void plan_memory();
  void prepare_at_invoke(Node& n);
  void ensure_scratch(size_t bytes, uint64_t limit);

  class Enter;  // marks the subgraph busy while allocating or invoking

  Interpreter& interp_;
  std::string name_;
  int index_;
  bool allocated_ = false;
  bool busy_ = false;
  bool fused_ = false;  // fuse_activations() ran (once, before the first prepare)
  std::unique_ptr<uint8_t[]> arena_;
  size_t arena_size_ = 0;
  std::unique_ptr<uint8_t[]> scratch_;
  uint8_t* scratch_data_ = nullptr;  // scratch_, aligned
  size_t scratch_size_ = 0;
};

class Interpreter {
 public:
  // Parses and verifies the model (a copy of the bytes is kept). num_threads <= 0 means 1.
  explicit Interpreter(std::vector<uint8_t> model_bytes, int num_threads = 1);
  static std::unique_ptr<Interpreter> from_file(const std::string& path, int num_threads = 1);
  ~Interpreter();

  const Model& model() const { return *model_; }
  int num_subgraphs() const { return int(subgraphs_.size()); }
  Subgraph& subgraph(int i);

  void allocate_tensors(int subgraph = 0);
  void invoke(int subgraph = 0);
  void reset_variables();

  ThreadPool& pool() { return *pool_; }
  int num_threads() const;

  void set_profiling(bool on) { profiling_ = on; timings_.clear(); }
  // Keep every intermediate tensor readable (no graph fusions); call before the first allocate_tensors().
  void set_preserve_all_tensors(bool on) { preserve_all_tensors_ = on; }
  bool preserve_all_tensors() const { return preserve_all_tensors_; }
  std::vector<OpTiming>& timings() { return timings_; }

  // Resource variables (VAR_HANDLE / READ_VARIABLE / ASSIGN_VARIABLE): ids are stable per (container, name).
  int resource_id(const std::string& container, const std::string& shared_name);
  Tensor* resource(int id);       // nullptr if never assigned
  Tensor& assign_resource(int id);  // creates if needed
  // CALL_ONCE bookkeeping: true the first time it is asked for `subgraph`; never reset (reset_variables()
  // leaves resource variables and CALL_ONCE alone, as the official runtime does).
  bool first_call(int subgraph);

 private:
  std::unique_ptr<Model> model_;
  std::vector<std::unique_ptr<Subgraph>> subgraphs_;
  std::unique_ptr<ThreadPool> pool_;
  friend class Subgraph;
  int nesting_ = 0;  // subgraphs being allocated or invoked right now
  bool profiling_ = false;
  bool preserve_all_tensors_ = false;
  std::vector<OpTiming> timings_;
  std::map<std::pair<std::string, std::string>, int> resource_ids_;
  std::map<int, Tensor> resources_;
  std::vector<bool> called_once_;
};

}  // namespace slimrt
