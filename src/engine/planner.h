// The arena memory planner: places buffers with known lifetimes in one block so that buffers alive at the same time
// never overlap. Pure functions of their inputs, unit-tested on their own (tests/cpp/planner_test.cc).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace slimrt {

struct BufferRequest {
  uint64_t bytes = 0;
  int first = 0, last = 0;  // lifetime in execution steps, inclusive (first <= last)
};

struct ArenaPlan {
  std::vector<uint64_t> offsets;  // one per request, multiples of the alignment
  uint64_t total = 0;             // bytes the arena needs
};

// Greedy by size, largest first: each buffer goes at the lowest aligned offset that is free during its whole
// lifetime. Offsets are 64-bit and checked against `limit` (throws slimrt::Error naming `what` when exceeded), so a
// hostile model cannot wrap them around on 32-bit targets. Deterministic.
ArenaPlan plan_arena(const std::vector<BufferRequest>& requests, uint64_t alignment, uint64_t limit, const char* what);

// Empty when the plan is valid: every offset aligned, every buffer inside `total`, and no two buffers whose
// lifetimes intersect share a byte. Otherwise a description of the first violation.
std::string check_arena_plan(const std::vector<BufferRequest>& requests, const ArenaPlan& plan, uint64_t alignment);

}  // namespace slimrt
