"""Full-integer UNIDIRECTIONAL_SEQUENCE_LSTM (TensorFlow's "8x8_16" quantization: int8 input and output state,
int16 cell state with a power-of-two scale, int8 weights, int32 biases, int16 peephole and layer-norm weights, five
intermediate tensors carrying the gate and hidden quantization), laid out as the converter writes it. Variants:
plain, CIFG, peephole, projection (+ bias, clip), layer norm, cell clip, time-major, batches, several cell scales,
non-zero zero points; state carried across invokes and reset by reset_all_variables(). The int16x8 form (int16
input) is refused, as the official runtime refuses it; so are malformed integer LSTMs."""
from __future__ import annotations

import numpy as np

from . import TANH, case
from .cases_dynamic import steps


def _lstm_int(g, B=1, T=4, I=3, C=4, P=None, cifg=False, peephole=False, proj_bias=False, layer_norm=False,
              time_major=False, cell_clip=0.0, proj_clip=0.0, cell_log2=-11, in_zp=0, out_zp=0, hidden_zp=0,
              wscale=1.0, in_type=None, intermediates=5, cell_scale=None):
    """The integer LSTM node; returns its output tensor. Real-valued parameters are drawn as for a float LSTM and
    quantized the converter's way (weights per tensor, gate biases at input * weight scale, or layer-norm scale
    / 2^10 with layer norm)."""
    s, rng = g.s, g.rng
    O = P or C
    s_in, s_out, s_hidden = 1 / 64, 1 / 128, 1 / 128

    def qw(shape, std):
        w = rng.standard_normal(shape) * std
        scale = float(np.abs(w).max()) / 127 or 1.0
        return g.qconst(np.clip(np.round(w / scale), -127, 127).astype(np.int8), scale, 0), scale

    def q16(values):
        scale = float(np.abs(values).max()) / 32767 or 1.0
        return g.qconst(np.round(values / scale).astype(np.int16), scale, 0), scale

    def qbias(real, scale):
        return g.qconst(np.round(real / scale).astype(np.int32), scale, 0)

    x = g.qinput((T, B, I) if time_major else (B, T, I), s_in, in_zp, ttype=in_type and getattr(s.TensorType, in_type))
    ins, gate_scales, ln_scales, wx_scales = [x], [], [], []
    for k in range(4):
        if cifg and k == 0:
            ins.append(-1)
            wx_scales.append(None)
            continue
        t, sc = qw((C, I), wscale * 1.5 / np.sqrt(I))
        ins.append(t)
        wx_scales.append(sc)
    ins += [qw((C, O), wscale * 1.0 / np.sqrt(O))[0] if k > 0 or not cifg else -1 for k in range(4)]
    ins += [q16(rng.standard_normal(C) * 0.5)[0] if peephole and (k > 0 or not cifg) else -1 for k in range(3)]
    for k in range(4):
        ln_scales.append(float(rng.uniform(0.5, 1.5)) * 1.3 / 32767)
        gate_scales.append(float(rng.uniform(0.5, 2.0)) * 2.0 ** -12)
    for k in range(4):
        if cifg and k == 0:
            ins.append(-1)
            continue
        real = rng.standard_normal(C) * 0.5 + (1.0 if k == 1 else 0.0)
        ins.append(qbias(real, ln_scales[k] / 1024 if layer_norm else s_in * wx_scales[k]))
    if P:
        pw, pscale = qw((P, C), 1.0 / np.sqrt(C))
        ins += [pw, qbias(rng.standard_normal(P) * 0.2, pscale * s_hidden) if proj_bias else -1]
    else:
        ins += [-1, -1]
    h = g.variable((B, O), s.TensorType.INT8, name="output_state")
    g._quant(h, s_out, out_zp)
    c = g.variable((B, C), s.TensorType.INT16, name="cell_state")
    g._quant(c, cell_scale if cell_scale is not None else 2.0 ** cell_log2, 0)
    ins += [h, c]
    if layer_norm:
        for k in range(4):
            coef = 1.0 + rng.standard_normal(C) * 0.2
            t = g.qconst(np.round(coef / ln_scales[k]).astype(np.int16), ln_scales[k], 0) if k > 0 or not cifg else -1
            ins.append(t)
    else:
        ins += [-1, -1, -1, -1]
    inter = []
    for k in range(intermediates):
        if k < 4:
            t = g.tensor((0,), s.TensorType.INT16, name=f"gate_intermediate{k}")
            if layer_norm:
                g._quant(t, gate_scales[k], 0)
        else:
            t = g.qtensor((0,), s_hidden, hidden_zp, name="hidden_intermediate")
        inter.append(t)
    y = g.qtensor((T, B, O) if time_major else (B, T, O), s_out, out_zp)
    g.op("UNIDIRECTIONAL_SEQUENCE_LSTM", ins, [y], ("UnidirectionalSequenceLSTMOptions", dict(
        fusedActivationFunction=TANH, cellClip=cell_clip, projClip=proj_clip, timeMajor=time_major)))
    g.ops[-1].intermediates = inter
    return y


