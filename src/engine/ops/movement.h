// Shared pieces of the data-movement ops (shapes, slices, gathers, tiling...): they move elements without
// looking at them, so they work on bytes and serve every element type with one code path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "op.h"

namespace slimrt {

// A strided read of an input as nested loops, outermost first: dimension i has count[i] elements, and moving one
// step along it moves the input position by step[i] elements (negative: backwards, 0: repeat). STRIDED_SLICE,
// SLICE, REVERSE_V2, BROADCAST_TO and TILE are all such views; eval is one odometer walk.
struct StridedView {
  int64_t start = 0;                  // input position (elements) of the first output element
  std::vector<int64_t> count, step;
  void add(int64_t c, int64_t s);  // appends an inner dimension
  // Drops size-1 dims and merges dims that walk memory contiguously; an empty view becomes count {0}.
  void fold();
  // Copies the view's elements (es bytes each) to contiguous `out`.
  void copy(uint8_t* out, const uint8_t* in, size_t es) const { copy_rows(out, in, es, 0, rows()); }
  // Innermost runs (rows) of the view, and the copy of rows [r0, r1) to out (at row r0's place).
  int64_t rows() const;
  void copy_rows(uint8_t* out, const uint8_t* in, size_t es, int64_t r0, int64_t r1) const;
  // Calls fn(position) for the first element of every innermost run (count.back() elements, step.back() apart).
  template <class Fn>
  void for_each_row(Fn fn) const {
    const size_t r = count.size();
    if (count[r - 1] == 0) return;
    int64_t rows = 1;
    for (size_t i = 0; i + 1 < r; ++i) rows *= count[i];
    std::vector<int64_t> idx(r, 0);
    int64_t pos = start;
    for (int64_t row = 0; row < rows; ++row) {
      fn(pos);
      for (size_t i = r - 1; i-- > 0;) {
        pos += step[i];
        if (++idx[i] < count[i]) break;
        pos -= step[i] * count[i];
        idx[i] = 0;
      }
    }
  }
};

struct ViewState : OpState {
  size_t es = 0;
  StridedView view;
};
// eval of ops whose prepare filled a ViewState: copies the view of input 0 to output 0.
void EvalView(OpContext& ctx);

// Row-major strides (elements) of a shape.
std::vector<int64_t> shape_strides(const Shape& s);

// Product of dims [from, to) of a shape.
int64_t dims_product(const Shape& s, int from, int to);

// The single value of a scalar (or one-element) int32/int64 input; defers the node at allocate when the value is
// computed at run time.
int64_t input_scalar(OpContext& ctx, int i, const char* role);

// Integer index tensors (GATHER, GATHER_ND, SCATTER_ND, ONE_HOT...): int16, int32 or int64.
bool is_index_type(DType t);
void check_index_type(const OpContext& ctx, const Tensor& t, const char* role);
// Element k of an index tensor (checked to be an index type in prepare).
int64_t index_at(const Tensor& t, int64_t k);

// An unsigned key whose order is the numeric order of the element at p (float32/int8/uint8/int16/int32/int64;
// -0.0 and 0.0 get the same key). TOPK_V2 and UNIQUE sort by it, one sort for every type.
uint64_t order_key(const uint8_t* p, DType t);
bool has_order_key(DType t);

// eval of ops whose output is input 0's bytes under another shape (EXPAND_DIMS, SQUEEZE, RESHAPE).
void EvalCopyInput(OpContext& ctx);

// The output has input 0's element size and type; returns the element size.
size_t same_type_elements(OpContext& ctx, const Tensor& in, const Tensor& out);

}  // namespace slimrt
