"""The model zoo: every real public model users bring (mediapipe 0.10.21's .tflite files, pymicro-wakeword's
streaming wake-word models) and the generated suite (tests/data/zoo, TensorFlow's converter) against the
official runtime, ai-edge-litert 2.3.0.

References are computed on demand into the zoo cache (scripts/zoo_run.py; cold: the two wheels are fetched from
PyPI and the refenv runs every model; warm: seconds). Integer/bool outputs (and float outputs that dequantize an
integer result) must be bit-exact with the reference kernels (BUILTIN_REF), every step of a stateful model's
sequence, and again after reset_all_variables(); float outputs within max(1e-4*max(1,|ref|), 2*spread between
the official kernel sets).

Known gaps (tests/data/zoo/known_gaps.json, model -> the error slimrt raises today) must still fail *cleanly*:
ValueError at allocate_tensors() naming the op. When such a model starts working the test fails with
"now passes - remove it from the known-gaps list". Models the official runtime itself cannot run are skipped
with its error. ``SLIMRT_TEST_IMPL=ai_edge_litert`` runs everything in the official runtime (gaps ignored).
"""
from __future__ import annotations

import json
import sys

import numpy as np
import pytest

import conftest
from conftest import IMPL, REPO, make_interpreter, run_isolated

sys.path.insert(0, str(REPO / "scripts"))
from zoo_run import (RUNTIME, check_all, ensure_refs, load_refs, matches_gap, prepare, run,  # noqa: E402
                     taps_refs)  # noqa: E402
from zoo_sources import (KNOWN_GAPS_JSON, SOURCES_JSON, ZOO_DATA, all_models, generated_models,  # noqa: E402
                         known_gaps)

MODELS = all_models()
GAPS = known_gaps()
pytestmark = pytest.mark.zoo
MAX_MODEL_KB, MAX_SUITE_MB = 300, 8


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    """Fetch + references (cached), then a crash pre-check of every zoo model in child processes, so that a
    model slimrt crashes on fails its test with a message instead of killing pytest."""
    ensure_refs(MODELS, quiet=True)
    if IMPL == "slimrt":
        paths = [m.path for m in MODELS]
        res = run_isolated(tmp_path_factory.mktemp("zoo_crash") / "manifest.json", [{"path": str(p)} for p in paths])
        for i, p in enumerate(paths):
            r = res.get(i, {})
            if r.get("stage") == "crash":
                conftest._CRASHED[conftest._sha1(p.read_bytes())] = \
                    f"slimrt CRASHED on zoo model {p} (construct/allocate/invoke with zero inputs): {r['exc']}\n{r['msg']}"
    return {m.id: load_refs(m) for m in MODELS}


def _fail_known_gap(model, gap, steps, after, refs):
    problems = check_all(make_interpreter, refs, steps, after)
    if not problems:
        pytest.fail(f"{model.id} now passes — remove it from the known-gaps list ({KNOWN_GAPS_JSON.name}: "
                    f"listed as failing with {gap['gap']!r})", pytrace=False)
    pytest.fail(f"{model.id} is listed as a known gap ({gap['gap']!r}) but now loads and runs, with wrong "
                "outputs:\n" + "\n".join(problems[:10]), pytrace=False)


