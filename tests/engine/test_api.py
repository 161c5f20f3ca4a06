"""tflite_runtime / ai_edge_litert Interpreter API compatibility.

Expected details are what ai-edge-litert 2.3.0 reported for the same models (recorded in refs.json by
scripts/make_refs.py), so these tests need no ai-edge-litert.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from conftest import (ALL_MODELS, GENERATED, IMPL, REFS, REPO, assert_close, assert_exact, float_inputs, load_refs,
                      make_interpreter, model_path, slimrt_only)

# The same conversion the reference data was written with (scripts/make_refs.py), applied to our dicts.
sys.path.insert(0, str(REPO / "scripts"))
from make_refs import detail_json  # noqa: E402

pytestmark = pytest.mark.api


def interp(model, allocate=True):
    it = make_interpreter(model_path=str(model_path(model)))
    if allocate:
        it.allocate_tensors()
    return it


def keyset(d, prefix=""):
    keys = set()
    for k, v in d.items():
        keys.add(prefix + k)
        if isinstance(v, dict):
            keys |= keyset(v, prefix + k + ".")
    return keys


@pytest.mark.parametrize("which", ["input_details", "output_details"])
@pytest.mark.parametrize("model", ALL_MODELS)
def test_detail_keys_match_official(model, which):
    want = load_refs(model)[which]
    got = [detail_json(d) for d in getattr(interp(model), "get_" + which)()]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert keyset(g) == keyset(w), f"{model} {which} keys: missing {sorted(keyset(w) - keyset(g))}, " \
                                       f"extra {sorted(keyset(g) - keyset(w))}"


def compare_detail(g, w, what):
    for k in ("name", "index", "shape", "shape_signature", "dtype"):
        assert g[k] == w[k], f"{what}: {k} is {g[k]!r}, ai-edge-litert says {w[k]!r}"
    assert np.float32(g["quantization"][0]) == np.float32(w["quantization"][0]) and \
        g["quantization"][1] == w["quantization"][1], f"{what}: quantization {g['quantization']} != {w['quantization']}"
    gq, wq = g["quantization_parameters"], w["quantization_parameters"]
    assert np.array_equal(np.float32(gq["scales"]), np.float32(wq["scales"])), f"{what}: scales"
    assert list(gq["zero_points"]) == list(wq["zero_points"]), f"{what}: zero_points"
    assert gq["quantized_dimension"] == wq["quantized_dimension"], f"{what}: quantized_dimension"
    assert g["sparsity_parameters"] == w["sparsity_parameters"], f"{what}: sparsity_parameters"


@pytest.mark.parametrize("which", ["input_details", "output_details"])
@pytest.mark.parametrize("model", ALL_MODELS)
def test_detail_values_match_official(model, which):
    want = load_refs(model)[which]
    got = [detail_json(d) for d in getattr(interp(model), "get_" + which)()]
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want)):
        compare_detail(g, w, f"{model} {which}[{k}]")
    for d in getattr(interp(model), "get_" + which)():
        assert isinstance(d["shape"], np.ndarray) and d["shape"].dtype == np.int32
        assert isinstance(d["dtype"], type) and issubclass(d["dtype"], np.generic), d["dtype"]
        assert isinstance(d["index"], int)


@pytest.mark.parametrize("model", ALL_MODELS)
def test_tensor_details_match_official(model):
    want = load_refs(model)["tensor_details"]
    got = [detail_json(d) for d in interp(model).get_tensor_details()]
    if IMPL == "slimrt":
        assert len(got) == len(want), f"{model}: {len(got)} tensors, the model (and ai-edge-litert) has {len(want)}"
    else:  # the official kernels append their temporaries after the model's tensors
        got = got[:len(want)]
    bad = []
    for g, w in zip(got, want):
        try:
            compare_detail(g, w, f"{model} tensor {w['index']} '{w['name']}'")
        except AssertionError as e:
            bad.append(str(e).splitlines()[0])
    assert not bad, f"{len(bad)} tensor details differ, e.g.:\n" + "\n".join(bad[:8])


def test_signature_list():
    for model in ALL_MODELS:
        assert interp(model, allocate=False).get_signature_list() == load_refs(model)["signature_list"], model


def test_set_tensor_rejects_wrong_dtype_and_shape():
    it = interp("hand_recrop")
    d = it.get_input_details()[0]
    x = float_inputs("hand_recrop")[0]
    with pytest.raises(ValueError):
        it.set_tensor(d["index"], x.astype(np.float64))
    with pytest.raises(ValueError):
        it.set_tensor(d["index"], x.astype(np.int8))
    with pytest.raises(ValueError):
        it.set_tensor(d["index"], x[:, :128])
    with pytest.raises(ValueError):
        it.set_tensor(d["index"], x.reshape(1, 256, 3, 256))
    nabu = interp("okay_nabu")
    with pytest.raises(ValueError):
        nabu.set_tensor(0, np.zeros((1, 3, 40), np.uint8))
    with pytest.raises(ValueError):
        nabu.set_tensor(0, np.zeros((1, 3, 40), np.float32))
    it.set_tensor(d["index"], x)  # still usable after the errors


def test_set_tensor_bad_index():
    it = interp("hand_recrop")
    with pytest.raises(ValueError):
        it.set_tensor(100000, np.zeros((1,), np.float32))
    with pytest.raises(ValueError):
        it.get_tensor(-5)


def test_invoke_before_allocate_raises():
    it = interp("hand_recrop", allocate=False)
    with pytest.raises((ValueError, RuntimeError)):
        it.invoke()


def test_get_tensor_returns_a_copy():
    it = interp("hand_recrop")
    d = it.get_input_details()[0]
    x = float_inputs("hand_recrop")[0]
    it.set_tensor(d["index"], x)
    got = it.get_tensor(d["index"])
    got[...] = 7
    assert_exact(it.get_tensor(d["index"]), x, "input after modifying a get_tensor() result")


def test_tensor_view_reads_and_writes_in_place():
    model = "hand_recrop"
    refs = load_refs(model)
    it = interp(model)
    inp = it.get_input_details()[0]["index"]
    out = it.get_output_details()[0]["index"]
    it.tensor(inp)()[...] = float_inputs(model)[0]  # write through the view, no set_tensor
    it.invoke()
    view = it.tensor(out)()
    assert_exact(view, it.get_tensor(out), "tensor() view vs get_tensor()")
    meta = refs["outputs"][0]
    assert_close(view, np.load(REFS / model / meta["file"]), meta["tol"], "output read through tensor() view")


def test_resize_tensor_input_batch():
    """hand_recrop with batch 2 (both rows the reference input) gives the reference output twice."""
    model = "hand_recrop"
    refs = load_refs(model)
    it = interp(model)
    d = it.get_input_details()[0]
    x = float_inputs(model)[0]
    it.resize_tensor_input(d["index"], [2, 256, 256, 3])
    it.allocate_tensors()
    assert list(it.get_input_details()[0]["shape"]) == [2, 256, 256, 3]
    it.set_tensor(d["index"], np.concatenate([x, x]))
    it.invoke()
    out = it.get_tensor(it.get_output_details()[0]["index"])
    meta = refs["outputs"][0]
    ref = np.load(REFS / model / meta["file"])
    assert out.shape == (2,) + ref.shape[1:]
    for b in range(2):
        assert_close(out[b:b + 1], ref, meta["tol"], f"resized batch row {b}")


def test_resize_tensor_input_spatial():
    """A generated single-op model resized to a new spatial size; RELU is checked against numpy."""
    data = (GENERATED / "relu.tflite").read_bytes()
    it = make_interpreter(model_content=data)
    idx = it.get_input_details()[0]["index"]
    it.resize_tensor_input(idx, [2, 7, 3, 3])
    it.allocate_tensors()
    x = np.random.default_rng(5).standard_normal((2, 7, 3, 3)).astype(np.float32)
    it.set_tensor(idx, x)
    it.invoke()
    out = it.get_tensor(it.get_output_details()[0]["index"])
    assert_exact(out, np.maximum(x, 0), "relu after resize")
    with pytest.raises((ValueError, RuntimeError)):
        it.resize_tensor_input(idx, [1, 5, 9, 3], strict=True)  # static shape: strict resize refused


def test_num_threads_two_same_as_one():
    model = "face_detection_short_range"
    outs = []
    for n in (1, 2):
        it = make_interpreter(model_path=str(model_path(model)), num_threads=n)
        it.allocate_tensors()
        it.set_tensor(it.get_input_details()[0]["index"], float_inputs(model)[0])
        it.invoke()
        outs.append([it.get_tensor(d["index"]) for d in it.get_output_details()])
    for a, b in zip(*outs):
        assert_exact(b, a, "num_threads=2 vs 1")


def test_model_content_and_model_path_agree():
    model = "okay_nabu"
    a = make_interpreter(model_path=str(model_path(model)))
    b = make_interpreter(model_content=model_path(model).read_bytes())
    for it in (a, b):
        it.allocate_tensors()
    x = np.load(REFS / model / "in_0.npy")
    outs = []
    for it in (a, b):
        it.set_tensor(0, x[0])
        it.invoke()
        outs.append(it.get_tensor(it.get_output_details()[0]["index"]))
    assert_exact(outs[1], outs[0], "model_content vs model_path")


def test_missing_model_file_raises():
    with pytest.raises((ValueError, OSError)):
        make_interpreter(model_path=str(REPO / "no_such_model.tflite"))


NUMPY_FREE = textwrap.dedent(r"""
    import sys
    import slimrt
    from slimrt.interpreter import Interpreter
    leaked = sorted(m for m in sys.modules if m == "numpy" or m.startswith("numpy."))
    assert not leaked, "import slimrt imported numpy: %s" % leaked
    sys.modules["numpy"] = None  # from here on, `import numpy` raises ImportError
    import array, json, math
    case = json.load(open(sys.argv[1]))
    it = Interpreter(model_path=sys.argv[2])
    it.allocate_tensors()
    for x in case["inputs"]:
        it.set_tensor(x["index"], array.array("f", x["data"]))
    it.invoke()
    for o in case["outputs"]:
        got = it.get_tensor(o["index"])
        assert isinstance(got, memoryview), type(got)
        assert list(got.shape) == o["ref"]["shape"], (got.shape, o["ref"]["shape"])
        flat = got.cast("B").cast(got.format).tolist()
        worst = max(abs(a - b) for a, b in zip(flat, o["ref"]["data"]))
        assert worst <= o["tol"], (worst, o["tol"])
    details = it.get_input_details()
    assert details[0]["dtype"] == "float32", details[0]["dtype"]
    # int8 model, inputs as array.array('b') and as a memoryview of bytes
    nabu = Interpreter(model_path=sys.argv[3])
    nabu.allocate_tensors()
    nabu.set_tensor(0, array.array("b", [-128] * 120))
    nabu.invoke()
    a = nabu.get_tensor(nabu.get_output_details()[0]["index"]).tolist()
    nabu.set_tensor(0, memoryview(bytes(120)))
    nabu.invoke()
    assert "numpy" not in [m for m in sys.modules if sys.modules[m] is not None]
    print("OK", a)
