// BATCH_MATMUL: out[..., m, n] = sum_k lhs[..., m, k] * rhs[..., k, n] (BatchMatMulOptions adj_x / adj_y transpose
// the last two dimensions of lhs / rhs), ranks 2-5, batch dimensions broadcast.
//   float32: the packed GEMM per batch matrix (a constant rhs is packed once).
//   int8 x int8 -> int8: per-tensor quantization, sum (a - za)(b - zb) in int32, requantized with the double-rounding
//                multiplier lhs_scale * rhs_scale / out_scale (bit-exact); -> int32: the raw sum of a * b.
//   int16 x int16 / int16 x int8 -> int16: zero points 0, sums in int64, 64-bit requantization (bit-exact).
//   float32 x int8 (hybrid, dynamic range): every lhs row of k values quantized at run time (asymmetric_quantize_inputs),
//                per-tensor or per-column rhs scales (see hybrid.h).
#include <algorithm>
#include <cstring>
#include <limits>

#include "kernels/gemm.h"
#include "kernels/int8_dot.h"
#include "kernels/quant_math.h"
#include "ops/conv_common.h"
#include "ops/hybrid.h"
#include "ops/util.h"

namespace slimrt {
namespace {

enum Mode { kFloat, kInt8, kInt8To32, kInt16, kHybrid };

struct BmmState : OpState {
  Mode mode = kFloat;
  int M = 0, K = 0, N = 0;
  bool adj_x = false, adj_y = false, asym = false;
  int nb = 0;                              // batch dims (after extension to the output rank)
  int64_t count[3] = {1, 1, 1}, sa[3] = {0, 0, 0}, sb[3] = {0, 0, 0};  // output batch dims, lhs / rhs strides
  int64_t rhs_mats = 1;
  bool const_rhs = false;
  std::vector<kernels::PackedB> packs;     // float: one per rhs batch matrix
  int32_t za = 0, zb = 0, zo = 0, mult = 0;
  int shift = 0;
  std::vector<float> wscale;               // hybrid: per rhs column
  std::vector<int64_t> sum_b;              // int8 / hybrid: row sums of the current rhs matrix
  size_t es = 4;                           // element size of lhs / rhs
  size_t es_b = 4;
};

// Copies the m x k matrix (row stride k) of element size es into [k][m] (a transpose).
void Transpose(const uint8_t* src, int64_t m, int64_t k, size_t es, uint8_t* dst) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < k; ++j) std::memcpy(dst + (j * m + i) * es, src + (i * k + j) * es, es);
}

// The lhs matrix as [M][K] and the rhs matrix as [N][K] (rows of k values), transposing into scratch if needed.
const uint8_t* AsRows(const uint8_t* p, bool transposed_already, int64_t rows, int64_t k, size_t es, uint8_t* tmp) {
  if (transposed_already) return p;
  Transpose(p, k, rows, es, tmp);
  return tmp;
}

void PackRhs(const BmmState& s, const uint8_t* rhs, int64_t mat, uint8_t* tmp, kernels::PackedB* out) {
  const int64_t kn = int64_t(s.K) * s.N;
  const float* b = reinterpret_cast<const float*>(AsRows(rhs + mat * kn * 4, s.adj_y, s.N, s.K, 4, tmp));
  kernels::pack_b_rows(b, s.N, s.K, s.K, nullptr, out);
}

int64_t RowSum8(const int8_t* p, int64_t k) {
  int64_t v = 0;
  for (int64_t i = 0; i < k; ++i) v += p[i];
  return v;
}

