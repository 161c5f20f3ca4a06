// Graph rewrites done once, before the first prepare: a float RELU / RELU6 / RELU_N1_TO_1 whose input is the only
// use of an op's output becomes that op's fused activation (the op writes the activation's output directly; the
// node and the intermediate tensor disappear), as the official runtime's XNNPACK delegate does. Producers are the
// ops whose float path applies float_activation_range() to their options' activation (which must be none).
// Skipped when the interpreter preserves all tensors (experimental_preserve_all_tensors).
#include <algorithm>

#include "op.h"
#include "slimrt.h"

namespace slimrt {
namespace {

struct Producer {
  int32_t op;
  uint8_t options;
  int field;  // fused_activation_function in the options table
};
constexpr Producer kProducers[] = {
    {op::ADD, opt::AddOptions, 0},
    {op::SUB, opt::SubOptions, 0},
    {op::MUL, opt::MulOptions, 0},
    {op::CONV_2D, opt::Conv2DOptions, 3},
    {op::DEPTHWISE_CONV_2D, opt::DepthwiseConv2DOptions, 4},
    {op::FULLY_CONNECTED, opt::FullyConnectedOptions, 0},
    {op::CONCATENATION, opt::ConcatenationOptions, 1},
    {op::MAX_POOL_2D, opt::Pool2DOptions, 5},
    {op::AVERAGE_POOL_2D, opt::Pool2DOptions, 5},
};

int clamp_activation_of(int32_t builtin) {
  switch (builtin) {
    case op::RELU: return kActRelu;
    case op::RELU6: return kActRelu6;
    case op::RELU_N1_TO_1: return kActReluN1To1;
    default: return -1;
  }
}

}  // namespace

void Subgraph::fuse_activations() {
  std::vector<int> uses(tensors.size(), 0), producer(tensors.size(), -1);
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (int32_t t : nodes[i].inputs)
      if (t >= 0) ++uses[size_t(t)];
    for (int32_t t : nodes[i].outputs)
      if (t >= 0) producer[size_t(t)] = int(i);
  }
  for (int32_t t : outputs) ++uses[size_t(t)];  // graph outputs stay
  for (int32_t t : inputs) ++uses[size_t(t)];
  std::vector<char> drop(nodes.size(), 0);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& c = nodes[i];
    const int act = clamp_activation_of(c.builtin);
    if (act < 0 || c.inputs.size() != 1 || c.outputs.size() != 1 || c.inputs[0] < 0) continue;
    const int32_t t1 = c.inputs[0], t2 = c.outputs[0];
    const Tensor& x = tensors[size_t(t1)];
    if (x.type != DType::kFloat32 || tensors[size_t(t2)].type != DType::kFloat32 || uses[size_t(t1)] != 1 ||
        x.is_variable || x.alloc != Tensor::Alloc::kNone || producer[size_t(t1)] < 0)
      continue;
    Node& p = nodes[size_t(producer[size_t(t1)])];
    const Producer* kind = std::find_if(std::begin(kProducers), std::end(kProducers),
                                        [&](const Producer& k) { return k.op == p.builtin; });
    if (kind == std::end(kProducers) || p.outputs.size() != 1 || p.outputs[0] != t1 || p.inputs.empty() ||
        p.inputs[0] < 0 || tensors[size_t(p.inputs[0])].type != DType::kFloat32 || p.fused_activation != kActNone)
      continue;
    if (p.options_type != 0 && (p.options_type != kind->options || p.options.get<int8_t>(kind->field, 0) != kActNone))
      continue;
    p.fused_activation = int8_t(act);
    p.outputs[0] = t2;
    producer[size_t(t2)] = producer[size_t(t1)];
    drop[i] = 1;
  }
  size_t k = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (drop[i]) continue;
    if (k != i) nodes[k] = std::move(nodes[i]);
    ++k;
  }
  nodes.resize(k);
}

}  // namespace slimrt
