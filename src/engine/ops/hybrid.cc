#include "ops/hybrid.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace slimrt {
namespace {

// round(v) clamped to [lo, hi]; NaN (from non-finite inputs) gives lo instead of undefined behaviour.
int8_t clamp_round(float v, float lo, float hi) {
  v = std::round(v);
  return int8_t(v >= lo ? (v <= hi ? v : hi) : lo);
}

}  // namespace

void quantize_rows(const float* x, int64_t rows, int64_t cols, bool asymmetric, int8_t* q, float* scale,
                   int32_t* offset) {
  for (int64_t r = 0; r < rows; ++r, x += cols, q += cols) {
    float lo = 0.f, hi = 0.f;  // min / max of the row (0 for an empty row)
    if (cols > 0) {
      lo = hi = x[0];
      for (int64_t i = 1; i < cols; ++i) lo = std::min(lo, x[i]), hi = std::max(hi, x[i]);
    }
    offset[r] = 0;
    if (!asymmetric) {
      const float range = std::max(std::fabs(lo), std::fabs(hi));
      if (range == 0) {
        std::memset(q, 0, size_t(cols));
        scale[r] = 1;
        continue;
      }
      scale[r] = range / 127;
      const float inv = 127 / range;
      for (int64_t i = 0; i < cols; ++i) q[i] = clamp_round(x[i] * inv, -127, 127);
      continue;
    }
    const double rmin = double(std::min(0.f, lo)), rmax = double(std::max(0.f, hi));
    if (rmin == rmax) {
      std::memset(q, 0, size_t(cols));
      scale[r] = 1;
      continue;
    }
    const double s = (rmax - rmin) / 255.0;
    const double zp_min = -128.0 - rmin / s, zp_max = 127.0 - rmax / s;
    const double zp = (128.0 + std::fabs(rmin / s)) < (127.0 + std::fabs(rmax / s)) ? zp_min : zp_max;
    offset[r] = zp <= -128.0 ? -128 : (zp >= 127.0 ? 127 : int32_t(std::round(zp)));
    scale[r] = float(s);
    const float inv = 1.0f / scale[r];
    for (int64_t i = 0; i < cols; ++i) q[i] = clamp_round(float(offset[r]) + x[i] * inv, -128, 127);
  }
}

std::vector<float> hybrid_prepare(OpContext& ctx, int bias, int64_t channels) {
  const Tensor& w = ctx.input(1);
  ctx.check_type(w, DType::kInt8, "weights");
  ctx.check(w.is_const(), "hybrid weights '", w.name, "' must be constant");
  ctx.check_type(ctx.output(0), DType::kFloat32, "output");
  if (const Tensor* b = ctx.optional_input(bias)) ctx.check_type(*b, DType::kFloat32, "bias");
  const size_t n = w.quant.scale.size();
  ctx.check(n == 1 || int64_t(n) == channels, "weights '", w.name, "' need 1 or ", channels, " scales, have ", n);
  std::vector<float> s(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) {
    const size_t i = n == 1 ? 0 : size_t(c);
    s[size_t(c)] = w.quant.scale[i];
    ctx.check(std::isfinite(s[size_t(c)]) && s[size_t(c)] > 0 && w.quant.zero_point.size() == n &&
                  w.quant.zero_point[i] == 0,
              "weights '", w.name, "' need positive scales and zero point 0");
  }
  return s;
}

std::vector<int32_t> hybrid_row_sums(const Tensor& w, int64_t rows, int64_t cols) {
  std::vector<int32_t> sums(static_cast<size_t>(rows), 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < cols; ++k) sums[size_t(r)] += w.as<int8_t>()[r * cols + k];
  return sums;
}

}  // namespace slimrt
