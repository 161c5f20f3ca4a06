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
  int64_t reflect = 0;
  std::vector<int64_t> before, in_dims, out_dims, in_stride;
};

// Input position of output position o along a dimension of size n padded by `before`.
inline int64_t mirror(int64_t o, int64_t before, int64_t n, int64_t reflect) {
  const int64_t i = o - before;
  return i < 0 ? -i - 1 + reflect : (i >= n ? 2 * n - 1 - i - reflect : i);
}

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
  s.reflect = mode == 0 ? 1 : 0;
  s.before.assign(size_t(rank), 0);
  s.in_dims.assign(in.shape.begin(), in.shape.end());
  s.out_dims.assign(size_t(rank), 0);
  Shape shape(size_t(rank), 0);
  for (int d = 0; d < rank; ++d) {
    const int64_t n = in.dim(d), b = p[size_t(2 * d)], a = p[size_t(2 * d + 1)];
    const bool ok = b >= 0 && a >= 0 && ((b <= n - s.reflect && a <= n - s.reflect) || b + a == 0);
    ctx.check(ok, "paddings ", b, ", ", a, " of dimension ", d, " (size ", n, ") are out of range for ",
              mode == 0 ? "REFLECT" : "SYMMETRIC", " mode");
    shape[size_t(d)] = to_dim(ctx, n + b + a, "padded dimension");
    s.before[size_t(d)] = b;
    s.out_dims[size_t(d)] = shape[size_t(d)];
  }
  s.in_stride = shape_strides(in.shape);
  ctx.set_output_shape(0, shape);
}

void EvalMirrorPad(OpContext& ctx) {
  const MirrorState& s = ctx.state<MirrorState>();
  const uint8_t* in = ctx.input(0).data;
  uint8_t* dst = ctx.output(0).data;
  const size_t r = s.in_dims.size(), es = s.es;
  const int64_t total = ctx.output(0).elements();
  if (total == 0) return;
  if (r == 0) return (void)std::memcpy(dst, in, es);
  // Odometer over the output rows; the innermost dimension is one contiguous run plus mirrored edges.
  const int64_t lb = s.before[r - 1], ln = s.in_dims[r - 1], lo = s.out_dims[r - 1];
  std::vector<int64_t> idx(r, 0);
  for (int64_t row = 0, rows = total / lo; row < rows; ++row) {
    int64_t base = 0;
    for (size_t d = 0; d + 1 < r; ++d) base += mirror(idx[d], s.before[d], s.in_dims[d], s.reflect) * s.in_stride[d];
    for (int64_t j = 0; j < lo; ++j, dst += es) {
      if (j == lb && ln > 0) {
        std::memcpy(dst, in + size_t(base) * es, size_t(ln) * es);
        dst += size_t(ln - 1) * es;
        j += ln - 1;
        continue;
      }
      std::memcpy(dst, in + size_t(base + mirror(j, lb, ln, s.reflect)) * es, es);
    }
    for (size_t d = r - 1; d-- > 0;) {
      if (++idx[d] < s.out_dims[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace

void Register_MIRROR_PAD(OpRegistry& r) {
  r.add({op::MIRROR_PAD, "MIRROR_PAD", kAnyType, 3, PrepareMirrorPad, EvalMirrorPad});
}

}  // namespace slimrt
