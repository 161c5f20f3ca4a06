// Builds single-subgraph .tflite models in memory for the C++ tests (the engine's own reader then parses them like
// any model file). Test code only.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fb_writer.h"
#include "tensor.h"

namespace testing {

struct OptField {
  int id;
  int size;  // 1, 4
  int64_t value;
  bool is_float = false;
  float fvalue = 0.f;
};
inline OptField i8(int id, int v) { return {id, 1, v}; }
inline OptField i32(int id, int v) { return {id, 4, v}; }
inline OptField f32(int id, float v) { return {id, 4, 0, true, v}; }

class ModelBuilder {
 public:
  // A tensor; `data` (raw bytes) makes it a constant. scales.size() > 1: per-channel along qdim.
  int tensor(slimrt::DType type, const std::vector<int32_t>& shape, const std::vector<uint8_t>& data = {},
             const std::vector<float>& scales = {}, const std::vector<int64_t>& zero_points = {}, int qdim = 0,
             fbw::NodeP sparsity = nullptr) {
    auto t = fbw::table();
    if (sparsity) fbw::child(t, 6, sparsity);
    fbw::child(t, 0, fbw::vec(shape));
    fbw::scalar<int8_t>(t, 1, int8_t(type));
    uint32_t buffer = 0;
    if (!data.empty()) {
      auto b = fbw::table();
      fbw::child(b, 0, fbw::bytes_vec(data));
      buffers_.push_back(b);
      buffer = uint32_t(buffers_.size());  // buffer 0 is the empty one finish() puts first
    }
    fbw::scalar<uint32_t>(t, 2, buffer);
    fbw::child(t, 3, fbw::str("t" + std::to_string(tensors_.size())));
    if (!scales.empty()) {
      auto q = fbw::table();
      fbw::child(q, 2, fbw::vec(scales));
      fbw::child(q, 3, fbw::vec(zero_points.empty() ? std::vector<int64_t>(scales.size(), 0) : zero_points));
      fbw::scalar<int32_t>(q, 6, qdim);
      fbw::child(t, 4, q);
    }
    tensors_.push_back(t);
    return int(tensors_.size() - 1);
  }

  template <class T>
  int constant(slimrt::DType type, const std::vector<int32_t>& shape, const std::vector<T>& values,
               const std::vector<float>& scales = {}, const std::vector<int64_t>& zps = {}, int qdim = 0) {
    std::vector<uint8_t> bytes(values.size() * sizeof(T));
    if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    return tensor(type, shape, bytes, scales, zps, qdim);
  }

  // SparsityParameters: traversal order, block map, and per level (dense size) or (segments, indices) for CSR.
  struct Level {
    bool sparse;
    int32_t dense_size;
    std::vector<int32_t> segments, indices;
  };
  static fbw::NodeP sparsity(const std::vector<int32_t>& traversal, const std::vector<int32_t>& block_map,
                             const std::vector<Level>& levels) {
    auto sp = fbw::table();
    fbw::child(sp, 0, fbw::vec(traversal));
    if (!block_map.empty()) fbw::child(sp, 1, fbw::vec(block_map));
    std::vector<fbw::NodeP> dims;
    for (const Level& l : levels) {
      auto d = fbw::table();
      fbw::scalar<int8_t>(d, 0, l.sparse ? 1 : 0);
      fbw::scalar<int32_t>(d, 1, l.dense_size);
      if (l.sparse) {
        auto seg = fbw::table(), idx = fbw::table();
        fbw::child(seg, 0, fbw::vec(l.segments));
        fbw::child(idx, 0, fbw::vec(l.indices));
        fbw::scalar<uint8_t>(d, 2, 1);  // Int32Vector
        fbw::child(d, 3, seg);
        fbw::scalar<uint8_t>(d, 4, 1);
        fbw::child(d, 5, idx);
      }
      dims.push_back(d);
    }
    fbw::child(sp, 2, fbw::tables(dims));
    return sp;
  }

  void op(int builtin, const std::vector<int32_t>& inputs, const std::vector<int32_t>& outputs, int options_type = 0,
          const std::vector<OptField>& options = {}, int version = 1) {
    int code = -1;
    for (size_t i = 0; i < codes_.size(); ++i)
      if (codes_[i].first == builtin && codes_[i].second == version) code = int(i);
    if (code < 0) {
      codes_.push_back({builtin, version});
      code = int(codes_.size() - 1);
    }
    auto o = fbw::table();
    fbw::scalar<uint32_t>(o, 0, uint32_t(code));
    fbw::child(o, 1, fbw::vec(inputs));
    fbw::child(o, 2, fbw::vec(outputs));
    if (options_type) {
      fbw::scalar<uint8_t>(o, 3, uint8_t(options_type));
      auto t = fbw::table();
      for (const OptField& f : options) {
        if (f.is_float) fbw::scalar<float>(t, f.id, f.fvalue);
        else if (f.size == 1) fbw::scalar<int8_t>(t, f.id, int8_t(f.value));
        else fbw::scalar<int32_t>(t, f.id, int32_t(f.value));
      }
      fbw::child(o, 4, t);
    }
    ops_.push_back(o);
  }

  std::vector<int32_t> inputs, outputs;

  std::vector<uint8_t> finish() {
    std::vector<fbw::NodeP> codes;
    for (auto& c : codes_) {
      auto t = fbw::table();
      fbw::scalar<int8_t>(t, 0, int8_t(c.first < 127 ? c.first : 127));
      fbw::scalar<int32_t>(t, 2, c.second);
      fbw::scalar<int32_t>(t, 3, c.first);
      codes.push_back(t);
    }
    auto sg = fbw::table();
    fbw::child(sg, 0, fbw::tables(tensors_));
    fbw::child(sg, 1, fbw::vec(inputs));
    fbw::child(sg, 2, fbw::vec(outputs));
    fbw::child(sg, 3, fbw::tables(ops_));
    fbw::child(sg, 4, fbw::str("main"));
    std::vector<fbw::NodeP> buffers = {fbw::table()};
    buffers.insert(buffers.end(), buffers_.begin(), buffers_.end());
    auto model = fbw::table();
    fbw::scalar<uint32_t>(model, 0, 3);
    fbw::child(model, 1, fbw::tables(codes));
    fbw::child(model, 2, fbw::tables({sg}));
    fbw::child(model, 4, fbw::tables(buffers));
    return fbw::Writer().finish(model, "TFL3");
  }

 private:
  std::vector<fbw::NodeP> tensors_, ops_, buffers_;
  std::vector<std::pair<int, int>> codes_;
};

}  // namespace testing
