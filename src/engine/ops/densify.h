// Sparse constants to dense (DENSIFY's walk), for ops that accept sparse weights by densifying them once.
#pragma once

#include "op.h"

namespace slimrt {

// Replaces a sparse constant's data with its dense form (in the tensor's own storage); no-op for dense tensors.
void densify_in_place(const OpContext& ctx, Tensor& t);

}  // namespace slimrt
