// Float 2-D pooling (see pool.h).
#include "pool.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "conv_simd.h"
#include "cpu.h"

namespace slimrt {
namespace kernels {
namespace {

// The valid taps [f0, f1) of the window of output position o along one axis, in int64 (hostile geometry).
SLIMRT_ALWAYS_INLINE void taps(int o, int stride, int pad, int filter, int in, int* origin, int* f0, int* f1) {
  const int64_t org = int64_t(o) * stride - pad;
  *origin = int(std::max<int64_t>(std::min<int64_t>(org, in), -int64_t(filter)));
  *f0 = int(std::min<int64_t>(filter, std::max<int64_t>(0, -org)));
  *f1 = int(std::max<int64_t>(*f0, std::min<int64_t>(filter, int64_t(in) - org)));
}

template <PoolKind K>
SLIMRT_ALWAYS_INLINE void rows(const PoolParams& p, const float* in, float* out, int64_t r0, int64_t r1) {
  const int C = p.ch;
  const float lo = p.lo, hi = p.hi;
  for (int64_t r = r0; r < r1; ++r) {
    const int b = int(r / p.out_h);
    int oy0, fy0, fy1;
    taps(int(r % p.out_h), p.stride_h, p.pad_top, p.filter_h, p.in_h, &oy0, &fy0, &fy1);
    const float* in_b = in + size_t(b) * size_t(p.in_h) * size_t(p.in_w) * size_t(C);
    float* out_row = out + size_t(r) * size_t(p.out_w) * size_t(C);
    for (int ox = 0; ox < p.out_w; ++ox) {
      int ox0, fx0, fx1;
      taps(ox, p.stride_w, p.pad_left, p.filter_w, p.in_w, &ox0, &fx0, &fx1);
      float* o = out_row + size_t(ox) * size_t(C);
      const int count = (fy1 - fy0) * (fx1 - fx0);
      const float init = K == PoolKind::kMax ? -3.40282347e38f : 0.f;  // std::numeric_limits<float>::lowest()
      for (int c = 0; c < C; ++c) o[c] = init;
      for (int fy = fy0; fy < fy1; ++fy)
        for (int fx = fx0; fx < fx1; ++fx) {
          const float* x = in_b + (ptrdiff_t(oy0 + fy) * p.in_w + (ox0 + fx)) * ptrdiff_t(C);
          if (K == PoolKind::kMax) {
            for (int c = 0; c < C; ++c) o[c] = o[c] < x[c] ? x[c] : o[c];  // std::max(o, x)
          } else if (K == PoolKind::kAvg) {
            for (int c = 0; c < C; ++c) o[c] += x[c];
          } else {
            for (int c = 0; c < C; ++c) o[c] += x[c] * x[c];
          }
        }
      if (K == PoolKind::kMax) {
        for (int c = 0; c < C; ++c) {
          float v = o[c];
          v = v < lo ? lo : v;
          o[c] = hi < v ? hi : v;
        }
      } else {
        const float n = count > 0 ? float(count) : 1.f;  // a window with no tap inside averages to 0
        for (int c = 0; c < C; ++c) {
          float v = K == PoolKind::kL2 ? std::sqrt(o[c] / n) : o[c] / n;
          v = v < lo ? lo : v;
          o[c] = hi < v ? hi : v;
        }
      }
    }
  }
}

// Every kind for the baseline; max and average (not L2) also with AVX2 moves, used on AVX2 and AVX-512 machines (one
// more copy of the code for 16-wide vectors is not worth its size on these memory-bound loops).
void rows_base(const PoolParams& p, PoolKind k, const float* in, float* out, int64_t r0, int64_t r1) {
  if (k == PoolKind::kMax)
    rows<PoolKind::kMax>(p, in, out, r0, r1);
  else if (k == PoolKind::kAvg)
    rows<PoolKind::kAvg>(p, in, out, r0, r1);
  else
    rows<PoolKind::kL2>(p, in, out, r0, r1);
}
#if SLIMRT_AVX2_KERNELS
SLIMRT_TARGET_AVX2 void rows_avx2(const PoolParams& p, PoolKind k, const float* in, float* out, int64_t r0,
                                  int64_t r1) {
  if (k == PoolKind::kMax)
    rows<PoolKind::kMax>(p, in, out, r0, r1);
  else
    rows<PoolKind::kAvg>(p, in, out, r0, r1);
}
#endif

// Integer rows: channel blocks of 64 with int64 window sums / maxima (any window size), as the reference.
template <class T>
void rows_int(const PoolParams& p, PoolKind kind, const T* in, T* out, int32_t qlo, int32_t qhi, int64_t r0,
              int64_t r1) {
  constexpr int kBlock = 64;
  const int C = p.ch;
  for (int64_t r = r0; r < r1; ++r) {
    const int b = int(r / p.out_h);
    int oy0, fy0, fy1;
    taps(int(r % p.out_h), p.stride_h, p.pad_top, p.filter_h, p.in_h, &oy0, &fy0, &fy1);
    const T* in_b = in + size_t(b) * size_t(p.in_h) * size_t(p.in_w) * size_t(C);
    T* out_row = out + size_t(r) * size_t(p.out_w) * size_t(C);
    for (int ox = 0; ox < p.out_w; ++ox) {
      int ox0, fx0, fx1;
      taps(ox, p.stride_w, p.pad_left, p.filter_w, p.in_w, &ox0, &fx0, &fx1);
      const int64_t count = int64_t(fy1 - fy0) * (fx1 - fx0);
      for (int c0 = 0; c0 < C; c0 += kBlock) {
        const int n = std::min(kBlock, C - c0);
        int64_t acc[kBlock];
        for (int c = 0; c < n; ++c) acc[c] = kind == PoolKind::kMax ? INT64_MIN : 0;
        for (int fy = fy0; fy < fy1; ++fy)
          for (int fx = fx0; fx < fx1; ++fx) {
            const T* x = in_b + (ptrdiff_t(oy0 + fy) * p.in_w + (ox0 + fx)) * ptrdiff_t(C) + c0;
            if (kind == PoolKind::kMax)
              for (int c = 0; c < n; ++c) acc[c] = acc[c] < x[c] ? int64_t(x[c]) : acc[c];
            else
              for (int c = 0; c < n; ++c) acc[c] += x[c];
          }
        T* o = out_row + size_t(ox) * size_t(C) + size_t(c0);
        for (int c = 0; c < n; ++c) {
          int64_t v = acc[c];
          if (kind == PoolKind::kAvg && count > 0) v = v > 0 ? (v + count / 2) / count : (v - count / 2) / count;
          o[c] = T(v < qlo ? qlo : (v > qhi ? qhi : v));
        }
      }
    }
  }
}

}  // namespace

void pool_rows_int(const PoolParams& p, PoolKind kind, int type, const void* in, void* out, int32_t qlo, int32_t qhi,
                   int64_t r0, int64_t r1) {
  if (type == 0)
    rows_int(p, kind, static_cast<const int8_t*>(in), static_cast<int8_t*>(out), qlo, qhi, r0, r1);
  else if (type == 1)
    rows_int(p, kind, static_cast<const uint8_t*>(in), static_cast<uint8_t*>(out), qlo, qhi, r0, r1);
  else
    rows_int(p, kind, static_cast<const int16_t*>(in), static_cast<int16_t*>(out), qlo, qhi, r0, r1);
}

void mean_mid_f32(const float* in, float* out, int64_t mid, int64_t inner, float count, int64_t o0, int64_t o1,
                  int64_t j0, int64_t j1) {
  if (inner == 1) {
    for (int64_t o = o0; o < o1; ++o) {
      const float* p = in + o * mid;
      float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t i = 0;
      for (; i + 8 <= mid; i += 8)
        for (int k = 0; k < 8; ++k) acc[k] += p[i + k];
      float sum = 0;
      for (; i < mid; ++i) sum += p[i];
      sum += ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
      out[o] = sum / count;
    }
    return;
  }
  for (int64_t o = o0; o < o1; ++o) {
    float* dst = out + o * inner;
    const float* p = in + o * mid * inner;
    for (int64_t j = j0; j < j1; ++j) dst[j] = 0.f;
    for (int64_t m = 0; m < mid; ++m) {
      const float* row = p + m * inner;
      for (int64_t j = j0; j < j1; ++j) dst[j] += row[j];
    }
    for (int64_t j = j0; j < j1; ++j) dst[j] /= count;
  }
}

void pool_rows_f32(const PoolParams& p, PoolKind kind, const float* in, float* out, int64_t r0, int64_t r1,
                   Isa isa) {
#if SLIMRT_AVX2_KERNELS
  if ((isa == Isa::kAvx2 || isa == Isa::kAvx512) && kind != PoolKind::kL2) return rows_avx2(p, kind, in, out, r0, r1);
#endif
  rows_base(p, kind, in, out, r0, r1);
}

}  // namespace kernels
}  // namespace slimrt
