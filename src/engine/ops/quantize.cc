// DEQUANTIZE (float16 / int8 / uint8 / int16 -> float32, per-tensor or per-channel) and QUANTIZE (float32 ->
// int8 / uint8 / int16, and requantization between int8 / uint8 / int16 with TFLite reference rounding).
//
// DEQUANTIZE of constant weights needs nothing special here: the engine folds nodes whose inputs are all constant
// (runs eval once at allocate), so its output is a constant for the consumers and eval never runs again.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/half.h"
#include "kernels/quant_math.h"
#include "kernels/threadpool.h"
#include "op.h"

namespace slimrt {
namespace {

// Per-channel layout of a quantized tensor: element i belongs to channel (i / inner) % channels.
struct ChannelLayout {
  int64_t channels = 1, inner = 1;
};

ChannelLayout Layout(OpContext& ctx, const Tensor& t) {
  ChannelLayout l;
  const size_t n = t.quant.scale.size();
  if (n <= 1) return l;
  const int qd = t.quant.quantized_dimension;
  ctx.check(qd >= 0 && qd < t.rank(), "quantized_dimension ", qd, " out of range for rank ", t.rank());
  ctx.check(int64_t(n) == t.dim(qd), "tensor '", t.name, "' has ", n, " scales but dimension ", qd, " has size ",
            t.dim(qd));
  ctx.check(t.quant.zero_point.size() == n || t.quant.zero_point.size() <= 1, "tensor '", t.name, "' has ", n,
            " scales but ", t.quant.zero_point.size(), " zero points");
  l.channels = int64_t(n);
  for (int i = qd + 1; i < t.rank(); ++i) l.inner *= t.dim(i);
  return l;
}

// ---------------------------------------------------------------------------------------------------------------
// DEQUANTIZE

struct DequantState : OpState {
  ChannelLayout layout;
  std::vector<double> scale;
  std::vector<int32_t> zp;
};

template <class Q>
void DequantizeInts(const DequantState& s, const Q* in, float* out, int64_t n) {
  if (s.layout.channels == 1) {
    const double sc = s.scale[0];
    const int32_t zp = s.zp[0];
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(sc * double(int32_t(in[i]) - zp));
    return;
  }
  const int64_t C = s.layout.channels, inner = s.layout.inner;
  int64_t i = 0;
  while (i < n) {
    for (int64_t c = 0; c < C && i < n; ++c) {
      const double sc = s.scale[size_t(c)];
      const int32_t zp = s.zp[size_t(c)];
      for (int64_t j = 0; j < inner; ++j, ++i) out[i] = static_cast<float>(sc * double(int32_t(in[i]) - zp));
    }
  }
}

void RunDequantize(const DequantState& s, const Tensor& in, float* out) {
  const int64_t n = in.elements();
  switch (in.type) {
    case DType::kFloat16: {
      const uint8_t* p = in.data;
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        out[i] = kernels::half_to_float(h);
      }
      break;
    }
    case DType::kInt8: DequantizeInts(s, in.as<int8_t>(), out, n); break;
    case DType::kUInt8: DequantizeInts(s, in.as<uint8_t>(), out, n); break;
    case DType::kInt16: DequantizeInts(s, in.as<int16_t>(), out, n); break;
    default: break;
  }
}

void PrepareDequantize(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  ctx.check_type(out, DType::kFloat32, "output");
  DequantState& s = ctx.state<DequantState>();
  ctx.check(in.type == DType::kFloat16 || in.type == DType::kInt8 || in.type == DType::kUInt8 ||
                in.type == DType::kInt16,
            "input type must be float16, int8, uint8 or int16, got ", dtype_name(in.type));
  if (in.type != DType::kFloat16) {
    ctx.check(in.quant.present(), "input '", in.name, "' has no quantization parameters");
    s.layout = Layout(ctx, in);
    const size_t n = in.quant.scale.size();
    s.scale.assign(n, 0.0);
    s.zp.assign(n, 0);
    for (size_t c = 0; c < n; ++c) {
      s.scale[c] = double(in.quant.scale[c]);
      const int64_t z = in.quant.zero_point.empty() ? 0 : in.quant.zero_point[in.quant.zero_point.size() == 1 ? 0 : c];
      ctx.check(z >= -65536 && z <= 65536, "zero point ", z, " out of range");
      s.zp[c] = int32_t(z);
    }
  }
  ctx.set_output_shape(0, in.shape);
}

void EvalDequantize(OpContext& ctx) {
  const DequantState& s = ctx.state<DequantState>();
  const Tensor& in = ctx.input(0);
  float* out = ctx.output(0).as<float>();
  RunDequantize(s, in, out);
}

// ---------------------------------------------------------------------------------------------------------------
// QUANTIZE

struct QuantizeState : OpState {
  // float -> int
  ChannelLayout layout;
  std::vector<float> scale;
  std::vector<int32_t> zp;
  // int -> int
  int32_t mult = 0;
  int shift = 0;
  int32_t in_zp = 0, out_zp = 0;
};

bool IsQuantType(DType t) { return t == DType::kInt8 || t == DType::kUInt8 || t == DType::kInt16; }

void QuantTypeRange(DType t, int32_t* lo, int32_t* hi) {
  switch (t) {
    case DType::kInt8: *lo = -128; *hi = 127; break;
    case DType::kUInt8: *lo = 0; *hi = 255; break;
    default: *lo = -32768; *hi = 32767; break;
  }
}

int32_t ZeroPoint(OpContext& ctx, const Tensor& t, size_t c) {
  const int64_t z = t.quant.zero_point.empty() ? 0 : t.quant.zero_point[t.quant.zero_point.size() == 1 ? 0 : c];
  int32_t lo, hi;
  QuantTypeRange(t.type, &lo, &hi);
  ctx.check(z >= lo && z <= hi, "zero point ", z, " of '", t.name, "' is out of range for ", dtype_name(t.type));
  return int32_t(z);
}

void PrepareQuantize(OpContext& ctx) {
  ctx.check_inputs(1, 1);
  ctx.check_outputs(1);
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  ctx.check(IsQuantType(out.type), "output type must be int8, uint8 or int16, got ", dtype_name(out.type));
  ctx.check(out.quant.present(), "output '", out.name, "' has no quantization parameters");
  QuantizeState& s = ctx.state<QuantizeState>();
  if (in.type == DType::kFloat32) {
    s.layout = Layout(ctx, out);
    const size_t n = out.quant.scale.size();
    s.scale.assign(out.quant.scale.begin(), out.quant.scale.end());
    s.zp.assign(n, 0);
    for (size_t c = 0; c < n; ++c) {
      ctx.check(s.scale[c] > 0 && std::isfinite(s.scale[c]), "output scale ", s.scale[c], " must be positive");
      s.zp[c] = ZeroPoint(ctx, out, c);
    }
  } else {
    ctx.check(IsQuantType(in.type), "input type must be float32, int8, uint8 or int16, got ", dtype_name(in.type));
    ctx.check(in.quant.present(), "input '", in.name, "' has no quantization parameters");
    ctx.check(in.quant.scale.size() == 1 && out.quant.scale.size() == 1,
              "requantization needs per-tensor quantization on input and output");
    const double in_scale = in.quant.scale[0], out_scale = out.quant.scale[0];
    ctx.check(in_scale > 0 && out_scale > 0, "scales must be positive (input ", in_scale, ", output ", out_scale, ")");
    qm::QuantizeMultiplier(in_scale / out_scale, &s.mult, &s.shift);
    ctx.check(s.shift <= 30, "requantization multiplier ", in_scale / out_scale, " is too large");
    s.in_zp = ZeroPoint(ctx, in, 0);
    s.out_zp = ZeroPoint(ctx, out, 0);
  }
  ctx.set_output_shape(0, in.shape);
}

template <class Q>
void QuantizeFloat(const QuantizeState& s, const float* in, Q* out, int64_t n) {
  const float lo = float(std::numeric_limits<Q>::min()), hi = float(std::numeric_limits<Q>::max());
  auto one = [&](float x, float sc, int32_t zp) {
    // round(x / scale) half away from zero, then add the zero point; clamp in float first so huge values and
    // infinities cannot overflow the int conversion (NaN maps to the zero point's clamp like the reference's cast).
    float v = std::round(x / sc) + float(zp);
    v = std::min(std::max(v, lo), hi);
    return static_cast<Q>(static_cast<int32_t>(v == v ? v : float(zp)));
  };
  if (s.layout.channels == 1) {
    const float sc = s.scale[0];
    const int32_t zp = s.zp[0];
    for (int64_t i = 0; i < n; ++i) out[i] = one(in[i], sc, zp);
    return;
  }
  const int64_t C = s.layout.channels, inner = s.layout.inner;
  int64_t i = 0;
  while (i < n) {
    for (int64_t c = 0; c < C && i < n; ++c)
      for (int64_t j = 0; j < inner; ++j, ++i) out[i] = one(in[i], s.scale[size_t(c)], s.zp[size_t(c)]);
  }
}

template <class I, class O>
void Requantize(const QuantizeState& s, const I* in, O* out, int64_t n) {
  const int32_t lo = std::numeric_limits<O>::min(), hi = std::numeric_limits<O>::max();
  for (int64_t i = 0; i < n; ++i) {
    const int32_t v = qm::MultiplyByQuantizedMultiplier(int32_t(in[i]) - s.in_zp, s.mult, s.shift) + s.out_zp;
    out[i] = static_cast<O>(std::min(std::max(v, lo), hi));
  }
}

template <class I>
void RequantizeTo(const QuantizeState& s, const I* in, Tensor& out, int64_t n) {
  switch (out.type) {
    case DType::kInt8: Requantize(s, in, out.as<int8_t>(), n); break;
    case DType::kUInt8: Requantize(s, in, out.as<uint8_t>(), n); break;
    case DType::kInt16: Requantize(s, in, out.as<int16_t>(), n); break;
    default: break;
  }
}

void EvalQuantize(OpContext& ctx) {
  const QuantizeState& s = ctx.state<QuantizeState>();
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const int64_t n = in.elements();
  switch (in.type) {
    case DType::kFloat32:
      switch (out.type) {
        case DType::kInt8: QuantizeFloat(s, in.as<float>(), out.as<int8_t>(), n); break;
        case DType::kUInt8: QuantizeFloat(s, in.as<float>(), out.as<uint8_t>(), n); break;
        case DType::kInt16: QuantizeFloat(s, in.as<float>(), out.as<int16_t>(), n); break;
        default: break;
      }
      break;
    case DType::kInt8: RequantizeTo(s, in.as<int8_t>(), out, n); break;
    case DType::kUInt8: RequantizeTo(s, in.as<uint8_t>(), out, n); break;
    case DType::kInt16: RequantizeTo(s, in.as<int16_t>(), out, n); break;
    default: break;
  }
}

}  // namespace

void Register_DEQUANTIZE(OpRegistry& r) {
  for (DType t : {DType::kFloat16, DType::kInt8, DType::kUInt8, DType::kInt16})
    r.add({op::DEQUANTIZE, "DEQUANTIZE", t, 6, PrepareDequantize, EvalDequantize});
}
void Register_QUANTIZE(OpRegistry& r) {
  for (DType t : {DType::kFloat32, DType::kInt8, DType::kUInt8, DType::kInt16})
    r.add({op::QUANTIZE, "QUANTIZE", t, 3, PrepareQuantize, EvalQuantize});
}

}  // namespace slimrt