void Eval(OpContext& ctx) {
  BmmState& s = ctx.state<BmmState>();
  const uint8_t* lhs = ctx.input(0).data;
  const uint8_t* rhs = ctx.input(1).data;
  Tensor& out = ctx.output(0);
  const int64_t M = s.M, K = s.K, N = s.N, mk = M * K, kn = K * N;
  // scratch: lhs rows [M][K] (float-sized), rhs rows [N][K], quantized lhs, then int32 sums
  uint8_t* ta = ctx.scratch();
  uint8_t* tb = ta + mk * 4;
  int8_t* q = reinterpret_cast<int8_t*>(tb + kn * 4);
  float* qs = reinterpret_cast<float*>(q + ((mk + 15) & ~int64_t(15)));
  int32_t* qo = reinterpret_cast<int32_t*>(qs + M);
  int32_t* acc = qo + M;
  if (s.mode == kFloat && !s.const_rhs) {
    s.packs.resize(size_t(s.rhs_mats));
    for (int64_t i = 0; i < s.rhs_mats; ++i) PackRhs(s, rhs, i, tb, &s.packs[size_t(i)]);
  }
  const float inf = std::numeric_limits<float>::infinity();
  int64_t idx[3] = {0, 0, 0}, oa = 0, ob = 0;
  const int64_t batches = s.count[0] * s.count[1] * s.count[2];
  for (int64_t bi = 0; bi < batches; ++bi) {
    const uint8_t* A = AsRows(lhs + oa * mk * s.es, !s.adj_x, M, K, s.es, ta);
    const int64_t omat = bi * M * N;
    if (s.mode == kFloat) {
      parallel_gemm(ctx, int(M), reinterpret_cast<const float*>(A), size_t(K), s.packs[size_t(ob)],
                    out.as<float>() + omat, size_t(N), -inf, inf);
    } else {
      const uint8_t* B = AsRows(rhs + ob * kn * s.es_b, s.adj_y, N, K, s.es_b, tb);
      if (s.mode == kHybrid) quantize_rows(reinterpret_cast<const float*>(A), M, K, s.asym, q, qs, qo);
      if (s.mode != kInt16) {  // rhs row sums, once per matrix (not once per lhs row)
        s.sum_b.resize(size_t(N));
        for (int64_t n = 0; n < N; ++n) s.sum_b[size_t(n)] = RowSum8(reinterpret_cast<const int8_t*>(B) + n * K, K);
      }
      for (int64_t m = 0; m < M; ++m) {
        if (s.mode == kInt16) {
          for (int64_t n = 0; n < N; ++n) {
            int64_t v = 0;
            for (int64_t k = 0; k < K; ++k) {
              const int64_t a = reinterpret_cast<const int16_t*>(A)[m * K + k];
              const int64_t b = s.es_b == 2 ? reinterpret_cast<const int16_t*>(B)[n * K + k]
                                            : reinterpret_cast<const int8_t*>(B)[n * K + k];
              v += a * b;
            }
            const int64_t r = int64_t(qm::MultiplyByQuantizedMultiplier64(v, s.mult, s.shift)) + s.zo;
            out.as<int16_t>()[omat + m * N + n] = int16_t(std::min<int64_t>(std::max<int64_t>(r, -32768), 32767));
          }
          continue;
        }
        const int8_t* a = s.mode == kHybrid ? q + m * K : reinterpret_cast<const int8_t*>(A) + m * K;
        int8k::dot_rows(reinterpret_cast<const int8_t*>(B), size_t(K), a, int(N), acc);
        const int64_t sum_a = RowSum8(a, K);
        for (int64_t n = 0; n < N; ++n) {
          const int64_t sum_b = s.sum_b[size_t(n)];
          const int64_t o = omat + m * N + n;
          if (s.mode == kHybrid) {
            // The reference subtracts offset * row sum in float and truncates back to int32.
            const int32_t t = int32_t(float(acc[n]) - float(sum_b) * float(qo[m]));
            out.as<float>()[o] = qs[m] * s.wscale[size_t(n)] * float(t);
          } else if (s.mode == kInt8To32) {
            out.as<int32_t>()[o] = acc[n];
          } else {
            const int64_t v = int64_t(acc[n]) - s.zb * sum_a - s.za * sum_b + K * int64_t(s.za) * s.zb;
            const int32_t r = qm::MultiplyByQuantizedMultiplier(int32_t(uint32_t(uint64_t(v))), s.mult, s.shift) + s.zo;
            out.as<int8_t>()[o] = int8_t(std::min(std::max(r, -128), 127));
          }
        }
      }
    }
    for (int i = s.nb - 1; i >= 0; --i) {  // next output batch: advance the lhs / rhs matrix indices
      oa += s.sa[i], ob += s.sb[i];
      if (++idx[i] < s.count[i]) break;
      oa -= s.sa[i] * s.count[i], ob -= s.sb[i] * s.count[i], idx[i] = 0;
    }
  }
}