@pytest.mark.parametrize("model", MODELS, ids=[m.id for m in MODELS])
def test_zoo_model_matches_official(model, zoo):
    refs = zoo[model.id]
    if refs.official_error:
        if IMPL == "slimrt":
            conftest.fail_if_known_crash(model_path=refs.model.path)  # no reference, but slimrt must not crash
        pytest.skip(f"ai-edge-litert {RUNTIME} cannot run it: {refs.official_error}")
    gap = GAPS.get(model.id) if IMPL == "slimrt" else None
    if gap:
        try:
            it = prepare(make_interpreter, refs)
        except ValueError as e:
            assert matches_gap(gap, e), (f"{model.id}: known gap {gap['gap']!r}, but allocate_tensors() now fails "
                                         f"with: {e} (update {KNOWN_GAPS_JSON.name}: scripts/zoo.py gaps --write)")
            return  # still fails cleanly, naming what is missing
        steps, after = run(make_interpreter, refs, it=it)
        _fail_known_gap(model, gap, steps, after, refs)
    try:
        steps, after = run(make_interpreter, refs)
    except Exception as e:  # noqa: BLE001 - say which model and which ops it needs
        pytest.fail(f"{model.id} failed in {IMPL}: {type(e).__name__}: {e}\n(ops: {refs.doc.get('ops')}; if this "
                    f"is a missing op, list it in {KNOWN_GAPS_JSON.name})", pytrace=False)
    problems = check_all(make_interpreter, refs, steps, after)
    if problems:
        more = f"\n... {len(problems) - 10} more" if len(problems) > 10 else ""
        pytest.fail("\n".join(problems[:10]) + more, pytrace=False)


def test_zoo_stateful_models_are_sequences(zoo):
    """The stateful models (wake-word detectors with resource variables, fused LSTM state) are checked per step
    over a sequence and after reset_all_variables(), and the sequence is not trivial: some output (or, for the
    saturating wake-word outputs, some intermediate int8 result of the taps model) changes from step to step."""
    stateful = [r for r in zoo.values() if not r.official_error and r.doc["stateful"]]
    assert len(stateful) >= 5, [r.model.id for r in stateful]
    for r in stateful:
        assert r.doc["steps"] >= 20 and r.doc["reset_steps"] >= 1, r.model.id
        checked = [r] + ([taps_refs(r)] if taps_refs(r) else [])
        varies = any(not np.array_equal(c.expected("ref", 0, k), c.expected("ref", s, k))
                     for c in checked for k in range(len(c.doc["outputs"])) for s in range(1, c.doc["steps"]))
        assert varies, f"{r.model.id}: every output is the same at every step; the sequence tests nothing"


def test_zoo_gaps_list_is_current():
    """Every known gap names a zoo model that exists and the op slimrt's error must name."""
    ids = {m.id for m in MODELS}
    stale = sorted(set(GAPS) - ids)
    assert not stale, f"{KNOWN_GAPS_JSON.name} lists models that are not in the zoo: {stale}"
    for mid, gap in GAPS.items():
        assert gap.get("op", "").strip() and gap["op"] in gap.get("gap", ""), \
            f"{mid}: known gap without the op its error must name: {gap}"


def test_zoo_sources_pinned():
    doc = json.loads(SOURCES_JSON.read_text())
    for name, src in doc["sources"].items():
        assert "==" in src["requirement"] and len(src["wheel_sha256"]) == 64, name
        assert src["members"] and all(len(h) == 64 for h in src["members"].values()), name


def test_generated_suite_provenance_and_size():
    """Every committed generated model is the one generated.json records (sha256), within the size budget, and
    the suite covers the nets and quantization forms it claims."""
    doc = json.loads((ZOO_DATA / "generated.json").read_text())
    gen = {m.id.split("/", 1)[1]: m for m in generated_models()}
    assert set(gen) == set(doc["models"]), "tests/data/zoo/*.tflite and generated.json disagree"
    total = 0
    for mid, meta in doc["models"].items():
        data = gen[mid].path.read_bytes()
        total += len(data)
        assert meta["sha256"] == gen[mid].sha256 and meta["bytes"] == len(data), mid
        assert len(data) <= MAX_MODEL_KB * 1024, f"{mid}: {len(data) // 1024} KB > {MAX_MODEL_KB} KB"
    assert total <= MAX_SUITE_MB * 2**20, f"generated suite {total / 2**20:.1f} MB > {MAX_SUITE_MB} MB"
    nets = {m["net"] for m in doc["models"].values()}
    assert len(nets) >= 12, nets
    for variant in ("float32", "fp16", "dynamic", "int8", "int8io"):
        assert sum(m["variant"] == variant for m in doc["models"].values()) >= 10, variant
    for mid in doc["skipped"]:
        assert mid not in doc["models"], mid

