// BATCH_TO_SPACE_ND and SPACE_TO_BATCH_ND over 4-D NHWC (or 3-D NHC) tensors of any element type.
// Input 1: block_shape [bh(, bw)]; input 2: crops (BATCH_TO_SPACE_ND) or paddings (SPACE_TO_BATCH_ND),
// [[top, bottom](, [left, right])]. The batch tensor has N*bh*bw images of h x w pixels; the space tensor N images of
// H x W. Both ops walk the batch tensor's pixels: batch image ((i*bw + j)*N + n), pixel (y, x) is space pixel
// (n, y*bh + i - top, x*bw + j - left). SPACE_TO_BATCH_ND fills pixels outside the space tensor with zero (the
// zero point for quantized tensors); BATCH_TO_SPACE_ND drops them (the crops).
#include <cstring>

#include "op.h"
#include "ops/util.h"

namespace slimrt {
namespace {

struct BatchSpaceState : OpState {
  int N = 0, H = 0, W = 0;        // space tensor
  int bh = 1, bw = 1, h = 0, w = 0;  // block and batch-tensor image size
  int top = 0, left = 0;
  size_t pixel = 0;
  bool to_space = true;
  std::vector<uint8_t> pad;  // one pixel of padding (SPACE_TO_BATCH_ND)
};

void Eval(OpContext& ctx) {
  const BatchSpaceState& s = ctx.state<BatchSpaceState>();
  const uint8_t* in = ctx.input(0).data;
  uint8_t* out = ctx.output(0).data;
  const int64_t px = int64_t(s.pixel), batches = int64_t(s.N) * s.bh * s.bw;
  int64_t bp = 0;  // byte offset in the batch tensor
  for (int64_t bi = 0; bi < batches; ++bi) {
    const int n = int(bi % s.N), i = int(bi / s.N / s.bw), j = int(bi / s.N % s.bw);
    for (int y = 0; y < s.h; ++y)
      for (int x = 0; x < s.w; ++x, bp += px) {
        const int64_t Y = int64_t(y) * s.bh + i - s.top, X = int64_t(x) * s.bw + j - s.left;
        const bool inside = Y >= 0 && Y < s.H && X >= 0 && X < s.W;
        const int64_t sp = ((int64_t(n) * s.H + Y) * s.W + X) * px;
        if (s.to_space) {
          if (inside) std::memcpy(out + sp, in + bp, s.pixel);
        } else {
          std::memcpy(out + bp, inside ? in + sp : s.pad.data(), s.pixel);
        }
      }
  }
}

void Prepare(OpContext& ctx, bool to_space) {
  ctx.check_inputs(3, 3);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  ctx.check_same_type(in, out);
  const int rank = in.rank(), sp = rank - 2;
  ctx.check(rank == 3 || rank == 4, "input must be 3-D or 4-D, got shape ", in.shape);
  const std::vector<int64_t> block = ctx.input_ints(1, "block_shape");
  const std::vector<int64_t> edges = ctx.input_ints(2, to_space ? "crops" : "paddings");
  ctx.check(int(block.size()) == sp && int(edges.size()) == 2 * sp, "block_shape must have ", sp,
            " values and crops/paddings ", 2 * sp);
  BatchSpaceState& s = ctx.state<BatchSpaceState>();
  s.to_space = to_space;
  int64_t b[2] = {1, 1}, e[4] = {0, 0, 0, 0};
  for (int k = 0; k < sp; ++k) {
    b[k] = block[size_t(k)], e[2 * k] = edges[size_t(2 * k)], e[2 * k + 1] = edges[size_t(2 * k + 1)];
    ctx.check(b[k] >= 1 && b[k] <= 65536 && e[2 * k] >= 0 && e[2 * k + 1] >= 0 && e[2 * k] + e[2 * k + 1] < (1 << 30),
              "block_shape must be positive and crops/paddings non-negative");
  }
  s.bh = int(b[0]), s.bw = int(b[1]), s.top = int(e[0]), s.left = int(e[2]);
  const int64_t dims[2] = {in.dim(1), rank == 4 ? in.dim(2) : 1}, C = in.dim(rank - 1);
  int64_t big[2], small[2];  // space and batch-image sizes
  int64_t n = in.dim(0);
  for (int k = 0; k < 2; ++k) {
    if (to_space) {
      small[k] = dims[k];
      big[k] = dims[k] * b[k] - e[2 * k] - e[2 * k + 1];
      ctx.check(big[k] >= 0, "crops are larger than the output");
    } else {
      big[k] = dims[k];
      ctx.check((dims[k] + e[2 * k] + e[2 * k + 1]) % b[k] == 0, "padded size is not a multiple of block_shape");
      small[k] = (dims[k] + e[2 * k] + e[2 * k + 1]) / b[k];
    }
  }
  if (to_space) {
    ctx.check(n % (b[0] * b[1]) == 0, "input batch ", n, " is not a multiple of the block size ", b[0] * b[1]);
    n /= b[0] * b[1];
  }
  s.N = int(n), s.H = to_dim(ctx, big[0], "height"), s.W = int(big[1]);
  s.h = to_dim(ctx, small[0], "height"), s.w = to_dim(ctx, small[1], "width");
  s.pixel = size_t(C) * elem_size(ctx, in, "input");
  const int32_t ob = to_dim(ctx, to_space ? n : n * b[0] * b[1], "batch");
  Shape shape = {ob, to_space ? s.H : s.h};
  if (rank == 4) shape.push_back(to_dim(ctx, to_space ? big[1] : small[1], "width"));
  shape.push_back(int32_t(C));
  ctx.set_output_shape(0, shape);
  if (!to_space) {  // one pixel of padding: zeros, or the zero point
    const size_t es = elem_size(ctx, in, "input");
    s.pad.assign(s.pixel, 0);
    const int64_t zp = out.quant.present() && !out.quant.zero_point.empty() ? out.quant.zero_point[0] : 0;
    for (size_t k = 0; zp && es <= 2 && k < s.pixel; k += es) {
      s.pad[k] = uint8_t(zp);
      if (es == 2) s.pad[k + 1] = uint8_t(uint16_t(int16_t(zp)) >> 8);
    }
  }
}

void PrepareB2S(OpContext& ctx) { Prepare(ctx, true); }
void PrepareS2B(OpContext& ctx) { Prepare(ctx, false); }

}  // namespace

void Register_BATCH_TO_SPACE_ND(OpRegistry& r) {
  r.add({op::BATCH_TO_SPACE_ND, "BATCH_TO_SPACE_ND", kAnyType, 4, PrepareB2S, Eval});
}
void Register_SPACE_TO_BATCH_ND(OpRegistry& r) {
  r.add({op::SPACE_TO_BATCH_ND, "SPACE_TO_BATCH_ND", kAnyType, 4, PrepareS2B, Eval});
}

}  // namespace slimrt
