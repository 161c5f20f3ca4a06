"""The neural-network op family (scripts/opmodels/cases_nn.py) with several threads: the ops that split their
work across the thread pool must give the single-threaded (official) results with 2-4 threads."""
from __future__ import annotations

from pathlib import Path

import pytest

from test_ops import check_outputs, load_case, run_case

# not conftest's: in a whole-tree run `conftest` may name tests/slim's module by the time a test body runs
GENERATED = Path(__file__).resolve().parents[1] / "data" / "generated"

THREADED = ["maxpool_i8_same_3x3_s2", "avgpool_i16", "l2pool_same_relu6", "softmax_i8_1d", "resize_bilinear_up2",
            "resize_bilinear_half", "tconv_big_channels", "bmm_big", "bmm_hybrid_channel_asym",
            "conv_hybrid_channel", "dw_hybrid_channel_s2_mult2", "fc_hybrid_channel_asym", "mean_i8_big_count",
            "tconv_same_s2_k4"]


@pytest.mark.op_model
@pytest.mark.parametrize("threads", [2, 3, 4])
@pytest.mark.parametrize("name", THREADED)
def test_nn_op_model_threads(name, threads):
    doc, data = load_case(name)
    check_outputs(name, doc, run_case(doc, data, num_threads=threads))


# ---- hostile variants of the nn op models: must fail cleanly or run, never crash ----------------------------------

HOSTILE_BASES = ["maxpool_i8_same_3x3_s2", "avgpool_i16", "softmax_i8_2d", "softmax_i16", "log_softmax_i8",
                 "mean_i8_mid", "reduce_prod_i8", "reduce_any", "arg_max_axis1_i64", "cumsum_mid_reverse",
                 "resize_bilinear_i8_half", "resize_nearest_size_input", "depth_to_space_b2", "space_to_batch_pad_i8",
                 "batch_to_space_crops", "tconv_i8", "tconv_bias_custom_same_k4", "bmm_i8", "bmm_hybrid_adj",
                 "conv_hybrid_channel", "dw_i16_mult2_s2", "fc_i16_b64", "densify_block_1x4", "fc_sparse_block4",
                 "l2norm_i8", "lrn_basic"]
# Extreme but cheap: a value or dimension that passes the checks must not make the test allocate gigabytes.
HOSTILE_INTS = (-0x80000000, -7, -1, 0, 1, 3, 100000)
HOSTILE_DIMS = (-1, 0, 1, 2, 3, 1000)


def nn_hostile_corpus():
    """Per base: every dimension of every tensor and every value of every small integer constant (axes, sizes,
    shapes, block shapes, crops) set to extreme values. (hostile.py's structural damage is the general corpus's;
    on these small 2-D bases its 2^16-per-dimension cases would be valid multi-GB tensors.)"""
    import random
    import struct

    import fbreader as fb
    from hostile import Builder
    b = Builder()
    for base in HOSTILE_BASES:
        data = (GENERATED / f"{base}.tflite").read_bytes()
        buf = bytearray(data)
        m = fb.root(data)
        sg = m.tables(fb.MODEL_SUBGRAPHS)[0]
        buffers = m.tables(fb.MODEL_BUFFERS)
        rng = random.Random(f"nn:{base}")
        for i, t in enumerate(sg.tables(fb.SG_TENSORS)):
            shape = t.vector(fb.T_SHAPE)
            for k in range(shape[2] if shape else 0):
                for v in rng.sample(HOSTILE_DIMS, 3):
                    d = bytearray(buf)
                    struct.pack_into("<i", d, shape[1] + 4 * k, v)
                    b.add("nn_dims", f"{base}_t{i}_dim{k}_{v}", d, expect="no_crash")
            bi = t.scalar(fb.T_BUFFER, "I")
            if not bi or bi >= len(buffers) or t.scalar(fb.T_TYPE, "b") not in (2, 4):  # int32 / int64 constants
                continue
            vec = buffers[bi].vector(fb.BUF_DATA)
            if vec is None or vec[2] > 64:
                continue
            width = 4 if t.scalar(fb.T_TYPE, "b") == 2 else 8
            for k in range(vec[2] // width):
                for v in HOSTILE_INTS:
                    d = bytearray(buf)
                    struct.pack_into("<i" if width == 4 else "<q", d, vec[1] + width * k, v)
                    b.add("nn_values", f"{base}_t{i}_value{k}_{v}", d, expect="no_crash")
    return b.cases


@pytest.mark.hostile
def test_nn_hostile(tmp_path):
    from test_hostile import judge, run_batch
    cases = nn_hostile_corpus()
    manifest, results = run_batch(tmp_path, cases)
    problems = []
    for k, m in enumerate(manifest):
        p = judge(m, results.get(k, {"stage": "missing", "exc": "no result", "msg": ""}))
        if p:
            problems.append(p)
    assert len(cases) > 500
    assert not problems, f"{len(problems)}/{len(cases)} cases failed:\n" + "\n".join(problems[:15])
