"""UNIDIRECTIONAL_SEQUENCE_LSTM: float32 and hybrid (int8 weights), the variants TensorFlow's converter emits
(plain, CIFG, peephole, projection, layer norm, clipping, time-major), state carried across invokes in the variable
tensors and reset by reset_all_variables() (run plans of several invokes), and the refused full-integer form."""
from __future__ import annotations

import numpy as np

from . import TANH, case
from .cases_dynamic import steps

RELU = 1


def lstm_case(name, B=1, T=5, I=3, C=4, P=None, cifg=False, peephole=False, proj_bias=False, layer_norm=False,
              time_major=False, act=TANH, cell_clip=0.0, proj_clip=0.0, hybrid=False, asym=True, invokes=4, **kw):
    """P: projection size (None: no projection); invokes: steps of the run plan (reset before the third)."""
    @case(name, **kw)
    def build(g):
        O = P or C

        def w(shape, scale=0.4):
            if not hybrid:
                return g.weights(shape, scale)
            q = g.rng.integers(-127, 128, size=shape).astype(np.int8)
            return g.qconst(q, float(g.rng.uniform(0.5, 1.5)) * scale / 127.0, 0)

        def vec(n, scale=0.3, offset=0.0, present=True):
            return g.const((g.rng.standard_normal(n) * scale + offset).astype(np.float32)) if present else -1

        x = g.input((T, B, I) if time_major else (B, T, I))
        ins = [x]
        ins += [w((C, I)) if (k > 0 or not cifg) else -1 for k in range(4)]
        ins += [w((C, O)) if (k > 0 or not cifg) else -1 for k in range(4)]
        ins += [w((C,), 0.3) if peephole and (k > 0 or not cifg) else -1 for k in range(3)]
        ins += [vec(C, offset=1.0 if k == 1 else 0.0, present=k > 0 or not cifg) for k in range(4)]
        ins += [w((P, C)) if P else -1, vec(P, present=bool(P and proj_bias)) if P else -1]
        ins += [g.variable((B, O), name="output_state"), g.variable((B, C), name="cell_state")]
        if layer_norm:
            ins += [vec(C, 0.2, 1.0, present=k > 0 or not cifg) for k in range(4)]
        y = g.tensor((T, B, O) if time_major else (B, T, O))
        g.op("UNIDIRECTIONAL_SEQUENCE_LSTM", ins, [y], ("UnidirectionalSequenceLSTMOptions", dict(
            fusedActivationFunction=act, cellClip=cell_clip, projClip=proj_clip, timeMajor=time_major,
            asymmetricQuantizeInputs=asym and hybrid)), version=3 if hybrid else 1)
        g.output(y)
        # state carries over between invokes; reset_all_variables() before step 2 starts from zero again
        g.steps = steps(*[None] * invokes, reset_at=(2,))


lstm_case("lstm_f32_basic")
lstm_case("lstm_f32_batch2_relu", B=2, T=4, I=5, C=6, act=RELU)
lstm_case("lstm_f32_cifg_peephole_projection", B=2, T=4, I=3, C=6, P=4, cifg=True, peephole=True, proj_bias=True,
          cell_clip=3.0, proj_clip=0.5)
lstm_case("lstm_f32_peephole_projection_no_bias", T=3, I=4, C=5, P=3, peephole=True)
lstm_case("lstm_f32_layer_norm", B=2, T=3, I=4, C=5, P=3, peephole=True, layer_norm=True)
lstm_case("lstm_f32_cifg_layer_norm", T=4, I=3, C=4, cifg=True, layer_norm=True)
lstm_case("lstm_f32_time_major", B=3, T=4, I=3, C=5, time_major=True, cell_clip=10.0)
lstm_case("lstm_f32_large", B=1, T=8, I=24, C=48, cell_clip=10.0, scale=2.0, invokes=2)
lstm_case("lstm_hybrid_asymmetric", T=6, I=8, C=8, hybrid=True, cell_clip=10.0)
lstm_case("lstm_hybrid_symmetric", B=2, T=4, I=6, C=5, hybrid=True, asym=False)
lstm_case("lstm_hybrid_peephole_projection", B=2, T=4, I=5, C=6, P=4, peephole=True, proj_bias=True, hybrid=True,
          proj_clip=0.8)
lstm_case("lstm_hybrid_cifg_layer_norm_time_major", B=2, T=3, I=4, C=5, cifg=True, layer_norm=True,
          time_major=True, hybrid=True)
lstm_case("lstm_hybrid_large", T=8, I=24, C=40, hybrid=True, cell_clip=10.0, invokes=2)


@case("lstm_full_int8_refused", expect="error", error_contains=("full-integer",))
def _(g):
    """A full-integer LSTM (int8 activations): refused with a clear message."""
    B, T, I, C = 1, 3, 2, 2
    x = g.qinput((B, T, I), 0.05, 0)
    ws = [g.qweights((C, I), per_channel=False) for _ in range(4)]
    rs = [g.qweights((C, C), per_channel=False) for _ in range(4)]
    bs = [g.qconst(np.zeros(C, np.int32), 1e-4, 0) for _ in range(4)]
    h = g.variable((B, C), g.s.TensorType.INT8)
    g._quant(h, 0.05, 0)
    c = g.variable((B, C), g.s.TensorType.INT16)
    g._quant(c, 1 / 2048, 0)
    y = g.qtensor((B, T, C), 0.05, 0)
    g.op("UNIDIRECTIONAL_SEQUENCE_LSTM", [x] + ws + rs + [-1, -1, -1] + bs + [-1, -1, h, c], [y],
         ("UnidirectionalSequenceLSTMOptions", dict(fusedActivationFunction=TANH)))
    g.output(y)
