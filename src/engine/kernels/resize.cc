#include "kernels/resize.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace slimrt {
namespace kernels {

ResizeTap resize_tap(int i, float scale, bool half_pixel_centers, int in) {
  const float v = half_pixel_centers ? (float(i) + 0.5f) * scale - 0.5f : float(i) * scale;
  return {v, std::max(int32_t(std::floor(v)), int32_t(0)), std::min(int32_t(std::ceil(v)), int32_t(in - 1))};
}

void resize_bilinear_rows(const ResizeGeometry& g, const float* in, float* out, int64_t row_begin, int64_t row_end) {
  const float hs = resize_scale(g.H, g.OH, g.align_corners), ws = resize_scale(g.W, g.OW, g.align_corners);
  std::vector<ResizeTap> tx(size_t(g.OW));
  for (int x = 0; x < g.OW; ++x) tx[size_t(x)] = resize_tap(x, ws, g.half_pixel_centers, g.W);
  const int64_t C = g.C;
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int b = int(row / g.OH), y = int(row % g.OH);
    const ResizeTap ty = resize_tap(y, hs, g.half_pixel_centers, g.H);
    const float dy = ty.v - float(ty.i0);
    const float* r0 = in + (int64_t(b) * g.H + ty.i0) * g.W * C;
    const float* r1 = in + (int64_t(b) * g.H + ty.i1) * g.W * C;
    float* o = out + row * g.OW * C;
    for (int x = 0; x < g.OW; ++x, o += C) {
      const ResizeTap& t = tx[size_t(x)];
      const float dx = t.v - float(t.i0);
      const float w00 = (1 - dy) * (1 - dx), w10 = dy * (1 - dx), w01 = (1 - dy) * dx, w11 = dy * dx;
      const float *a = r0 + t.i0 * C, *b0 = r1 + t.i0 * C, *c = r0 + t.i1 * C, *d = r1 + t.i1 * C;
      for (int64_t k = 0; k < C; ++k) o[k] = a[k] * w00 + b0[k] * w10 + c[k] * w01 + d[k] * w11;
    }
  }
}

}  // namespace kernels
}  // namespace slimrt
