"""Generated single-op models (tests/data/generated, written by scripts/gen_op_models.py) against the
official runtime's outputs, and the models slimrt must refuse cleanly (ValueError naming the problem)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import GENERATED, assert_close, assert_exact, make_interpreter

CASES = sorted(p.stem for p in GENERATED.glob("*.json"))


def load_case(name):
    doc = json.loads((GENERATED / f"{name}.json").read_text())
    return doc, (GENERATED / f"{name}.tflite").read_bytes()


def arr(j):
    return np.array(j["data"], dtype=j["dtype"]).reshape(j["shape"])


def run_case(doc, data, num_threads=1):
    it = make_interpreter(model_content=data, num_threads=num_threads)
    it.allocate_tensors()
    for x in doc["inputs"]:
        it.set_tensor(x["index"], arr(x))
    it.invoke()
    return [it.get_tensor(o["index"]) for o in doc["outputs"]]


def run_steps(doc, data, num_threads=1):
    """The case's run plan on one interpreter: per step, resize inputs (then allocate_tensors again), reset
    variables, set the inputs, invoke; the outputs of every step."""
    it = make_interpreter(model_content=data, num_threads=num_threads)
    it.allocate_tensors()
    results = []
    for st in doc["steps"]:
        if st["resize"]:
            for r in st["resize"]:
                it.resize_tensor_input(r["index"], r["shape"])
            it.allocate_tensors()
        if st["reset"]:
            it.reset_all_variables()
        for x in st["inputs"]:
            it.set_tensor(x["index"], arr(x))
        it.invoke()
        results.append([it.get_tensor(o["index"]) for o in st["outputs"]])
    return results


def check_steps(name, doc, data, num_threads=1):
    for i, (st, outs) in enumerate(zip(doc["steps"], run_steps(doc, data, num_threads))):
        check_outputs(f"{name} step {i}", dict(doc, outputs=st["outputs"]), outs)


def check_outputs(name, doc, outs):
    for o, got in zip(doc["outputs"], outs):
        if o.get("exact"):
            assert_exact(got, arr(o["ref"]), f"{name} ({', '.join(doc['ops'])}) output tensor {o['index']}")
            continue
        assert_close(got, arr(o["ref"]), o["tol"], f"{name} ({', '.join(doc['ops'])}) output tensor {o['index']}",
                     alt=arr(o["xnnpack"]))


def test_generated_cases_exist():
    assert len(CASES) >= 100, "run scripts/gen_op_models.py"
    for n in CASES:
        assert (GENERATED / f"{n}.tflite").exists(), n


@pytest.mark.op_model
@pytest.mark.parametrize("name", CASES)
def test_op_model(name):
    doc, data = load_case(name)
    if doc["expect"] == "match":
        try:
            outs = run_case(doc, data)
        except Exception as e:
            pytest.fail(f"{name} ({', '.join(doc['ops'])}) failed: {type(e).__name__}: {e}")
        check_outputs(name, doc, outs)
        if "steps" in doc:
            check_steps(name, doc, data)
    elif doc["expect"] == "match_or_error":
        # the official runtime refuses/crashes on this model; the reference is an equivalent model
        try:
            outs = run_case(doc, data)
        except ValueError as e:
            assert str(e).strip(), f"{name}: empty error message"
            return
        check_outputs(name, doc, outs)
    else:
        assert doc["expect"] == "error"
        it = None
        with pytest.raises(ValueError) as exc:
            it = make_interpreter(model_content=data)
            it.allocate_tensors()
        msg = str(exc.value).lower()
        assert any(s.lower() in msg for s in doc["error_contains"]), \
            f"{name}: error message {str(exc.value)!r} should mention one of {doc['error_contains']}"
        del it


@pytest.mark.op_model
@pytest.mark.parametrize("name", ["conv_many_channels", "dw_many_channels", "fc_large", "conv_batch2",
                                  "add_bcast_4d", "maxpool_same_3x3_s2", "mean_hw", "chain_conv_dw_pool_concat"])
def test_op_model_two_threads(name):
    doc, data = load_case(name)
    check_outputs(name, doc, run_case(doc, data, num_threads=2))


@pytest.mark.op_model
@pytest.mark.parametrize("name,op", [("unsupported_custom", "SlimTestCustomOp"),
                                     ("unsupported_lsh_projection", "LSH_PROJECTION")])
def test_unsupported_op_fails_at_allocate_naming_it(name, op):
    _, data = load_case(name)
    it = make_interpreter(model_content=data)  # construction must succeed: the model itself is well-formed
    with pytest.raises(ValueError, match=op):
        it.allocate_tensors()


@pytest.mark.op_model
@pytest.mark.parametrize("name", ["fc_tanh_unsupported"])
def test_unsupported_fused_activation_fails_at_allocate(name):
    _, data = load_case(name)
    it = make_interpreter(model_content=data)
    with pytest.raises(ValueError) as exc:
        it.allocate_tensors()
    assert "tanh" in str(exc.value).lower() or "activation" in str(exc.value).lower(), str(exc.value)
