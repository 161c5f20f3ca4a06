// STRIDED_SLICE (any element type): begin/end/strides with begin/end/ellipsis/new_axis/shrink masks and offset.
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>
#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct SliceState : OpState {
  size_t es = 0;
  int64_t start_offset = 0;        // elements
  std::vector<int64_t> count, step;  // per folded dim: output count, input step in elements
};

void PrepareStridedSlice(OpContext& ctx) {
  ctx.check_inputs(3, 4);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  SliceState& st = ctx.state<SliceState>();
  st.es = elem_size(ctx, in, "input");
  ctx.check(out.type == in.type, "output type ", dtype_name(out.type), " differs from input type ", dtype_name(in.type));
  std::vector<int64_t> begin = ctx.input_ints(1, "begin");
  std::vector<int64_t> end = ctx.input_ints(2, "end");
  std::vector<int64_t> strides;
  if (ctx.has_input(3)) strides = ctx.input_ints(3, "strides");
  else strides.assign(begin.size(), 1);
  ctx.check(ctx.input(1).rank() == 1, "begin must be 1-D, got shape ", ctx.input(1).shape);
  const int n = int(begin.size());
  ctx.check(int(end.size()) == n && int(strides.size()) == n, "begin, end and strides must have the same length (",
            begin.size(), ", ", end.size(), ", ", strides.size(), ")");
  ctx.check(n <= 31, "too many slice dimensions: ", n);
  const fb::Table o = ctx.options(opt::StridedSliceOptions);
  const int32_t begin_mask = o.get<int32_t>(0, 0), end_mask = o.get<int32_t>(1, 0);
  const int32_t ellipsis_mask = o.get<int32_t>(2, 0), new_axis_mask = o.get<int32_t>(3, 0);
  const int32_t shrink_mask = o.get<int32_t>(4, 0);
  const bool offset = o.get<uint8_t>(5, 0) != 0;
  const int rank = in.rank();

  // Expand the sparse spec (with ellipsis / new axes) into one entry per dimension of the "effective" input
  // (the input with the new axes inserted). An ellipsis covers the dimensions no other entry names; when there is
  // none, the trailing dimensions are taken whole. new_axis on the same entry as an ellipsis has no effect.
  int num_new = 0;
  for (int i = 0; i < n; ++i)
    if (!(ellipsis_mask & (1 << i)) && (new_axis_mask & (1 << i))) ++num_new;
  const int eff = rank + num_new;
  ctx.check(eff <= 31, "too many slice dimensions: ", eff);
  struct Dim {
    int64_t size = 1, begin = 0, end = 0, stride = 1;
    bool bmask = true, emask = true, shrink = false, new_axis = false;
  };
  // Walk the effective dims as TFLite does: an ellipsis expands to cover the input dims no other entry names
  // (at least one); entries past the effective rank are ignored; dims after the spec are taken whole.
  std::vector<Dim> dims;
  int expanded = 0, added_axes = 0;
  bool seen_ellipsis = false;
  auto input_dim = [&](int i) {
    const int d = i - added_axes;
    ctx.check(d >= 0 && d < rank, "slice spec does not match the input rank ", rank);
    return int64_t(in.dim(d));
  };
  for (int i = 0; i < eff;) {
    if (!seen_ellipsis && i < 31 && (ellipsis_mask & (1 << i))) {
      seen_ellipsis = true;
      const int end_idx = std::max(i + 1, std::min(i + 1 + num_new + rank - n, eff));
      expanded = end_idx - i - 1;
      for (; i < end_idx; ++i) {
        Dim d;
        d.size = input_dim(i);
        dims.push_back(d);
      }
      continue;
    }
    const int orig = i - expanded;
    Dim d;
    if (orig < n && (new_axis_mask & (1 << orig)) && !(ellipsis_mask & (1 << orig))) {
      d.new_axis = true;
      d.size = 1;
      d.end = 1;
      d.bmask = d.emask = false;
      ++added_axes;
    } else if (orig >= n) {
      d.size = input_dim(i);
    } else {
      ctx.check(!(ellipsis_mask & (1 << orig)), "more than one ellipsis in ellipsis_mask ", ellipsis_mask);
      d.size = input_dim(i);
      d.begin = begin[size_t(orig)];
      d.end = end[size_t(orig)];
      d.stride = strides[size_t(orig)];
      d.bmask = (begin_mask & (1 << orig)) != 0;
      d.emask = (end_mask & (1 << orig)) != 0;
      d.shrink = (shrink_mask & (1 << orig)) != 0;
    }
    dims.push_back(d);
    ++i;
  }

  // Input strides per effective dim (new axes have size 1 and no stride).
  std::vector<int64_t> in_stride(dims.size(), 0);
  {
    int64_t s = 1;
    for (size_t i = dims.size(); i-- > 0;) {
      if (dims[i].new_axis) continue;
      in_stride[i] = s;
      s *= dims[i].size;
    }
  }
  Shape out_shape;
  st.start_offset = 0;
  st.count.clear();
  st.step.clear();
  for (size_t i = 0; i < dims.size(); ++i) {
    Dim& d = dims[i];
    ctx.check(d.stride != 0, "stride of dimension ", i, " is 0");
    const int64_t size = d.size;
    int64_t start, stop;
    if (d.new_axis) {
      start = 0;
      stop = 1;
    } else {
      // Begin: negative counts from the end, then clamp to the valid range for the direction; masks override.
      start = d.begin;
      if (start < 0) start += size;
      if (d.stride > 0) start = std::min(std::max<int64_t>(start, 0), size);
      else start = std::min(std::max<int64_t>(start, -1), size - 1);
      if (d.bmask) start = d.stride > 0 ? 0 : size - 1;
      if (d.shrink) {
        // A shrunk dimension takes exactly the element at `begin` (which must exist).
        ctx.check(start >= 0 && start < size, "shrink index ", d.begin, " out of range for dimension of size ", size);
        stop = start + 1;
      } else {
        if (offset) {
          // `end` is a length relative to the (resolved) begin; the end mask does not apply (as in TFLite).
          stop = start + d.end;
        } else {
          stop = d.end;
          if (stop < 0) stop += size;
        }
        if (d.stride > 0) stop = std::min(std::max<int64_t>(stop, 0), size);
        else stop = std::min(std::max<int64_t>(stop, -1), size - 1);
        if (d.emask && !offset) stop = d.stride > 0 ? size : -1;
      }
      if (size == 0) start = stop = 0;
    }
    const int64_t stride = d.shrink ? 1 : d.stride;
    int64_t cnt;
    if (stride > 0) cnt = stop > start ? (stop - start + stride - 1) / stride : 0;
    else cnt = start > stop ? (start - stop + (-stride) - 1) / (-stride) : 0;
    if (!d.shrink) out_shape.push_back(to_dim(ctx, cnt, "output dimension"));
    if (d.new_axis) continue;
    st.start_offset += (cnt > 0 ? start : 0) * in_stride[i];
    st.count.push_back(cnt);
    st.step.push_back(stride * in_stride[i]);
  }
  // Fold: drop count-1 dims; merge a dim into the next when they walk memory contiguously.
  std::vector<int64_t> c2, s2;
  for (size_t i = 0; i < st.count.size(); ++i) {
    if (st.count[i] == 0) {  // empty output
      c2.assign(1, 0);
      s2.assign(1, 1);
      break;
    }
    if (st.count[i] == 1) continue;
    if (!c2.empty() && s2.back() == st.step[i] * st.count[i]) {
      c2.back() *= st.count[i];
      s2.back() = st.step[i];
    } else {
      c2.push_back(st.count[i]);
      s2.push_back(st.step[i]);
    }
  }
  if (c2.empty()) {
    c2.push_back(1);
    s2.push_back(1);
  }
  st.count = c2;
  st.step = s2;
  ctx.set_output_shape(0, out_shape);
}

