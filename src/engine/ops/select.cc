// SELECT, SELECT_V2: out = condition ? x : y, elementwise (any fixed-size type; quantized values are copied raw,
// as the official kernels do).
//   SELECT:    condition, x and y of one shape, or a rank-1 condition choosing whole rows of x / y (its length is
//              x's first dimension).
//   SELECT_V2: condition, x and y broadcast together (numpy rules).
#include <algorithm>
#include <cstring>

#include "ops/elementwise.h"

namespace slimrt {
namespace {

struct SelectState : OpState {
  int rank = 0;                      // output rank (>= 1)
  int64_t dims[kMaxBroadcastRank];   // output dims
  int64_t st[3][kMaxBroadcastRank];  // element strides of condition, x, y per output dim (0 = broadcast)
  size_t es = 0;
};

// Strides of an operand of `shape` read at every index of `out` (broadcast dims get stride 0).
void operand_strides(const Shape& shape, const Shape& out, int64_t* st) {
  const size_t r = out.size(), k = shape.size();
  int64_t s = 1;
  for (size_t i = r; i-- > 0;) {
    const int32_t d = i < r - k ? 1 : shape[i - (r - k)];
    st[i] = d == 1 ? 0 : s;
    s *= d;
  }
}

void copy_element(uint8_t* dst, const uint8_t* src, size_t es) {
  switch (es) {
    case 1: *dst = *src; break;
    case 2: std::memcpy(dst, src, 2); break;
    case 4: std::memcpy(dst, src, 4); break;
    case 8: std::memcpy(dst, src, 8); break;
    default: std::memcpy(dst, src, es);
  }
}

void Eval(OpContext& ctx) {
  const SelectState& s = ctx.state<SelectState>();
  const uint8_t* c = ctx.input(0).as<uint8_t>();
  const uint8_t* x = ctx.input(1).as<uint8_t>();
  const uint8_t* y = ctx.input(2).as<uint8_t>();
  uint8_t* o = ctx.output(0).as<uint8_t>();
  const int64_t total = ctx.output(0).elements();
  if (total == 0) return;
  const int last = s.rank - 1;
  const int64_t inner = s.dims[last];
  int64_t idx[kMaxBroadcastRank] = {0};
  int64_t off[3] = {0, 0, 0};
  for (int64_t base = 0; base < total; base += inner) {
    for (int64_t i = 0; i < inner; ++i) {
      const bool pick_x = c[off[0] + i * s.st[0][last]] != 0;
      const uint8_t* src = pick_x ? x + size_t(off[1] + i * s.st[1][last]) * s.es
                                  : y + size_t(off[2] + i * s.st[2][last]) * s.es;
      copy_element(o + size_t(base + i) * s.es, src, s.es);
    }
    for (int d = last - 1; d >= 0; --d) {  // advance the odometer over the outer dims
      ++idx[d];
      for (int k = 0; k < 3; ++k) off[k] += s.st[k][d];
      if (idx[d] < s.dims[d]) break;
      for (int k = 0; k < 3; ++k) off[k] -= idx[d] * s.st[k][d];
      idx[d] = 0;
    }
  }
}

void Prepare(OpContext& ctx) {
  ctx.check_inputs(3, 3);
  ctx.check_outputs(1);
  const Tensor& cond = ctx.input(0);
  const Tensor& x = ctx.input(1);
  const Tensor& y = ctx.input(2);
  Tensor& out = ctx.output(0);
  ctx.check_type(cond, DType::kBool, "condition");
  ctx.check(y.type == x.type, "inputs x and y must have one type, got ", dtype_name(x.type), " and ",
            dtype_name(y.type));
  ctx.check_same_type(x, out);
  SelectState& s = ctx.state<SelectState>();
  s.es = elem_size(ctx, x, "input x");
  Shape shape;
  Shape cond_shape = cond.shape;
  if (ctx.node().builtin == op::SELECT) {
    ctx.check(x.shape == y.shape, "x and y must have the same shape, got ", x.shape, " and ", y.shape);
    const bool rows = cond.rank() == 1 && x.rank() > 1 && cond.dim(0) == x.dim(0);
    ctx.check(cond.shape == x.shape || rows, "condition shape ", cond.shape, " must equal the input shape ",
              x.shape, " or be its first dimension");
    if (rows) cond_shape.resize(size_t(x.rank()), 1), cond_shape[0] = cond.dim(0);  // [n] -> [n, 1, ..., 1]
    shape = x.shape;
  } else {
    Shape xy;
    ctx.check(BroadcastShapes(x.shape, y.shape, &xy) && BroadcastShapes(cond.shape, xy, &shape),
              "condition, x and y shapes ", cond.shape, ", ", x.shape, ", ", y.shape,
              " cannot be broadcast together (or rank > ", kMaxBroadcastRank, ")");
  }
  Shape full = shape.empty() ? Shape{1} : shape;  // a scalar output walks one element
  s.rank = int(full.size());
  for (int i = 0; i < s.rank; ++i) s.dims[i] = full[size_t(i)];
  operand_strides(cond_shape, full, s.st[0]);
  operand_strides(x.shape, full, s.st[1]);
  operand_strides(y.shape, full, s.st[2]);
  ctx.set_output_shape(0, shape);
}

}  // namespace

void Register_SELECT(OpRegistry& r) { r.add({op::SELECT, "SELECT", kAnyType, 4, Prepare, Eval}); }
void Register_SELECT_V2(OpRegistry& r) { r.add({op::SELECT_V2, "SELECT_V2", kAnyType, 2, Prepare, Eval}); }

}  // namespace slimrt
