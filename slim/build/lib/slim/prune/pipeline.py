"""slim prune, stage by stage: check inputs -> unpack -> baseline -> drop + strip -> search ->
write + verify.  The search itself is passes.py over problem.py; trial trees are trial.py."""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from .. import smoke as S
from .. import strip as ST
from .. import wheel as W
from ..errors import SmokeError, UsageError
from ..report import Progress, human_size
from . import passes
from .problem import Problem
from .report import build_report
from .tree import ALWAYS_KEEP, Forest, WheelTree, matches
from .trial import TrialRunner


@dataclass
class Options:
    models: List[str] = field(default_factory=list)
    smoke_cmd: Optional[str] = None
    keep: List[str] = field(default_factory=list)
    drop: List[str] = field(default_factory=list)
    jobs: int = 2
    timeout: Optional[float] = None
    first_failure: bool = False
    strip: bool = True
    min_size: int = 16 * 1024
    traced_min_size: int = 64 * 1024
    max_trials: int = 1000
    use_trace: bool = True
    seed: int = 0
    invokes: int = S.DEFAULT_INVOKES
    interpreter: str = "auto"
    python: Optional[List[str]] = None
    rtol: float = 1e-4
    atol: float = 1e-5
    quiet: bool = False


class Pruner:
    """One prune run; ``run()`` does every stage.  Inputs are all checked in __init__."""

    def __init__(self, wheel_paths: Sequence, opts: Options, progress: Optional[Progress] = None):
        self.t0 = time.monotonic()
        self.opts = opts
        self.P = progress or Progress(quiet=opts.quiet)
        if not opts.models and not opts.smoke_cmd:
            raise UsageError("nothing to test with: give --smoke MODEL.tflite or --smoke-cmd CMD")
        for m in opts.models:
            W.input_file(m, "smoke model")
        self.work = Path(tempfile.mkdtemp(prefix="slim-prune-"))
        try:
            self.wheels = []
            for i, p in enumerate(wheel_paths):     # every input checked (and unpacked) first
                self.wheels.append(W.read_wheel(p, dest=self.work / ("orig%d" % i)))
        except BaseException:
            self.close()
            raise
        names = [w.name for w in self.wheels]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            self.close()
            raise UsageError("the same project is given twice: %s" % ", ".join(dup))
        self.runner = TrialRunner(opts, self.work)
        self.extra_runs = 0                     # baseline + final runs (not search trials)
        self.strip_results: Dict[int, List[ST.StripResult]] = {}
        self.dropped: Dict[int, List[str]] = {}
        self.traced: Dict[int, set] = {}
        self.failures: List[dict] = []
        self.forest: Optional[Forest] = None
        self.problem: Optional[Problem] = None
        self.side_problems: List[Problem] = []  # the strip check

    def close(self) -> None:
        for p in getattr(self, "side_problems", []) + [getattr(self, "problem", None)]:
            if p is None:
                continue
            p.close()
        shutil.rmtree(self.work, ignore_errors=True)

    @property
    def trials(self) -> int:
        return self.extra_runs + sum(p.trials for p in self.side_problems) + \
            (self.problem.trials if self.problem else 0)

    # ------------------------------------------------------------ stages --
    def run(self, outdir: Optional[Path], dry_run: bool) -> dict:
        self.baseline()
        self.prepare_base()
        if self.opts.first_failure:
            self.P.info("first-failure walk, %d prefixes at once" % self.problem.jobs)
            hit = passes.first_failure(self.forest, self.problem, self._settings(), self._report_trial)
            if hit:
                self.P.info("first failure: %s (%s); keeping it and everything after it"
                            % (self.forest.label([hit[0]]), hit[1]))
        else:
            heap = passes.initial_groups(self.forest, self._settings())
            self.P.info("search: %d candidate groups, up to %d trials at once"
                        % (len(heap.items), self.problem.jobs))
            left = passes.hdd(self.forest, self.problem, self._settings(), self._report_trial)
            if left.items:
                self.P.info("stopped at --max-trials %d with %d groups untried"
                            % (self.opts.max_trials, len(left.items)))
        self.P.done()
        return self.finish(outdir, dry_run)

    def _settings(self) -> passes.Settings:
        return passes.Settings(self.opts.min_size, self.opts.traced_min_size, self.opts.use_trace)

    def baseline(self) -> None:
        """The untouched wheels, twice (traced once): must pass and be deterministic."""
        opts, P, R = self.opts, self.P, self.runner
        for i, w in enumerate(self.wheels):
            P.info("unpacked %s (%s, %d files)" % (w.filename, human_size(w.installed_size), len(w.files)))
            orig = self.work / ("orig%d" % i)
            R.add(orig, self.work / ("base%d" % i), {r: m.size for r, m in w.files.items()})
            R.master.protect(orig)
        P.info("baseline: smoke test of the untouched wheels")
        roots = R.build(self.work / "baseline", from_orig=True)
        ok, why, res = R.smoke(roots, trace=opts.use_trace, timeout=opts.timeout or 300)
        if not ok:
            raise SmokeError("baseline failed: the untouched wheels do not pass the smoke test: %s" % why)
        for m, r in zip(opts.models, res):
            R.reference[m] = r.outputs
            for path in (r.trace or []):
                for w, root in enumerate(roots):
                    if path.startswith(str(root) + "/"):
                        self.traced.setdefault(w, set()).add(path[len(str(root)) + 1:])
        base_secs = sum(r.seconds for r in res) or 1.0
        ok2, why2, res2 = R.smoke(roots, timeout=opts.timeout or 300)
        if not ok2:
            raise SmokeError("baseline is not deterministic: a second run of the untouched wheels "
                             "gave %s" % why2)
        self.extra_runs += 2
        shutil.rmtree(self.work / "baseline", ignore_errors=True)
        R.master.check("the baseline smoke run")
        R.timeout = opts.timeout or max(30.0, 10 * max(base_secs, sum(r.seconds for r in res2)))
        if res:
            P.info("baseline ok: %s, %.2fs per run; outputs: %s; trial timeout %gs" % (
                res[0].info.get("interpreter"), base_secs,
                ", ".join("%s%s" % (o["dtype"], o["shape"]) for o in res[0].info.get("outputs", [])),
                R.timeout))
        else:
            P.info("baseline ok (smoke command); trial timeout %gs" % R.timeout)

    def prepare_base(self) -> None:
        """The working copy: --drop applied, binaries stripped (guilty ones restored), .pyc."""
        opts, P, R = self.opts, self.P, self.runner
        for i, w in enumerate(self.wheels):
            orig, base = R.sources[i]
            dropped = {r for r in w.files if matches(r, opts.drop)
                       and not (r.startswith(w.dist_info + "/") and r.rsplit("/", 1)[-1] in ALWAYS_KEEP
                                and r.count("/") == 1)}
            self.dropped[i] = sorted(dropped)
            shutil.copytree(orig, base, copy_function=shutil.copyfile)
            for r in dropped:
                (base / r).unlink()
            R.files[i] = {r: s for r, s in R.files[i].items() if r not in dropped}
        if any(self.dropped.values()):
            P.info("--drop removes %d files" % sum(len(v) for v in self.dropped.values()))
        if opts.strip:
            self._strip_tree()
        self._precompile()
        for i in range(len(self.wheels)):
            R.master.protect(R.sources[i][1])   # trials link it: read-only, signatures kept
        if opts.strip:
            self._strip_check()
        elif any(self.dropped.values()):
            ok, why = R.trial()
            self.extra_runs += 1
            if not ok:
                raise SmokeError(self._working_copy_fails(why))
        for i, w in enumerate(self.wheels):
            base = R.sources[i][1]
            R.files[i] = {r: (base / r).stat().st_size for r in R.files[i]}
        done = self.trials
        # the cache is keyed by the base tree's content too: a changed base never hits it
        self.problem = Problem(lambda removed: R.trial(removed), base_key=R.content_key(),
                               jobs=opts.jobs, max_trials=max(0, opts.max_trials - done),
                               on_abort=R.kill_running)
        self.forest = Forest([WheelTree.for_wheel(i, w.name, w.dist_info, R.files[i], opts.keep)
                              for i, w in enumerate(self.wheels)],
                             self.traced if opts.use_trace else {})

    def _working_copy_fails(self, why: str) -> str:
        if any(self.dropped.values()):
            return "the files removed by --drop are needed: %s" % why
        return "the unpacked working copy fails the smoke test although the untouched wheels " \
               "passed (a flaky smoke test?): %s" % why

    def _strip_tree(self) -> None:
        P, R = self.P, self.runner
        for i, w in enumerate(self.wheels):
            base = R.sources[i][1]
            res = ST.strip_tree(base, jobs=self.opts.jobs, exclude=lambda rel, i=i: rel not in R.files[i])
            self.strip_results[i] = res
            n = sum(r.status in ST.STATUS_CHANGED for r in res)
            P.info("strip %s: %d of %d binaries stripped, %s saved%s" % (
                w.filename, n, len(res), human_size(sum(r.saved for r in res)),
                "".join("; %s %s (%s)" % ("kept original" if r.status == "kept-original" else "zeroed",
                                          r.path, r.reason[:80])
                        for r in res if r.status in ("kept-original", "zeroed"))))

    def _strip_check(self) -> None:
        """The stripped set must pass; else strip bisection finds the files to keep original."""
        P, R = self.P, self.runner
        stripped = [(i, r.path) for i in self.strip_results for r in self.strip_results[i]
                    if r.status in ST.STATUS_CHANGED]
        # candidate = the stripped files a trial links from the original instead (content-keyed)
        prob = Problem(lambda unstripped: R.trial(frozenset(), unstripped), jobs=self.opts.jobs,
                       on_abort=R.kill_running)
        self.side_problems.append(prob)
        every = frozenset(stripped)
        ok, why = prob.is_interesting(frozenset())
        if ok:
            P.info("stripped set passes the smoke test")
            return
        P.info("stripped set FAILS (%s): finding the guilty files" % why)
        if not prob.is_interesting(every)[0]:
            raise SmokeError(self._working_copy_fails(why))
        bad = passes.find_bad(stripped, lambda used: prob.is_interesting(every - used)[0])
        for i, rel in bad:
            orig, base = R.sources[i]
            R.master.release(base / rel)
            shutil.copyfile(orig / rel, base / rel)
            r = next(r for r in self.strip_results[i] if r.path == rel)
            r.status, r.after, r.reason = "kept-original", r.before, "the smoke test fails when stripped"
            P.info("keeping unstripped %s" % rel)
        for i in range(len(self.wheels)):
            R.master.protect(R.sources[i][1])

    def _precompile(self) -> None:
        """Compile .py files once so trials do not pay for it (host Python only).  A .pyc the
        wheel itself ships that compileall rewrites is put back: what ships stays the wheel's."""
        if self.opts.python and list(self.opts.python) != [sys.executable]:
            return
        tag = sys.implementation.cache_tag
        for i in range(len(self.wheels)):
            orig, base = self.runner.sources[i]
            shipped = {r: (base / r).stat().st_mtime_ns for r in self.runner.files[i] if r.endswith(".pyc")}
            subprocess.run([sys.executable, "-I", "-m", "compileall", "-q", "-j", "0", str(base)],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for rel, mtime in shipped.items():
                if (base / rel).stat().st_mtime_ns != mtime:
                    shutil.copyfile(orig / rel, base / rel)
            for rel in self.runner.files[i]:
                if rel.endswith(".py"):
                    d, _, fn = rel.rpartition("/")
                    pyc = (d + "/" if d else "") + "__pycache__/%s.%s.pyc" % (fn[:-3], tag)
                    if (base / pyc).exists() and pyc not in self.runner.files[i]:
                        self.runner.pyc[i][rel] = [pyc]

    # ------------------------------------------------------------ output --
    def _report_trial(self, nodes, ok: bool, why: str) -> None:
        f = self.forest
        if not ok and len(self.failures) < 200:
            self.failures.append({"paths": ["%s:%s" % (f.trees[w].name, r) for w, r in nodes[:20]],
                                  "reason": why[:500]})
        size = f.live_size(nodes) if not ok else f.size_of(f.files_of(nodes))
        self.P.trial("trial %3d  %-4s -%-9s %-60s saved %s" % (
            self.trials, "ok" if ok else "FAIL", human_size(size), f.label(nodes)[:60],
            human_size(f.saved())))

    def output_entries(self, w: int) -> Dict[str, W.Entry]:
        wh, base = self.wheels[w], self.runner.sources[w][1]
        return {rel: W.Entry(mode=wh.files[rel].mode, path=base / rel)
                for rel in self.runner.files[w]
                if (w, rel) not in self.forest.removed and rel != wh.dist_info + "/RECORD"}

    def finish(self, outdir: Optional[Path], dry_run: bool) -> dict:
        R = self.runner
        R.master.check()
        stage_parent = outdir if (outdir and not dry_run) else self.work
        stage_parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=".slim-staging-", dir=stage_parent))
        try:
            written = []
            for i, w in enumerate(self.wheels):
                entries = self.output_entries(i)
                before = R.master.digest([e.path for e in entries.values()])
                written.append(W.write_wheel(entries, w.dist_info, stage / w.filename))
                if R.master.digest(list(before)) != before:
                    raise SmokeError("a master file changed while %s was written" % w.filename)
            check = self.work / "final"
            roots = []
            for i, p in enumerate(written):
                W.read_wheel(p, dest=check / ("w%d" % i))
                roots.append(check / ("w%d" % i))
            ok, why, _ = R.smoke(roots)
            self.extra_runs += 1
            shutil.rmtree(check, ignore_errors=True)
            if not ok:
                raise SmokeError("the pruned wheels fail the final smoke test (nothing written): %s" % why)
            self.P.info("final check: pruned wheels re-read, RECORD verified, smoke test passes")
            report = build_report(self, written)
            if not dry_run and outdir is not None:
                for p, rep in zip(written, report["wheels"]):
                    final = outdir / p.name
                    p.replace(final)
                    rep["output"] = str(final)
            return report
        finally:
            shutil.rmtree(stage, ignore_errors=True)
