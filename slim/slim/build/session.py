"""One ``slim build`` run: build each target once, check it, smoke-test it on its target against
the native reference, and collect typed results for the table."""
from __future__ import annotations

import enum
import hashlib
import os
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from .. import targets as T
from ..errors import BuildError, SlimError, one_line
from .checks import check_wheel
from .cmake import cmake_build
from .common import Paths, log
from .conan import conan_target_python
from .package import make_wheel, wheel_name
from .pins import check_pins
from .runners import make_inputs, run_slimrt_run, runner_for, smoke_python
from .sysroot import prepare_sysroot
from .toolchains import write_toolchains

MODELS = ("hand_recrop.tflite", "face_detection_short_range.tflite", "hand_landmark_lite.tflite",
          "okay_nabu.tflite")
# Float outputs may differ between architectures by float32 rounding (SIMD width, FMA, summation
# order; ARMv7 NEON also flushes denormals): a few 1e-6 of the output's range was measured. The
# tolerance is relative to each value (RTOL) plus relative to the output's largest magnitude
# (SCALE_ATOL), never below ATOL. Integer outputs (int8 models) must be bit-exact.
RTOL, ATOL, SCALE_ATOL = 1e-4, 1e-5, 2e-5


class Status(enum.Enum):
    OK = "ok"
    FAILED = "FAIL"          # built, but a check or a smoke comparison failed
    ERROR = "ERROR"          # a stage raised (the details say which)


@dataclass
class Smoke:
    models: int = 0
    problems: List[str] = field(default_factory=list)
    how: str = ""
    ran: bool = False
    runner_python: bool = False   # the wheel itself ran in the target's CPython

    @property
    def ok(self) -> bool:
        return self.ran and not self.problems

    def proof(self) -> str:
        """How the wheel is proven: never more than what ran."""
        if self.ok and self.runner_python:
            return "ran on target"
        if self.ok:
            return "built + static checks (slimrt-run ran on target)"
        return "built + static checks only" if not self.ran else "not proven"

    def cell(self) -> str:
        if not self.ran:
            return "not run"
        if self.problems:
            return "FAIL %d/%d" % (len(self.problems), self.models)
        return "%d/%d match (%s)" % (self.models, self.models, self.how)


@dataclass
class Result:
    target: str
    status: Status = Status.ERROR
    python: str = T.PY_VERSION
    wheel: str = ""
    size: int = 0
    sha256: str = ""
    build_s: float = 0.0
    smoke_s: float = 0.0
    checks: List[str] = field(default_factory=list)   # problems
    smoke: Smoke = field(default_factory=Smoke)
    details: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    def to_dict(self) -> dict:
        d = asdict(self)
        d["status"] = self.status.value
        d["smoke"]["cell"] = self.smoke.cell()
        d["proven"] = self.smoke.proof() if self.status is not Status.ERROR else "not built"
        return d


def model_paths(paths: Paths, names=MODELS) -> List[Path]:
    d = paths.repo / "tests" / "data" / "models"
    out = [d / n for n in names]
    missing = [str(p) for p in out if not p.exists()]
    if missing:
        raise BuildError("smoke models missing: %s" % ", ".join(missing))
    return out


def compare(ref, got) -> Optional[str]:
    import numpy as np
    from ..smoke import compare_outputs
    if len(ref) != len(got):
        return "expected %d outputs, got %d" % (len(ref), len(got))
    for i, (a, b) in enumerate(zip(ref, got)):
        a = np.asarray(a)
        scale = float(np.nanmax(np.abs(a))) if a.dtype.kind in "fc" and a.size else 0.0
        diff = compare_outputs([a], [b], rtol=RTOL, atol=max(ATOL, SCALE_ATOL * scale))
        if diff:
            return diff.replace("output 0", "output %d" % i, 1) + " (largest |value| %.3g)" % scale
    return None


