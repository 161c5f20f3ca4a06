#!/usr/bin/env python3
"""Write small single-op (or few-op) .tflite models and their official reference outputs.

Output: ``tests/data/generated/<case>.tflite`` + ``tests/data/generated/<case>.json``.
The JSON holds the case's expectation, its seeded inputs (as exact float/int lists) and the outputs of
ai-edge-litert 2.3.0 with the builtin kernels (``BUILTIN_WITHOUT_DEFAULT_DELEGATES``, key ``ref``) and with
the default kernels (XNNPACK delegate, key ``xnnpack``), plus the tolerance (same rule as make_refs.py:
``tol = max(1e-4*max(1,max|ref|), 2*max|xnnpack-ref|)``).

Integer outputs (int8/uint8/int16/int32/bool) come from the reference kernels (``BUILTIN_REF``, key ``ref``,
``exact: true``): slimrt must reproduce them bit for bit. For the few ops BUILTIN_REF lacks (CEIL, ROUND, ELU...)
they come from the builtin kernels; a case may also name another kernel set for them (``exact_kernels``, recorded
as ``exact_from``) where the reference kernel is demonstrably wrong, and another second kernel set for float outputs
(``alt_kernels``, recorded as ``alt_from``) where XNNPACK is.

A case may fix its input values (``g.input_values = {input index: array}``) instead of the seeded random ones.

Cases live in ``scripts/opmodels/cases_<family>.py`` (one module per op family); the builder is
``scripts/opmodels/graph.py``.

Expectations (``expect`` in the JSON):
  ``match``        slimrt must reproduce ``ref`` within ``tol`` (and ``xnnpack`` within ``tol``)
  ``error``        slimrt must raise ValueError at construction or at allocate_tensors, and the message must
                   contain one of ``error_contains`` (case-insensitive); ``official`` records what ai-edge-litert did.

A case may run several invokes on one interpreter (``g.steps``, see graph.py): resizing inputs before
``allocate_tensors()``, ``reset_all_variables()``, fresh seeded inputs per step. The JSON then has ``steps``
(each with ``resize``, ``reset``, ``inputs`` and ``outputs``; the top-level ``inputs``/``outputs`` are step 0's).

Everything is seeded per case, so re-running gives byte-identical files.  Runs inside ``.cache/refenv`` (see make_refs.py).

    python3 scripts/gen_op_models.py            # all cases
    python3 scripts/gen_op_models.py conv       # cases whose name contains "conv"
    python3 scripts/gen_op_models.py --list
"""
from __future__ import annotations

import json
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_refs import REPO, ensure_refenv, make_interp, run_once, tolerance, versions  # noqa: E402

from opmodels import CASE_OPTIONS, load_all  # noqa: E402
from opmodels.graph import Graph  # noqa: E402

OUT = REPO / "tests" / "data" / "generated"
CASES = load_all()


# ----------------------------------------------------------------------------- driver

def make_inputs(g: Graph, scale: float, shapes=None, salt: bytes = b""):
    """Seeded inputs of the declared shapes (or ``shapes``, per input)."""
    np = g.np
    rng = np.random.default_rng(zlib.crc32(b"inputs:" + g.name.encode() + salt))
    xs = []
    for k, t in enumerate(g.inputs):
        tt = g.tensors[t]
        shape = tt.shape if shapes is None else shapes[k]
        T = g.s.TensorType
        if k in getattr(g, "input_values", {}):  # explicit values chosen by the case (e.g. every int8 value)
            xs.append(np.ascontiguousarray(g.input_values[k]))
        elif tt.type in (T.INT32, T.INT64):
            lo, hi = getattr(g, "int_inputs", {}).get(k, (0, 4))
            xs.append(rng.integers(lo, hi, size=shape).astype(np.int32 if tt.type == T.INT32 else np.int64))
        elif tt.type in (T.INT8, T.UINT8, T.INT16):
            dt = {T.INT8: np.int8, T.UINT8: np.uint8, T.INT16: np.int16}[tt.type]
            info = np.iinfo(dt)
            lo, hi = getattr(g, "int_inputs", {}).get(k, (int(info.min), int(info.max) + 1))
            xs.append(rng.integers(lo, hi, size=shape).astype(dt))
        elif tt.type == T.BOOL:
            xs.append(rng.integers(0, 2, size=shape).astype(np.bool_))
        else:
            xs.append((rng.standard_normal(shape) * scale).astype(np.float32))
    return xs