void EvalStridedSlice(OpContext& ctx) {
  const SliceState& s = ctx.state<SliceState>();
  const uint8_t* in = ctx.input(0).data;
  uint8_t* out = ctx.output(0).data;
  const size_t es = s.es;
  const int r = int(s.count.size());
  const int64_t inner = s.count[size_t(r - 1)], inner_step = s.step[size_t(r - 1)];
  if (inner == 0) return;
  int64_t rows = 1;
  for (int i = 0; i < r - 1; ++i) rows *= s.count[size_t(i)];
  std::vector<int64_t> idx(size_t(r), 0);
  int64_t pos = s.start_offset;
  for (int64_t row = 0; row < rows; ++row) {
    strided_copy(out, in + size_t(pos) * es, inner, inner_step, es);
    out += size_t(inner) * es;
    for (int i = r - 2; i >= 0; --i) {
      pos += s.step[size_t(i)];
      if (++idx[size_t(i)] < s.count[size_t(i)]) break;
      pos -= s.step[size_t(i)] * s.count[size_t(i)];
      idx[size_t(i)] = 0;
    }
  }
}

}  // namespace

void Register_STRIDED_SLICE(OpRegistry& r) {
  r.add({op::STRIDED_SLICE, "STRIDED_SLICE", kAnyType, 8, PrepareStridedSlice, EvalStridedSlice});
}

}  // namespace slimrt
