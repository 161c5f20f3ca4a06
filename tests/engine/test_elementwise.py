"""Elementwise ops: the failures the official runtime reports at invoke time (division by zero, domain errors) must
be RuntimeError at invoke in slimrt too, on the generated op models (tests/data/generated) fed such inputs; the same
interpreter then runs valid inputs again."""
from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import GENERATED, make_interpreter, slimrt_only

pytestmark = pytest.mark.op_model


def load(name):
    doc = json.loads((GENERATED / f"{name}.json").read_text())
    return doc, (GENERATED / f"{name}.tflite").read_bytes()


def inputs_of(doc):
    return [np.array(x["data"], dtype=x["dtype"]).reshape(x["shape"]) for x in doc["inputs"]]


# (case, input index to spoil, the value that makes the official runtime fail at invoke, message fragment)
INVOKE_ERRORS = [
    ("div_i32", 1, 0, "division by zero"),
    ("div_i8", 1, -20, "division by zero"),      # input 1's zero point: a real divisor of 0
    ("floor_div_f32", 1, 0.0, "division by zero"),
    ("floor_div_i16", 1, 0, "division by zero"),
    ("floor_mod_i64", 1, 0, "division by zero"),
    ("pow_i32", 1, -1, "non-negative"),
    ("sqrt_i8_q1", 0, -11, "negative"),          # input zero point -10: real value < 0
    ("rsqrt_i8_q1", 0, -128, "negative"),
    ("sqrt_i16", 0, -1, "negative"),
    ("rsqrt_i16", 0, -32768, "negative"),
]


@slimrt_only
@pytest.mark.parametrize("name,index,value,message", INVOKE_ERRORS)
def test_invoke_time_domain_errors(name, index, value, message):
    doc, data = load(name)
    xs = inputs_of(doc)
    it = make_interpreter(model_content=data)
    it.allocate_tensors()
    bad = xs[index].copy()
    bad.flat[len(bad.flat) // 2] = value
    for x, d in zip(xs, doc["inputs"]):
        it.set_tensor(d["index"], x)
    it.set_tensor(doc["inputs"][index]["index"], bad)
    with pytest.raises(RuntimeError, match=message):
        it.invoke()
    # The interpreter stays usable: valid inputs give the reference outputs again.
    it.set_tensor(doc["inputs"][index]["index"], xs[index])
    it.invoke()
    for o in doc["outputs"]:
        ref = np.array(o["ref"]["data"], dtype=o["ref"]["dtype"]).reshape(o["ref"]["shape"])
        got = it.get_tensor(o["index"])
        if o.get("exact"):
            np.testing.assert_array_equal(got, ref)
        else:
            np.testing.assert_allclose(got, ref, rtol=0, atol=o["tol"])


# Ops whose eval splits large outputs across threads: the generated model, its inputs resized to a large shape,
# must give the same bytes with 2 and 4 threads as with 1 (the 1-thread path is the one checked against the
# official outputs above and in test_ops.py).
THREADED = ["add_i8", "sub_u8", "mul_i16", "add_i32_relu6", "maximum_f32", "div_f32", "squared_difference_f32",
            "squared_difference_i8", "div_i8", "floor_mod_i32", "less_f32", "equal_i8", "exp_f32", "relu_f32",
            "gelu_f32", "leaky_relu_f32"]


@slimrt_only
@pytest.mark.parametrize("name", THREADED)
def test_threads_give_the_same_result(name):
    doc, data = load(name)
    rng = np.random.default_rng(7)
    outs = {}
    for threads in (1, 2, 4):
        it = make_interpreter(model_content=data, num_threads=threads)
        big = (3, 64, 181)  # 34752 elements: above the threading threshold
        for d in it.get_input_details():
            it.resize_tensor_input(d["index"], list(big) if len(d["shape"]) else [])
        it.allocate_tensors()
        for k, d in enumerate(it.get_input_details()):
            dt = np.dtype(d["dtype"])
            if dt.kind == "f":
                x = (rng.standard_normal(big) * 3).astype(dt)
            else:
                info = np.iinfo(dt)
                x = rng.integers(max(info.min, -1000), min(info.max, 1000) + 1, size=big).astype(dt)
                if name in ("div_i8", "floor_mod_i32") and k == 1:
                    x[x == (-20 if name == "div_i8" else 0)] = 1  # no division by zero
            it.set_tensor(d["index"], x)
        rng = np.random.default_rng(7)  # same inputs for every thread count
        it.invoke()
        outs[threads] = [it.get_tensor(o["index"]).copy() for o in it.get_output_details()]
    for threads in (2, 4):
        for a, b in zip(outs[1], outs[threads]):
            assert a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), \
                f"{name}: {threads} threads differ from 1"


# 8-bit binary ops on large outputs switch to a table of all 65536 input pairs, filled by the same kernel. Tiling
# a case's inputs (same-shape operands) must tile the official outputs exactly.
PAIR_TABLE = ["add_i8", "sub_i8_zp_limits", "mul_u8", "add_i8_tiny_scales", "div_i8", "squared_difference_i8",
              "equal_i8", "less_i8", "maximum_u8", "floor_div_i8", "floor_mod_i8"]


@pytest.mark.parametrize("name", PAIR_TABLE)
def test_large_8bit_outputs_match_tiled_reference(name):
    doc, data = load(name)
    xs = inputs_of(doc)
    reps = -(-(1 << 16) // xs[0].size) + 1  # enough copies for >= 65536 output elements
    big = [np.concatenate([x] * reps, axis=0) for x in xs]
    if len(set(x.shape for x in big)) != 1:
        pytest.skip("operands of different shapes")
    it = make_interpreter(model_content=data)
    for x, d in zip(big, doc["inputs"]):
        it.resize_tensor_input(d["index"], list(x.shape))
    it.allocate_tensors()
    for x, d in zip(big, doc["inputs"]):
        it.set_tensor(d["index"], x)
    it.invoke()
    for o in doc["outputs"]:
        ref = np.array(o["ref"]["data"], dtype=o["ref"]["dtype"]).reshape(o["ref"]["shape"])
        np.testing.assert_array_equal(it.get_tensor(o["index"]), np.concatenate([ref] * reps, axis=0))