def make_plan(g: Graph, scale: float):
    """The steps of a multi-invoke case: resizes (tensor index -> shape), reset flag and inputs per step."""
    shapes = [list(g.tensors[t].shape) for t in g.inputs]
    plan = []
    for i, st in enumerate(g.steps):
        resize = {g.inputs[k]: list(shape) for k, shape in sorted(st.get("resize", {}).items())}
        for k, shape in st.get("resize", {}).items():
            shapes[k] = list(shape)
        xs = make_inputs(g, scale, shapes, b":step%d" % i)
        plan.append({"resize": resize, "reset": bool(st.get("reset")), "xs": xs})
    return plan


def official_steps(data: bytes, kernels: str, plan):
    try:
        it = make_interp(data, kernels)
    except Exception as e:  # noqa: BLE001
        return None, f"error at construction/allocate_tensors: {str(e).strip().splitlines()[0][:300]}"
    outs = []
    for i, st in enumerate(plan):
        try:
            if st["resize"]:
                for t, shape in st["resize"].items():
                    it.resize_tensor_input(t, shape)
                it.allocate_tensors()
            if st["reset"]:
                it.reset_all_variables()
            outs.append(run_once(it, st["xs"]))
        except Exception as e:  # noqa: BLE001
            return None, f"error at step {i}: {str(e).strip().splitlines()[0][:300]}"
    return outs, "ok"


def output_docs(g: Graph, ref, alt, exact):
    outs = []
    for t, r, a, e in zip(g.outputs, ref, alt, exact):
        if e.dtype.kind in "iub":  # integer and bool outputs: bit-exact with the reference kernels
            outs.append({"index": int(t), "ref": arr_json(e), "exact": True})
            continue
        o = {"index": int(t), "ref": arr_json(r), "xnnpack": arr_json(a)}
        o.update(tolerance(r, a))
        outs.append(o)
    return outs


def arr_json(a) -> dict:
    import numpy as np
    return {"dtype": np.dtype(a.dtype).name, "shape": list(a.shape), "data": a.ravel().tolist()}


def official_guarded(data: bytes, kernels: str, xs):
    """official() in a forked child: a model the official runtime crashes on (abort, SIGSEGV, SIGFPE) is
    recorded as such instead of killing the generator. Used for the cases slimrt must refuse."""
    import os
    import pickle
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        try:
            res = official(data, kernels, xs)
        except BaseException as e:  # noqa: BLE001
            res = (None, f"error: {e}")
        with os.fdopen(w, "wb") as f:
            pickle.dump(res, f)
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        payload = f.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return None, f"crashed (signal {os.WTERMSIG(status)})"
    return pickle.loads(payload)


def official(data: bytes, kernels: str, xs):
    try:
        it = make_interp(data, kernels)
    except Exception as e:  # noqa: BLE001 - we record whatever the official runtime says
        return None, f"error at construction/allocate_tensors: {str(e).strip().splitlines()[0][:300]}"
    try:
        return run_once(it, xs), "ok"
    except Exception as e:  # noqa: BLE001
        return None, f"error at invoke: {str(e).strip().splitlines()[0][:300]}"


