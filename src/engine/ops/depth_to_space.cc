// DEPTH_TO_SPACE and SPACE_TO_DEPTH over NHWC tensors of any element type (options: block_size b).
// DEPTH_TO_SPACE: [N, H, W, C*b*b] -> [N, H*b, W*b, C]; SPACE_TO_DEPTH is its inverse. Both walk the fine
// (spatial) tensor's pixels and copy each one's C channels from or to their place in the coarse tensor:
// fine pixel (n, y, x) <-> coarse pixel (n, y/b, x/b), channels from ((y%b)*b + x%b)*C.
#include <cstring>

#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct SpaceDepthState : OpState {
  int N = 0, H = 0, W = 0, b = 1;  // fine tensor geometry
  size_t chunk = 0;                 // bytes of one fine pixel
  bool to_space = true;
};

void Eval(OpContext& ctx) {
  const SpaceDepthState& s = ctx.state<SpaceDepthState>();
  const uint8_t* in = ctx.input(0).data;
  uint8_t* out = ctx.output(0).data;
  const int64_t cw = s.W / s.b, coarse_pixel = int64_t(s.b) * s.b * int64_t(s.chunk);
  int64_t fine = 0;
  for (int n = 0; n < s.N; ++n)
    for (int y = 0; y < s.H; ++y)
      for (int x = 0; x < s.W; ++x, fine += int64_t(s.chunk)) {
        const int64_t coarse = ((int64_t(n) * (s.H / s.b) + y / s.b) * cw + x / s.b) * coarse_pixel +
                               ((y % s.b) * s.b + x % s.b) * int64_t(s.chunk);
        if (s.to_space) std::memcpy(out + fine, in + coarse, s.chunk);
        else std::memcpy(out + coarse, in + fine, s.chunk);
      }
}

void Prepare(OpContext& ctx, bool to_space) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  ctx.check_same_type(in, ctx.output(0));
  ctx.check(in.rank() == 4, "input must be 4-D NHWC, got shape ", in.shape);
  SpaceDepthState& s = ctx.state<SpaceDepthState>();
  s.to_space = to_space;
  s.b = ctx.options(to_space ? opt::DepthToSpaceOptions : opt::SpaceToDepthOptions).get<int32_t>(0, 0);
  ctx.check(s.b >= 1 && s.b <= 4096, "block_size must be positive, got ", s.b);
  const int64_t bb = int64_t(s.b) * s.b, C = in.dim(3);
  const size_t es = elem_size(ctx, in, "input");
  s.N = in.dim(0);
  if (to_space) {
    ctx.check(C % bb == 0, "input depth ", C, " is not a multiple of block_size^2 (", bb, ")");
    s.H = to_dim(ctx, int64_t(in.dim(1)) * s.b, "height"), s.W = to_dim(ctx, int64_t(in.dim(2)) * s.b, "width");
    s.chunk = size_t(C / bb) * es;
    ctx.set_output_shape(0, {s.N, s.H, s.W, int32_t(C / bb)});
  } else {
    s.H = in.dim(1), s.W = in.dim(2);
    ctx.check(s.H % s.b == 0 && s.W % s.b == 0, "input height and width must be multiples of block_size ", s.b);
    s.chunk = size_t(C) * es;
    ctx.set_output_shape(0, {s.N, s.H / s.b, s.W / s.b, to_dim(ctx, C * bb, "depth")});
  }
}

void PrepareD2S(OpContext& ctx) { Prepare(ctx, true); }
void PrepareS2D(OpContext& ctx) { Prepare(ctx, false); }

}  // namespace

void Register_DEPTH_TO_SPACE(OpRegistry& r) {
  r.add({op::DEPTH_TO_SPACE, "DEPTH_TO_SPACE", kAnyType, 2, PrepareD2S, Eval});
}
void Register_SPACE_TO_DEPTH(OpRegistry& r) {
  r.add({op::SPACE_TO_DEPTH, "SPACE_TO_DEPTH", kAnyType, 2, PrepareS2D, Eval});
}

}  // namespace slimrt
