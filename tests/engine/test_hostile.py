"""Malformed models must fail cleanly with ValueError (at construction or allocate_tensors) and never crash.

The corpus (tests/engine/hostile.py) is derived at test time from the real and generated models, plus the
fuzzer's reproducers in tests/data/fuzz_crashes/.  It runs in child processes (hostile_runner.py): a crash
(segfault, abort) or a hang is reported as a failure naming the case, and the batch resumes after it.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from conftest import run_isolated, slimrt_only
from hostile import build_corpus

pytestmark = [pytest.mark.hostile, slimrt_only]

CASE_TIMEOUT = 60  # seconds without progress before the child counts as hung


def run_batch(tmp: Path, cases):
    manifest = []
    for k, (cat, name, data, expect) in enumerate(cases):
        f = tmp / f"{k:04d}.tflite"
        f.write_bytes(data)
        manifest.append({"category": cat, "name": name, "path": str(f), "expect": expect})
    return manifest, run_isolated(tmp / "manifest.json", manifest, CASE_TIMEOUT)


@pytest.fixture(scope="module")
def hostile_results(tmp_path_factory):
    cases = build_corpus()
    manifest, results = run_batch(tmp_path_factory.mktemp("hostile"), cases)
    by_cat = defaultdict(list)
    for k, m in enumerate(manifest):
        by_cat[m["category"]].append((m, results.get(k, {"stage": "missing", "exc": "no result", "msg": ""})))
    return by_cat


CATEGORIES = ["truncated", "identifier", "offsets", "vtable", "dims", "const_size", "indices", "types",
              "vectors", "misc", "random_damage", "quant", "fuzz_regressions"]


def judge(m, r):
    if r["stage"] == "crash" or r["stage"] == "missing":
        return f"CRASH {m['name']}: {r['exc']}\n{r['msg']}"
    if m["expect"] == "error":
        if r["stage"] not in ("construct", "allocate") or r["exc"] != "ValueError":
            return f"{m['name']}: expected ValueError at construction/allocate_tensors, got " \
                   f"{'no error' if r['exc'] is None else r['exc'] + ' at ' + r['stage']}: {r['msg'][:200]}"
        if not r["msg"].strip():
            return f"{m['name']}: ValueError with an empty message"
    else:
        ok = r["exc"] is None or r["exc"] == "ValueError" or (r["stage"] == "invoke" and r["exc"] == "RuntimeError")
        if not ok:
            return f"{m['name']}: {r['exc']} at {r['stage']} (expected success or ValueError): {r['msg'][:200]}"
    return None


@pytest.mark.parametrize("category", CATEGORIES)
def test_hostile(hostile_results, category):
    rows = hostile_results.get(category, [])
    if category != "fuzz_regressions":
        assert rows, f"no cases in category {category}"
    problems = [p for p in (judge(m, r) for m, r in rows) if p]
    assert not problems, f"{len(problems)}/{len(rows)} {category} cases failed:\n" + "\n".join(problems[:15])