def build_case(name: str) -> None:
    fn, expect, error_contains, scale, ref_builder = CASES[name]
    g = Graph(name)
    fn(g)
    data = g.finish()
    xs = make_inputs(g, scale)
    ref_data = data
    if ref_builder is not None:
        rg = Graph(name)
        ref_builder(rg)
        ref_data = rg.finish()
    doc = {"case": name, "generator": "scripts/gen_op_models.py", "runtime": versions(), "expect": expect,
           "ops": sorted({_opname(g, c) for c in g.codes}),
           "inputs": [dict(arr_json(x), index=int(t)) for x, t in zip(xs, g.inputs)]}
    if getattr(g, "official_crashes", None):  # an error case that kills the official runtime: not run there
        assert expect == "error", name
        doc["official"] = {"not run": g.official_crashes}
        ref = alt = exact = None
    else:
        run = official_guarded if expect == "error" else official
        ref, ref_status = run(ref_data, "BUILTIN_WITHOUT_DEFAULT_DELEGATES", xs)
        alt_kernels = CASE_OPTIONS.get(name, {}).get("alt_kernels", "AUTO")
        alt, alt_status = run(ref_data, alt_kernels, xs)
        if alt_kernels != "AUTO":
            doc["alt_from"] = alt_kernels
        exact_kernels = CASE_OPTIONS.get(name, {}).get("exact_kernels", "BUILTIN_REF")
        exact, exact_status = run(ref_data, "BUILTIN_REF", xs)
        if exact_kernels != "BUILTIN_REF":
            doc["exact_from"] = exact_kernels
            exact = ref
        doc["official"] = {"BUILTIN_WITHOUT_DEFAULT_DELEGATES": ref_status, "AUTO (XNNPACK)": alt_status,
                           "BUILTIN_REF": exact_status}
    if ref_builder is not None:
        doc["reference_model"] = "an equivalent model (explicit zero bias): the official runtime refuses or " \
                                 "crashes on this one; slimrt must either match it or raise ValueError"
        doc["error_contains"] = list(error_contains)
    if exact is None and ref is not None and "Didn't find op" in exact_status:
        # The reference kernel set lacks some ops (CEIL, ROUND, ELU...): integer outputs then come from the builtin
        # kernels, which are the reference implementation for them.
        exact = ref
        doc["exact_kernels"] = "BUILTIN_WITHOUT_DEFAULT_DELEGATES (BUILTIN_REF lacks the op)"
    if expect in ("match", "match_or_error"):
        if ref is None or alt is None or exact is None:
            raise SystemExit(f"{name}: the official runtime failed: {ref_status} / {alt_status} / {exact_status}")
        doc["outputs"] = output_docs(g, ref, alt, exact)
        if getattr(g, "steps", None):
            doc["steps"] = steps_doc(name, g, ref_data, make_plan(g, scale))
    else:
        doc["error_contains"] = list(error_contains)
    (OUT / f"{name}.tflite").write_bytes(data)
    (OUT / f"{name}.json").write_text(json.dumps(doc, indent=None, sort_keys=True) + "\n")


def steps_doc(name: str, g: Graph, data: bytes, plan):
    runs = {k: official_steps(data, k, plan) for k in ("BUILTIN_WITHOUT_DEFAULT_DELEGATES", "AUTO", "BUILTIN_REF")}
    for k, (outs, status) in runs.items():
        if outs is None:
            raise SystemExit(f"{name}: the official runtime ({k}) failed the run plan: {status}")
    ref, alt, exact = (runs[k][0] for k in ("BUILTIN_WITHOUT_DEFAULT_DELEGATES", "AUTO", "BUILTIN_REF"))
    return [{"resize": [{"index": int(t), "shape": shape} for t, shape in st["resize"].items()],
             "reset": st["reset"],
             "inputs": [dict(arr_json(x), index=int(t)) for x, t in zip(st["xs"], g.inputs)],
             "outputs": output_docs(g, ref[i], alt[i], exact[i])} for i, st in enumerate(plan)]


def _opname(g, code):
    names = {v: k for k, v in vars(g.s.BuiltinOperator).items() if not k.startswith("_")}
    n = names[code.builtinCode]
    return f"CUSTOM:{code.customCode.decode() if isinstance(code.customCode, bytes) else code.customCode}" \
        if n == "CUSTOM" else n


def main() -> None:
    if "--list" in sys.argv:
        print("\n".join(CASES))
        return
    ensure_refenv()
    OUT.mkdir(parents=True, exist_ok=True)
    filt = [a for a in sys.argv[1:] if not a.startswith("-")]
    names = [n for n in CASES if not filt or any(f in n for f in filt)]
    if not filt:
        for old in list(OUT.glob("*.tflite")) + list(OUT.glob("*.json")):
            old.unlink()
    for n in names:
        build_case(n)
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{len(names)} cases written to {OUT.relative_to(REPO)} ({total / 1024:.0f} kB total)")


if __name__ == "__main__":
    main()