""")


@slimrt_only
def test_numpy_free_use(tmp_path):
    script = tmp_path / "numpy_free.py"
    script.write_text(NUMPY_FREE)
    r = subprocess.run([sys.executable, str(script), str(GENERATED / "conv_same_s1.json"),
                        str(GENERATED / "conv_same_s1.tflite"), str(model_path("okay_nabu"))],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "OK" in r.stdout, f"rc={r.returncode}\nstdout:{r.stdout}\nstderr:{r.stderr[-3000:]}"


@slimrt_only
def test_numpy_free_int8_sequence_matches_reference(tmp_path):
    """okay_nabu through array.array only, first steps bit-exact with the reference kernels."""
    xs = np.load(REFS / "okay_nabu" / "in_0.npy")[:6]
    want = np.load(REFS / "okay_nabu" / "out_0.npy")[:6].ravel().tolist()
    (tmp_path / "steps.json").write_text(json.dumps(xs.reshape(len(xs), -1).tolist()))
    script = tmp_path / "seq.py"
    script.write_text(textwrap.dedent("""
        import sys, json, array
        sys.modules["numpy"] = None
        from slimrt.interpreter import Interpreter
        it = Interpreter(model_path=sys.argv[1])
        it.allocate_tensors()
        out = it.get_output_details()[0]["index"]
        res = []
        for step in json.load(open(sys.argv[2])):
            it.set_tensor(0, array.array("b", step))
            it.invoke()
            res.append(it.get_tensor(out).cast("B").tolist()[0])
        print(json.dumps(res))
    """))
    r = subprocess.run([sys.executable, str(script), str(model_path("okay_nabu")), str(tmp_path / "steps.json")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    assert json.loads(r.stdout.strip().splitlines()[-1]) == want
