"""Shared helpers for the engine tests.

The references are the official runtime's outputs (ai-edge-litert 2.3.0), written by
``scripts/make_refs.py`` (tests/data/refs/) and ``scripts/gen_op_models.py`` (tests/data/generated/).
The tests themselves need only numpy and slimrt.

``SLIMRT_TEST_IMPL=ai_edge_litert`` runs the same tests against the official runtime instead of slimrt
(a check of the tests themselves; slimrt-only tests are skipped then).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
MODELS = DATA / "models"
REFS = DATA / "refs"
GENERATED = DATA / "generated"
FUZZ_CRASHES = DATA / "fuzz_crashes"

IMPL = os.environ.get("SLIMRT_TEST_IMPL", "slimrt")
if IMPL == "ai_edge_litert":
    from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: F401

    def make_interpreter(**kw):
        kw.setdefault("experimental_op_resolver_type", OpResolverType.BUILTIN_REF)
        return Interpreter(**kw)
else:
    from slimrt.interpreter import Interpreter  # noqa: F401

    def make_interpreter(**kw):
        fail_if_known_crash(kw.get("model_path"), kw.get("model_content"))
        return Interpreter(**kw)

slimrt_only = pytest.mark.skipif(IMPL != "slimrt", reason="slimrt-specific (SLIMRT_TEST_IMPL is set)")

FLOAT_MODELS = ["hand_recrop", "face_detection_short_range", "hand_landmark_lite"]
ALL_MODELS = FLOAT_MODELS + ["okay_nabu"]


def pytest_configure(config):
    for line in ("real_model: a real model against the official runtime's outputs",
                 "op_model: a generated single-op model against the official runtime's outputs",
                 "api: tflite_runtime API compatibility",
                 "hostile: malformed models must fail cleanly (ValueError), never crash",
                 "zoo: real and generated models (the zoo) against the official runtime's outputs"):
        config.addinivalue_line("markers", line)


def load_refs(model: str) -> dict:
    return json.loads((REFS / model / "refs.json").read_text())


def model_path(model: str) -> Path:
    return MODELS / f"{model}.tflite"


def model_ops(model_bytes_or_path) -> list:
    """The op names a model uses (for failure messages), read with the engine-independent reader below."""
    data = Path(model_bytes_or_path).read_bytes() if isinstance(model_bytes_or_path, (str, Path)) \
        else bytes(model_bytes_or_path)
    try:
        from fbreader import opcode_names
        return sorted(set(opcode_names(data)))
    except Exception:  # noqa: BLE001 - only for messages
        return []


def decode_input(refs_dir: Path, meta: dict) -> np.ndarray:
    arr = np.load(refs_dir / meta["file"])
    if meta.get("encoding") == "u8_centered":
        return (arr.astype(np.float32) - np.float32(128)) / np.float32(128)
    return arr


def float_inputs(model: str) -> list:
    refs = load_refs(model)
    return [decode_input(REFS / model, m) for m in refs["inputs"]]


def assert_close(ours, ref, tol, what, alt=None):
    """max|ours - ref| <= tol (and the same against the alternative official kernel set's output)."""
    ours = np.asarray(ours)
    ref = np.asarray(ref)
    assert ours.shape == ref.shape, f"{what}: shape {list(ours.shape)} != reference {list(ref.shape)}"
    assert ours.dtype == ref.dtype, f"{what}: dtype {ours.dtype} != reference {ref.dtype}"
    for name, r in (("builtin", ref), ("xnnpack", alt)):
        if r is None:
            continue
        d = np.abs(ours.astype(np.float64) - np.asarray(r).astype(np.float64))
        if d.size == 0:
            continue
        worst = float(np.nanmax(d)) if not np.isnan(d).all() else float("nan")
        bad = np.isnan(d).any() or worst > tol
        if bad:
            at = np.unravel_index(int(np.nanargmax(d)) if not np.isnan(d).all() else 0, d.shape)
            nbad = int(np.count_nonzero(~(d <= tol)))
            pytest.fail(f"{what}: max|ours - {name} ref| = {worst:.6g} > tol {tol:.6g} "
                        f"({nbad}/{d.size} elements off; worst at {list(at)}: ours {ours[at]!r}, ref {r[at]!r})")


def assert_exact(ours, ref, what):
    ours = np.asarray(ours)
    ref = np.asarray(ref)
    assert ours.shape == ref.shape, f"{what}: shape {list(ours.shape)} != reference {list(ref.shape)}"
    assert ours.dtype == ref.dtype, f"{what}: dtype {ours.dtype} != reference {ref.dtype}"
    if not np.array_equal(ours, ref):
        diff = np.argwhere(ours != ref)
        at = tuple(diff[0])
        pytest.fail(f"{what}: {len(diff)}/{ref.size} values differ (not bit-exact); first at {list(at)}: "
                    f"ours {ours[at]!r}, ref {ref[at]!r}; max |diff| "
                    f"{int(np.abs(ours.astype(np.int64) - ref.astype(np.int64)).max())}")


@pytest.fixture(scope="session")
def refs():
    return {m: load_refs(m) for m in ALL_MODELS}


def run_isolated(manifest_path: Path, manifest: list, case_timeout: float = 60) -> dict:
    """Run each model of `manifest` (dicts with "path") through construct/allocate/invoke-with-zeros in child
    processes (hostile_runner.py). Returns {index: {"stage", "exc", "msg"}}; a case that killed its process
    gets stage "crash" (the batch resumes after it)."""
    manifest_path.write_text(json.dumps(manifest))
    runner = Path(__file__).resolve().parent / "hostile_runner.py"
    results, start = {}, 0
    env = dict(os.environ, PYTHONFAULTHANDLER="1")
    while start < len(manifest):
        proc = subprocess.Popen([sys.executable, str(runner), str(manifest_path), str(start)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        try:
            out, err = proc.communicate(timeout=case_timeout * 4 + 2 * (len(manifest) - start))
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            err = "TIMEOUT (hang?)\n" + err
        last_begin = None
        for line in out.splitlines():
            if line.startswith("BEGIN "):
                last_begin = int(line.split()[1])
            elif line.startswith("END "):
                _, i, js = line.split(" ", 2)
                results[int(i)] = json.loads(js)
                last_begin = None
        if proc.returncode == 0 and last_begin is None:
            break
        if last_begin is None:  # died outside any case: at exit, after the last finished case, or at import
            done = [i for i in results if i >= start]
            last_begin = max(done) if done else start
            results[last_begin] = {"stage": "crash", "exc": f"process died (rc={proc.returncode}) after this case "
                                   "finished (heap damage?)", "msg": err[-1500:]}
        else:
            results[last_begin] = {"stage": "crash", "exc": f"process died (rc={proc.returncode})",
                                   "msg": err[-1500:]}
        start = last_begin + 1
    return results


_CRASHED = {}  # sha1 of model bytes -> message, for models the engine crashed on in the pre-check


def _sha1(data: bytes) -> str:
    import hashlib
    return hashlib.sha1(data).hexdigest()


def fail_if_known_crash(model_path=None, model_content=None):
    if not _CRASHED:
        return
    data = Path(model_path).read_bytes() if model_path is not None else bytes(model_content or b"")
    msg = _CRASHED.get(_sha1(data))
    if msg:
        pytest.fail(msg, pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def crash_precheck(tmp_path_factory):
    """Before any test: every real and generated model through construct/allocate/invoke in child processes.
    A model the engine crashes on then makes its tests fail with a message instead of killing pytest."""
    if IMPL != "slimrt":
        return
    paths = [model_path(m) for m in ALL_MODELS] + sorted(GENERATED.glob("*.tflite")) + \
        [REFS / "okay_nabu" / "taps.tflite"]
    res = run_isolated(tmp_path_factory.mktemp("crash_check") / "manifest.json", [{"path": str(p)} for p in paths])
    for i, p in enumerate(paths):
        r = res.get(i, {})
        if r.get("stage") == "crash":
            _CRASHED[_sha1(p.read_bytes())] = \
                f"slimrt CRASHED on {p.name} (construct/allocate/invoke with zero inputs): {r['exc']}\n{r['msg']}"
