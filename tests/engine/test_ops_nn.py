"""The neural-network op family (scripts/opmodels/cases_nn.py) with several threads: the ops that split their
work across the thread pool must give the single-threaded (official) results with 2-4 threads."""
from __future__ import annotations

import pytest

from test_ops import check_outputs, load_case, run_case

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
