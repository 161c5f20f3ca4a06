// The parsed, verified .tflite model: plain structs built by one pass over the FlatBuffer.
//
// parse_model() checks every offset, length and index it reads (tensor, buffer, opcode and subgraph indices;
// shapes; constant buffer sizes). After it returns, the rest of the engine can index freely. Operator options
// stay as fb::Table views into the model bytes (themselves bounds-checked on every read).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "flatbuffer.h"
#include "tensor.h"

namespace slimrt {

struct OperatorCode {
  int32_t builtin = 0;  // BuiltinOperator (schema value); 32 = CUSTOM
  std::string custom;
  int32_t version = 1;
};

struct OperatorDef {
  uint32_t opcode = 0;
  std::vector<int32_t> inputs;   // -1 = optional input left out
  std::vector<int32_t> outputs;
  std::vector<int32_t> intermediates;
  uint8_t options_type = 0;       // BuiltinOptions union type
  fb::Table options;              // may be invalid (absent): fields then read as their defaults
  fb::Bytes custom_options;       // raw custom_options (custom ops), into Model::bytes
};

struct TensorDef {
  std::string name;
  DType type = DType::kFloat32;
  Shape shape;
  Shape shape_signature;  // equals shape when the model has none
  uint32_t buffer = 0;
  Quant quant;
  bool is_variable = false;
  bool sparse = false;
  std::shared_ptr<const Sparsity> sparsity;  // verified sparse layout (sparse tensors)
};

struct SubgraphDef {
  std::string name;
  std::vector<TensorDef> tensors;
  std::vector<int32_t> inputs, outputs;
  std::vector<OperatorDef> operators;
};

struct BufferDef {
  const uint8_t* data = nullptr;  // into Model::bytes; nullptr/size 0 = no data
  size_t size = 0;
};

struct SignatureDef {
  std::string key;
  uint32_t subgraph = 0;
  std::vector<std::pair<std::string, int32_t>> inputs, outputs;  // (name, tensor index in the subgraph)
};

struct Model {
  std::vector<uint8_t> bytes;  // the whole file; everything below points into it
  uint32_t version = 0;
  std::string description;
  std::vector<OperatorCode> opcodes;
  std::vector<SubgraphDef> subgraphs;
  std::vector<BufferDef> buffers;
  std::vector<SignatureDef> signatures;
};

// Throws slimrt::Error with a message naming what is wrong.
std::unique_ptr<Model> parse_model(std::vector<uint8_t> bytes);

}  // namespace slimrt