void Prepare(OpContext& ctx) {
  ctx.check_inputs(2, 2);
  ctx.check_outputs(1);
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const Tensor& out = ctx.output(0);
  BmmState& s = ctx.state<BmmState>();
  const fb::Table o = ctx.options(opt::BatchMatMulOptions);
  s.adj_x = o.get<uint8_t>(0, 0) != 0, s.adj_y = o.get<uint8_t>(1, 0) != 0, s.asym = o.get<uint8_t>(2, 0) != 0;
  const int ra = a.rank(), rb = b.rank(), r = std::max(ra, rb);
  ctx.check(ra >= 2 && ra <= 5 && rb >= 2 && rb <= 5, "inputs must have rank 2 to 5, got ", a.shape, " and ", b.shape);
  s.M = a.dim(ra - (s.adj_x ? 1 : 2)), s.K = a.dim(ra - (s.adj_x ? 2 : 1));
  s.N = b.dim(rb - (s.adj_y ? 2 : 1));
  ctx.check(b.dim(rb - (s.adj_y ? 1 : 2)) == s.K, "inner dimensions differ: ", a.shape, " and ", b.shape);
  // Batch dims, right-aligned; strides in whole matrices (0 where a side broadcasts).
  Shape shape;
  s.nb = r - 2;
  int64_t stra = 1, strb = 1;
  for (int i = s.nb - 1; i >= 0; --i) {
    const int ia = i - (r - ra), ib = i - (r - rb);
    const int64_t da = ia >= 0 ? a.dim(ia) : 1, db = ib >= 0 ? b.dim(ib) : 1;
    ctx.check(da == db || da == 1 || db == 1, "batch dimensions of ", a.shape, " and ", b.shape, " do not broadcast");
    s.count[i] = da == 1 ? db : da;
    s.sa[i] = da == 1 ? 0 : stra, s.sb[i] = db == 1 ? 0 : strb;
    stra *= da, strb *= db;
  }
  s.rhs_mats = strb;
  for (int i = 0; i < s.nb; ++i) shape.push_back(int32_t(s.count[i]));
  shape.push_back(s.M), shape.push_back(s.N);
  ctx.set_output_shape(0, shape);
  s.es = elem_size(ctx, a, "lhs"), s.es_b = elem_size(ctx, b, "rhs");
  s.const_rhs = b.is_const();
  const int64_t mk = int64_t(s.M) * s.K, kn = int64_t(s.K) * s.N;
  ctx.request_scratch(size_t(mk * 4 + kn * 4 + ((mk + 15) & ~int64_t(15)) + int64_t(s.M) * 8 + int64_t(s.N) * 4));
  ctx.check(a.type == DType::kInt16 || s.K <= kMaxTaps, "inner dimension ", s.K, " is too large");
  if (a.type == DType::kFloat32 && b.type == DType::kFloat32) {
    ctx.check_type(out, DType::kFloat32, "output");
    s.mode = kFloat;
    if (s.const_rhs) {
      s.packs.resize(size_t(s.rhs_mats));
      std::vector<uint8_t> tmp(size_t(kn) * 4);
      for (int64_t i = 0; i < s.rhs_mats; ++i) PackRhs(s, b.data, i, tmp.data(), &s.packs[size_t(i)]);
    }
    return;
  }
  if (a.type == DType::kFloat32) {
    s.mode = kHybrid;
    s.wscale = hybrid_prepare(ctx, 2, s.N);
    return;
  }
  ctx.check(a.type == DType::kInt8 || a.type == DType::kInt16, "lhs '", a.name, "' has unsupported type ",
            dtype_name(a.type));
  ctx.check(b.type == a.type || (a.type == DType::kInt16 && b.type == DType::kInt8), "rhs type ",
            dtype_name(b.type), " does not go with lhs type ", dtype_name(a.type));
  const float sa = single_scale(ctx, a, "lhs"), sb = single_scale(ctx, b, "rhs");
  s.za = single_zero_point(ctx, a, "lhs"), s.zb = single_zero_point(ctx, b, "rhs");
  if (a.type == DType::kInt8 && out.type == DType::kInt32) {
    s.mode = kInt8To32;
    return;
  }
  ctx.check_same_type(a, out);
  const float so = single_scale(ctx, out, "output");
  s.zo = single_zero_point(ctx, out, "output");
  s.mode = a.type == DType::kInt8 ? kInt8 : kInt16;
  if (s.mode == kInt16) ctx.check(s.za == 0 && s.zb == 0 && s.zo == 0, "int16 inputs and output need zero point 0");
  qm::QuantizeMultiplier(double(sa) * double(sb) / double(so), &s.mult, &s.shift);
  ctx.check(s.shift >= -31 && s.shift <= (s.mode == kInt16 ? 7 : 30), "requantization multiplier is out of range");
}

}  // namespace

void Register_BATCH_MATMUL(OpRegistry& r) {
  r.add({op::BATCH_MATMUL, "BATCH_MATMUL", kAnyType, 4, Prepare, Eval});
}

}  // namespace slimrt
