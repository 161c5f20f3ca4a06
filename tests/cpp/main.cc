#include <cstdlib>
#include <cstring>
#include <exception>

#include "harness.h"
#include "kernels/gemm.h"

namespace testing {
std::vector<TestEntry>& registry() {
  static std::vector<TestEntry> r;
  return r;
}
}  // namespace testing

// FNV-1a: the same per-test seed on every compiler and platform.
static uint64_t name_hash(const char* s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; ++s) h = (h ^ uint8_t(*s)) * 1099511628211ull;
  return h;
}

int main(int argc, char** argv) {
  uint64_t seed = 1;
  int scale = 1;
  std::vector<std::string> filters;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--scale") && i + 1 < argc) scale = std::atoi(argv[++i]);
    else filters.push_back(argv[i]);
  }
  std::printf("slimrt C++ tests: seed %llu, scale %d, float kernels: %s, int8 kernels: %s\n",
              (unsigned long long)seed, scale, slimrt::kernels::isa_name(slimrt::kernels::float_isa()),
              slimrt::kernels::isa_name(slimrt::kernels::int8_isa()));
  long total_cases = 0, failed_tests = 0, ran = 0;
  for (const auto& e : testing::registry()) {
    bool wanted = filters.empty();
    for (const auto& f : filters) wanted = wanted || std::string(e.name).find(f) != std::string::npos;
    if (!wanted) continue;
    testing::Ctx t;
    t.name = e.name;
    t.scale = scale;
    t.rng.seed(seed ^ name_hash(e.name));
    try {
      e.fn(t);
    } catch (const std::exception& ex) {
      t.check(false, "unexpected exception: ", ex.what());
    }
    ++ran;
    total_cases += t.cases;
    std::printf("%-40s %6ld cases  %s\n", e.name, t.cases, t.failures ? "FAILED" : "ok");
    if (t.failures) ++failed_tests;
  }
  std::printf("%ld tests, %ld cases, %ld failed\n", ran, total_cases, failed_tests);
  return failed_tests || ran == 0 ? 1 : 0;
}
