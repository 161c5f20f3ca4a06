#!/usr/bin/env python3
"""Reference outputs of the official runtime (ai-edge-litert, in the refenv) for zoo models, into the zoo cache.

    python3 scripts/zoo_refs.py JOBS.json     # JOBS: [{"id", "path", "out"}, ...]; usually run by scripts/zoo.py

For every job it writes ``<out>/refs.json`` and ``<out>/data.npz`` (no pickles):

* seeded inputs (seed = SEED xor the model's sha256), of the input's dtype: float32 ``float32(u8 - 128) / 128``
  codes (exact, in [-1, 1)); int8/uint8/int16 varied sequences (noise, quiet, smooth, constant); int32/int64 in
  [0, 16); bool random. Inputs declared ``-1`` in shape_signature are resized the way a user would (batch 2,
  other free dims 1; back to the declared shape if the official runtime refuses that).
* stateful models (variable tensors or VAR_HANDLE) are fed ``STATEFUL_STEPS`` inputs in order to one
  interpreter, then ``reset_all_variables()`` and the first ``RESET_STEPS`` inputs again; stateless: one step.
* outputs of the reference kernels (``BUILTIN_REF``, set ``ref``) for every model, and where an output is float
  also the builtin optimized kernels (``builtin``) and the default kernels with XNNPACK (``xnnpack``).
* per output: integer/bool outputs, and float outputs that are a DEQUANTIZE of an integer tensor (full-integer
  models with float I/O), are expected bit-exact with ``ref``; other float outputs within
  ``tol = max(1e-4*max(1, max|ref|), 2*spread)``, spread = the largest difference between any two official kernel
  sets over all steps (the rule of scripts/make_refs.py, over three kernel sets).
* a model the official runtime cannot load or run (reference or builtin kernels) gets ``official_error``.
* ``<out>/probes/``: one single-op model per op signature (zoo_probe.py), for the census.
* stateful models with integer outputs also get ``<out>/taps/``: references of a copy that outputs every
  intermediate int8 arithmetic result (see add_taps).
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_refs import SEED, detail_json, ensure_refenv, make_interp, tapped_model, versions, write_json  # noqa: E402
from zoo_probe import write_probes  # noqa: E402

FORMAT = 4            # bump when inputs or the file layout change (it is part of the cache key)
STATEFUL_STEPS = 24   # streaming wake-word models: a per-step sequence
RESET_STEPS = 3
PROBES_DIR = "probes"      # single-op probe models for the census (zoo_probe.py)
RUNNING_MARK = ".running"  # in a model's output directory while the official runtime works on it
FLOAT_SETS = {"builtin": "BUILTIN_WITHOUT_DEFAULT_DELEGATES", "xnnpack": "AUTO"}


def model_facts(data: bytes) -> dict:
    """Ops (name, version) of every subgraph and whether the model keeps state across invokes."""
    from ai_edge_litert import schema_py_generated as s
    names = {v: k for k, v in vars(s.BuiltinOperator).items() if not k.startswith("_")}
    m = s.Model.GetRootAsModel(data, 0)
    codes = []
    for i in range(m.OperatorCodesLength()):
        c = m.OperatorCodes(i)
        code = max(c.BuiltinCode(), c.DeprecatedBuiltinCode())
        name = names.get(code, str(code))
        if name == "CUSTOM":
            name = "CUSTOM:" + (c.CustomCode() or b"").decode(errors="replace")
        codes.append((name, c.Version()))
    types = {v: k.lower() for k, v in vars(s.TensorType).items() if not k.startswith("_")}
    ops, sigs, stateful = set(), set(), False
    for g in range(m.SubgraphsLength()):
        sg = m.Subgraphs(g)
        for t in range(sg.TensorsLength()):
            stateful |= bool(sg.Tensors(t).IsVariable())
        for o in range(sg.OperatorsLength()):
            op = sg.Operators(o)
            name, version = codes[op.OpcodeIndex()]
            ops.add(f"{name} v{version}")
            in0 = op.Inputs(0) if op.InputsLength() else -1
            sigs.add(f"{name} v{version} {types.get(sg.Tensors(in0).Type(), '?') if in0 >= 0 else '-'}")
            stateful |= name == "VAR_HANDLE"
    return {"ops": sorted(ops), "op_signatures": sorted(sigs), "stateful": stateful,
            "subgraphs": m.SubgraphsLength(), "dequantized_outputs": dequantized_outputs(m, codes, types)}


def dequantized_outputs(m, codes, types) -> list:
    """Positions of subgraph 0's outputs that are DEQUANTIZE results of an integer tensor (a full-integer model
    with float output): those are exact functions of the integer result, so they are compared bit-exactly."""
    sg = m.Subgraphs(0)
    producer = {}
    for o in range(sg.OperatorsLength()):
        op = sg.Operators(o)
        for j in range(op.OutputsLength()):
            producer[op.Outputs(j)] = op
    out = []
    for k in range(sg.OutputsLength()):
        op = producer.get(sg.Outputs(k))
        if op is not None and codes[op.OpcodeIndex()][0] == "DEQUANTIZE" and op.InputsLength() and \
                types.get(sg.Tensors(op.Inputs(0)).Type()) in ("int8", "uint8", "int16"):
            out.append(k)
    return out


def gen_input(rng, shape, dtype, step: int):
    import numpy as np
    dt = np.dtype(dtype)
    if dt == np.float32:
        codes = rng.integers(0, 256, size=shape, dtype=np.uint8)
        return (codes.astype(np.float32) - np.float32(128)) / np.float32(128)
    if dt == np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if dt in (np.int32, np.int64):
        return rng.integers(0, 16, size=shape).astype(dt)
    info = np.iinfo(dt)
    lo, hi = int(info.min), int(info.max)
    kind = step % 4
    if kind == 0:                     # full-range noise
        x = rng.integers(lo, hi + 1, size=shape)
    elif kind == 1:                   # quiet: the low end
        x = rng.integers(lo, lo + (hi - lo) // 6 + 1, size=shape)
    elif kind == 2:                   # smooth, like a spectrum
        n = int(np.prod(shape)) if len(shape) else 1
        t = np.arange(n) * rng.uniform(0.05, 0.4) + rng.uniform(0, 6.28)
        mid, amp = rng.uniform(lo, (lo + hi) / 2), rng.uniform(0.05, 0.25) * (hi - lo)
        x = np.round(mid + amp * np.sin(t)).reshape(shape)
    else:                             # constant
        x = np.full(shape, rng.integers(lo, hi + 1))
    return np.clip(x, lo, hi).astype(dt)


def concrete_shape(d: dict, batch: int) -> list:
    sig, shape = [int(v) for v in d["shape_signature"]], [int(v) for v in d["shape"]]
    return [(batch if i == 0 else max(1, shape[i])) if v == -1 else v for i, v in enumerate(sig)]


def open_interp(path: Path, kernels: str, resize: dict):
    it = make_interp(path, kernels)
    if resize:
        for idx, shape in resize.items():
            it.resize_tensor_input(int(idx), shape)
        it.allocate_tensors()
    return it


def run_steps(it, steps: list, reset_steps: int) -> tuple[list, list]:
    def once(xs):
        for d, x in zip(it.get_input_details(), xs):
            it.set_tensor(d["index"], x)
        it.invoke()
        return [it.get_tensor(d["index"]).copy() for d in it.get_output_details()]
    outs = [once(xs) for xs in steps]
    after = []
    if reset_steps:
        it.reset_all_variables()
        after = [once(xs) for xs in steps[:reset_steps]]
    return outs, after


def plan(path: Path, facts: dict, rng) -> tuple[dict, list, int]:
    """(resize, per-step inputs, reset steps). Tries batch 2 for free batch dims, else the declared shape."""
    probe = make_interp(path, "BUILTIN_REF")
    details = probe.get_input_details()
    free = any(-1 in list(d["shape_signature"]) for d in details)
    n_steps = STATEFUL_STEPS if facts["stateful"] else 1
    reset_steps = RESET_STEPS if facts["stateful"] else 0
    for batch in ((2, 1) if free else (None,)):
        resize = {str(d["index"]): concrete_shape(d, batch) for d in details
                  if -1 in list(d["shape_signature"])} if batch else {}
        try:
            it = open_interp(path, "BUILTIN_REF", resize)
            shapes = [tuple(d["shape"]) for d in it.get_input_details()]
            steps = [[gen_input(rng, shp, d["dtype"], s) for shp, d in zip(shapes, details)] for s in range(n_steps)]
            run_steps(it, steps[:1], 0)
            return resize, steps, reset_steps
        except Exception:  # noqa: BLE001 - the official runtime refused this shape: try the next
            if batch in (None, 1):
                raise
    raise AssertionError("unreachable")


def tolerance(sets: dict, k: int) -> dict:
    import numpy as np
    ref = np.stack([o[k] for o in sets["builtin" if "builtin" in sets else "ref"]]).astype(np.float64)
    arrays = [np.stack([o[k] for o in outs]).astype(np.float64) for outs in sets.values()]
    max_ref = float(np.nanmax(np.abs(ref))) if ref.size else 0.0
    spread = max((float(np.nanmax(np.abs(a - b))) if a.size else 0.0)
                 for i, a in enumerate(arrays) for b in arrays[i + 1:]) if len(arrays) > 1 else 0.0
    base = 1e-4 * max(1.0, max_ref)
    rule = "2*spread (official kernel sets disagree)" if 2 * spread > base else "1e-4*max(1,max|ref|)"
    return {"max_abs_ref": max_ref, "spread": spread, "tol": max(base, 2 * spread), "tol_rule": rule}


def make_refs(job: dict) -> dict:
    import numpy as np
    path, out = Path(job["path"]), Path(job["out"])
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    doc = {"format": FORMAT, "model_id": job["id"], "sha256": digest, "runtime": versions(), "seed": SEED,
           "official_error": None}
    t0 = time.time()
    facts = model_facts(data)
    doc.update(facts)
    rng = np.random.default_rng([SEED, int(digest[:16], 16)])
    try:
        resize, steps, reset_steps = plan(path, facts, rng)
    except Exception as e:  # noqa: BLE001
        doc["official_error"] = f"BUILTIN_REF: {type(e).__name__}: {str(e).strip().splitlines()[0][:300]}"
        return doc
    arrays, sets, after, errors = {}, {}, {}, {}
    ref_it = open_interp(path, "BUILTIN_REF", resize)
    sets["ref"], after["ref"] = run_steps(ref_it, steps, reset_steps)
    float_out = any(np.dtype(d["dtype"]).kind == "f" for d in ref_it.get_output_details())
    for name, kernels in (FLOAT_SETS.items() if float_out else ()):
        try:
            sets[name], after[name] = run_steps(open_interp(path, kernels, resize), steps, reset_steps)
        except Exception as e:  # noqa: BLE001
            errors[name] = f"{type(e).__name__}: {str(e).strip()[:300]}"
            if name == "builtin":
                doc["official_error"] = f"builtin kernels: {errors[name]}"
                return doc
    for s, xs in enumerate(steps):
        for k, x in enumerate(xs):
            arrays[f"in_{s}_{k}"] = x
    for name in sets:
        for s, outs in enumerate(sets[name]):
            for k, o in enumerate(outs):
                arrays[f"{name}_{s}_{k}"] = o
        for s, outs in enumerate(after[name]):
            for k, o in enumerate(outs):
                arrays[f"{name}_reset_{s}_{k}"] = o
    outputs = []
    for k, d in enumerate(ref_it.get_output_details()):
        meta = {"index": int(d["index"]), "name": d["name"], "dtype": np.dtype(d["dtype"]).name,
                "shape": [int(v) for v in sets["ref"][0][k].shape]}
        if np.dtype(d["dtype"]).kind == "f" and k not in facts["dequantized_outputs"]:
            meta["compare"] = "tol"
            meta.update(tolerance(sets, k))
        else:
            meta["compare"] = "exact"
        outputs.append(meta)
    doc.update({"resize": resize, "steps": len(steps), "reset_steps": reset_steps, "kernel_sets": sorted(sets),
                "kernel_errors": errors, "outputs": outputs,
                "inputs": [detail_json(d) for d in ref_it.get_input_details()],
                "seconds": round(time.time() - t0, 2)})
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "data.npz", **arrays)
    return doc


def add_taps(job: dict, doc: dict) -> None:
    """Stateful int8 models (wake-word detectors): their outputs saturate within a few steps, so a derived copy that
    also outputs every int8 CONV/DEPTHWISE/FC/LOGISTIC/QUANTIZE result (scripts/make_refs.py tapped_model) gets
    its own references in <out>/taps/: a mismatch then names the first op that is off."""
    import numpy as np
    if not doc.get("stateful") or doc.get("official_error") or \
            not any(np.dtype(o["dtype"]).kind in "iu" for o in doc.get("outputs", [])):
        return
    out = Path(job["out"]) / "taps"
    out.mkdir(parents=True, exist_ok=True)
    data, _ = tapped_model(Path(job["path"]).read_bytes())
    (out / "taps.tflite").write_bytes(data)
    tdoc = make_refs({"id": job["id"] + "+taps", "path": str(out / "taps.tflite"), "out": str(out)})
    write_json(out / "refs.json", tdoc)
    doc["taps"] = {"dir": "taps", "outputs": len(tdoc.get("outputs", [])), "error": tdoc.get("official_error")}


def main() -> None:
    ensure_refenv()
    jobs = json.loads(Path(sys.argv[1]).read_text())
    for i, job in enumerate(jobs):
        t0 = time.time()
        out = Path(job["out"])
        out.mkdir(parents=True, exist_ok=True)
        (out / RUNNING_MARK).write_text("")  # if the official runtime kills this process, the caller sees which
        try:
            doc = make_refs(job)
            add_taps(job, doc)
            try:
                probes = write_probes(Path(job["path"]).read_bytes(), out / PROBES_DIR)
                doc["probes"] = {"dir": PROBES_DIR, "count": sum(1 for p in probes.values() if p["file"])}
            except Exception as e:  # noqa: BLE001 - the census then has only the whole-model run
                doc["probes"] = {"error": f"{type(e).__name__}: {e}"}
        except Exception as e:  # noqa: BLE001 - one broken model must not stop the others
            doc = {"format": FORMAT, "model_id": job["id"], "internal_error": f"{type(e).__name__}: {e}",
                   "traceback": traceback.format_exc()}
        write_json(out / "refs.json", doc)
        (out / RUNNING_MARK).unlink()
        status = doc.get("official_error") or doc.get("internal_error") or \
            f"{doc['steps']} step(s), sets {','.join(doc['kernel_sets'])}"
        print(f"[{i + 1}/{len(jobs)}] {job['id']}: {status} ({time.time() - t0:.1f} s)", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
