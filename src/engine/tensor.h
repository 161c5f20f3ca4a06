// Tensors at run time: type, shape, quantization and where the bytes live.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "error.h"

namespace slimrt {

// Values are the .tflite schema's TensorType.
enum class DType : int8_t {
  kFloat32 = 0, kFloat16 = 1, kInt32 = 2, kUInt8 = 3, kInt64 = 4, kString = 5, kBool = 6, kInt16 = 7,
  kComplex64 = 8, kInt8 = 9, kFloat64 = 10, kComplex128 = 11, kUInt64 = 12, kResource = 13, kVariant = 14,
  kUInt32 = 15, kUInt16 = 16, kInt4 = 17,
};

// Bytes per element; 0 for types without a fixed element size (string, variant, int4) or unknown values.
size_t dtype_size(DType t);
const char* dtype_name(DType t);
bool dtype_known(int v);

using Shape = std::vector<int32_t>;

// Upper bound for any one allocation the engine makes for a model (a tensor, the arena, scratch). A hostile
// model asking for more gets slimrt::Error instead of an allocation that overcommit may grant and the OOM
// killer later punish. Fuzz builds set it low, so the fuzzer looks for bugs rather than OOMs.
#ifndef SLIMRT_MAX_ALLOC_BYTES
#define SLIMRT_MAX_ALLOC_BYTES (uint64_t(1) << 36)
#endif

// Element count of a shape; throws on negative dimensions or when the count (or count * elem_size) overflows.
int64_t shape_elements(const Shape& s, size_t elem_size = 1, const char* what = "tensor");

struct Quant {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int32_t quantized_dimension = 0;
  bool present() const { return !scale.empty(); }
};

// Sparse storage of a constant tensor (schema SparsityParameters), verified when the model is read: the tensor's
// dimensions, expanded with one block dimension per entry of block_map, are stored level by level in
// traversal_order; a DENSE level has every index, a SPARSE_CSR level has, per position of the level above, the
// run segments[p]..segments[p+1] of its indices. The buffer holds `values` elements, in that order.
struct Sparsity {
  struct Level {
    bool sparse = false;
    int32_t size = 0;                  // extent of the expanded dimension this level walks
    std::vector<int32_t> segments;     // SPARSE_CSR: positions above + 1 entries, non-decreasing, from 0
    std::vector<int32_t> indices;      // SPARSE_CSR: one index (< size) per position of this level
  };
  std::vector<int32_t> traversal_order, block_map;
  std::vector<int32_t> expanded;       // sizes of the expanded dimensions (tensor dims / blocks, then block sizes)
  std::vector<Level> levels;
  int64_t values = 0;                  // stored elements
};

struct Tensor {
  enum class Alloc : uint8_t {
    kNone,       // not yet allocated
    kConst,      // points into the model (or into `owned` when the model's copy was misaligned)
    kArena,      // planned into the subgraph's arena; valid after allocate, contents die after last use
    kPersistent, // owned storage that lives as long as the interpreter (variables, resources)
    kDynamic     // owned storage sized at invoke time (shape known only at run time)
  };

  std::string name;
  DType type = DType::kFloat32;
  Shape shape;
  Shape shape_signature;
  Quant quant;
  bool is_variable = false;
  bool sparse = false;
  std::shared_ptr<const Sparsity> sparsity;  // set for sparse constants
  bool folded = false;  // a constant computed at allocate time (constant folding), not read from the model
  int32_t buffer = 0;

  Alloc alloc = Alloc::kNone;
  uint8_t* data = nullptr;
  size_t bytes = 0;
  std::vector<uint8_t> owned;  // storage for kPersistent (and misaligned constants)

  int64_t elements() const { return shape_elements(shape); }
  int rank() const { return int(shape.size()); }
  int32_t dim(int i) const { return shape[size_t(i)]; }
  template <class T>
  T* as() { return reinterpret_cast<T*>(data); }
  template <class T>
  const T* as() const { return reinterpret_cast<const T*>(data); }
  bool is_const() const { return alloc == Alloc::kConst; }
  // Bytes the current shape needs (0 for types without a fixed size).
  size_t required_bytes() const {
    return size_t(shape_elements(shape, dtype_size(type), name.c_str())) * dtype_size(type);
  }
  // Points data at `owned`, grown to the bytes the current shape needs (dynamic and persistent tensors).
  void ensure_owned_storage() {
    const size_t need = required_bytes();
    if (owned.size() < need || owned.empty()) owned.resize(need ? need : 1);
    data = owned.data();
    bytes = need;
  }
};

}  // namespace slimrt
