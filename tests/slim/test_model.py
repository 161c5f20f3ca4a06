"""slim model: re-encoded weights (float16, int8 dynamic range) that the official runtime loads and runs, checked
outputs, and the generic .tflite reader/writer under it (round trips exactly, refuses malformed files cleanly)."""
from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import MODELS, REPO

sys.path.insert(0, str(REPO / "tests" / "engine"))
import fbreader  # noqa: E402  (engine-independent reader, to look at what slim wrote)

from slim.errors import InputError  # noqa: E402
from slim.tflite.flatbuf import read_model, write_model  # noqa: E402

ZOO = REPO / "tests" / "data" / "zoo"
REFENV = Path(os.environ.get("SLIM_REFENV", REPO / ".cache" / "refenv"))


def slim(*args, env=None):
    return subprocess.run([sys.executable, "-m", "slim", *map(str, args)], capture_output=True, text=True,
                          env=dict(os.environ, **(env or {}),
                                   PYTHONPATH=os.pathsep.join(filter(None, [str(REPO / "slim"),
                                                                            os.environ.get("PYTHONPATH")]))),
                          cwd=REPO)


@pytest.fixture(scope="module")
def official_python() -> str:
    """The refenv's Python (ai-edge-litert), made by scripts/make_refs.py if missing."""
    py = REFENV / "bin" / "python"
    if not py.exists():
        r = subprocess.run([sys.executable, str(REPO / "scripts" / "make_refs.py"), "--ensure-only"],
                           capture_output=True, text=True)
        assert py.exists(), f"cannot create the refenv: {r.stderr[-2000:]}"
    return str(py)


