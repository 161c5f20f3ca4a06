// A tiny test harness for the C++ tests: TEST(name) registers a function; ctx.check(...) records failures with a
// message; ctx.rng is seeded from --seed and the test name, so every run with the same seed tests the same cases.
//   slimrt_tests [--seed N] [--scale K] [filter...]
#pragma once

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "error.h"

namespace testing {

struct Ctx {
  std::mt19937_64 rng;
  int scale = 1;          // multiplies the number of random cases
  long cases = 0;         // cases run (reported)
  long failures = 0;
  std::string name;

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }  // [lo, hi]
  float normal(float sd = 1.f) { return std::normal_distribution<float>(0.f, sd)(rng); }
  bool coin(double p = 0.5) { return std::bernoulli_distribution(p)(rng); }

  template <class... A>
  bool check(bool ok, const A&... msg) {
    if (ok) return true;
    ++failures;
    if (failures <= 10) std::fprintf(stderr, "  FAIL %s: %s\n", name.c_str(), slimrt::cat(msg...).c_str());
    return false;
  }
};

using TestFn = void (*)(Ctx&);
struct TestEntry {
  const char* name;
  TestFn fn;
};
std::vector<TestEntry>& registry();

struct Registrar {
  Registrar(const char* name, TestFn fn) { registry().push_back({name, fn}); }
};

#define TEST(NAME)                                          \
  static void NAME(::testing::Ctx& t);                      \
  static ::testing::Registrar registrar_##NAME(#NAME, NAME); \
  static void NAME(::testing::Ctx& t)

}  // namespace testing
