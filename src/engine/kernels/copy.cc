// Byte-moving loops (see copy.h).
#include "copy.h"

#include <cstring>

namespace slimrt {
namespace kernels {
namespace {

// Short copies (a few channels: the usual case) as 16-byte moves, the last one overlapping; long ones by memcpy.
inline void copy_bytes(uint8_t* d, const uint8_t* s, size_t n) {
  if (n < 16 || n > 128) {
    std::memcpy(d, s, n);
    return;
  }
  size_t i = 0;
  for (; i + 16 <= n; i += 16) std::memcpy(d + i, s + i, 16);
  if (i < n) std::memcpy(d + n - 16, s + n - 16, 16);
}

inline void fill_bytes(uint8_t* d, size_t n, const uint8_t* val, size_t es, bool uniform) {
  if (uniform) {
    std::memset(d, val[0], n);
    return;
  }
  for (size_t i = 0; i + es <= n; i += es) std::memcpy(d + i, val, es);
}

}  // namespace

void pad_rows(uint8_t* out, const uint8_t* in, int64_t rows, size_t before, size_t n, size_t after,
              const uint8_t* val, size_t es) {
  bool uniform = true;
  for (size_t i = 1; i < es; ++i) uniform = uniform && val[i] == val[0];
  const size_t stride = before + n + after;
  for (int64_t r = 0; r < rows; ++r, out += stride, in += n) {
    if (before) fill_bytes(out, before, val, es, uniform);
    copy_bytes(out + before, in, n);
    if (after) fill_bytes(out + before + n, after, val, es, uniform);
  }
}

}  // namespace kernels
}  // namespace slimrt
