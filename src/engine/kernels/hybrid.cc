#include "kernels/hybrid.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace slimrt {
namespace hybrid {

void quantize_row(const float* x, int n, bool asymmetric, int8_t* q, float* scale, int32_t* zero_point) {
  float lo = 0.f, hi = 0.f;
  for (int i = 0; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  *zero_point = 0;
  if (lo == hi) {  // all zeros
    std::memset(q, 0, size_t(n));
    *scale = 1.f;
    return;
  }
  int32_t qmin = -127, zp = 0;
  if (asymmetric) {
    qmin = -128;
    const double rmin = lo, rmax = hi;
    const double s = (rmax - rmin) / 255.0;
    const double from_min = -128.0 - rmin / s, from_max = 127.0 - rmax / s;
    const double err_min = 128.0 + std::fabs(rmin / s), err_max = 127.0 + std::fabs(rmax / s);
    const double z = err_min < err_max ? from_min : from_max;
    zp = z <= -128.0 ? -128 : z >= 127.0 ? 127 : int32_t(std::round(z));
    *scale = float(s);
  } else {
    *scale = std::max(std::fabs(lo), std::fabs(hi)) / 127.f;
  }
  // The inverse as the official code computes it: double 1.0 / float scale (asymmetric), float 127 / range.
  const float inv = asymmetric ? float(1.0 / double(*scale)) : 127.f / std::max(std::fabs(lo), std::fabs(hi));
  for (int i = 0; i < n; ++i) {
    const float v = asymmetric ? float(zp) + x[i] * inv : x[i] * inv;
    const float r = std::round(v);
    q[i] = int8_t(r >= 127.f ? 127 : r >= float(qmin) ? int32_t(r) : qmin);  // NaN -> qmin, never cast
  }
  *zero_point = zp;
}

void matvec_acc(const int8_t* w, int rows, int cols, const int8_t* x, int32_t zp, const int32_t* row_sums,
                float scale, float* out) {
  for (int r = 0; r < rows; ++r) {
    const int8_t* wr = w + int64_t(r) * cols;
    int32_t dot = 0;  // |w * x| <= 2^14: lanes cannot overflow for any realistic row; the total wraps
    for (int c = 0; c < cols; ++c) dot = int32_t(uint32_t(dot) + uint32_t(int32_t(wr[c]) * int32_t(x[c])));
    if (zp) dot = int32_t(uint32_t(dot) - uint32_t(row_sums[r]) * uint32_t(zp));
    out[r] += float(dot) * scale;
  }
}

void row_sums(const int8_t* w, int rows, int cols, int32_t* out) {
  for (int r = 0; r < rows; ++r) {
    int32_t s = 0;
    for (int c = 0; c < cols; ++c) s += w[int64_t(r) * cols + c];
    out[r] = s;
  }
}

}  // namespace hybrid
}  // namespace slimrt
