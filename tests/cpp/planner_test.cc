// The arena planner (src/engine/planner.h): random lifetimes must give valid plans (checked by the independent
// check below, not by check_arena_plan alone), check_arena_plan must catch broken plans, limits must hold.
#include <algorithm>

#include "harness.h"
#include "planner.h"

using slimrt::ArenaPlan;
using slimrt::BufferRequest;

namespace {

// Brute force: every pair alive at the same step is disjoint in memory; everything inside total; aligned.
bool brute_force_valid(const std::vector<BufferRequest>& r, const ArenaPlan& p, uint64_t align) {
  for (size_t i = 0; i < r.size(); ++i) {
    if (p.offsets[i] % align || p.offsets[i] + r[i].bytes > p.total) return false;
    for (size_t j = i + 1; j < r.size(); ++j) {
      const bool alive = r[i].first <= r[j].last && r[j].first <= r[i].last;
      const bool disjoint = p.offsets[i] + r[i].bytes <= p.offsets[j] || p.offsets[j] + r[j].bytes <= p.offsets[i];
      if (alive && !disjoint && r[i].bytes && r[j].bytes) return false;
    }
  }
  return true;
}

std::vector<BufferRequest> random_requests(testing::Ctx& t, int n, int steps) {
  std::vector<BufferRequest> r(static_cast<size_t>(n));
  for (auto& b : r) {
    b.first = t.uniform(-1, steps);
    b.last = t.uniform(b.first, std::min(steps, b.first + t.uniform(0, steps)));
    b.bytes = t.coin(0.1) ? 0 : uint64_t(t.uniform(1, 5000)) * (t.coin(0.2) ? 100 : 1);
  }
  return r;
}

}  // namespace

TEST(planner_random_plans_are_valid) {
  for (int iter = 0; iter < 400 * t.scale; ++iter, ++t.cases) {
    const auto r = random_requests(t, t.uniform(0, 60), t.uniform(1, 40));
    const uint64_t align = t.coin() ? 64 : 16;
    const ArenaPlan p = slimrt::plan_arena(r, align, uint64_t(1) << 40, "test");
    t.check(brute_force_valid(r, p, align), "invalid plan for ", r.size(), " buffers");
    t.check(slimrt::check_arena_plan(r, p, align).empty(), "check_arena_plan rejects a valid plan: ",
            slimrt::check_arena_plan(r, p, align));
    // Never worse than giving every buffer its own space.
    uint64_t sum = 0;
    for (const auto& b : r) sum += (b.bytes + align - 1) / align * align;
    t.check(p.total <= sum, "plan total ", p.total, " exceeds the sum of all buffers ", sum);
  }
}

TEST(planner_reuses_memory_of_dead_buffers) {
  // A chain a -> b -> c -> d where each buffer dies after the next is produced: two slots suffice.
  std::vector<BufferRequest> r = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 4}};
  const ArenaPlan p = slimrt::plan_arena(r, 64, uint64_t(1) << 30, "test");
  ++t.cases;
  t.check(p.total == 2 * 1024, "chain of 4 buffers with pairwise overlap needs 2 slots, plan uses ", p.total);
}

TEST(planner_check_catches_broken_plans) {
  for (int iter = 0; iter < 300 * t.scale; ++iter) {
    auto r = random_requests(t, t.uniform(2, 30), t.uniform(1, 20));
    ArenaPlan p = slimrt::plan_arena(r, 64, uint64_t(1) << 40, "test");
    // Find two live-together, non-empty buffers and move one onto the other.
    for (size_t i = 0; i < r.size(); ++i)
      for (size_t j = 0; j < r.size(); ++j)
        if (i != j && r[i].bytes && r[j].bytes && r[i].first <= r[j].last && r[j].first <= r[i].last) {
          ArenaPlan bad = p;
          bad.offsets[j] = bad.offsets[i];
          bad.total = std::max(bad.total, bad.offsets[j] + (r[j].bytes + 63) / 64 * 64);
          ++t.cases;
          t.check(!slimrt::check_arena_plan(r, bad, 64).empty(), "overlap of buffers ", i, " and ", j, " not detected");
          i = j = r.size();
        }
  }
  std::vector<BufferRequest> r = {{100, 0, 0}};
  ArenaPlan p{{32}, 200};
  ++t.cases;
  t.check(!slimrt::check_arena_plan(r, p, 64).empty(), "unaligned offset not detected");
  p = ArenaPlan{{0}, 50};
  ++t.cases;
  t.check(!slimrt::check_arena_plan(r, p, 64).empty(), "buffer past the end not detected");
}

TEST(planner_limit) {
  std::vector<BufferRequest> r = {{1 << 20, 0, 1}, {1 << 20, 0, 1}};
  bool threw = false;
  try {
    slimrt::plan_arena(r, 64, (1 << 20) + 100, "test arena");
  } catch (const slimrt::Error& e) {
    threw = std::string(e.what()).find("test arena") != std::string::npos;
  }
  ++t.cases;
  t.check(threw, "a plan over the limit must throw naming what");
}
