// UNIDIRECTIONAL_SEQUENCE_LSTM pieces shared by the op file (float32, hybrid) and the full-integer evaluation
// (lstm_integer.cc): the typed options, and the prepare of the integer form that the op's prepare dispatches to.
#pragma once

#include "op.h"

namespace slimrt {

// UnidirectionalSequenceLSTMOptions, checked: a known fused activation, finite clips, no diagonal recurrent
// weights (which slimrt does not implement).
struct LstmOptions {
  int act = 0;
  float cell_clip = 0, proj_clip = 0;
  bool time_major = false, asymmetric_inputs = false;
};
LstmOptions ReadLstmOptions(const OpContext& ctx);

// The full-integer LSTM (int8 input and output state, int16 cell state, int8 weights, int32 biases: TensorFlow's
// "8x8_16" quantization with its 5 intermediate tensors): validates everything, precomputes the multipliers and
// effective biases, sets the output shape and the eval.
void PrepareLstmInteger(OpContext& ctx, const LstmOptions& o);

}  // namespace slimrt
