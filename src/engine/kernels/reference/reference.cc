#include "kernels/reference/reference.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace slimrt {
namespace ref {

void quantize_multiplier(double m, int32_t* mult, int* shift) {
  *mult = 0;
  *shift = 0;
  if (m <= 0) return;
  int e = 0;
  const double f = std::frexp(m, &e);
  long long q = std::llround(f * 2147483648.0);
  if (q == (1LL << 31)) {
    q /= 2;
    ++e;
  }
  if (e < -31) return;
  *mult = int32_t(q);
  *shift = e;
}

static int32_t srdhm(int32_t a, int32_t b) {
  if (a == std::numeric_limits<int32_t>::min() && b == a) return std::numeric_limits<int32_t>::max();
  const long long ab = (long long)a * b;
  const long long nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  return int32_t((ab + nudge) / (1LL << 31));
}

static int32_t rounding_divide_by_pot(int32_t x, int e) {
  if (e == 0) return x;
  const long long lx = x;
  const long long floor_div = lx >= 0 ? (lx >> e) : -(((-lx) + (1LL << e) - 1) >> e);
  const long long rem = lx - floor_div * (1LL << e);  // in [0, 2^e)
  const long long half = 1LL << (e - 1);
  // Round half away from zero: for x >= 0, up when rem >= half; for x < 0, up only when rem > half.
  return int32_t(floor_div + ((x >= 0 ? rem >= half : rem > half) ? 1 : 0));
}

int32_t multiply_by_quantized_multiplier(int32_t x, int32_t mult, int shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int32_t shifted = int32_t(uint32_t(x) << left);
  return rounding_divide_by_pot(srdhm(shifted, mult), right);
}

int32_t multiply_single_round(int32_t x, int32_t mult, int shift) {
  const long long p = (long long)x * mult;  // |p| < 2^62
  const int total = 31 - shift;              // 1..62
  const unsigned long long mag = (unsigned long long)(p < 0 ? -p : p);
  unsigned long long q = mag >> total;
  const unsigned long long rem = mag - (q << total);
  if (2 * rem >= (1ULL << total)) ++q;  // ties away from zero
  return int32_t(p < 0 ? -(long long)q : (long long)q);
}

void window_axis(int in, int filter, int stride, int dil, bool same, int* out, int* pad_before) {
  const int eff = (filter - 1) * dil + 1;
  *out = same ? (in + stride - 1) / stride : (in >= eff ? (in - eff) / stride + 1 : 0);
  const int total = (*out - 1) * stride + eff - in;
  *pad_before = *out > 0 && total > 0 ? total / 2 : 0;
}

static float clampf(float v, float lo, float hi) { return std::min(std::max(v, lo), hi); }

void conv2d_f32(const std::vector<float>& in, int N, int H, int W, int C, const std::vector<float>& filter, int OC, int KH,
                int KW, const std::vector<float>& bias, const Window& w, float lo, float hi, std::vector<float>* out,
                int* OH, int* OW) {
  int pt, pl;
  window_axis(H, KH, w.stride_h, w.dil_h, w.same, OH, &pt);
  window_axis(W, KW, w.stride_w, w.dil_w, w.same, OW, &pl);
  const int FC = int(filter.size() / size_t(OC * KH * KW));
  const int groups = C / FC, OCG = OC / groups;
  out->assign(size_t(N) * *OH * *OW * OC, 0.f);
  for (int n = 0; n < N; ++n)
    for (int oy = 0; oy < *OH; ++oy)
      for (int ox = 0; ox < *OW; ++ox)
        for (int oc = 0; oc < OC; ++oc) {
          const int g = oc / OCG;
          double acc = bias.empty() ? 0.0 : bias[size_t(oc)];
          for (int ky = 0; ky < KH; ++ky)
            for (int kx = 0; kx < KW; ++kx) {
              const int iy = oy * w.stride_h - pt + ky * w.dil_h, ix = ox * w.stride_w - pl + kx * w.dil_w;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              for (int c = 0; c < FC; ++c)
                acc += double(in[((size_t(n) * H + iy) * W + ix) * C + size_t(g * FC + c)]) *
                       filter[((size_t(oc) * KH + ky) * KW + kx) * FC + size_t(c)];
            }
          (*out)[((size_t(n) * *OH + oy) * *OW + ox) * OC + oc] = clampf(float(acc), lo, hi);
        }
}

void depthwise_f32(const std::vector<float>& in, int N, int H, int W, int C, const std::vector<float>& filter, int KH,
                   int KW, int M, const std::vector<float>& bias, const Window& w, float lo, float hi,
                   std::vector<float>* out, int* OH, int* OW) {
  int pt, pl;
  window_axis(H, KH, w.stride_h, w.dil_h, w.same, OH, &pt);
  window_axis(W, KW, w.stride_w, w.dil_w, w.same, OW, &pl);
  const int OC = C * M;
  out->assign(size_t(N) * *OH * *OW * OC, 0.f);
  for (int n = 0; n < N; ++n)
    for (int oy = 0; oy < *OH; ++oy)
      for (int ox = 0; ox < *OW; ++ox)
        for (int oc = 0; oc < OC; ++oc) {
          double acc = bias.empty() ? 0.0 : bias[size_t(oc)];
          for (int ky = 0; ky < KH; ++ky)
            for (int kx = 0; kx < KW; ++kx) {
              const int iy = oy * w.stride_h - pt + ky * w.dil_h, ix = ox * w.stride_w - pl + kx * w.dil_w;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              acc += double(in[((size_t(n) * H + iy) * W + ix) * C + size_t(oc / M)]) *
                     filter[(size_t(ky) * KW + kx) * OC + size_t(oc)];
            }
          (*out)[((size_t(n) * *OH + oy) * *OW + ox) * OC + oc] = clampf(float(acc), lo, hi);
        }
}

void fully_connected_f32(const std::vector<float>& in, int B, int D, const std::vector<float>& w, int U,
                         const std::vector<float>& bias, float lo, float hi, std::vector<float>* out) {
  gemm_f32(in, B, D, w, U, bias, lo, hi, out);
}

void pool_f32(const std::vector<float>& in, int N, int H, int W, int C, int FH, int FW, const Window& w, bool max,
              float lo, float hi, std::vector<float>* out, int* OH, int* OW) {
  int pt, pl;
  window_axis(H, FH, w.stride_h, 1, w.same, OH, &pt);
  window_axis(W, FW, w.stride_w, 1, w.same, OW, &pl);
  out->assign(size_t(N) * *OH * *OW * C, 0.f);
  for (int n = 0; n < N; ++n)
    for (int oy = 0; oy < *OH; ++oy)
      for (int ox = 0; ox < *OW; ++ox)
        for (int c = 0; c < C; ++c) {
          double acc = max ? -std::numeric_limits<double>::infinity() : 0.0;
          int count = 0;
          for (int fy = 0; fy < FH; ++fy)
            for (int fx = 0; fx < FW; ++fx) {
              const int iy = oy * w.stride_h - pt + fy, ix = ox * w.stride_w - pl + fx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              const double v = in[((size_t(n) * H + iy) * W + ix) * C + size_t(c)];
              acc = max ? std::max(acc, v) : acc + v;
              ++count;
            }
          float r = max ? (count ? float(acc) : std::numeric_limits<float>::lowest())
                        : (count ? float(acc / count) : 0.f);
          (*out)[((size_t(n) * *OH + oy) * *OW + ox) * C + c] = clampf(r, lo, hi);
        }
}

void gemm_f32(const std::vector<float>& A, int M, int K, const std::vector<float>& B, int N, const std::vector<float>& bias,
              float lo, float hi, std::vector<float>* C) {
  C->assign(size_t(M) * N, 0.f);
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      double acc = bias.empty() ? 0.0 : bias[size_t(n)];
      for (int k = 0; k < K; ++k) acc += double(A[size_t(m) * K + k]) * B[size_t(n) * K + k];
      (*C)[size_t(m) * N + n] = clampf(float(acc), lo, hi);
    }
}

