// Data-movement ops through the engine with 1 to 4 threads against plain index arithmetic: PAD / PADV2 over ranks
// 1-5 (every mix of padded and unpadded dims, float32 and int8 with a zero point, tensors big enough to split across
// threads); CONCATENATION (with a fused RELU) and SLICE (a strided view) likewise.
#include "harness.h"
#include "model_builder.h"
#include "op.h"
#include "op_runner.h"

using namespace slimrt;
using testing::Bytes;

TEST(pad_vs_index_arithmetic) {
  for (int iter = 0; iter < 150 * t.scale; ++iter) {
    const int rank = t.uniform(1, 5);
    const bool big = t.coin(0.2), is_int8 = t.coin(0.4), v2 = t.coin(0.3);
    std::vector<int32_t> shape(static_cast<size_t>(rank)), pads(size_t(2 * rank)), oshape(shape.size());
    for (int d = 0; d < rank; ++d) {
      shape[size_t(d)] = t.uniform(1, big ? 40 : 6);
      const bool padded = t.coin(0.5);
      pads[size_t(2 * d)] = padded ? t.uniform(0, 3) : 0;
      pads[size_t(2 * d + 1)] = padded ? t.uniform(0, 3) : 0;
      oshape[size_t(d)] = shape[size_t(d)] + pads[size_t(2 * d)] + pads[size_t(2 * d + 1)];
    }
    size_t n = 1, on = 1;
    for (int d = 0; d < rank; ++d) n *= size_t(shape[size_t(d)]), on *= size_t(oshape[size_t(d)]);
    if (n > (size_t(1) << 20)) continue;
    const int32_t zp = is_int8 ? t.uniform(-128, 127) : 0;
    const float fill = v2 ? t.normal() : 0.f;
    const int8_t fill8 = int8_t(v2 ? t.uniform(-128, 127) : zp);
    std::vector<float> xf = testing::randn(t, is_int8 ? 0 : n);
    std::vector<int8_t> x8 = testing::randi<int8_t>(t, is_int8 ? n : 0, -128, 127);
    // Reference: every output index maps back to an input index or to the pad value.
    std::vector<float> wf(is_int8 ? 0 : on);
    std::vector<int8_t> w8(is_int8 ? on : 0);
    for (size_t o = 0; o < on; ++o) {
      size_t rem = o, src = 0, stride = 1;
      bool inside = true;
      std::vector<size_t> idx(shape.size());
      for (int d = rank - 1; d >= 0; --d) {
        idx[size_t(d)] = rem % size_t(oshape[size_t(d)]);
        rem /= size_t(oshape[size_t(d)]);
      }
      for (int d = rank - 1; d >= 0; --d) {
        const int64_t i = int64_t(idx[size_t(d)]) - pads[size_t(2 * d)];
        inside = inside && i >= 0 && i < shape[size_t(d)];
        src += size_t(i >= 0 ? i : 0) * stride;
        stride *= size_t(shape[size_t(d)]);
      }
      if (is_int8) w8[o] = inside ? x8[src] : fill8;
      else wf[o] = inside ? xf[src] : fill;
    }
    testing::ModelBuilder m;
    const DType type = is_int8 ? DType::kInt8 : DType::kFloat32;
    const std::vector<float> sc = is_int8 ? std::vector<float>{0.05f} : std::vector<float>{};
    const std::vector<int64_t> zps = is_int8 ? std::vector<int64_t>{zp} : std::vector<int64_t>{};
    const int xi = m.tensor(type, shape, {}, sc, zps);
    const int pi = m.constant(DType::kInt32, {rank, 2}, pads);
    const int yi = m.tensor(type, oshape, {}, sc, zps);
    std::vector<int32_t> ins = {xi, pi};
    if (v2) {
      ins.push_back(is_int8 ? m.constant(DType::kInt8, {1}, std::vector<int8_t>{fill8}, sc, zps)
                            : m.constant(DType::kFloat32, {1}, std::vector<float>{fill}));
    }
    m.op(v2 ? op::PADV2 : op::PAD, ins, {yi});
    m.inputs = {xi};
    m.outputs = {yi};
    std::vector<Bytes> outs;
    const int threads = t.uniform(1, 4);
    ++t.cases;
    const std::string err =
        testing::run(m.finish(), {is_int8 ? testing::bytes_of(x8) : testing::bytes_of(xf)}, threads, &outs);
    if (!t.check(err.empty(), "pad: ", err)) continue;
    const Bytes want = is_int8 ? testing::bytes_of(w8) : testing::bytes_of(wf);
    t.check(outs[0] == want, v2 ? "PADV2 " : "PAD ", is_int8 ? "int8 " : "float ", shape, " paddings ", pads,
            " threads ", threads, ": output differs from the index arithmetic");
  }
}

