// Sparse constants (schema SparsityParameters) are verified when the model is read, and reach only ops that read
// their sparsity. The hostile case of issue 7: an int8 CONV_2D whose filter is sparse, with a buffer holding only the
// stored values, must not be read as a dense filter (that would read past the buffer).
#include <cstdlib>
#include <fstream>

#include "harness.h"
#include "model_builder.h"
#include "op.h"
#include "slimrt.h"

using namespace slimrt;
using testing::ModelBuilder;

namespace {

// 8x16 int8 filter stored as CSR over the last dimension: 2 values per row (16 of 128 values stored).
ModelBuilder::Level dense(int n) { return {false, n, {}, {}}; }

std::vector<uint8_t> sparse_conv_model(const std::vector<ModelBuilder::Level>& levels, size_t stored_bytes,
                                       const std::vector<int32_t>& traversal = {0, 1, 2, 3}) {
  ModelBuilder m;
  const int x = m.tensor(DType::kInt8, {1, 4, 4, 16}, {}, {0.05f}, {0});
  std::vector<uint8_t> data(stored_bytes, 1);
  const int w = m.tensor(DType::kInt8, {8, 1, 1, 16}, data, {0.01f}, {0}, 0,
                         ModelBuilder::sparsity(traversal, {}, levels));
  const int y = m.tensor(DType::kInt8, {1, 4, 4, 8}, {}, {0.1f}, {0});
  m.op(op::CONV_2D, {x, w, -1}, {y}, opt::Conv2DOptions,
       {testing::i8(0, 1), testing::i32(1, 1), testing::i32(2, 1)}, 3);
  m.inputs = {x};
  m.outputs = {y};
  return m.finish();
}

std::vector<ModelBuilder::Level> csr_levels(std::vector<int32_t> segments, std::vector<int32_t> indices) {
  return {dense(8), dense(1), dense(1), {true, 16, std::move(segments), std::move(indices)}};
}

std::vector<int32_t> even_segments() {
  std::vector<int32_t> s;
  for (int r = 0; r <= 8; ++r) s.push_back(2 * r);
  return s;
}
std::vector<int32_t> two_per_row() {
  std::vector<int32_t> i;
  for (int r = 0; r < 8; ++r) i.insert(i.end(), {r, 15 - r});
  return i;
}

// The error slimrt raises for the model (construction or allocate_tensors), "" if none.
std::string error_of(const std::vector<uint8_t>& model) {
  try {
    Interpreter it(model, 1);
    it.allocate_tensors();
    it.invoke();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

bool mentions(const std::string& s, const char* what) { return s.find(what) != std::string::npos; }

}  // namespace

TEST(sparse_filter_is_not_read_as_dense) {
  const auto model = sparse_conv_model(csr_levels(even_segments(), two_per_row()), 16);
  if (const char* dir = std::getenv("SLIMRT_TEST_DUMP")) {  // for running the same model in other builds
    std::ofstream(std::string(dir) + "/sparse_int8_conv_filter.tflite", std::ios::binary)
        .write(reinterpret_cast<const char*>(model.data()), std::streamsize(model.size()));
  }
  const std::string err = error_of(model);
  ++t.cases;
  t.check(mentions(err, "sparse") && mentions(err, "CONV_2D"),
          "an int8 CONV_2D with a sparse filter must be refused, got: '", err, "'");
}

TEST(sparse_buffer_must_match_stored_values) {
  // Valid layout, but the buffer holds 15 of the 16 stored values (and 17): refused when the model is read.
  for (size_t bytes : {size_t(15), size_t(17), size_t(128)}) {
    const std::string err = error_of(sparse_conv_model(csr_levels(even_segments(), two_per_row()), bytes));
    ++t.cases;
    t.check(mentions(err, "malformed model") && mentions(err, "bytes"), "buffer of ", bytes,
            " bytes for 16 stored values must be refused, got: '", err, "'");
  }
}

TEST(sparse_layout_is_verified) {
  struct Bad {
    const char* what;
    std::vector<ModelBuilder::Level> levels;
    std::vector<int32_t> traversal;
  };
  auto segs = even_segments();
  auto idx = two_per_row();
  auto decreasing = segs;
  decreasing[3] = 1;
  auto out_of_range = idx;
  out_of_range[5] = 16;
  auto short_segments = segs;
  short_segments.pop_back();
  auto too_long = segs;
  too_long[1] = 17;
  const std::vector<Bad> bad = {
      {"segments not increasing", csr_levels(decreasing, idx), {0, 1, 2, 3}},
      {"index out of range", csr_levels(segs, out_of_range), {0, 1, 2, 3}},
      {"too few segments", csr_levels(short_segments, idx), {0, 1, 2, 3}},
      {"segment longer than the dimension", csr_levels(too_long, idx), {0, 1, 2, 3}},
      {"traversal order not a permutation", csr_levels(segs, idx), {0, 1, 1, 3}},
      {"dense size differs from the shape", {dense(8), dense(2), dense(1), {true, 16, segs, idx}}, {0, 1, 2, 3}},
      {"too few levels", {dense(8), dense(1), {true, 16, segs, idx}}, {0, 1, 2}},
  };
  for (const Bad& b : bad) {
    const std::string err = error_of(sparse_conv_model(b.levels, 16, b.traversal));
    ++t.cases;
    t.check(mentions(err, "malformed model") && mentions(err, "sparsity"), b.what, ": must be refused when read, got: '",
            err, "'");
  }
}