void binary_f32(int op, const std::vector<float>& a, const std::vector<int32_t>& as, const std::vector<float>& b,
                const std::vector<int32_t>& bs, float lo, float hi, std::vector<float>* out, std::vector<int32_t>* os) {
  const size_t r = std::max(as.size(), bs.size());
  std::vector<int32_t> pa(r, 1), pb(r, 1);
  std::copy(as.begin(), as.end(), pa.begin() + long(r - as.size()));
  std::copy(bs.begin(), bs.end(), pb.begin() + long(r - bs.size()));
  os->assign(r, 1);
  size_t total = 1;
  for (size_t i = 0; i < r; ++i) {
    (*os)[i] = std::max(pa[i], pb[i]);
    total *= size_t((*os)[i]);
  }
  out->assign(total, 0.f);
  std::vector<int32_t> idx(r, 0);
  for (size_t k = 0; k < total; ++k) {
    size_t rem = k, ia = 0, ib = 0, sa = 1, sb = 1;
    for (size_t d = r; d-- > 0;) {
      idx[d] = int32_t(rem % size_t((*os)[d]));
      rem /= size_t((*os)[d]);
    }
    for (size_t d = r; d-- > 0;) {
      ia += size_t(pa[d] == 1 ? 0 : idx[d]) * sa;
      ib += size_t(pb[d] == 1 ? 0 : idx[d]) * sb;
      sa *= size_t(pa[d]);
      sb *= size_t(pb[d]);
    }
    const float x = a[ia], y = b[ib];
    float v = op == 0 ? x + y : op == 1 ? x - y : op == 2 ? x * y : (x >= 0 ? x : x * y);
    (*out)[k] = clampf(v, lo, hi);
  }
}