class Session:
    """Builds targets and runs their smoke tests; reuses builds and reference outputs."""

    def __init__(self, paths: Paths, family: str = "zig", jobs: int = 0):
        T.family(family)     # UsageError with "did you mean" for an unknown family
        self.paths = paths
        self.family = family
        self.jobs = jobs or (os.cpu_count() or 2)
        self.wheels: Dict[str, Path] = {}
        self._ref: Dict[str, object] = {}
        self.runner_everywhere = bool(os.environ.get("SLIM_SMOKE_RUNNER_EVERYWHERE"))
        self._pins_checked = False

    def build(self, t: T.Target) -> Path:
        t = t.for_family(self.family)
        if t.label in self.wheels:
            return self.wheels[t.label]
        if not self._pins_checked:
            check_pins(self.paths.repo, self.family)
            self._pins_checked = True
        stale = write_toolchains(self.paths.repo, check=True)
        if stale:
            raise BuildError("generated toolchain files are out of date with slim/slim/targets.py: "
                             "%s; run `slim build --write-toolchains`" % ", ".join(map(str, stale)))
        b = self.paths.build(t, self.family)
        b.mkdir(parents=True, exist_ok=True)
        prepare_sysroot(t, self.paths)
        conan_dir = conan_target_python(t, self.family, self.paths, b)
        stage = cmake_build(t, self.family, self.paths, b, conan_dir, self.jobs)
        whl = make_wheel(t, self.paths, stage)
        self.wheels[t.label] = whl
        log("%s: %s (%d bytes)" % (t.label, whl.name, whl.stat().st_size))
        return whl

    def reference(self, model: Path):
        """Outputs (and input description) of the native x86_64 wheel for a model, built for the
        host's CPython (the default version): every other CPython and target is compared with it."""
        key = model.name
        if key not in self._ref:
            ref_t = T.get(T.REFERENCE).for_family(self.family)
            whl = self.wheels.get(ref_t.label)
            if whl is None:
                cand = self.paths.dist / wheel_name(ref_t, self.paths.repo)
                whl = cand if cand.exists() else self.build(ref_t)
            r = runner_for(ref_t, self.paths)
            with tempfile.TemporaryDirectory() as d:
                res = smoke_python(r, r.install(whl, Path(d) / "t"), model)
            if not res.ok:
                raise BuildError("reference run (%s) of %s failed: %s" % (ref_t.label, model.name, res.reason))
            self._ref[key] = res
        return self._ref[key]

    def smoke(self, t: T.Target, whl: Path, models: List[Path]) -> List[str]:
        """Run the models on the target; returns problems (empty = all match the reference)."""
        t = t.for_family(self.family)
        r = runner_for(t, self.paths)
        problems = []
        with tempfile.TemporaryDirectory(prefix="slim-xsmoke-") as d:
            d = Path(d)
            tree = r.install(whl, d / "tree")
            for model in models:
                ref = self.reference(model)
                if r.python is not None:
                    res = smoke_python(r, tree, model)
                    diff = compare(ref.outputs, res.outputs) if res.ok else res.reason
                    if diff:
                        problems.append("%s: python: %s" % (model.name, diff))
                if r.python is None or self.runner_everywhere:
                    exe = self.paths.runner(t)
                    if not exe.exists():
                        problems.append("%s: no slimrt-run for %s" % (model.name, t.name))
                        continue
                    work = d / model.stem
                    work.mkdir()
                    got, err = run_slimrt_run(r, exe, model, make_inputs(ref.info, work),
                                              int(ref.info["n_outputs"]))
                    diff = err or compare(ref.outputs, got)
                    if diff:
                        problems.append("%s: slimrt-run: %s" % (model.name, diff))
        return problems

    def how(self, t: T.Target) -> str:
        how = runner_for(t.for_family(self.family), self.paths).describe()
        return how + (" + slimrt-run" if self.runner_everywhere and how != "slimrt-run" else "")

    def one(self, t: T.Target, smoke: bool = True, models: Optional[List[Path]] = None) -> Result:
        t = t.for_family(self.family)
        res = Result(t.name, python=t.python)
        t0 = time.monotonic()
        try:
            whl = self.build(t)
            res.wheel, res.size = whl.name, whl.stat().st_size
            res.sha256 = hashlib.sha256(whl.read_bytes()).hexdigest()
            res.build_s = time.monotonic() - t0
            res.checks = check_wheel(t, whl, self.paths)
            if smoke:
                t1 = time.monotonic()
                models = models or model_paths(self.paths)
                res.smoke = Smoke(len(models), self.smoke(t, whl, models), self.how(t), True,
                                  runner_python=runner_for(t, self.paths).python is not None)
                res.smoke_s = time.monotonic() - t1
            res.status = Status.OK if not res.checks and (res.smoke.ok or not smoke) else Status.FAILED
            res.details += res.smoke.problems
        except SlimError as e:
            res.build_s = res.build_s or time.monotonic() - t0
            res.details.append(one_line(str(e), None))
        except Exception as e:  # a bug here must not hide the other targets' results
            res.details.append("internal error: %s\n%s" % (e, traceback.format_exc()))
        return res


def table(results: List[Result]) -> str:
    rows = [("target", "python", "wheel", "size", "checks", "smoke", "proven", "build s", "smoke s", "sha256")]
    for r in results:
        smoke = r.smoke.cell() if r.status is not Status.ERROR else "ERROR"
        proven = r.smoke.proof() if r.status is not Status.ERROR else "not built"
        rows.append((r.target, r.python, r.wheel or "-", "%.0f KB" % (r.size / 1024) if r.size else "-",
                     "ok" if not r.checks and r.wheel else ("FAIL" if r.checks else "-"), smoke, proven,
                     "%.1f" % r.build_s, "%.1f" % r.smoke_s, r.sha256 or "-"))
    w = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w[i]) for i, c in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * x for x in w))
    return "\n".join(lines)
