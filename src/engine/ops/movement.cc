#include "ops/movement.h"

#include <algorithm>
#include <cstring>

#include "kernels/threadpool.h"

#include "ops/util.h"

namespace slimrt {

void StridedView::add(int64_t c, int64_t s) {
  count.push_back(c);
  step.push_back(s);
}

void StridedView::fold() {
  std::vector<int64_t> c2, s2;
  for (size_t i = 0; i < count.size(); ++i) {
    if (count[i] == 0) {  // empty output
      c2.assign(1, 0);
      s2.assign(1, 1);
      break;
    }
    if (count[i] == 1) continue;
    if (!c2.empty() && s2.back() == step[i] * count[i]) {
      c2.back() *= count[i];
      s2.back() = step[i];
    } else {
      c2.push_back(count[i]);
      s2.push_back(step[i]);
    }
  }
  if (c2.empty()) {
    c2.push_back(1);
    s2.push_back(1);
  }
  count.swap(c2);
  step.swap(s2);
}

int64_t StridedView::rows() const {
  if (count.back() == 0) return 0;
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < count.size(); ++i) rows *= count[i];
  return rows;
}

void StridedView::copy_rows(uint8_t* out, const uint8_t* in, size_t es, int64_t r0, int64_t r1) const {
  const size_t r = count.size();
  const int64_t inner = count.back(), inner_step = step.back();
  // The odometer at row r0.
  std::vector<int64_t> idx(r, 0);
  int64_t pos = start, rem = r0;
  for (size_t i = r - 1; i-- > 0;) {
    idx[i] = rem % count[i];
    rem /= count[i];
    pos += idx[i] * step[i];
  }
  out += size_t(r0) * size_t(inner) * es;
  for (int64_t row = r0; row < r1; ++row) {
    if (inner_step == 0) fill_elements(out, size_t(inner), in + size_t(pos) * es, es);
    else strided_copy(out, in + pos * int64_t(es), inner, inner_step, es);
    out += size_t(inner) * es;
    for (size_t i = r - 1; i-- > 0;) {
      pos += step[i];
      if (++idx[i] < count[i]) break;
      pos -= step[i] * count[i];
      idx[i] = 0;
    }
  }
}

// Large views split their rows across threads (about 32 KB per chunk).
void EvalView(OpContext& ctx) {
  const ViewState& s = ctx.state<ViewState>();
  uint8_t* out = ctx.output(0).data;
  const uint8_t* in = ctx.input(0).data;
  const int64_t rows = s.view.rows();
  const size_t row_bytes = size_t(s.view.count.back()) * s.es;
  if (ctx.num_threads() > 1 && rows > 1 && size_t(rows) * row_bytes >= (size_t(1) << 17)) {
    const int64_t grain = std::max<int64_t>(1, int64_t((size_t(1) << 15) / std::max<size_t>(1, row_bytes)));
    ctx.pool().parallel_for(rows, grain, [&](int64_t b, int64_t e, int) { s.view.copy_rows(out, in, s.es, b, e); });
  } else {
    s.view.copy_rows(out, in, s.es, 0, rows);
  }
}

std::vector<int64_t> shape_strides(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

int64_t dims_product(const Shape& s, int from, int to) {
  int64_t p = 1;
  for (int i = from; i < to; ++i) p *= s[size_t(i)];
  return p;
}

int64_t input_scalar(OpContext& ctx, int i, const char* role) {
  const std::vector<int64_t> v = ctx.input_ints(i, role);
  ctx.check(v.size() == 1, role, " '", ctx.input(i).name, "' must have one element, has shape ", ctx.input(i).shape);
  return v[0];
}

bool is_index_type(DType t) { return t == DType::kInt32 || t == DType::kInt64 || t == DType::kInt16; }

void check_index_type(const OpContext& ctx, const Tensor& t, const char* role) {
  ctx.check(is_index_type(t.type), role, " '", t.name, "' must be int32, int64 or int16, got ", dtype_name(t.type));
}

int64_t index_at(const Tensor& t, int64_t k) {
  switch (t.type) {
    case DType::kInt64: return t.as<int64_t>()[k];
    case DType::kInt16: return t.as<int16_t>()[k];
    default: return t.as<int32_t>()[k];
  }
}

bool has_order_key(DType t) {
  return t == DType::kFloat32 || t == DType::kInt8 || t == DType::kUInt8 || t == DType::kInt16 ||
         t == DType::kInt32 || t == DType::kInt64;
}

uint64_t order_key(const uint8_t* p, DType t) {
  const uint64_t sign = uint64_t(1) << 63;
  switch (t) {
    case DType::kFloat32: {
      float f;
      std::memcpy(&f, p, 4);
      if (f == 0.f) f = 0.f;  // -0.0 == 0.0
      uint32_t b;
      std::memcpy(&b, &f, 4);
      return (b & 0x80000000u) ? uint64_t(~b) : uint64_t(b | 0x80000000u);
    }
    case DType::kInt8: return uint64_t(int64_t(int8_t(p[0]))) ^ sign;
    case DType::kUInt8: return p[0];
    case DType::kInt16: {
      int16_t v;
      std::memcpy(&v, p, 2);
      return uint64_t(int64_t(v)) ^ sign;
    }
    case DType::kInt32: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return uint64_t(int64_t(v)) ^ sign;
    }
    default: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return uint64_t(v) ^ sign;
    }
  }
}

void EvalCopyInput(OpContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const size_t n = size_t(out.elements()) * dtype_size(out.type);
  if (n && in.data != out.data) std::memmove(out.data, in.data, n);
}

size_t same_type_elements(OpContext& ctx, const Tensor& in, const Tensor& out) {
  const size_t es = elem_size(ctx, in, "input");
  ctx.check_same_type(in, out);
  return es;
}

}  // namespace slimrt
