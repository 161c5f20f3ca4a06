#!/usr/bin/env python3
"""Write the official runtime's reference outputs for the real test models.

For every model in ``tests/data/models/`` this writes ``tests/data/refs/<model>/``:

* ``in_<k>.npy``   seeded inputs (float models: uint8 codes, see below; okay_nabu: an int8 sequence)
* ``out_<k>.npy``  outputs of ai-edge-litert's builtin kernels without delegates
                   (``BUILTIN_WITHOUT_DEFAULT_DELEGATES``; okay_nabu: ``BUILTIN_REF``, the reference kernels)
* ``out_<k>.xnnpack.npy``  float models only: outputs of the default kernels (XNNPACK delegate)
* ``refs.json``    runtime versions, seed, kernel sets, per-output tolerance, and the
                   get_input_details / get_output_details / get_tensor_details / get_signature_list
                   that ai-edge-litert reports (so the API tests need no ai-edge-litert).

Float inputs are stored as uint8 codes ``u`` and the model input is ``float32(u - 128) / 128``
(exact in float32, values in [-1, 1)); that keeps the committed data small (~400 kB).

Tolerance rule per float output: ``max|ours - ref| <= tol`` with
``tol = max(1e-4 * max(1, max|ref|), 2 * spread)`` where ``spread = max|xnnpack - builtin|``;
``tol_rule`` in refs.json says which term won.

okay_nabu (int8, stateful) gets a sequence of seeded int8 inputs fed in order to one interpreter
with the reference kernels; the expected outputs are bit-exact.  Because its one output saturates
to 0 after a few steps, a derived copy ``okay_nabu/taps.tflite`` also exposes every intermediate
arithmetic op's output as a subgraph output (the model is otherwise unchanged); its outputs per step are in
``taps_out.npy`` (int16, one row per step, columns per output as listed in refs.json).

The official runtime runs in a private venv ``.cache/refenv`` (ai-edge-litert 2.3.0, numpy,
flatbuffers), created on first use; the script re-executes itself there.

    python3 scripts/make_refs.py            # (re)write all refs
    python3 scripts/make_refs.py okay_nabu  # one model

Deterministic: running it twice gives byte-identical files.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "tests" / "data" / "models"
REFS = REPO / "tests" / "data" / "refs"
REFENV = Path(os.environ.get("SLIM_REFENV", REPO / ".cache" / "refenv"))
REF_PACKAGES = ["ai-edge-litert==2.3.0", "numpy==2.4.6", "flatbuffers==25.12.19"]
SEED = 20240611
NABU_STEPS = 40


def refenv_python() -> Path:
    return REFENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_refenv() -> None:
    """Re-exec the calling script inside .cache/refenv (creating it if missing)."""
    if os.environ.get("SLIM_IN_REFENV") == "1":
        return
    py = refenv_python()
    if not py.exists():
        print(f"creating {REFENV} with {' '.join(REF_PACKAGES)}", file=sys.stderr)
        subprocess.check_call([sys.executable, "-m", "venv", str(REFENV)])
        subprocess.check_call([str(py), "-m", "pip", "install", "-q", *REF_PACKAGES])
    env = dict(os.environ, SLIM_IN_REFENV="1", TF_CPP_MIN_LOG_LEVEL="3")
    main_file = os.path.abspath(sys.modules["__main__"].__file__)
    sys.exit(subprocess.call([str(py), main_file, *sys.argv[1:]], env=env))


# ----------------------------------------------------------------------------- helpers (refenv only)

def versions() -> dict:
    import importlib.metadata as md
    import numpy as np
    return {"ai_edge_litert": md.version("ai-edge-litert"), "numpy": np.__version__,
            "flatbuffers": md.version("flatbuffers"), "python": sys.version.split()[0]}


def detail_json(d: dict) -> dict:
    """A get_*_details() dict as JSON: arrays -> lists, dtype -> numpy dtype name."""
    import numpy as np
    out = {}
    for k, v in d.items():
        if k == "dtype":
            out[k] = np.dtype(v).name
        elif isinstance(v, np.ndarray):
            out[k] = v.tolist()
        elif k == "quantization":
            out[k] = [float(v[0]), int(v[1])]
        elif isinstance(v, dict):
            out[k] = {kk: (vv.tolist() if isinstance(vv, np.ndarray) else
                           (int(vv) if isinstance(vv, (np.integer,)) else vv)) for kk, vv in v.items()}
        elif isinstance(v, np.integer):
            out[k] = int(v)
        else:
            out[k] = v
    return out


def make_interp(model, kernels: str, **kw):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    rt = {"AUTO": OpResolverType.AUTO, "BUILTIN_WITHOUT_DEFAULT_DELEGATES":
          OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES, "BUILTIN_REF": OpResolverType.BUILTIN_REF}[kernels]
    if isinstance(model, (bytes, bytearray)):
        it = Interpreter(model_content=bytes(model), experimental_op_resolver_type=rt, num_threads=1, **kw)
    else:
        it = Interpreter(model_path=str(model), experimental_op_resolver_type=rt, num_threads=1, **kw)
    it.allocate_tensors()
    return it


def run_once(it, inputs):
    for d, x in zip(it.get_input_details(), inputs):
        it.set_tensor(d["index"], x)
    it.invoke()
    return [it.get_tensor(d["index"]).copy() for d in it.get_output_details()]


def save_npy(path: Path, arr) -> None:
    import numpy as np
    with open(path, "wb") as f:
        np.lib.format.write_array(f, np.ascontiguousarray(arr), allow_pickle=False)


def tolerance(ref, alt) -> dict:
    import numpy as np
    ref64, alt64 = ref.astype(np.float64), alt.astype(np.float64)
    max_ref = float(np.abs(ref64).max()) if ref.size else 0.0
    spread = float(np.abs(ref64 - alt64).max()) if ref.size else 0.0
    base = 1e-4 * max(1.0, max_ref)
    if 2 * spread > base:
        return {"max_abs_ref": max_ref, "spread": spread, "tol": 2 * spread,
                "tol_rule": "2*spread: the two official kernel sets disagree more than 1e-4*max(1,max|ref|)"}
    return {"max_abs_ref": max_ref, "spread": spread, "tol": base, "tol_rule": "1e-4*max(1,max|ref|)"}


def model_tensor_count(model_bytes: bytes) -> int:
    from ai_edge_litert import schema_py_generated as s
    return s.Model.GetRootAsModel(model_bytes, 0).Subgraphs(0).TensorsLength()


def api_details(it, model_bytes: bytes) -> dict:
    """What ai-edge-litert reports. tensor_details: the model's own tensors of subgraph 0 only (the builtin
    kernels append their temporaries, e.g. im2col buffers, after them)."""
    n = model_tensor_count(model_bytes)
    return {
        "input_details": [detail_json(d) for d in it.get_input_details()],
        "output_details": [detail_json(d) for d in it.get_output_details()],
        "tensor_details": [detail_json(d) for d in it.get_tensor_details() if d["index"] < n],
        "signature_list": it.get_signature_list(),
    }


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=1, sort_keys=True) + "\n")


# ----------------------------------------------------------------------------- float models

def float_refs(name: str, model: Path, out_dir: Path) -> None:
    import numpy as np
    rng = np.random.default_rng(SEED)
    builtin = make_interp(model, "BUILTIN_WITHOUT_DEFAULT_DELEGATES")
    xnn = make_interp(model, "AUTO")
    inputs, in_meta = [], []
    for k, d in enumerate(builtin.get_input_details()):
        assert np.dtype(d["dtype"]) == np.float32, (name, d)
        codes = rng.integers(0, 256, size=tuple(d["shape"]), dtype=np.uint8)
        save_npy(out_dir / f"in_{k}.npy", codes)
        inputs.append((codes.astype(np.float32) - np.float32(128)) / np.float32(128))
        in_meta.append({"file": f"in_{k}.npy", "index": int(d["index"]), "name": d["name"],
                        "encoding": "u8_centered", "decode": "float32(u8 - 128) / 128"})
    ref = run_once(builtin, inputs)
    alt = run_once(xnn, inputs)
    out_meta = []
    for k, (r, a) in enumerate(zip(ref, alt)):
        save_npy(out_dir / f"out_{k}.npy", r)
        save_npy(out_dir / f"out_{k}.xnnpack.npy", a)
        meta = {"file": f"out_{k}.npy", "alt_file": f"out_{k}.xnnpack.npy",
                "index": int(builtin.get_output_details()[k]["index"]),
                "name": builtin.get_output_details()[k]["name"]}
        meta.update(tolerance(r, a))
        out_meta.append(meta)
    doc = {"model": model.name, "kind": "float", "seed": SEED, "runtime": versions(),
           "kernels": {"ref": "BUILTIN_WITHOUT_DEFAULT_DELEGATES (builtin optimized kernels, no delegate)",
                       "alt": "AUTO (default kernels: XNNPACK delegate)"},
           "tolerance": "max|ours-ref| <= tol, tol = max(1e-4*max(1,max|ref|), 2*max|xnnpack-builtin|); "
                        "checked against both out_k.npy and out_k.xnnpack.npy",
           "inputs": in_meta, "outputs": out_meta}
    doc.update(api_details(make_interp(model, "BUILTIN_REF"), model.read_bytes()))
    write_json(out_dir / "refs.json", doc)


# ----------------------------------------------------------------------------- okay_nabu

def nabu_inputs(n: int):
    """Seeded int8 steps of varied kinds: full-range noise, low 'silence', smooth 'spectra'."""
    import numpy as np
    rng = np.random.default_rng(SEED)
    steps = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            x = rng.integers(-128, 128, size=(1, 3, 40))
        elif kind == 1:
            x = rng.integers(-128, -90, size=(1, 3, 40))
        elif kind == 2:
            base = rng.uniform(-128, 60)
            amp = rng.uniform(10, 60)
            ph = rng.uniform(0, 6.28)
            f = np.arange(40)[None, None, :] * rng.uniform(0.05, 0.4) + ph + np.arange(3)[None, :, None] * 0.3
            x = np.round(base + amp * np.sin(f))
        else:
            x = np.full((1, 3, 40), rng.integers(-128, 128))
        steps.append(np.clip(x, -128, 127).astype(np.int8))
    return np.stack(steps)


def tapped_model(model_bytes: bytes) -> tuple[bytes, list[int]]:
    """okay_nabu with the output of every arithmetic op of subgraph 0 (conv, depthwise, fully connected,
    logistic, quantize) added as a subgraph output."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as s
    m = s.ModelT.InitFromObj(s.Model.GetRootAsModel(model_bytes, 0))
    g = m.subgraphs[0]
    outs = list(g.outputs)
    taps = []
    arith = {s.BuiltinOperator.CONV_2D, s.BuiltinOperator.DEPTHWISE_CONV_2D, s.BuiltinOperator.FULLY_CONNECTED,
             s.BuiltinOperator.LOGISTIC, s.BuiltinOperator.QUANTIZE}
    for op in g.operators:
        code = m.operatorCodes[op.opcodeIndex]
        if max(code.builtinCode, code.deprecatedBuiltinCode) not in arith:
            continue
        for t in op.outputs:
            tt = g.tensors[t]
            if tt.type in (s.TensorType.INT8, s.TensorType.UINT8) and t not in outs and t not in taps:
                taps.append(int(t))
    g.outputs = outs + taps
    b = flatbuffers.Builder(1 << 16)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output()), g.outputs