def run_outputs(python: str, runtime_import: str, path: Path) -> list:
    code = (f"import sys, numpy as np\n{runtime_import}\nit = Interpreter(model_path=sys.argv[1]); it.allocate_tensors()\n"
            "rng = np.random.default_rng(3)\n"
            "for d in it.get_input_details(): it.set_tensor(d['index'], rng.uniform(-1, 1, d['shape']).astype(d['dtype']))\n"
            "it.invoke()\nnp.savez(sys.argv[2], *[it.get_tensor(d['index']) for d in it.get_output_details()])\n")
    out = path.with_suffix(".npz")
    r = subprocess.run([python, "-c", code, str(path), str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    z = np.load(out)
    return [z[k] for k in sorted(z.files, key=lambda s: int(s.split("_")[1]))]


@pytest.mark.parametrize("name", ["hand_recrop", "face_detection_short_range", "hand_landmark_lite", "okay_nabu",
                                  "transformer.int8", "lstm.dynamic", "unet.fp16"])
def test_read_write_round_trip_is_exact(name, tmp_path):
    src = (MODELS if (MODELS / f"{name}.tflite").exists() else ZOO) / f"{name}.tflite"
    data = src.read_bytes()
    once = write_model(read_model(data))
    assert write_model(read_model(once)) == once  # stable
    assert fbreader.op_uses(once) == fbreader.op_uses(data)
    out = tmp_path / "rt.tflite"
    out.write_bytes(once)
    from slimrt.interpreter import Interpreter  # noqa: F401 (the runtime the tests install)
    imp = "from slimrt.interpreter import Interpreter"
    a, b = run_outputs(sys.executable, imp, src), run_outputs(sys.executable, imp, out)
    assert all(x.tobytes() == y.tobytes() for x, y in zip(a, b))


def test_reader_refuses_damaged_files_cleanly():
    data = (MODELS / "hand_recrop.tflite").read_bytes()
    rng = random.Random(7)
    with pytest.raises(InputError):
        read_model(data[:1000])
    with pytest.raises(InputError):
        read_model(b"\0" * 64)
    for _ in range(300):
        buf = bytearray(data[:20000]) if rng.random() < 0.5 else bytearray(data)
        for _ in range(rng.randint(1, 8)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        try:
            write_model(read_model(bytes(buf)))
        except InputError:
            pass  # anything else (IndexError, struct.error, RecursionError...) fails the test


@pytest.mark.parametrize("weights", ["float16", "int8-dynamic"])
def test_slim_model_output_runs_in_official_runtime(weights, tmp_path, official_python):
    src = MODELS / "hand_recrop.tflite"
    out = tmp_path / f"hand_recrop.{weights}.tflite"
    report = tmp_path / "report.json"
    r = slim("model", src, "-o", out, "--weights", weights, "--json", report)
    assert r.returncode == 0, r.stderr
    assert out.exists() and out.stat().st_size < 0.75 * src.stat().st_size
    import json
    rep = json.loads(report.read_text())
    assert rep["written"] and rep["max_error"] <= 0.05 and rep["tensors_converted"] > 0
    # The official runtime loads and runs it, and agrees with slimrt on it.
    ours = run_outputs(sys.executable, "from slimrt.interpreter import Interpreter", out)
    theirs = run_outputs(official_python, "from ai_edge_litert.interpreter import Interpreter", out)
    orig = run_outputs(official_python, "from ai_edge_litert.interpreter import Interpreter", src)
    for a, b, o in zip(ours, theirs, orig):
        scale = float(np.abs(o).max())
        assert float(np.abs(b - o).max()) <= 0.05 * scale  # the re-encoded model is close to the original
        assert float(np.abs(a - b).max()) <= 0.05 * scale
    uses = fbreader.op_uses(out.read_bytes())
    if weights == "float16":
        assert ("DEQUANTIZE", 3, "float16") in uses
    else:
        assert ("CONV_2D", 5, "float32") in uses  # hybrid: float activations, int8 weights


def test_int8_dynamic_is_per_channel_symmetric(tmp_path):
    out = tmp_path / "m.tflite"
    assert slim("model", MODELS / "hand_recrop.tflite", "-o", out, "--weights", "int8-dynamic").returncode == 0
    m = read_model(out.read_bytes())
    sg = m["Subgraphs"][0]
    q = [t for t in sg["Tensors"] if t.get("Type") == 9]
    assert q
    for t in q:
        qp = t["Quantization"]
        shape = t["Shape"].values()
        assert len(qp["Scale"]) == shape[qp.get("QuantizedDimension", 0)]
        assert set(qp["ZeroPoint"].values()) == {0}


def test_refuses_to_write_over_max_error(tmp_path):
    out = tmp_path / "m.tflite"
    r = slim("model", MODELS / "hand_recrop.tflite", "-o", out, "--weights", "int8-dynamic", "--max-error", "1e-9")
    assert r.returncode == 1 and "exceeds --max-error" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


@pytest.mark.parametrize("case", ["truncated", "not_tflite", "same_as_input", "nothing_to_convert", "missing"])
def test_bad_input(case, tmp_path):
    src = tmp_path / "in.tflite"
    data = (MODELS / "hand_recrop.tflite").read_bytes()
    src.write_bytes({"truncated": data[:5000], "not_tflite": b"hello world" * 10}.get(case, data))
    out = tmp_path / "out.tflite"
    args = ["model", src, "-o", src if case == "same_as_input" else out, "--weights", "float16"]
    if case == "nothing_to_convert":
        args[1] = MODELS / "face_detection_short_range.tflite"  # already float16 weights
    if case == "missing":
        args[1] = tmp_path / "nope.tflite"
    before = src.read_bytes()
    r = slim(*args)
    want = {"same_as_input": 4, "missing": 2}.get(case, 3)
    assert r.returncode == want, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert src.read_bytes() == before and not out.exists()


def test_schema_table_is_current(tmp_path, official_python):
    """slim/slim/tflite/schema.py is what scripts/gen_tflite_schema.py derives from the pinned ai-edge-litert."""
    env = dict(os.environ, SLIM_REFENV=str(REFENV), SLIM_SCHEMA_OUT=str(tmp_path / "schema.py"))
    r = subprocess.run([sys.executable, str(REPO / "scripts" / "gen_tflite_schema.py")], capture_output=True,
                       text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "schema.py").read_text() == (REPO / "slim" / "slim" / "tflite" / "schema.py").read_text()
