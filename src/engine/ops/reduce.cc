// Reductions over a set of axes (ReducerOptions: keep_dims): MEAN (float32).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/threadpool.h"
#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

// ---------------------------------------------------------------------------------------------------------------
// MEAN

struct ReducerOptions {
  bool keep_dims;
};

ReducerOptions ReadOptions(const OpContext& ctx) { return {ctx.options(opt::ReducerOptions).get<uint8_t>(0, 0) != 0}; }

struct MeanState : OpState {
  // Folded input dims, alternating runs of reduced / kept dims.
  std::vector<int64_t> dims;
  std::vector<char> reduced;
  int64_t out_elems = 0;
  int64_t count = 1;  // reduced elements per output
  // Fast path: input viewed as [outer, mid, inner] reducing mid (e.g. [N,H,W,C] over axes 1,2).
  bool three = false;
  int64_t outer = 1, mid = 1, inner = 1;
};

void PrepareMean(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  ctx.check_type(in, DType::kFloat32, "input");
  ctx.check_type(ctx.output(0), DType::kFloat32, "output");
  const int rank = in.rank();
  std::vector<char> red(size_t(rank), 0);
  for (int64_t a : ctx.input_ints(1, "axis")) red[size_t(normalize_axis(ctx, a, rank))] = 1;
  const bool keep = ReadOptions(ctx).keep_dims;
  Shape shape;
  MeanState& s = ctx.state<MeanState>();
  s.dims.clear();
  s.reduced.clear();
  s.count = 1;
  for (int i = 0; i < rank; ++i) {
    const int32_t d = in.dim(i);
    if (red[size_t(i)]) {
      s.count *= d;
      if (keep) shape.push_back(1);
    } else {
      shape.push_back(d);
    }
    if (d == 1) continue;
    if (!s.dims.empty() && s.reduced.back() == red[size_t(i)]) {
      s.dims.back() *= d;
    } else {
      s.dims.push_back(d);
      s.reduced.push_back(red[size_t(i)]);
    }
  }
  s.out_elems = shape_elements(shape);
  // [outer(kept)], mid(reduced), [inner(kept)] -> three-level fast path.
  s.three = false;
  const size_t r = s.dims.size();
  if (r == 0) {
    s.three = true;
    s.outer = s.mid = s.inner = 1;
  } else {
    size_t first_red = r;
    int n_red = 0;
    for (size_t i = 0; i < r; ++i)
      if (s.reduced[i]) {
        if (first_red == r) first_red = i;
        ++n_red;
      }
    if (n_red <= 1) {
      s.three = true;
      s.outer = 1;
      s.mid = 1;
      s.inner = 1;
      for (size_t i = 0; i < r; ++i) {
        if (n_red == 0 || i < first_red) s.outer *= s.dims[i];
        else if (i == first_red) s.mid = s.dims[i];
        else s.inner *= s.dims[i];
      }
    }
  }
  ctx.set_output_shape(0, shape);
}

void EvalMean(OpContext& ctx) {
  const MeanState& s = ctx.state<MeanState>();
  const float* in = ctx.input(0).as<float>();
  float* out = ctx.output(0).as<float>();
  if (s.out_elems == 0) return;
  const float inv = s.count > 0 ? 1.f / float(s.count) : std::numeric_limits<float>::quiet_NaN();
  if (s.three) {
    const int64_t inner = s.inner, mid = s.mid;
    if (inner == 1) {
      for (int64_t o = 0; o < s.outer; ++o) {
        const float* p = in + o * mid;
        // Several partial sums: vectorizable and more accurate than one serial chain.
        float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t i = 0;
        for (; i + 8 <= mid; i += 8)
          for (int k = 0; k < 8; ++k) acc[k] += p[i + k];
        float sum = 0;
        for (; i < mid; ++i) sum += p[i];
        sum += ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
        out[o] = s.count > 0 ? sum / float(s.count) : inv;
      }
      return;
    }
    for (int64_t o = 0; o < s.outer; ++o) {
      float* dst = out + o * inner;
      const float* p = in + o * mid * inner;
      for (int64_t j = 0; j < inner; ++j) dst[j] = 0.f;
      for (int64_t m = 0; m < mid; ++m) {
        const float* row = p + m * inner;
        for (int64_t j = 0; j < inner; ++j) dst[j] += row[j];
      }
      if (s.count > 0) {
        const float c = float(s.count);
        for (int64_t j = 0; j < inner; ++j) dst[j] /= c;
      } else {
        for (int64_t j = 0; j < inner; ++j) dst[j] = inv;
      }
    }
    return;
  }
  // General: walk the input with an odometer over the folded dims; the output offset advances only along kept
  // dims. The innermost folded dim is contiguous.
  const size_t r = s.dims.size();
  std::vector<int64_t> ostride(r, 0);
  {
    int64_t st = 1;
    for (size_t i = r; i-- > 0;)
      if (!s.reduced[i]) {
        ostride[i] = st;
        st *= s.dims[i];
      }
  }
  for (int64_t i = 0; i < s.out_elems; ++i) out[i] = 0.f;
  const int64_t inner = s.dims[r - 1];
  const bool inner_red = s.reduced[r - 1] != 0;
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < r; ++i) rows *= s.dims[i];
  std::vector<int64_t> idx(r, 0);
  int64_t opos = 0;
  const float* p = in;
  for (int64_t row = 0; row < rows; ++row, p += inner) {
    if (inner_red) {
      float sum = 0;
      for (int64_t j = 0; j < inner; ++j) sum += p[j];
      out[opos] += sum;
    } else {
      float* dst = out + opos;
      for (int64_t j = 0; j < inner; ++j) dst[j] += p[j];
    }
    for (size_t i = r - 1; i-- > 0;) {
      opos += ostride[i];
      if (++idx[i] < s.dims[i]) break;
      opos -= ostride[i] * s.dims[i];
      idx[i] = 0;
    }
  }
  const float c = float(s.count);
  for (int64_t i = 0; i < s.out_elems; ++i) out[i] = s.count > 0 ? out[i] / c : inv;
}

}  // namespace

// Later versions add int8/int16 inputs only.
void Register_MEAN(OpRegistry& r) { r.add({op::MEAN, "MEAN", DType::kFloat32, 3, PrepareMean, EvalMean}); }

}  // namespace slimrt