float unary_f32(int op, float x) {
  switch (op) {
    case 0: return std::max(x, 0.f);
    case 1: return std::min(std::max(x, 0.f), 6.f);
    case 2: return std::min(std::max(x, -1.f), 1.f);
    case 3: return float(1.0 / (1.0 + std::exp(-double(x))));
    case 4: return float(std::tanh(double(x)));
    default: return float(double(x) * std::min(std::max(double(x) + 3.0, 0.0), 6.0) / 6.0);
  }
}

static int8_t requant8(int32_t acc, double real, const QuantOut& q, bool single) {
  int32_t mult;
  int shift;
  quantize_multiplier(real, &mult, &shift);
  int32_t v = (single ? multiply_single_round(acc, mult, shift) : multiply_by_quantized_multiplier(acc, mult, shift)) +
              q.out_zp;
  return int8_t(std::min(std::max(v, q.act_min), q.act_max));
}

void conv2d_i8(const std::vector<int8_t>& in, int N, int H, int W, int C, const std::vector<int8_t>& filter, int OC,
               int KH, int KW, const std::vector<int32_t>& bias, const Window& w, const QuantOut& q,
               std::vector<int8_t>* out, int* OH, int* OW) {
  int pt, pl;
  window_axis(H, KH, w.stride_h, w.dil_h, w.same, OH, &pt);
  window_axis(W, KW, w.stride_w, w.dil_w, w.same, OW, &pl);
  const int FC = int(filter.size() / size_t(OC * KH * KW));
  const int groups = C / FC, OCG = OC / groups;
  out->assign(size_t(N) * *OH * *OW * OC, 0);
  for (int n = 0; n < N; ++n)
    for (int oy = 0; oy < *OH; ++oy)
      for (int ox = 0; ox < *OW; ++ox)
        for (int oc = 0; oc < OC; ++oc) {
          const int g = oc / OCG;
          int32_t acc = bias.empty() ? 0 : bias[size_t(oc)];
          for (int ky = 0; ky < KH; ++ky)
            for (int kx = 0; kx < KW; ++kx) {
              const int iy = oy * w.stride_h - pt + ky * w.dil_h, ix = ox * w.stride_w - pl + kx * w.dil_w;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              for (int c = 0; c < FC; ++c)
                acc += (int32_t(in[((size_t(n) * H + iy) * W + ix) * C + size_t(g * FC + c)]) - q.in_zp) *
                       int32_t(filter[((size_t(oc) * KH + ky) * KW + kx) * FC + size_t(c)]);
            }
          const double real = q.real_multiplier[q.real_multiplier.size() == 1 ? 0 : size_t(oc)];
          (*out)[((size_t(n) * *OH + oy) * *OW + ox) * OC + oc] = requant8(acc, real, q, false);
        }
}

