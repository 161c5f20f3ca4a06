"""Real models against the official runtime's outputs (tests/data/refs, written by scripts/make_refs.py).

Float models: max|ours - ref| <= tol (tol per output in refs.json: 1e-4*max(1,max|ref|), or 2x the spread
between ai-edge-litert's builtin and XNNPACK kernels where that is larger), against both kernel sets.
okay_nabu (int8, stateful): bit-exact with the reference kernels over a 40-step sequence, plus every
intermediate arithmetic op's output (taps.tflite) so that a failure names the first op that is off.
"""
from __future__ import annotations

import numpy as np
import pytest

from conftest import (FLOAT_MODELS, REFS, assert_close, assert_exact, float_inputs, load_refs, make_interpreter,
                      model_ops, model_path)


def run_float(model: str, num_threads: int = 1):
    it = make_interpreter(model_path=str(model_path(model)), num_threads=num_threads)
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), float_inputs(model)):
        it.set_tensor(d["index"], x)
    it.invoke()
    return [it.get_tensor(d["index"]) for d in it.get_output_details()]


@pytest.mark.real_model
@pytest.mark.parametrize("model", FLOAT_MODELS)
def test_float_model_matches_official(model):
    refs = load_refs(model)
    try:
        outs = run_float(model)
    except Exception as e:  # a missing op / option: say which model and which ops it needs
        pytest.fail(f"{model} (ops {model_ops(model_path(model))}) failed to run: {type(e).__name__}: {e}")
    assert len(outs) == len(refs["outputs"])
    for k, meta in enumerate(refs["outputs"]):
        ref = np.load(REFS / model / meta["file"])
        alt = np.load(REFS / model / meta["alt_file"])
        assert_close(outs[k], ref, meta["tol"], f"{model} output {k} ({meta['name']})", alt=alt)


@pytest.mark.real_model
@pytest.mark.parametrize("model", FLOAT_MODELS)
def test_float_model_two_threads_same_outputs(model):
    one = run_float(model, 1)
    two = run_float(model, 2)
    for k, (a, b) in enumerate(zip(one, two)):
        assert_exact(b, a, f"{model} output {k}: num_threads=2 vs num_threads=1")


@pytest.mark.real_model
@pytest.mark.parametrize("model", FLOAT_MODELS)
def test_float_model_repeated_invoke_is_stable(model):
    """A second invoke with the same input gives the same result (no state leaks through the arena)."""
    it = make_interpreter(model_path=str(model_path(model)))
    it.allocate_tensors()
    xs = float_inputs(model)
    for d, x in zip(it.get_input_details(), xs):
        it.set_tensor(d["index"], x)
    it.invoke()
    first = [it.get_tensor(d["index"]) for d in it.get_output_details()]
    # an unrelated input in between
    for d, x in zip(it.get_input_details(), xs):
        it.set_tensor(d["index"], -x[..., ::-1].copy())
    it.invoke()
    for d, x in zip(it.get_input_details(), xs):
        it.set_tensor(d["index"], x)
    it.invoke()
    for k, d in enumerate(it.get_output_details()):
        assert_exact(it.get_tensor(d["index"]), first[k], f"{model} output {k} after re-invoke")


def _nabu_sequence(model_file, steps):
    it = make_interpreter(model_path=str(model_file))
    it.allocate_tensors()
    inp = it.get_input_details()[0]["index"]
    outs = []
    for x in steps:
        it.set_tensor(inp, x)
        it.invoke()
        outs.append([it.get_tensor(d["index"]) for d in it.get_output_details()])
    return it, outs


@pytest.mark.real_model
def test_okay_nabu_sequence_bit_exact():
    refs = load_refs("okay_nabu")
    xs = np.load(REFS / "okay_nabu" / "in_0.npy")
    expected = np.load(REFS / "okay_nabu" / "out_0.npy")
    assert len(xs) >= 20
    try:
        _, outs = _nabu_sequence(model_path("okay_nabu"), xs)
    except Exception as e:
        pytest.fail(f"okay_nabu (ops {model_ops(model_path('okay_nabu'))}) failed: {type(e).__name__}: {e}")
    got = np.stack([o[0] for o in outs])
    assert_exact(got, expected, f"okay_nabu output ({refs['outputs'][0]['name']}) over {len(xs)} steps")


@pytest.mark.real_model
def test_okay_nabu_intermediate_ops_bit_exact():
    """Every CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED / LOGISTIC / QUANTIZE output, every step."""
    refs = load_refs("okay_nabu")["taps"]
    xs = np.load(REFS / "okay_nabu" / "in_0.npy")
    expected = np.load(REFS / "okay_nabu" / refs["file"])
    _, outs = _nabu_sequence(REFS / "okay_nabu" / refs["model"], xs)
    cols = refs["outputs"]
    assert len(outs[0]) == len(cols)
    for step, row in enumerate(outs):
        for c, got in zip(cols, row):
            n = int(np.prod(c["shape"]))
            want = expected[step, c["offset"]:c["offset"] + n].astype(c["dtype"]).reshape(c["shape"])
            if not np.array_equal(got, want):
                d = np.abs(got.astype(np.int32) - want.astype(np.int32))
                pytest.fail(f"okay_nabu step {step}: tensor {c['index']} '{c['name']}' differs from the reference "
                            f"kernels in {int((d > 0).sum())}/{n} values (max |diff| {int(d.max())}); "
                            f"it is the first mismatching op output in execution order at the first bad step")


@pytest.mark.real_model
def test_okay_nabu_reset_all_variables():
    xs = np.load(REFS / "okay_nabu" / "in_0.npy")
    expected = np.load(REFS / "okay_nabu" / "out_0.after_reset.npy")
    it, _ = _nabu_sequence(model_path("okay_nabu"), xs)
    it.reset_all_variables()
    inp = it.get_input_details()[0]["index"]
    out = it.get_output_details()[0]["index"]
    got = []
    for x in xs[:len(expected)]:
        it.set_tensor(inp, x)
        it.invoke()
        got.append(it.get_tensor(out))
    assert_exact(np.stack(got), expected, "okay_nabu after reset_all_variables()")


@pytest.mark.real_model
def test_okay_nabu_signature_runner():
    refs = load_refs("okay_nabu")
    xs = np.load(REFS / "okay_nabu" / "in_0.npy")
    expected = np.load(REFS / "okay_nabu" / "out_0.signature.npy")
    it = make_interpreter(model_path=str(model_path("okay_nabu")))
    assert it.get_signature_list() == refs["signature_list"]
    runner = it.get_signature_runner("serving_default")
    got = []
    for x in xs[:len(expected)]:
        res = runner(input_audio=x)
        assert sorted(res) == ["dense"]
        got.append(res["dense"])
    assert_exact(np.stack(got), expected, "okay_nabu signature runner output 'dense'")
    with pytest.raises(ValueError):
        it.get_signature_runner("no_such_signature")
