// STRIDED_SLICE (any element type): begin/end/strides with begin/end/ellipsis/new_axis/shrink masks and offset.
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>
#include "op.h"
#include "ops/movement.h"
#include "ops/util.h"

namespace slimrt {
namespace {

void PrepareStridedSlice(OpContext& ctx) {
  ctx.check_inputs(3, 4);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  ViewState& vs = ctx.state<ViewState>();
  vs.es = same_type_elements(ctx, in, out);
  StridedView& st = vs.view;
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
      // Clamped far outside any dimension (< 2^31), so the arithmetic below cannot overflow on int64 inputs.
      auto clamp = [](int64_t v) { return std::min<int64_t>(std::max<int64_t>(v, -(int64_t(1) << 40)), int64_t(1) << 40); };
      d.begin = clamp(begin[size_t(orig)]);
      d.end = clamp(end[size_t(orig)]);
      d.stride = clamp(strides[size_t(orig)]);
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
  st = StridedView();
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
    st.start += (cnt > 0 ? start : 0) * in_stride[i];
    st.add(cnt, cnt > 1 ? stride * in_stride[i] : 0);  // |stride| < size when cnt > 1: no overflow
  }
  st.fold();
  ctx.set_output_shape(0, out_shape);
}

}  // namespace

void Register_STRIDED_SLICE(OpRegistry& r) {
  r.add({op::STRIDED_SLICE, "STRIDED_SLICE", kAnyType, 8, PrepareStridedSlice, EvalView});
}

}  // namespace slimrt
