"""Run a zoo model in an interpreter and compare it with the official runtime's references (zoo cache).

Shared by ``tests/engine/test_zoo.py`` and ``scripts/zoo.py``. References live in
``<zoo cache>/refs/<sha256[:24]>-litert<version>-f<format>/`` (refs.json + data.npz), written on demand by
``scripts/zoo_refs.py`` in the refenv: a model's references are recomputed only when its bytes, the pinned
official runtime or the reference format change.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_refs import REF_PACKAGES  # noqa: E402
from zoo_refs import FORMAT, RUNNING_MARK  # noqa: E402
from zoo_sources import CACHE, REPO, ZooModel, fetch, load_sources  # noqa: E402

RUNTIME = next(p.split("==")[1] for p in REF_PACKAGES if p.startswith("ai-edge-litert=="))


def refs_dir(model: ZooModel) -> Path:
    return CACHE / "refs" / f"{model.sha256[:24]}-litert{RUNTIME}-f{FORMAT}"


def have_refs(model: ZooModel) -> bool:
    p = refs_dir(model) / "refs.json"
    if not p.exists():
        return False
    doc = json.loads(p.read_text())
    return "internal_error" not in doc


def ensure_refs(models: list[ZooModel], quiet: bool = False) -> None:
    """Fetch the wheel models and compute the missing references (one refenv process for all of them)."""
    wheel_sources = sorted({m.source for m in models} & set(load_sources()))
    if wheel_sources:
        fetch(wheel_sources, quiet=quiet)
    missing = [m for m in models if not have_refs(m)]
    if not missing:
        return
    if not quiet:
        print(f"zoo: computing official references for {len(missing)} model(s) (ai-edge-litert {RUNTIME})",
              file=sys.stderr)
    CACHE.mkdir(parents=True, exist_ok=True)
    jobs_file = CACHE / f"jobs-{os.getpid()}.json"
    while missing:  # one refenv process for all; a model that kills the official runtime is recorded, then on
        jobs = [{"id": m.id, "path": str(m.path), "out": str(refs_dir(m))} for m in missing]
        jobs_file.write_text(json.dumps(jobs))
        try:
            proc = subprocess.run([sys.executable, str(REPO / "scripts" / "zoo_refs.py"), str(jobs_file)],
                                  stderr=subprocess.PIPE if quiet else None, text=True)
        finally:
            jobs_file.unlink(missing_ok=True)
        left = [m for m in missing if not (refs_dir(m) / "refs.json").exists()]
        running = [m for m in left if (refs_dir(m) / RUNNING_MARK).exists()]
        if proc.returncode and running:  # the worker marks the model it is on: that one killed it
            crashed = running[0]
            (refs_dir(crashed) / RUNNING_MARK).unlink()
            (refs_dir(crashed) / "refs.json").write_text(json.dumps(
                {"format": FORMAT, "model_id": crashed.id, "official_error": f"ai-edge-litert {RUNTIME} crashed "
                 f"running it (the process died, exit code {proc.returncode})"}, indent=1) + "\n")
            missing = [m for m in left if m is not crashed]
            continue
        if proc.returncode:
            tail = "\n".join((proc.stderr or "").strip().splitlines()[-15:])
            raise RuntimeError(f"computing the official references failed (exit {proc.returncode}):\n{tail}")
        missing = []


@dataclass
class Refs:
    model: ZooModel
    doc: dict
    arrays: dict = field(default_factory=dict)

    @property
    def official_error(self):
        return self.doc.get("official_error") or self.doc.get("internal_error")

    def inputs(self, step: int) -> list:
        return [self.arrays[f"in_{step}_{k}"] for k in range(len(self.doc["inputs"]))]

    def expected(self, kernel_set: str, step: int, k: int, reset: bool = False):
        return self.arrays[f"{kernel_set}_{'reset_' if reset else ''}{step}_{k}"]


def load_refs(model: ZooModel, d: Path | None = None) -> Refs:
    d = d or refs_dir(model)
    doc = json.loads((d / "refs.json").read_text())
    arrays = {}
    if (d / "data.npz").exists():
        with np.load(d / "data.npz", allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    return Refs(model, doc, arrays)


def taps_refs(refs: Refs) -> Refs | None:
    """The references of the model's tapped copy (every intermediate int8 result an output), if it has one."""
    taps = refs.doc.get("taps")
    if not taps or taps.get("error"):
        return None
    d = refs_dir(refs.model) / taps["dir"]
    m = ZooModel(refs.model.id + "+taps", refs.model.source, d / "taps.tflite", "", "derived: " + refs.model.origin)
    return load_refs(m, d)


def prepare(make_interpreter, refs: Refs, num_threads: int = 1):
    """Construct, resize the free input dimensions as the references did, allocate (where slimrt reports a
    missing op: ValueError)."""
    it = make_interpreter(model_path=str(refs.model.path), num_threads=num_threads)
    for idx, shape in refs.doc["resize"].items():
        it.resize_tensor_input(int(idx), shape)
    it.allocate_tensors()
    return it