TEST(concatenation_vs_index_arithmetic) {
  for (int iter = 0; iter < 150 * t.scale; ++iter) {
    const int rank = t.uniform(1, 4), n = t.uniform(1, 4), axis = t.uniform(0, rank - 1);
    const bool big = t.coin(0.3), relu = t.coin(0.3);
    std::vector<int32_t> shape(static_cast<size_t>(rank));
    for (auto& d : shape) d = t.uniform(1, big ? 30 : 5);
    std::vector<std::vector<float>> xs;
    std::vector<std::vector<int32_t>> shapes;
    int32_t total = 0;
    for (int k = 0; k < n; ++k) {
      std::vector<int32_t> s = shape;
      s[size_t(axis)] = t.uniform(1, big ? 20 : 4);
      total += s[size_t(axis)];
      size_t e = 1;
      for (int32_t d : s) e *= size_t(d);
      xs.push_back(testing::randn(t, e));
      shapes.push_back(s);
    }
    std::vector<int32_t> oshape = shape;
    oshape[size_t(axis)] = total;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= shape[size_t(d)];
    for (int d = axis + 1; d < rank; ++d) inner *= shape[size_t(d)];
    std::vector<float> want;
    for (int64_t o = 0; o < outer; ++o)
      for (int k = 0; k < n; ++k) {
        const int64_t c = int64_t(shapes[size_t(k)][size_t(axis)]) * inner;
        for (int64_t j = 0; j < c; ++j) want.push_back(relu ? std::max(0.f, xs[size_t(k)][size_t(o * c + j)])
                                                            : xs[size_t(k)][size_t(o * c + j)]);
      }
    testing::ModelBuilder m;
    std::vector<int32_t> ins;
    for (int k = 0; k < n; ++k) ins.push_back(m.tensor(DType::kFloat32, shapes[size_t(k)]));
    const int yi = m.tensor(DType::kFloat32, oshape);
    m.op(op::CONCATENATION, ins, {yi}, opt::ConcatenationOptions, {testing::i32(0, axis), testing::i8(1, relu ? 1 : 0)});
    m.inputs = ins;
    m.outputs = {yi};
    std::vector<Bytes> in_bytes, outs;
    for (auto& x : xs) in_bytes.push_back(testing::bytes_of(x));
    const int threads = t.uniform(1, 4);
    ++t.cases;
    const std::string err = testing::run(m.finish(), in_bytes, threads, &outs);
    if (!t.check(err.empty(), "concatenation: ", err)) continue;
    t.check(outs[0] == testing::bytes_of(want), "CONCATENATION ", n, " inputs along ", axis, " of ", oshape,
            " threads ", threads, ": output differs");
  }
}

TEST(slice_vs_index_arithmetic) {
  for (int iter = 0; iter < 150 * t.scale; ++iter) {
    const int rank = t.uniform(1, 4);
    const bool big = t.coin(0.3);
    std::vector<int32_t> shape(static_cast<size_t>(rank)), begin(shape.size()), size(shape.size());
    for (int d = 0; d < rank; ++d) {
      shape[size_t(d)] = t.uniform(1, big ? 40 : 6);
      begin[size_t(d)] = t.uniform(0, shape[size_t(d)] - 1);
      size[size_t(d)] = t.uniform(1, shape[size_t(d)] - begin[size_t(d)]);
    }
    size_t n = 1, on = 1;
    for (int d = 0; d < rank; ++d) n *= size_t(shape[size_t(d)]), on *= size_t(size[size_t(d)]);
    const std::vector<float> x = testing::randn(t, n);
    std::vector<float> want(on);
    for (size_t o = 0; o < on; ++o) {
      size_t rem = o, src = 0, stride = 1;
      for (int d = rank - 1; d >= 0; --d) {
        const size_t i = rem % size_t(size[size_t(d)]) + size_t(begin[size_t(d)]);
        rem /= size_t(size[size_t(d)]);
        src += i * stride;
        stride *= size_t(shape[size_t(d)]);
      }
      want[o] = x[src];
    }
    testing::ModelBuilder m;
    const int xi = m.tensor(DType::kFloat32, shape);
    const int yi = m.tensor(DType::kFloat32, size);
    m.op(op::SLICE, {xi, m.constant(DType::kInt32, {rank}, begin), m.constant(DType::kInt32, {rank}, size)}, {yi});
    m.inputs = {xi};
    m.outputs = {yi};
    std::vector<Bytes> outs;
    const int threads = t.uniform(1, 4);
    ++t.cases;
    const std::string err = testing::run(m.finish(), {testing::bytes_of(x)}, threads, &outs);
    if (!t.check(err.empty(), "slice: ", err)) continue;
    t.check(outs[0] == testing::bytes_of(want), "SLICE ", shape, " begin ", begin, " size ", size, " threads ", threads,
            ": output differs");
  }
}
