// im2col for float and int8 NHWC convolutions (see conv_im2col.h).
#include "conv_im2col.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "conv_simd.h"
#include "cpu.h"

namespace slimrt {
namespace kernels {
namespace {

// Copies n floats. Short runs (a few channels, typical of first layers) are copied in fixed-size pieces, which
// compilers turn into plain vector moves instead of a call to memcpy.
SLIMRT_ALWAYS_INLINE void copy_floats(float* d, const float* s, int n) {
  if (n >= 64) {
    std::memcpy(d, s, sizeof(float) * size_t(n));
    return;
  }
  int i = 0;
  for (; i + 8 <= n; i += 8) std::memcpy(d + i, s + i, 8 * sizeof(float));
  if (i + 4 <= n) {
    std::memcpy(d + i, s + i, 4 * sizeof(float));
    i += 4;
  }
  switch (n - i) {
    case 3: d[i + 2] = s[i + 2]; /* fall through */
    case 2: d[i + 1] = s[i + 1]; /* fall through */
    case 1: d[i] = s[i]; break;
    default: break;
  }
}

SLIMRT_ALWAYS_INLINE void copy_values(float* d, const float* s, int n) { copy_floats(d, s, n); }
SLIMRT_ALWAYS_INLINE void copy_values(int8_t* d, const int8_t* s, int n) {
  if (n <= 16 && n >= 4) {  // a few channels: overlapping 4-byte moves
    for (int i = 0; i + 4 <= n; i += 4) std::memcpy(d + i, s + i, 4);
    std::memcpy(d + n - 4, s + n - 4, 4);
    return;
  }
  std::memcpy(d, s, size_t(n));
}
SLIMRT_ALWAYS_INLINE void fill_values(float* d, int n, float) { std::memset(d, 0, sizeof(float) * size_t(n)); }
SLIMRT_ALWAYS_INLINE void fill_values(int8_t* d, int n, int8_t pad) { std::memset(d, uint8_t(pad), size_t(n)); }

template <class T>
SLIMRT_ALWAYS_INLINE void im2col(const ConvGeometry& g, const T* input, int group, int64_t m0, int64_t m1, T pad, T* out) {
  const int cg = g.cin_g;
  const int K = g.kh * g.kw * cg;
  const int64_t plane = int64_t(g.out_h) * g.out_w;
  const size_t row_stride = size_t(g.in_w) * size_t(g.in_c);
  // Taps along x are adjacent whole pixels: one copy per filter row when the window is inside the input.
  const bool contiguous_kx = g.dilation_w == 1 && g.groups == 1;
  const int run = g.kw * cg;
  int64_t m = m0;
  while (m < m1) {
    const int n = int(m / plane);
    const int rem = int(m % plane);
    const int oy = rem / g.out_w;
    int ox = rem % g.out_w;
    const int iy0 = oy * g.stride_h - g.pad_top;
    const T* in_n = input + size_t(n) * size_t(g.in_h) * row_stride + size_t(group) * size_t(cg);
    // The rest of this output row (or of the block).
    const int64_t row_end = std::min<int64_t>(m1, m + (g.out_w - ox));
    for (; m < row_end; ++m, ++ox) {
      T* dst = out + size_t(m - m0) * size_t(K);
      const int ix0 = ox * g.stride_w - g.pad_left;
      const bool x_inside = ix0 >= 0 && ix0 + (g.kw - 1) * g.dilation_w < g.in_w;
      for (int ky = 0; ky < g.kh; ++ky) {
        const int iy = iy0 + ky * g.dilation_h;
        if (iy < 0 || iy >= g.in_h) {
          fill_values(dst, run, pad);
          dst += run;
          continue;
        }
        const T* row = in_n + size_t(iy) * row_stride;
        if (contiguous_kx && x_inside) {
          copy_values(dst, row + size_t(ix0) * size_t(g.in_c), run);
          dst += run;
          continue;
        }
        for (int kx = 0; kx < g.kw; ++kx) {
          const int ix = ix0 + kx * g.dilation_w;
          if (ix < 0 || ix >= g.in_w)
            fill_values(dst, cg, pad);
          else
            copy_values(dst, row + size_t(ix) * size_t(g.in_c), cg);
          dst += cg;
        }
      }
    }
  }
}

// The float copies compiled for the baseline and, on x86-64, with AVX2 / AVX-512 moves.
void im2col_f32_base(const ConvGeometry& g, const float* input, int group, int64_t m0, int64_t m1, float* out) {
  im2col(g, input, group, m0, m1, 0.f, out);
}
#if SLIMRT_AVX2_KERNELS
SLIMRT_TARGET_AVX2 void im2col_f32_avx2(const ConvGeometry& g, const float* input, int group, int64_t m0, int64_t m1,
                                        float* out) {
  im2col(g, input, group, m0, m1, 0.f, out);
}
SLIMRT_TARGET_AVX512 void im2col_f32_avx512(const ConvGeometry& g, const float* input, int group, int64_t m0,
                                            int64_t m1, float* out) {
  im2col(g, input, group, m0, m1, 0.f, out);
}
#endif

}  // namespace

void im2col_rows(const ConvGeometry& g, const float* input, int group, int64_t m0, int64_t m1, float* out) {
#if SLIMRT_AVX2_KERNELS
  if (float_isa() == Isa::kAvx512) return im2col_f32_avx512(g, input, group, m0, m1, out);
  if (float_isa() == Isa::kAvx2) return im2col_f32_avx2(g, input, group, m0, m1, out);
#endif
  im2col_f32_base(g, input, group, m0, m1, out);
}

void im2col_rows_i8(const ConvGeometry& g, const int8_t* input, int group, int64_t m0, int64_t m1, int8_t pad,
                    int8_t* out) {
  im2col(g, input, group, m0, m1, pad, out);
}

}  // namespace kernels
}  // namespace slimrt
