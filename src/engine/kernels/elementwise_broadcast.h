// Numpy-style broadcasting for binary elementwise kernels.
//
// BroadcastPlan folds the output shape into as few dimensions as possible: adjacent dimensions merge when both
// operands broadcast (or not) the same way across them. The innermost folded dimension is then run as one
// contiguous loop where each operand advances by 1 or 0 (a repeated scalar), so common cases (equal shapes,
// scalar operand, per-channel vector [C] against [N,H,W,C]) become a single vectorizable loop.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "tensor.h"

namespace slimrt {

constexpr int kMaxBroadcastRank = 8;

// Output shape of broadcasting a with b; false when they are incompatible or too high rank.
inline bool BroadcastShapes(const Shape& a, const Shape& b, Shape* out) {
  const size_t r = std::max(a.size(), b.size());
  if (r > size_t(kMaxBroadcastRank)) return false;
  out->assign(r, 1);
  for (size_t i = 0; i < r; ++i) {
    const int32_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    const int32_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da == db || db == 1) (*out)[i] = da;
    else if (da == 1) (*out)[i] = db;
    else return false;
  }
  return true;
}

struct BroadcastPlan {
  int rank = 0;                      // folded rank (>= 1)
  int64_t dims[kMaxBroadcastRank];   // folded output dims
  int64_t sa[kMaxBroadcastRank];     // element strides of a per folded dim (0 = broadcast)
  int64_t sb[kMaxBroadcastRank];
  int64_t total = 0;                 // output elements
  int64_t inner() const { return dims[rank - 1]; }
  int64_t outer() const { return inner() ? total / inner() : 0; }
  bool a_inner_step() const { return sa[rank - 1] != 0; }
  bool b_inner_step() const { return sb[rank - 1] != 0; }

  // Builds the plan for out = f(a, b); out must be BroadcastShapes(a, b).
  void init(const Shape& a, const Shape& b, const Shape& out) {
    const size_t r = out.size();
    // Per output dim: does a/b vary along it?
    int64_t d[kMaxBroadcastRank];
    bool va[kMaxBroadcastRank], vb[kMaxBroadcastRank];
    int n = 0;
    total = 1;
    for (size_t i = 0; i < r; ++i) total *= out[i];
    for (size_t i = 0; i < r; ++i) {
      if (out[i] == 1) continue;  // size-1 dims do not matter
      const int32_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
      const int32_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
      const bool xa = da != 1, xb = db != 1;
      if (n > 0 && va[n - 1] == xa && vb[n - 1] == xb) {
        d[n - 1] *= out[i];
      } else {
        d[n] = out[i];
        va[n] = xa;
        vb[n] = xb;
        ++n;
      }
    }
    if (n == 0) {
      d[0] = 1;
      va[0] = vb[0] = true;
      n = 1;
    }
    rank = n;
    int64_t stride_a = 1, stride_b = 1;
    for (int i = n - 1; i >= 0; --i) {
      dims[i] = d[i];
      sa[i] = va[i] ? stride_a : 0;
      sb[i] = vb[i] ? stride_b : 0;
      if (va[i]) stride_a *= d[i];
      if (vb[i]) stride_b *= d[i];
    }
  }

  // Offsets of a and b at the start of outer row `row` (row in [0, outer())).
  void row_offsets(int64_t row, int64_t* oa, int64_t* ob) const {
    int64_t xa = 0, xb = 0;
    for (int i = rank - 2; i >= 0; --i) {
      const int64_t idx = row % dims[i];
      row /= dims[i];
      xa += idx * sa[i];
      xb += idx * sb[i];
    }
    *oa = xa;
    *ob = xb;
  }
};

// Runs fn(out_offset, a_offset, b_offset) for output rows [row_begin, row_end) of the plan: the element offsets at
// the start of each row (a row has inner() elements; a and b advance along it when a_inner_step()/b_inner_step()).
// Rows are walked with an odometer so only the first row needs divisions.
template <class Fn>
inline void ForEachBroadcastRowOffset(const BroadcastPlan& p, int64_t row_begin, int64_t row_end, Fn fn) {
  if (row_begin >= row_end) return;
  const int64_t n = p.inner();
  const int outer_rank = p.rank - 1;
  int64_t idx[kMaxBroadcastRank] = {0};
  {
    int64_t r = row_begin;
    for (int i = outer_rank - 1; i >= 0; --i) {
      idx[i] = r % p.dims[i];
      r /= p.dims[i];
    }
  }
  int64_t oa = 0, ob = 0;
  for (int i = 0; i < outer_rank; ++i) {
    oa += idx[i] * p.sa[i];
    ob += idx[i] * p.sb[i];
  }
  for (int64_t row = row_begin; row < row_end; ++row) {
    fn(row * n, oa, ob);
    // advance odometer
    for (int i = outer_rank - 1; i >= 0; --i) {
      ++idx[i];
      oa += p.sa[i];
      ob += p.sb[i];
      if (idx[i] < p.dims[i]) break;
      oa -= idx[i] * p.sa[i];
      ob -= idx[i] * p.sb[i];
      idx[i] = 0;
    }
  }
}

// Runs fn(out_row, a_row, b_row, n) over output rows [row_begin, row_end) of the plan, where a_row/b_row point at
// the row start (advancing by 1 if a_inner_step()/b_inner_step(), else repeated).
template <class T, class U, class O, class Fn>
inline void ForEachBroadcastRow(const BroadcastPlan& p, const T* a, const U* b, O* out, int64_t row_begin,
                                int64_t row_end, Fn fn) {
  const int64_t n = p.inner();
  ForEachBroadcastRowOffset(p, row_begin, row_end,
                            [&](int64_t oo, int64_t oa, int64_t ob) { fn(out + oo, a + oa, b + ob, n); });
}

}  // namespace slimrt