def nabu_refs(name: str, model: Path, out_dir: Path) -> None:
    import numpy as np
    xs = nabu_inputs(NABU_STEPS)
    save_npy(out_dir / "in_0.npy", xs)
    it = make_interp(model, "BUILTIN_REF")
    outs = [run_once(it, [x])[0] for x in xs]
    save_npy(out_dir / "out_0.npy", np.stack(outs))
    # after reset_all_variables the official runtime's outputs for the first steps again
    it.reset_all_variables()
    after_reset = [run_once(it, [x])[0] for x in xs[:5]]
    save_npy(out_dir / "out_0.after_reset.npy", np.stack(after_reset))
    # signature runner outputs for the first steps on a fresh interpreter
    it2 = make_interp(model, "BUILTIN_REF")
    runner = it2.get_signature_runner("serving_default")
    sig = [runner(input_audio=x)["dense"].copy() for x in xs[:5]]
    save_npy(out_dir / "out_0.signature.npy", np.stack(sig))

    tap_bytes, tap_outs = tapped_model(model.read_bytes())
    (out_dir / "taps.tflite").write_bytes(tap_bytes)
    ti = make_interp(tap_bytes, "BUILTIN_REF")
    rows, cols = [], []
    for d in ti.get_output_details():
        cols.append({"index": int(d["index"]), "name": d["name"], "dtype": np.dtype(d["dtype"]).name,
                     "shape": d["shape"].tolist()})
    for x in xs:
        rows.append(np.concatenate([o.astype(np.int16).ravel() for o in run_once(ti, [x])]))
    taps = np.stack(rows)
    save_npy(out_dir / "taps_out.npy", taps)
    off = 0
    for c in cols:
        c["offset"] = off
        off += int(np.prod(c["shape"]))
    assert np.array_equal(taps[:, 0], np.stack(outs).reshape(len(xs)).astype(np.int16)), "taps model diverged"
    d = it.get_input_details()[0]
    doc = {"model": model.name, "kind": "int8_stateful", "seed": SEED, "runtime": versions(),
           "kernels": {"ref": "BUILTIN_REF (reference kernels)"},
           "tolerance": "bit-exact",
           "steps": int(len(xs)),
           "inputs": [{"file": "in_0.npy", "index": int(d["index"]), "name": d["name"],
                       "encoding": "sequence", "decode": "row i is the input of invoke i"}],
           "outputs": [{"file": "out_0.npy", "index": int(it.get_output_details()[0]["index"]),
                        "name": it.get_output_details()[0]["name"], "tol": 0,
                        "after_reset_file": "out_0.after_reset.npy",
                        "after_reset_note": "reset_all_variables() after the whole sequence, then steps 0..4",
                        "signature_file": "out_0.signature.npy",
                        "signature_note": "fresh interpreter, get_signature_runner('serving_default')"
                                          "(input_audio=step) -> ['dense'], steps 0..4"}],
           "taps": {"model": "taps.tflite", "file": "taps_out.npy",
                    "note": "okay_nabu with the output of every CONV_2D/DEPTHWISE_CONV_2D/FULLY_CONNECTED/LOGISTIC/"
                            "QUANTIZE op of subgraph 0 added as a subgraph output; "
                            "row i = all outputs after invoke i, flattened, as int16",
                    "outputs": cols}}
    doc.update(api_details(make_interp(model, "BUILTIN_REF"), model.read_bytes()))
    write_json(out_dir / "refs.json", doc)


def main() -> None:
    if "--ensure-only" in sys.argv:  # create the refenv (if missing) and stop; for tests that need it
        if os.environ.get("SLIM_IN_REFENV") == "1":
            return
        ensure_refenv()
    ensure_refenv()
    wanted = set(sys.argv[1:])
    for model in sorted(MODELS.glob("*.tflite")):
        name = model.stem
        if wanted and name not in wanted:
            continue
        out_dir = REFS / name
        out_dir.mkdir(parents=True, exist_ok=True)
        for old in out_dir.glob("*"):
            old.unlink()
        if name == "okay_nabu":
            nabu_refs(name, model, out_dir)
        else:
            float_refs(name, model, out_dir)
        size = sum(p.stat().st_size for p in out_dir.iterdir())
        print(f"{name}: {len(list(out_dir.iterdir()))} files, {size / 1024:.0f} kB")


if __name__ == "__main__":
    main()
