// Data-movement ops through the engine with 1 to 4 threads against plain index arithmetic: PAD / PADV2 over ranks
// 1-5 (every mix of padded and unpadded dims, float32 and int8 with a zero point, tensors big enough to split across
// threads).
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
