// MIRROR_PAD (any element type): padding (a [rank, 2] int32/int64 input) filled with the input mirrored at its
// edges; MirrorPadOptions.mode REFLECT (0: the edge is not repeated, padding <= dim - 1) or SYMMETRIC (1: the
// edge is repeated, padding <= dim).
#include <cstring>

#include "op.h"
#include "ops/movement.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct MirrorState : OpState {
  size_t es = 0;
  std::vector<std::vector<int32_t>> map;  // per dimension: output position -> input position
  std::vector<int64_t> in_stride;
  int64_t last_before = 0, last_n = 0;  // the innermost dimension's padding before and size
};

void PrepareMirrorPad(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  MirrorState& s = ctx.state<MirrorState>();
  s.es = same_type_elements(ctx, in, ctx.output(0));
  const int mode = ctx.options(opt::MirrorPadOptions).get<int8_t>(0, 0);
  ctx.check(mode == 0 || mode == 1, "unknown mirror pad mode ", mode);
  const std::vector<int64_t> p = ctx.input_ints(1, "paddings");
  const int rank = in.rank();
  ctx.check(ctx.input(1).rank() == 2 && int(p.size()) == 2 * rank, "paddings must have shape [", rank,
            ", 2], got ", ctx.input(1).shape);
  const int64_t reflect = mode == 0 ? 1 : 0;
  Shape shape(size_t(rank), 0);
  s.map.assign(size_t(rank), {});
  for (int d = 0; d < rank; ++d) {
    const int64_t n = in.dim(d), before = p[size_t(2 * d)], after = p[size_t(2 * d + 1)];
    const bool ok = before >= 0 && after >= 0 && ((before <= n - reflect && after <= n - reflect) || before + after == 0);
    ctx.check(ok, "paddings ", before, ", ",
              after, " of dimension ", d, " (size ", n, ") are out of range for ", mode == 0 ? "REFLECT" : "SYMMETRIC",
              " mode");
    shape[size_t(d)] = to_dim(ctx, n + before + after, "padded dimension");
    std::vector<int32_t>& m = s.map[size_t(d)];
    m.resize(size_t(shape[size_t(d)]));
    for (int64_t o = 0; o < int64_t(m.size()); ++o) {
      int64_t i = o - before;
      if (i < 0) i = -i - 1 + reflect;
      else if (i >= n) i = 2 * n - 1 - i - reflect;
      m[size_t(o)] = int32_t(i);
    }
  }
  s.in_stride = shape_strides(in.shape);
  if (rank) {
    s.last_before = p[size_t(2 * rank - 2)];
    s.last_n = in.dim(rank - 1);
  }
  ctx.set_output_shape(0, shape);
}

void EvalMirrorPad(OpContext& ctx) {
  const MirrorState& s = ctx.state<MirrorState>();
  const Tensor& out = ctx.output(0);
  const uint8_t* in = ctx.input(0).data;
  uint8_t* dst = out.data;
  const size_t r = s.map.size();
  const int64_t total = out.elements();
  if (r == 0) {
    if (total) std::memcpy(dst, in, s.es);
    return;
  }
  if (total == 0) return;
  // Odometer over the output; each element's input position is the sum of the mapped positions.
  const std::vector<int32_t>& last = s.map[r - 1];
  std::vector<size_t> idx(r, 0);
  int64_t base = 0;  // input offset of the outer dims
  for (size_t d = 0; d + 1 < r; ++d) base += s.map[d][0] * s.in_stride[d];
  const size_t mid_begin = size_t(s.last_before), mid_end = size_t(s.last_before + s.last_n);
  for (int64_t row = 0, rows = total / int64_t(last.size()); row < rows; ++row) {
    for (size_t j = 0; j < last.size(); ++j, dst += s.es) {
      if (j == mid_begin && mid_end > mid_begin) {  // the unpadded middle is one contiguous run
        std::memcpy(dst, in + size_t(base) * s.es, size_t(s.last_n) * s.es);
        dst += size_t(s.last_n - 1) * s.es;
        j = mid_end - 1;
        continue;
      }
      std::memcpy(dst, in + size_t(base + last[j]) * s.es, s.es);
    }
    for (size_t d = r - 1; d-- > 0;) {
      const std::vector<int32_t>& m = s.map[d];
      base -= m[idx[d]] * s.in_stride[d];
      if (++idx[d] < m.size()) {
        base += m[idx[d]] * s.in_stride[d];
        break;
      }
      idx[d] = 0;
      base += m[0] * s.in_stride[d];
    }
  }
}

}  // namespace

void Register_MIRROR_PAD(OpRegistry& r) {
  r.add({op::MIRROR_PAD, "MIRROR_PAD", kAnyType, 3, PrepareMirrorPad, EvalMirrorPad});
}

}  // namespace slimrt
