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
