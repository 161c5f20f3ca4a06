#include "planner.h"

#include <algorithm>
#include <utility>

#include "error.h"

namespace slimrt {

namespace {
uint64_t round_up(uint64_t n, uint64_t a) { return (n + a - 1) / a * a; }
bool lifetimes_meet(const BufferRequest& a, const BufferRequest& b) { return a.first <= b.last && b.first <= a.last; }
}  // namespace

ArenaPlan plan_arena(const std::vector<BufferRequest>& requests, uint64_t alignment, uint64_t limit, const char* what) {
  ArenaPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<size_t> order(requests.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return requests[a].bytes > requests[b].bytes; });
  std::vector<size_t> placed;
  std::vector<std::pair<uint64_t, uint64_t>> busy;  // [offset, end) of placed buffers alive at the same time
  for (size_t k : order) {
    const BufferRequest& r = requests[k];
    if (r.bytes > limit) throw Error(cat(what, ": a buffer of ", r.bytes, " bytes is more than slimrt allows (", limit, ")"));
    const uint64_t need = round_up(r.bytes, alignment);
    busy.clear();
    for (size_t p : placed)
      if (lifetimes_meet(requests[p], r)) busy.emplace_back(plan.offsets[p], plan.offsets[p] + round_up(requests[p].bytes, alignment));
    std::sort(busy.begin(), busy.end());
    uint64_t off = 0;
    for (const auto& b : busy) {
      if (b.first >= off + need) break;
      off = std::max(off, b.second);
    }
    plan.offsets[k] = off;
    plan.total = std::max(plan.total, off + need);
    if (plan.total > limit)
      throw Error(cat(what, " need ", plan.total, " bytes, more than slimrt allows (", limit, ")"));
    placed.push_back(k);
  }
  return plan;
}

std::string check_arena_plan(const std::vector<BufferRequest>& requests, const ArenaPlan& plan, uint64_t alignment) {
  if (plan.offsets.size() != requests.size()) return "plan has a different number of buffers than requested";
  // Sweep by offset: sort buffers by start; any memory overlap is between a buffer and one that starts before it
  // ends, so each buffer is compared only with those still "open" at its start.
  std::vector<size_t> order(requests.size());
  for (size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
    if (plan.offsets[i] % alignment) return cat("buffer ", i, " is at unaligned offset ", plan.offsets[i]);
    if (plan.offsets[i] + requests[i].bytes > plan.total)
      return cat("buffer ", i, " [", plan.offsets[i], ", +", requests[i].bytes, ") ends past the arena (", plan.total, ")");
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return plan.offsets[a] < plan.offsets[b]; });
  std::vector<size_t> open;
  for (size_t i : order) {
    const uint64_t start = plan.offsets[i];
    open.erase(std::remove_if(open.begin(), open.end(),
                              [&](size_t j) { return plan.offsets[j] + requests[j].bytes <= start; }),
               open.end());
    if (requests[i].bytes == 0) continue;
    for (size_t j : open)
      if (lifetimes_meet(requests[i], requests[j]))
        return cat("buffers ", j, " and ", i, " overlap in memory at offset ", start, " while both are alive (steps ",
                   requests[j].first, "-", requests[j].last, " and ", requests[i].first, "-", requests[i].last, ")");
    open.push_back(i);
  }
  return std::string();
}

}  // namespace slimrt
