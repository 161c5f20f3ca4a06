// TRANSPOSE (any element type): output dimension i is input dimension perm[i].
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>
#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct TransposeState : OpState {
  size_t es = 0;
  std::vector<int64_t> count, step;  // output-order dims: count and input step (elements), folded
};

void PrepareTranspose(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  TransposeState& s = ctx.state<TransposeState>();
  s.es = elem_size(ctx, in, "input");
  ctx.check(out.type == in.type, "output type ", dtype_name(out.type), " differs from input type ", dtype_name(in.type));
  std::vector<int64_t> perm = ctx.input_ints(1, "perm");
  const int rank = in.rank();
  ctx.check(int(perm.size()) == rank, "perm ", perm, " must have ", rank, " entries");
  std::vector<char> used(size_t(rank), 0);
  for (int i = 0; i < rank; ++i) {
    int64_t p = perm[size_t(i)];
    if (p < 0) p += rank;
    ctx.check(p >= 0 && p < rank && !used[size_t(p)], "perm ", perm, " is not a permutation of 0..", rank - 1);
    used[size_t(p)] = 1;
    perm[size_t(i)] = p;
  }
  std::vector<int64_t> in_stride(size_t(rank), 1);
  for (int i = rank - 1; i > 0; --i) in_stride[size_t(i - 1)] = in_stride[size_t(i)] * in.dim(i);
  Shape shape(static_cast<size_t>(rank));
  s.count.clear();
  s.step.clear();
  bool empty = false;
  for (int i = 0; i < rank; ++i) {
    const int p = int(perm[size_t(i)]);
    shape[size_t(i)] = in.dim(p);
    if (in.dim(p) == 0) empty = true;
    if (in.dim(p) == 1) continue;
    const int64_t c = in.dim(p), st = in_stride[size_t(p)];
    if (!s.count.empty() && s.step.back() == st * c) {
      s.count.back() *= c;
      s.step.back() = st;
    } else {
      s.count.push_back(c);
      s.step.push_back(st);
    }
  }
  if (empty) {
    s.count.assign(1, 0);
    s.step.assign(1, 1);
  }
  if (s.count.empty()) {
    s.count.push_back(1);
    s.step.push_back(1);
  }
  ctx.set_output_shape(0, shape);
}

template <class T>
void TransposeRows(const TransposeState& s, const T* in, T* out) {
  const int r = int(s.count.size());
  const int64_t inner = s.count[size_t(r - 1)], step = s.step[size_t(r - 1)];
  int64_t rows = 1;
  for (int i = 0; i < r - 1; ++i) rows *= s.count[size_t(i)];
  int64_t idx[16] = {0};
  int64_t pos = 0;
  for (int64_t row = 0; row < rows; ++row) {
    const T* src = in + pos;
    for (int64_t j = 0; j < inner; ++j) out[j] = src[j * step];
    out += inner;
    for (int i = r - 2; i >= 0; --i) {
      pos += s.step[size_t(i)];
      if (++idx[i] < s.count[size_t(i)]) break;
      pos -= s.step[size_t(i)] * s.count[size_t(i)];
      idx[i] = 0;
    }
  }
}

void EvalTranspose(OpContext& ctx) {
  const TransposeState& s = ctx.state<TransposeState>();
  const uint8_t* in = ctx.input(0).data;
  uint8_t* out = ctx.output(0).data;
  if (s.count[0] == 0) return;
  if (s.count.size() > 16) {
    ctx.fail("rank too high");
  }
  switch (s.es) {
    case 1: TransposeRows(s, in, out); break;
    case 2: TransposeRows(s, reinterpret_cast<const uint16_t*>(in), reinterpret_cast<uint16_t*>(out)); break;
    case 4: TransposeRows(s, reinterpret_cast<const uint32_t*>(in), reinterpret_cast<uint32_t*>(out)); break;
    case 8: TransposeRows(s, reinterpret_cast<const uint64_t*>(in), reinterpret_cast<uint64_t*>(out)); break;
    default: {
      // Odd element sizes: copy element by element.
      const int r = int(s.count.size());
      int64_t total = 1;
      for (int i = 0; i < r; ++i) total *= s.count[size_t(i)];
      std::vector<int64_t> idx(size_t(r), 0);
      int64_t pos = 0;
      for (int64_t k = 0; k < total; ++k) {
        std::memcpy(out + size_t(k) * s.es, in + size_t(pos) * s.es, s.es);
        for (int i = r - 1; i >= 0; --i) {
          pos += s.step[size_t(i)];
          if (++idx[size_t(i)] < s.count[size_t(i)]) break;
          pos -= s.step[size_t(i)] * s.count[size_t(i)];
          idx[size_t(i)] = 0;
        }
      }
    }
  }
}

}  // namespace

void Register_TRANSPOSE(OpRegistry& r) {
  r.add({op::TRANSPOSE, "TRANSPOSE", kAnyType, 6, PrepareTranspose, EvalTranspose});
}

}  // namespace slimrt
