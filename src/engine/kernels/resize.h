// Bilinear resize of float NHWC images (RESIZE_BILINEAR, ops/resize.cc), with the reference kernels' source
// coordinates: scale = in / out (align_corners: (in - 1) / (out - 1)); source v = i * scale, or
// (i + 0.5) * scale - 0.5 with half_pixel_centers; taps floor(v) (at least 0) and ceil(v) (at most in - 1).
#pragma once

#include <cstdint>

namespace slimrt {
namespace kernels {

struct ResizeGeometry {
  int N, H, W, C, OH, OW;
  bool align_corners, half_pixel_centers;
};

inline float resize_scale(int in, int out, bool align_corners) {
  return (align_corners && out > 1) ? float(in - 1) / float(out - 1) : float(in) / float(out);
}

struct ResizeTap {
  float v;
  int32_t i0, i1;
};
ResizeTap resize_tap(int i, float scale, bool half_pixel_centers, int in);

// Output rows [row_begin, row_end) of (batch, out_y).
void resize_bilinear_rows(const ResizeGeometry& g, const float* in, float* out, int64_t row_begin, int64_t row_end);

}  // namespace kernels
}  // namespace slimrt