def run(make_interpreter, refs: Refs, num_threads: int = 1, it=None):
    """Every step in order (+ reset_all_variables() and the first steps again). Returns (outputs per step,
    outputs after reset). Exceptions propagate (the caller knows what is expected)."""
    it = it or prepare(make_interpreter, refs, num_threads)
    outs_meta = it.get_output_details()

    def once(xs):
        for d, x in zip(it.get_input_details(), xs):
            it.set_tensor(d["index"], x)
        it.invoke()
        return [np.array(it.get_tensor(d["index"])) for d in outs_meta]
    steps = [once(refs.inputs(s)) for s in range(refs.doc["steps"])]
    after = []
    if refs.doc["reset_steps"]:
        it.reset_all_variables()
        after = [once(refs.inputs(s)) for s in range(refs.doc["reset_steps"])]
    return steps, after


def compare(refs: Refs, steps: list, after: list) -> list[str]:
    """Every disagreement with the references, one line each (empty: it matches)."""
    problems = []
    name = refs.model.id
    for label, outs, reset in (("step", steps, False), ("after reset_all_variables, step", after, True)):
        for s, row in enumerate(outs):
            if len(row) != len(refs.doc["outputs"]):
                return [f"{name}: {len(row)} outputs, the official runtime has {len(refs.doc['outputs'])}"]
            for k, (ours, meta) in enumerate(zip(row, refs.doc["outputs"])):
                what = f"{name} output {k} '{meta['name']}' {label} {s}"
                # Against the reference kernels (the plainest implementation); float tolerance = 2 x the largest
                # disagreement between official kernel sets (or 1e-4 x magnitude), so a result as far from the
                # reference as the official optimized kernels are passes, one twice as far does not.
                sets = ["ref"] if "ref" in refs.doc["kernel_sets"] else refs.doc["kernel_sets"][:1]
                for ks in sets:
                    msg = diff(ours, refs.expected(ks, s, k, reset), meta, ks)
                    if msg:
                        problems.append(f"{what}: {msg}")
                        break
    return problems


def check_all(make_interpreter, refs: Refs, steps: list, after: list) -> list[str]:
    """compare(), plus the taps model where there is one (every intermediate int8 result of a stateful model,
    every step: a failure then names the first op that is off)."""
    problems = compare(refs, steps, after)
    taps = taps_refs(refs)
    if taps:
        t_steps, t_after = run(make_interpreter, taps)
        problems += [f"intermediate (taps model): {p}" for p in compare(taps, t_steps, t_after)]
    return problems


def diff(ours, ref, meta: dict, kernel_set: str) -> str | None:
    if ours.shape != ref.shape:
        return f"shape {list(ours.shape)} != official {list(ref.shape)}"
    if ours.dtype != ref.dtype:
        return f"dtype {ours.dtype} != official {ref.dtype}"
    if ref.size == 0:
        return None
    if meta["compare"] == "exact":
        bad = ours != ref
        if not bad.any():
            return None
        at = tuple(int(i) for i in np.argwhere(bad)[0])
        err = float(np.abs(ours.astype(np.float64) - ref.astype(np.float64)).max())
        return (f"not bit-exact with the reference kernels: {int(bad.sum())}/{ref.size} values differ, max |diff| "
                f"{err:.6g}, tol 0; first at {list(at)}: ours {ours[at]!r}, ref {ref[at]!r}")
    d = np.abs(ours.astype(np.float64) - ref.astype(np.float64))
    nan_ok = np.isnan(ours) & np.isnan(ref)
    bad = ~((d <= meta["tol"]) | nan_ok)
    if not bad.any():
        return None
    worst = float(np.nanmax(np.where(nan_ok, 0, d))) if not np.isnan(d[~nan_ok]).any() else float("nan")
    at = tuple(int(i) for i in np.argwhere(bad)[0])
    return (f"max|ours - {kernel_set}| = {worst:.6g} > tol {meta['tol']:.6g} ({meta['tol_rule']}); "
            f"{int(bad.sum())}/{ref.size} values off; first at {list(at)}: ours {ours[at]!r}, ref {ref[at]!r}")


def normalize_error(msg: str) -> str:
    """An engine error's first line without node numbers (they change when a converter reorders a graph)."""
    first = str(msg).strip().splitlines()[0] if str(msg).strip() else ""
    return re.sub(r"node \d+", "node N", first)


def matches_gap(gap: dict, exc: BaseException) -> bool:
    """The error names the op the known gap lists (the wording around it may change)."""
    return re.search(r"\b" + re.escape(gap["op"]) + r"\b", str(exc)) is not None


def max_errors(refs: Refs, steps: list) -> list[tuple[str, float, float]]:
    """Per output: (name, max |ours - ref| over all steps, tol (0 = bit-exact))."""
    res = []
    for k, meta in enumerate(refs.doc["outputs"]):
        worst = 0.0
        for s, row in enumerate(steps):
            ref = refs.expected("ref" if "ref" in refs.doc["kernel_sets"] else refs.doc["kernel_sets"][0], s, k)
            if row[k].shape == ref.shape and ref.size:
                worst = max(worst, float(np.nanmax(np.abs(row[k].astype(np.float64) - ref.astype(np.float64)))))
            elif row[k].shape != ref.shape:
                worst = float("inf")
        res.append((meta["name"], worst, meta.get("tol", 0.0)))
    return res
