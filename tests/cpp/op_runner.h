// Helpers of the op-level differential tests: run a model built with ModelBuilder through slimrt::Interpreter and
// get its outputs' bytes; random data. Test code only.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "harness.h"
#include "slimrt.h"

namespace testing {

using Bytes = std::vector<uint8_t>;

template <class T>
Bytes bytes_of(const std::vector<T>& v) {
  Bytes b(v.size() * sizeof(T));
  if (!b.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

template <class T>
std::vector<T> values_of(const Bytes& b) {
  std::vector<T> v(b.size() / sizeof(T));
  if (!b.empty()) std::memcpy(v.data(), b.data(), b.size());
  return v;
}

// Runs the model (inputs in the order of ModelBuilder::inputs) and returns its outputs' bytes; "" error when fine.
inline std::string run(const Bytes& model, const std::vector<Bytes>& inputs, int threads, std::vector<Bytes>* outputs,
                       std::vector<slimrt::Shape>* shapes = nullptr) {
  try {
    slimrt::Interpreter it(model, threads);
    it.allocate_tensors();
    slimrt::Subgraph& g = it.subgraph(0);
    for (size_t i = 0; i < inputs.size(); ++i) {
      slimrt::Tensor& t = g.tensors[size_t(g.inputs[i])];
      if (t.bytes != inputs[i].size())
        return slimrt::cat("input ", i, " needs ", t.bytes, " bytes, test gave ", inputs[i].size());
      if (t.bytes) std::memcpy(t.data, inputs[i].data(), t.bytes);
    }
    it.invoke();
    outputs->clear();
    if (shapes) shapes->clear();
    for (int32_t o : g.outputs) {
      const slimrt::Tensor& t = g.tensors[size_t(o)];
      outputs->emplace_back(t.data, t.data + t.bytes);
      if (shapes) shapes->push_back(t.shape);
    }
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

inline std::vector<float> randn(testing::Ctx& t, size_t n, float sd = 1.f) {
  std::vector<float> v(n);
  for (auto& x : v) x = t.normal(sd);
  return v;
}

template <class T>
std::vector<T> randi(testing::Ctx& t, size_t n, int lo, int hi) {
  std::vector<T> v(n);
  for (auto& x : v) x = T(t.uniform(lo, hi));
  return v;
}

}  // namespace testing
