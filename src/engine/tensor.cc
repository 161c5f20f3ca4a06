#include "tensor.h"

#include <limits>

namespace slimrt {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::kFloat32: case DType::kInt32: case DType::kUInt32: case DType::kResource: return 4;
    case DType::kFloat16: case DType::kInt16: case DType::kUInt16: return 2;
    case DType::kUInt8: case DType::kInt8: case DType::kBool: return 1;
    case DType::kInt64: case DType::kUInt64: case DType::kFloat64: case DType::kComplex64: return 8;
    case DType::kComplex128: return 16;
    default: return 0;
  }
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::kFloat32: return "float32";
    case DType::kFloat16: return "float16";
    case DType::kInt32: return "int32";
    case DType::kUInt8: return "uint8";
    case DType::kInt64: return "int64";
    case DType::kString: return "string";
    case DType::kBool: return "bool";
    case DType::kInt16: return "int16";
    case DType::kComplex64: return "complex64";
    case DType::kInt8: return "int8";
    case DType::kFloat64: return "float64";
    case DType::kComplex128: return "complex128";
    case DType::kUInt64: return "uint64";
    case DType::kResource: return "resource";
    case DType::kVariant: return "variant";
    case DType::kUInt32: return "uint32";
    case DType::kUInt16: return "uint16";
    case DType::kInt4: return "int4";
  }
  return "unknown";
}

bool dtype_known(int v) { return v >= 0 && v <= 17; }

int64_t shape_elements(const Shape& s, size_t elem_size, const char* what) {
  // Cap sizes well below what any address space can hold, so later arithmetic cannot overflow. The product of
  // the non-zero dimensions is bounded too: an empty tensor ([0, 2^30, 2^30]) must not let an op's partial
  // products (rows * columns, strides) overflow.
  const int64_t kMaxBytes = int64_t(SLIMRT_MAX_ALLOC_BYTES);
  const int64_t esize = elem_size ? int64_t(elem_size) : 1;
  int64_t nonzero = 1;
  bool empty = false;
  for (int32_t d : s) {
    if (d < 0) throw Error(cat(what, ": negative dimension in shape ", s));
    if (d == 0) {
      empty = true;
      continue;
    }
    if (nonzero > kMaxBytes / esize / d) throw Error(cat(what, ": shape ", s, " is too large"));
    nonzero *= d;
  }
  if (uint64_t(nonzero) * uint64_t(esize) > uint64_t(std::numeric_limits<size_t>::max() / 2))
    throw Error(cat(what, ": shape ", s, " does not fit in memory on this platform"));
  return empty ? 0 : nonzero;
}

}  // namespace slimrt
