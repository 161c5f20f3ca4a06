"""Dynamic shapes, run-time shape changes and control flow through the Python API: the generated models of
scripts/opmodels/cases_dynamic.py and cases_shape.py driven step by step, with the official runtime's outputs
(tests/data/generated) as the reference."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import GENERATED, make_interpreter, slimrt_only
from test_ops import arr, check_outputs, check_steps, load_case, run_case, run_steps

STEP_CASES = sorted(p.stem for p in GENERATED.glob("*.json") if '"steps"' in p.read_text())


def test_step_cases_exist():
    assert {"dyn_batch_fc", "dyn_shape_chain_reshape", "dyn_where_gather_nd_steps", "if_branch_shapes_differ"} <= \
        set(STEP_CASES)


@pytest.mark.op_model
@pytest.mark.parametrize("name", STEP_CASES)
def test_output_details_follow_the_run_time_shape(name):
    """After every invoke, get_output_details() reports the shape the output has now (as the official runtime
    does for dynamic tensors), and get_tensor returns arrays of that shape matching the reference."""
    doc, data = load_case(name)
    it = make_interpreter(model_content=data)
    it.allocate_tensors()
    for k, st in enumerate(doc["steps"]):
        if st["resize"]:
            for r in st["resize"]:
                it.resize_tensor_input(r["index"], r["shape"])
            it.allocate_tensors()
            for d in it.get_input_details():
                want = next((r["shape"] for r in st["resize"] if r["index"] == d["index"]), None)
                if want is not None:
                    assert list(d["shape"]) == want, f"{name} step {k}: input details after resize"
        for x in st["inputs"]:
            it.set_tensor(x["index"], arr(x))
        it.invoke()
        details = {d["index"]: d for d in it.get_output_details()}
        for o in st["outputs"]:
            assert list(details[o["index"]]["shape"]) == o["ref"]["shape"], f"{name} step {k}"
            assert list(it.get_tensor(o["index"]).shape) == o["ref"]["shape"], f"{name} step {k}"


@pytest.mark.op_model
@pytest.mark.parametrize("name", ["dyn_batch_fc", "while_rnn_sequence", "if_branch_shapes_differ",
                                  "dyn_deferred_chain_resize", "lstm_f32_large", "lstm_hybrid_large"])
def test_dynamic_cases_two_threads(name):
    doc, data = load_case(name)
    if "steps" in doc:
        check_steps(name, doc, data, num_threads=2)
    else:
        check_outputs(name, doc, run_case(doc, data, num_threads=2))


@pytest.mark.op_model
def test_resize_back_and_forth_reuses_one_interpreter():
    """Many resizes on one interpreter: each allocate_tensors() plans again; outputs stay right."""
    doc, data = load_case("dyn_batch_fc")
    results = run_steps(dict(doc, steps=doc["steps"] * 3), data)
    for k, outs in enumerate(results):
        ref = doc["steps"][k % len(doc["steps"])]["outputs"][0]
        np.testing.assert_allclose(outs[0], arr(ref["ref"]), atol=ref["tol"], rtol=0)


@pytest.mark.op_model
def test_invoke_after_resize_needs_allocate():
    _, data = load_case("dyn_batch_fc")
    it = make_interpreter(model_content=data)
    it.allocate_tensors()
    it.resize_tensor_input(it.get_input_details()[0]["index"], [3, 6])
    with pytest.raises((RuntimeError, ValueError)):
        it.invoke()
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], np.ones((3, 6), np.float32))
    it.invoke()
    assert it.get_tensor(it.get_output_details()[0]["index"]).shape == (3, 3)


@slimrt_only
@pytest.mark.op_model
@pytest.mark.parametrize("name,values,message", [
    ("gather_axis0", [0, 5, 1], "out of range"),
    ("gather_nd_depth1", [[0], [1], [-1]], "out of range"),
    ("embedding_lookup_f32", [0, 1, 9], "out of range"),
    ("scatter_nd_runtime_idx", [[0], [6], [1], [2]], "out of range"),
])
def test_index_out_of_range_fails_the_invoke(name, values, message):
    """An index outside the data fails invoke() with RuntimeError (as the official runtime's kernels do), reads
    nothing out of bounds, and leaves the interpreter usable."""
    doc, data = load_case(name)
    it = make_interpreter(model_content=data)
    it.allocate_tensors()
    for x in doc["inputs"]:
        v = arr(x)
        if v.dtype.kind == "i" and v.shape == np.array(values).shape:
            v = np.array(values, dtype=v.dtype)
        it.set_tensor(x["index"], v)
    with pytest.raises(RuntimeError, match=message):
        it.invoke()
    for x in doc["inputs"]:
        it.set_tensor(x["index"], arr(x))
    it.invoke()
    check_outputs(name, doc, [it.get_tensor(o["index"]) for o in doc["outputs"]])


@slimrt_only
@pytest.mark.op_model
def test_recursion_names_the_subgraph():
    _, data = load_case("while_recursive_body")
    it = make_interpreter(model_content=data)
    with pytest.raises(ValueError, match=r"subgraph 0 \('main'\)"):
        it.allocate_tensors()


@slimrt_only
@pytest.mark.op_model
def test_read_variable_of_run_time_shape_matches():
    """A variable assigned from a [-1, 3] input: READ_VARIABLE follows every resize (the official runtime
    corrupts its heap on this model; the reference is the same arithmetic inline)."""
    doc, data = load_case("read_variable_dynamic_shape")
    check_steps("read_variable_dynamic_shape", doc, data)


@slimrt_only
@pytest.mark.op_model
def test_call_matches_the_inline_subgraph():
    """CALL (no official kernel): slimrt must run it and match the same ops inline, not refuse it."""
    doc, data = load_case("call_subgraph")
    check_outputs("call_subgraph", doc, run_case(doc, data))


@slimrt_only
@pytest.mark.op_model
def test_shape_chain_folds_at_allocate():
    """SHAPE -> STRIDED_SLICE -> PACK of a resized input fold to a constant at allocate_tensors(): invoke runs only
    RESHAPE and ADD (the profile lists the nodes invoke ran), for every size the input is resized to."""
    doc, data = load_case("dyn_shape_chain_reshape")
    it = make_interpreter(model_content=data)
    it.allocate_tensors()
    for n in (3, 6, 1):
        it.resize_tensor_input(doc["inputs"][0]["index"], [1, n, 4])
        it.allocate_tensors()
        it.set_tensor(doc["inputs"][0]["index"], np.ones((1, n, 4), np.float32))
        it._engine.set_profiling(True)
        it.invoke()
        ran = [op for _, _, op, _ in it._engine.timings()]
        it._engine.set_profiling(False)
        assert ran == ["RESHAPE", "ADD"], ran
        assert it.get_tensor(it.get_output_details()[0]["index"]).shape == (1, n, 2, 2)