def lstm_int_case(name, invokes=4, expect="match", error_contains=(), **kw):
    @case(name, expect=expect, error_contains=error_contains)
    def build(g):
        g.output(_lstm_int(g, **kw))
        # state carries over between invokes; reset_all_variables() before step 2 starts from zero again
        g.steps = steps(*[None] * invokes, reset_at=(2,))


lstm_int_case("lstm_int8_basic")
lstm_int_case("lstm_int8_batch2_cell_clip", B=2, T=5, I=5, C=6, cell_clip=1.5, in_zp=-3, out_zp=2)
lstm_int_case("lstm_int8_time_major", B=3, T=4, I=3, C=5, time_major=True, cell_clip=3.0)
lstm_int_case("lstm_int8_cifg", B=2, T=4, I=4, C=5, cifg=True, out_zp=-1, hidden_zp=-1)
lstm_int_case("lstm_int8_peephole", T=5, I=3, C=6, peephole=True, hidden_zp=3, out_zp=3)
lstm_int_case("lstm_int8_projection", B=2, T=4, I=4, C=6, P=4, proj_bias=True, proj_clip=0.6, hidden_zp=-2,
              out_zp=1)
lstm_int_case("lstm_int8_peephole_projection_time_major", B=2, T=3, I=3, C=6, P=3, peephole=True,
              time_major=True, hidden_zp=1)
lstm_int_case("lstm_int8_cifg_peephole_projection", B=2, T=4, I=3, C=5, P=4, cifg=True, peephole=True)
lstm_int_case("lstm_int8_layer_norm", B=2, T=4, I=4, C=8, layer_norm=True, peephole=True, in_zp=5)
lstm_int_case("lstm_int8_layer_norm_cifg_projection", B=2, T=3, I=4, C=6, P=5, layer_norm=True, cifg=True,
              proj_bias=True, time_major=True, cell_clip=2.0)
lstm_int_case("lstm_int8_all_features", B=2, T=3, I=4, C=6, P=4, peephole=True, layer_norm=True, proj_bias=True,
              proj_clip=0.5, cell_clip=2.0, in_zp=-7, out_zp=3, hidden_zp=-2)  # also the hostile corpus's base
lstm_int_case("lstm_int8_cell_scale_2e-9", T=5, C=4, cell_log2=-9, wscale=2.0)
lstm_int_case("lstm_int8_cell_scale_2e-15", T=5, C=4, cell_log2=-15, cell_clip=0.9)
lstm_int_case("lstm_int8_large", T=8, I=24, C=32, wscale=1.5, invokes=2)
lstm_int_case("lstm_int8_saturating", B=2, T=6, I=8, C=8, wscale=6.0, cell_clip=5.0)
# saturating hidden values with a hidden zero point: the official kernel's projection-input convention shows
lstm_int_case("lstm_int8_projection_saturating", T=6, I=7, C=16, P=12, time_major=True, out_zp=10, hidden_zp=-6,
              wscale=4.0)

# Refused, as by the official runtime (or where it reads out of bounds).
lstm_int_case("lstm_int8_no_intermediates_refused", intermediates=0, expect="error",
              error_contains=("5 intermediate tensors",))
lstm_int_case("lstm_int8_cell_scale_not_pot_refused", cell_scale=0.0003, expect="error",
              error_contains=("power-of-two scale",))
lstm_int_case("lstm_int16x8_refused", in_type="INT16", expect="error", error_contains=("int16",))
lstm_int_case("lstm_int8_peephole_outputs_over_cells_refused", C=3, P=5, peephole=True, expect="error",
              error_contains=("peephole",))
