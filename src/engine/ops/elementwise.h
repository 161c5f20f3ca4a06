// Shared pieces of the elementwise op files (binary arithmetic, comparisons, logical ops, min/max, unary maths,
// activations): the broadcast prepare, the type-generic binary eval, quantization helpers, and per-value tables for
// 8/16-bit unary ops.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/elementwise_broadcast.h"
#include "kernels/elementwise_kernels.h"
#include "kernels/elementwise_quant.h"
#include "op.h"
#include "ops/util.h"

namespace slimrt {

// Per-node state of a broadcasting binary op: the plan, the row kernel and its parameters.
struct BinaryState : OpState {
  BroadcastPlan plan;
  ew::BinaryRowFn row = nullptr;
  ew::Params p;
  uint8_t esa = 0, esb = 0, eso = 0;  // element sizes of a, b, out
  std::vector<int32_t> ta, tb;        // per-value tables of 8-bit inputs (p.ta / p.tb point here)
  std::vector<uint8_t> pair;          // 8-bit in and out: the output of every input pair (p.pair points here)
};

// For 8-bit inputs with an 8-bit output and large outputs: evaluates state.row once for all 65536 input pairs and
// replaces it with a lookup in that table (the same results, faster). Call after the row and its parameters are
// set; a no-op otherwise.
void use_pair_table(BinaryState& s);

// p.ta (input 0) or p.tb (input 1) of an 8-bit input: for every value q of `type` (int8 or uint8), the reference's
// rescaled input MultiplyByQuantizedMultiplierSmallerThanOneExp((q + offset) << left_shift, mult, shift) (a shift
// above 0 computed as the reference's x86 build does, see ew::RoundingDivideByPOTWide), negated when `negate`.
void rescale_table(BinaryState& s, int input, DType type, int32_t offset, int left_shift, int32_t mult, int shift,
                   bool negate);

// Generic row for the inputs' type: GenericFloatRow for float32, GenericIntRow for integer and bool types.
void use_generic_row(BinaryState& s, ew::Op op, DType in_type, DType out_type);

// Checks two inputs of one type and one output, broadcasts their shapes (up to `max_rank` dimensions) and sets
// the output shape. The state's element sizes are set from the tensors.
BinaryState& PrepareBroadcast(OpContext& ctx, int max_rank = kMaxBroadcastRank);

// Runs state.row over the whole output, split across threads for large outputs.
void EvalBinary(OpContext& ctx);

// float32 inputs 0 and 1 through the vectorized kernels (ew::BinaryRowF32 / BinaryRowsVecF32), clamped to
// [lo, hi], split across threads for large outputs.
void EvalFloatBinary(OpContext& ctx, const BroadcastPlan& p, ew::BinOp op, float lo, float hi);

// Quantization of a quantized input/output: scale checked positive and finite, zero point inside the type.
struct QuantParam {
  float scale;
  int32_t zero_point;
};
QuantParam quant_param(const OpContext& ctx, const Tensor& t, const char* role);
// The quantization of a binary op's inputs 0, 1 and output 0.
struct QuantIO {
  QuantParam a, b, out;
};
QuantIO quant_io(OpContext& ctx);

// Whether a scale is a power of two (log2 within 1e-3 of an integer, the reference's CheckedLog2), and its exponent.
bool pot_exponent(float scale, int* e);

// Q31 multiplier and exponent of `real` (quant_math.h); fails unless real < 1 when `below_one` (the kernels then
// shift right only).
void quantize_multiplier(const OpContext& ctx, double real, bool below_one, int32_t* mult, int* shift,
                         const char* what);

// ---- unary ops on 8/16-bit types: a table of the output for every input value ----

// Per-node table for int8/uint8 (256 entries) or int16 (65536 entries) inputs, indexed by the input's bits.
struct TableState : OpState {
  std::vector<int16_t> table;     // output values (int8/uint8/int16 stored widened)
  std::vector<uint8_t> invalid;   // non-empty: inputs for which eval must fail (domain errors)
  const char* invalid_msg = nullptr;
};

// Fills the node's TableState for input type int8/uint8/int16 by calling fn(arg, q) for every input value q; fn
// returns the output value, or a value outside the output type's range to mark q as invalid (eval then fails
// with `invalid_msg` when it meets q).
using TableFn = int32_t (*)(const void* arg, int32_t q);
void fill_table(OpContext& ctx, DType in_type, TableFn fn, const void* arg, const char* invalid_msg = nullptr);

// The official lookup table of a float function f for quantized int8/uint8/int16 input and output (TFLite's
// LUTPopulate): 8-bit types evaluate f at every input value, round(f(x) / out_scale) + out_zp; int16 samples f at
// 513 points over the input range (with a bias correcting the midpoint interpolation error) and interpolates
// linearly between them (LUTLookup). Input and output quantization come from input 0 and output 0.
using FloatFn = float (*)(float x, const void* arg);
void fill_lut(OpContext& ctx, FloatFn f, const void* arg = nullptr, const char* invalid_msg = nullptr,
              float valid_from = -1e30f);

// float -> int32 as x86's conversion instruction does it (the reference's static_cast, undefined in C++ for NaN
// and out-of-range values, gives INT32_MIN there).
int32_t float_to_int32_x86(float f);

// Eval of a table op: out[i] = table[in[i]], failing on invalid inputs.
void EvalTable(OpContext& ctx);

}  // namespace slimrt
