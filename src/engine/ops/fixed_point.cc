#include "ops/fixed_point.h"

#include <algorithm>

namespace slimrt {
namespace fxp {
namespace {

int32_t saturating_add(int32_t a, int32_t b) {
  const int64_t s = int64_t(a) + b;
  return int32_t(std::min<int64_t>(std::max<int64_t>(s, std::numeric_limits<int32_t>::min()),
                                   std::numeric_limits<int32_t>::max()));
}

}  // namespace

int32_t log_x_ge_1(int32_t x, int in_bits, int out_bits) {
  if (x < 1) x = 1;  // not a valid input (x >= 1 is positive); keep every shift defined
  const int acc_bits = out_bits + 1;
  const int32_t log_2 = 1488522236, sqrt_sqrt_half = 1805811301, sqrt_half = 1518500250;
  const int32_t alpha_n = 117049297, alpha_d = 127690142, alpha_i = 1057819769, alpha_f = 638450708;
  const int32_t shifted_quarter = rescale(536870912, 0, acc_bits);
  // x = 2^k * r with r in [sqrt(1/2), sqrt(2)): k from the headroom of x and of x * sqrt(1/2), whichever gives
  // the smaller r.
  const int a_headroom_plus_1 = clz32(uint32_t(x));
  const int32_t r_a = mul_pot(mul(mul_pot(x, a_headroom_plus_1 - 1), sqrt_half), 1);
  const int32_t pow2_a =
      saturating_add(mul_pot(int32_t(in_bits - a_headroom_plus_1), 31 - acc_bits), shifted_quarter);
  const int b_headroom = clz32(uint32_t(mul(x, sqrt_half))) - 1;
  const int32_t r_b = mul_pot(x, b_headroom);
  const int32_t pow2_b =
      saturating_add(mul_pot(int32_t(in_bits - b_headroom), 31 - acc_bits), -shifted_quarter);
  const int32_t r = std::min(r_a, r_b);
  const int32_t pow2 = std::max(pow2_a, pow2_b);
  // log(r) by a rational approximation around sqrt(sqrt(1/2)).
  const int32_t p = rounding_half_sum(r, sqrt_sqrt_half);
  int32_t q = sub(r, sqrt_sqrt_half);
  q = add(q, q);
  const int32_t q2 = mul(q, q);
  const int32_t num = add(mul(q, r), mul(mul(q, q2), alpha_n));
  const int32_t denom_minus_one = add(mul(p, add(add(alpha_i, q), mul(alpha_d, q2))), mul(alpha_f, q));
  const int32_t recip = one_over_one_plus_x(denom_minus_one);
  return rescale(add(mul(pow2, log_2), mul(rescale(num, 0, acc_bits), recip)), acc_bits, out_bits);
}

void inv_sqrt_multiplier(int32_t x, int32_t* mult, int* shift) {
  if (x <= 1) {
    *mult = std::numeric_limits<int32_t>::max();
    *shift = 0;
    return;
  }
  int s = 11;
  while (x >= (1 << 29)) {
    x /= 4;
    ++s;
  }
  const int pairs = (clz32(uint32_t(x)) - 1) / 2 - 1;
  s -= pairs;
  x <<= 2 * pairs;  // now in [2^27, 2^29)
  // Newton-Raphson for 1/sqrt in Q3.28, starting from 1.
  const int32_t half_input = mul_pot(x >> 1, -1);
  const int32_t half_three = (1 << 28) + (1 << 27);
  int32_t y = 1 << 28;
  for (int i = 0; i < 5; ++i) {
    const int32_t y3 = rescale(mul(mul(y, y), y), 9, 3);
    y = rescale(sub(mul(half_three, y), mul(half_input, y3)), 6, 3);
  }
  int32_t m = mul(y, 1518500250);  // * sqrt(2)/2
  if (s < 0) {
    m = int32_t(uint32_t(m) << -s);
    s = 0;
  }
  *mult = m;
  *shift = -s;
}

}  // namespace fxp
}  // namespace slimrt
