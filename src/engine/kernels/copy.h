// Byte-moving loops of the data-movement ops, built with the kernels' flags (the ops are built for size).
#pragma once

#include <cstddef>
#include <cstdint>

namespace slimrt {
namespace kernels {

// `rows` rows of [before bytes of padding | n bytes copied from in | after bytes of padding]: out rows are
// before + n + after bytes apart, in rows n bytes apart. The padding repeats the es-byte element at val.
void pad_rows(uint8_t* out, const uint8_t* in, int64_t rows, size_t before, size_t n, size_t after,
              const uint8_t* val, size_t es);

}  // namespace kernels
}  // namespace slimrt