void depthwise_i8(const std::vector<int8_t>& in, int N, int H, int W, int C, const std::vector<int8_t>& filter, int KH,
                  int KW, int M, const std::vector<int32_t>& bias, const Window& w, const QuantOut& q,
                  std::vector<int8_t>* out, int* OH, int* OW) {
  int pt, pl;
  window_axis(H, KH, w.stride_h, w.dil_h, w.same, OH, &pt);
  window_axis(W, KW, w.stride_w, w.dil_w, w.same, OW, &pl);
  const int OC = C * M;
  out->assign(size_t(N) * *OH * *OW * OC, 0);
  for (int n = 0; n < N; ++n)
    for (int oy = 0; oy < *OH; ++oy)
      for (int ox = 0; ox < *OW; ++ox)
        for (int oc = 0; oc < OC; ++oc) {
          int32_t acc = bias.empty() ? 0 : bias[size_t(oc)];
          for (int ky = 0; ky < KH; ++ky)
            for (int kx = 0; kx < KW; ++kx) {
              const int iy = oy * w.stride_h - pt + ky * w.dil_h, ix = ox * w.stride_w - pl + kx * w.dil_w;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              acc += (int32_t(in[((size_t(n) * H + iy) * W + ix) * C + size_t(oc / M)]) - q.in_zp) *
                     int32_t(filter[(size_t(ky) * KW + kx) * OC + size_t(oc)]);
            }
          const double real = q.real_multiplier[q.real_multiplier.size() == 1 ? 0 : size_t(oc)];
          (*out)[((size_t(n) * *OH + oy) * *OW + ox) * OC + oc] = requant8(acc, real, q, false);
        }
}

void fully_connected_i8(const std::vector<int8_t>& in, int B, int D, const std::vector<int8_t>& w, int U, int32_t filter_zp,
                        const std::vector<int32_t>& bias, const QuantOut& q, std::vector<int8_t>* out) {
  out->assign(size_t(B) * U, 0);
  for (int b = 0; b < B; ++b)
    for (int u = 0; u < U; ++u) {
      int32_t acc = bias.empty() ? 0 : bias[size_t(u)];
      for (int d = 0; d < D; ++d)
        acc += (int32_t(in[size_t(b) * D + d]) - q.in_zp) * (int32_t(w[size_t(u) * D + d]) - filter_zp);
      const double real = q.real_multiplier[q.real_multiplier.size() == 1 ? 0 : size_t(u)];
      (*out)[size_t(b) * U + u] = requant8(acc, real, q, true);
    }
}

void gemm_i8(const std::vector<int8_t>& A, int M, int K, int32_t a_zp, const std::vector<int8_t>& B, int N,
             std::vector<int32_t>* acc) {
  acc->assign(size_t(M) * N, 0);
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      int32_t s = 0;
      for (int k = 0; k < K; ++k) s += (int32_t(A[size_t(m) * K + k]) - a_zp) * int32_t(B[size_t(n) * K + k]);
      (*acc)[size_t(m) * N + n] = s;
    }
}

}  // namespace ref
}  // namespace slimrt
