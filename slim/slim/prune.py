"""slim prune: smoke-test-guided wheel slimming.

Steps
1. Read and check every input wheel (nothing is written if any is bad).
2. Baseline: unpack the untouched wheels, run the smoke test twice (traced once):
   it must pass and be deterministic, else stop and say why.  Its outputs are
   the reference for every later trial.
3. ``--drop`` patterns are applied, binaries are stripped (see strip.py); the
   stripped set must pass the smoke test with the reference outputs, else the
   guilty stripped files are found and restored.
4. Search (hierarchical delta debugging): candidates are groups of directories
   and files, largest first.  First one group of everything the traced
   baseline never touched (an ordering hint, never proof); a group that fails
   is split in halves; a single directory that fails is replaced by its
   children; a single file that fails stays.  Then each large file the
   baseline did load is tried on its own.  Up to ``--jobs`` trials run at
   once, each against the deletions proven so far; when several pass, their
   union is tested before it is kept.  Results are cached by the exact set
   of deleted files.  ``--first-failure`` instead deletes candidates in order
   and stops at the first deletion that fails.
5. The pruned wheels are written to a staging directory, read back and
   verified (RECORD), unpacked, and smoke-tested once more against the
   reference; only then are they moved into OUTDIR (atomic per file).

A trial never pip-installs: it builds a tree of hard links to the unpacked
files (minus the deleted ones) and runs the smoke child with only that tree on
sys.path.  Packaging metadata (the whole ``*.dist-info``) is kept unless
``--drop`` says otherwise; METADATA and WHEEL always stay, RECORD is rewritten.
"""
from __future__ import annotations

import fnmatch
import heapq
import itertools
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

from . import smoke as S
from . import strip as ST
from . import wheel as W
from .report import Progress, human_size, pct, table

NodeKey = Tuple[int, str]          # (wheel index, relative path of a file or directory)
ALWAYS_KEEP = ("METADATA", "WHEEL", "RECORD")


class PruneError(Exception):
    pass


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


def _matches(rel: str, patterns: Sequence[str]) -> bool:
    """A path matches when the pattern matches it or one of its parent directories."""
    if not patterns:
        return False
    parts = rel.split("/")
    cands = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    return any(fnmatch.fnmatchcase(c, p) or fnmatch.fnmatchcase(c + "/", p)
               for p in patterns for c in cands)


class WheelTree:
    """One input wheel, unpacked: files, directory index, sizes, protections."""

    def __init__(self, idx: int, wheel: W.Wheel, base: Path):
        self.idx = idx
        self.wheel = wheel
        self.base = base
        self.files: Dict[str, int] = {}            # rel -> size (after strip)
        self.children: Dict[str, List[str]] = {}   # dir rel ("" = root) -> child rels
        self.is_dir: Dict[str, bool] = {}
        self.protected: set = set()
        self.pyc: Dict[str, List[str]] = {}        # .py rel -> compiled files (ours, not shipped)
        self.under: Dict[str, List[str]] = {}      # dir rel -> all files below

    def index(self, keep_patterns, dropped: set) -> None:
        self.files = {}
        for rel in self.wheel.files:
            if rel in dropped:
                continue
            self.files[rel] = (self.base / rel).stat().st_size
        self.children = {"": []}
        self.under = {"": []}
        self.is_dir = {"": True}
        for rel in sorted(self.files):
            parts = rel.split("/")
            for i in range(1, len(parts) + 1):
                node = "/".join(parts[:i])
                parent = "/".join(parts[:i - 1])
                if node not in self.is_dir:
                    self.is_dir[node] = i < len(parts)
                    self.children.setdefault(parent, []).append(node)
                if i < len(parts):
                    self.children.setdefault(node, [])
                    self.under.setdefault(node, []).append(rel)
            self.under[""].append(rel)
        di = self.wheel.dist_info + "/"
        self.protected = {r for r in self.files
                          if r.startswith(di) or _matches(r, keep_patterns)}

    def node_files(self, rel: str) -> List[str]:
        return self.under[rel] if self.is_dir.get(rel) else [rel]

    def node_size(self, rel: str) -> int:
        return sum(self.files[f] for f in self.node_files(rel))

    def node_protected(self, rel: str) -> bool:
        return any(f in self.protected for f in self.node_files(rel))


@dataclass(order=True)
class Group:
    prio: float
    seq: int
    nodes: Tuple[NodeKey, ...] = field(compare=False)
    kind: str = field(compare=False, default="split")   # "split" | "traced"


class Pruner:
    def __init__(self, wheel_paths: Sequence, opts: Options, progress: Optional[Progress] = None):
        self.t0 = time.monotonic()
        self.opts = opts
        self.progress = progress or Progress(quiet=opts.quiet)
        if not opts.models and not opts.smoke_cmd:
            raise PruneError("nothing to test with: give --smoke MODEL.tflite or --smoke-cmd CMD")
        for m in opts.models:
            if not Path(m).is_file():
                raise PruneError("smoke model %s: no such file" % m)
        self.wheels = [W.read_wheel(p) for p in wheel_paths]   # all checked before any work
        names = [w.name for w in self.wheels]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise PruneError("the same project is given twice: %s" % ", ".join(sorted(dup)))
        self.trees: List[WheelTree] = []
        self.work = Path(tempfile.mkdtemp(prefix="slim-prune-"))
        self.reference: Dict[str, list] = {}
        self.trials = 0
        self.cache_hits = 0
        self.cache: Dict[FrozenSet, Tuple[bool, str]] = {}
        self.removed: set = set()        # NodeKeys proven removable (union)
        self.removed_files: Dict[int, set] = {}
        self.kept_log: List[dict] = []
        self.failures: List[dict] = []
        self.strip_results: Dict[int, List[ST.StripResult]] = {}
        self.dropped: Dict[int, List[str]] = {}
        self.trace: Dict[int, set] = {}
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._trial_no = itertools.count(1)
        self.timeout = opts.timeout

    # ------------------------------------------------------------ helpers --
    def close(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)

    def _files_of(self, nodes) -> Dict[int, set]:
        out: Dict[int, set] = {i: set() for i in range(len(self.trees))}
        for (w, rel) in nodes:
            out[w].update(self.trees[w].node_files(rel))
        return out

    def _key(self, files: Dict[int, set]) -> FrozenSet:
        return frozenset((w, f) for w, fs in files.items() for f in fs)

    def _build(self, dest: Path, removed: Dict[int, set], base_attr: str = "base") -> List[Path]:
        roots = []
        for t in self.trees:
            root = dest / ("w%d" % t.idx)
            gone = removed.get(t.idx, set())
            made = set()
            base = getattr(t, base_attr)
            for rel in t.files:
                if rel in gone:
                    continue
                for extra in [rel] + t.pyc.get(rel, []):
                    target = root / extra
                    parent = target.parent
                    if parent not in made:
                        parent.mkdir(parents=True, exist_ok=True)
                        made.add(parent)
                    try:
                        os.link(base / extra, target)
                    except OSError:
                        shutil.copy2(base / extra, target)
            root.mkdir(parents=True, exist_ok=True)
            roots.append(root)
        return roots

    def _smoke_all(self, roots: List[Path], trace: bool = False):
        """(ok, reason, results) for all smoke models / the smoke command on these roots."""
        results = []
        if self.opts.smoke_cmd:
            ok, why = self._run_cmd(roots)
            return ok, why, results
        for m in self.opts.models:
            r = S.run_smoke(m, roots, python=self.opts.python, timeout=self.timeout or 120,
                            seed=self.opts.seed, invokes=self.opts.invokes,
                            interpreter=self.opts.interpreter, workdir=self.work, trace=trace)
            results.append(r)
            if not r.ok:
                return False, "%s: %s" % (Path(m).name, r.reason), results
            ref = self.reference.get(m)
            if ref is not None:
                diff = S.compare_outputs(ref, r.outputs, self.opts.rtol, self.opts.atol)
                if diff:
                    return False, "%s: different outputs: %s" % (Path(m).name, diff), results
        return True, "", results

    def _run_cmd(self, roots: List[Path]) -> Tuple[bool, str]:
        env = dict(os.environ)
        paths = os.pathsep.join(str(r) for r in roots)
        env.update({"PYTHONPATH": paths, "SLIM_TREES": paths, "PYTHONNOUSERSITE": "1",
                    "PYTHONDONTWRITEBYTECODE": "1"})
        env.setdefault("OPENBLAS_NUM_THREADS", "1")
        py = " ".join(shlex.quote(a) for a in (self.opts.python or [sys.executable])) + " -s -S"
        cmd = self.opts.smoke_cmd.replace("{python}", py)
        p = subprocess.Popen(cmd, shell=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env, start_new_session=True)
        with S._LIVE_LOCK:
            S._LIVE.add(p)
        try:
            out, err = p.communicate(b"", timeout=self.timeout or 120)
        except subprocess.TimeoutExpired:
            S._kill_group(p)
            p.communicate()
            return False, "smoke command timed out after %gs (killed)" % (self.timeout or 120)
        finally:
            with S._LIVE_LOCK:
                S._LIVE.discard(p)
        if p.returncode != 0:
            return False, "smoke command exit code %d: %s" % (
                p.returncode, S.failure_reason(err.decode("utf-8", "replace")))
        return True, ""

    def trial(self, removed: Dict[int, set], label: str = "") -> Tuple[bool, str]:
        key = self._key(removed)
        with self._lock:
            if key in self.cache:
                self.cache_hits += 1
                return self.cache[key]
            n = next(self._trial_no)
            self.trials += 1
        d = Path(tempfile.mkdtemp(prefix="trial-%d-" % n, dir=self.work))
        try:
            roots = self._build(d, removed)
            ok, why, _ = self._smoke_all(roots)
        finally:
            shutil.rmtree(d, ignore_errors=True)
        with self._lock:
            self.cache[key] = (ok, why)
        return ok, why

    def _saved(self) -> int:
        return sum(self.trees[w].files[f] for w, fs in self.removed_files.items() for f in fs)

    # ----------------------------------------------------------- baseline --
    def prepare(self) -> None:
        opts = self.opts
        P = self.progress
        for i, w in enumerate(self.wheels):
            P.info("unpacking %s (%s, %d files)" % (w.filename, human_size(w.installed_size), len(w.files)))
            base = w.extract(self.work / ("orig%d" % i))
            t = WheelTree(i, w, base)
            t.orig = base
            t.index(opts.keep, set())
            self.trees.append(t)
        # baseline on the untouched wheels, twice: pass + deterministic
        P.info("baseline: smoke test of the untouched wheels")
        d = self.work / "baseline"
        roots = self._build(d, {}, "orig")
        first_timeout = self.timeout or 300
        saved_timeout, self.timeout = self.timeout, first_timeout
        ok, why, res = self._smoke_all(roots, trace=opts.use_trace)
        if not ok:
            raise PruneError("baseline failed: the untouched wheels do not pass the smoke test: %s" % why)
        for m, r in zip(opts.models, res):
            self.reference[m] = r.outputs
            for path in (r.trace or []):
                for t in self.trees:
                    root = str(roots[t.idx]) + "/"
                    if path.startswith(root):
                        self.trace.setdefault(t.idx, set()).add(path[len(root):])
        base_secs = sum(r.seconds for r in res) or 1.0
        ok2, why2, res2 = self._smoke_all(roots)
        if not ok2:
            raise PruneError("baseline is not deterministic: a second run of the untouched wheels "
                             "gave %s" % why2)
        self.trials += 2
        shutil.rmtree(d, ignore_errors=True)
        if saved_timeout is None:
            self.timeout = max(30.0, 10 * max(base_secs, sum(r.seconds for r in res2)))
        else:
            self.timeout = saved_timeout
        if res:
            P.info("baseline ok: %s, %.2fs per run; outputs: %s; trial timeout %gs" % (
                res[0].info.get("interpreter"), base_secs,
                ", ".join("%s%s" % (o["dtype"], o["shape"]) for o in res[0].info.get("outputs", [])),
                self.timeout))
        else:
            P.info("baseline ok (smoke command); trial timeout %gs" % self.timeout)
        # working copies: --drop applied, stripped
        for t in self.trees:
            w = t.wheel
            dropped = {r for r in w.files if _matches(r, opts.drop)
                       and not (r.startswith(w.dist_info + "/") and r.rsplit("/", 1)[-1] in ALWAYS_KEEP
                                and r.count("/") == 1)}
            self.dropped[t.idx] = sorted(dropped)
            t.base = self.work / ("base%d" % t.idx)
            shutil.copytree(t.orig, t.base)
            for r in dropped:
                (t.base / r).unlink()
            t.index(opts.keep, dropped)
        if any(self.dropped.values()):
            P.info("--drop removes %d files" % sum(len(v) for v in self.dropped.values()))
        if opts.strip:
            self._strip()
        elif any(self.dropped.values()):
            ok, why = self.trial({})
            if not ok:
                raise PruneError("the files removed by --drop are needed: %s" % why)
        self._precompile()

    def _strip(self) -> None:
        P = self.progress
        for t in self.trees:
            res = ST.strip_tree(t.base, jobs=self.opts.jobs,
                                exclude=lambda rel, t=t: rel not in t.files)
            self.strip_results[t.idx] = res
            n = sum(r.status in ("stripped", "zeroed") for r in res)
            P.info("strip %s: %d of %d binaries stripped, %s saved%s" % (
                t.wheel.filename, n, len(res), human_size(sum(r.saved for r in res)),
                "".join("; %s %s (%s)" % ("kept original" if r.status == "kept-original" else "zeroed",
                                          r.path, r.reason[:80])
                        for r in res if r.status in ("kept-original", "zeroed"))))
            t.index(self.opts.keep, set(self.dropped[t.idx]))
        self.cache.clear()
        ok, why = self.trial({}, "stripped set")
        if ok:
            P.info("stripped set passes the smoke test")
            return
        P.info("stripped set FAILS (%s): finding the guilty files" % why)
        stripped = [(t, r) for t in self.trees for r in self.strip_results[t.idx]
                    if r.status in ("stripped", "zeroed")]
        for t, r in stripped:   # restore all, then re-strip one by one
            shutil.copyfile(t.orig / r.path, t.base / r.path)
        self.cache.clear()
        ok, why = self.trial({}, "unstripped")
        if not ok:
            raise PruneError("the files removed by --drop are needed: %s" % why)
        for t, r in stripped:
            ST.strip_file(t.base / r.path, rel=r.path)
            self.cache.clear()
            ok, why = self.trial({}, "strip " + r.path)
            if not ok:
                shutil.copyfile(t.orig / r.path, t.base / r.path)
                r.status, r.after, r.reason = "kept-original", r.before, "smoke test failed: " + why
                P.info("keeping unstripped %s: %s" % (r.path, why))
        for t in self.trees:
            t.index(self.opts.keep, set(self.dropped[t.idx]))
        self.cache.clear()

    def _precompile(self) -> None:
        """Compile .py files once so trials do not pay for it (host Python only)."""
        if self.opts.python and list(self.opts.python) != [sys.executable]:
            return
        for t in self.trees:
            subprocess.run([sys.executable, "-I", "-m", "compileall", "-q", "-j", "0", str(t.base)],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            tag = sys.implementation.cache_tag
            for rel in t.files:
                if rel.endswith(".py"):
                    d, _, fn = rel.rpartition("/")
                    pyc = (d + "/" if d else "") + "__pycache__/%s.%s.pyc" % (fn[:-3], tag)
                    if (t.base / pyc).exists() and pyc not in t.files:
                        t.pyc[rel] = [pyc]

    # ------------------------------------------------------------- search --
    def _candidate_nodes(self, t: WheelTree, rel: str) -> List[str]:
        return [c for c in t.children.get(rel, []) if c in t.is_dir]

    def _traced(self, t: WheelTree, rel: str) -> bool:
        tr = self.trace.get(t.idx)
        if tr is None:
            return False
        return any(f in tr for f in t.node_files(rel))

    def _maximal(self, t: WheelTree, rel: str, pred) -> List[str]:
        """Maximal nodes below ``rel`` (exclusive) whose whole content satisfies pred."""
        out = []
        for c in t.children.get(rel, []):
            if pred(c):
                out.append(c)
            elif t.is_dir[c]:
                out.extend(self._maximal(t, c, pred))
        return out

    def _live_size(self, nodes) -> int:
        tot = 0
        for (w, rel) in nodes:
            t = self.trees[w]
            gone = self.removed_files.get(w, set())
            tot += sum(t.files[f] for f in t.node_files(rel) if f not in gone)
        return tot

    def _push(self, heap, nodes, kind="split"):
        nodes = tuple(n for n in nodes if self._live_size([n]) > 0)
        size = self._live_size(nodes)
        if not nodes:
            return
        limit = self.opts.traced_min_size if kind == "traced" else self.opts.min_size
        if size < limit:
            return
        heapq.heappush(heap, Group(-size, next(self._seq), nodes, kind))

    def _initial_groups(self):
        heap: list = []
        untraced, traced_files = [], []
        for t in self.trees:
            ok = lambda rel, t=t: not t.node_protected(rel) and not (self.opts.use_trace and self._traced(t, rel))
            for rel in self._maximal(t, "", ok):
                untraced.append((t.idx, rel))
            for rel in t.files:
                if rel not in t.protected and self.opts.use_trace and rel in self.trace.get(t.idx, ()):
                    traced_files.append((t.idx, rel))
        if untraced:
            self._push(heap, untraced)
        for n in traced_files:
            self._push(heap, [n], "traced")
        return heap, untraced, traced_files

    def _split(self, heap, g: Group) -> None:
        nodes = list(g.nodes)
        if len(nodes) > 1:
            nodes.sort(key=lambda n: (n[0], n[1]))
            sizes = [self._live_size([n]) for n in nodes]
            half, acc, cut = sum(sizes) / 2.0, 0, 1
            for i, s in enumerate(sizes):
                acc += s
                if acc >= half:
                    cut = max(1, min(len(nodes) - 1, i if acc - s >= half / 2 and i > 0 else i + 1))
                    break
            self._push(heap, nodes[:cut], g.kind)
            self._push(heap, nodes[cut:], g.kind)
            return
        (w, rel) = nodes[0]
        t = self.trees[w]
        if t.is_dir.get(rel) and g.kind != "traced":
            kids = [(w, c) for c in t.children.get(rel, []) if not t.node_protected(c)]
            big = [k for k in kids if self._live_size([k]) >= self.opts.min_size]
            small = [k for k in kids if k not in big]
            for k in big:
                self._push(heap, [k], g.kind)
            if small:
                self._push(heap, small, g.kind)
        else:
            self.kept_log.append({"path": "%s:%s" % (t.wheel.name, rel), "size": self._live_size(nodes)})

    def _accept(self, nodes) -> None:
        self.removed.update(nodes)
        for w, fs in self._files_of(nodes).items():
            self.removed_files.setdefault(w, set()).update(fs)

    def _with(self, nodes) -> Dict[int, set]:
        files = {w: set(self.removed_files.get(w, set())) for w in range(len(self.trees))}
        for w, fs in self._files_of(nodes).items():
            files[w].update(fs)
        return files

    def _label(self, nodes) -> str:
        if len(nodes) == 1:
            w, rel = nodes[0]
            return rel + ("/" if self.trees[w].is_dir.get(rel) else "")
        return "%d paths (%s, ...)" % (len(nodes), nodes[0][1])

    def _report_trial(self, g_or_nodes, ok, why):
        nodes = g_or_nodes.nodes if isinstance(g_or_nodes, Group) else g_or_nodes
        self._shown = getattr(self, "_shown", 0) + 1
        if not ok and len(self.failures) < 200:
            self.failures.append({"paths": [("%s:%s" % (self.trees[w].wheel.name, r)) for w, r in nodes[:20]],
                                  "reason": why[:500]})
        self.progress.trial("trial %3d  %-4s -%-9s %-60s saved %s" % (
            self.trials, "ok" if ok else "FAIL", human_size(self._live_size(nodes) if not ok else
                                                           sum(self.trees[w].files[f] for w, fs in self._files_of(nodes).items() for f in fs)),
            self._label(nodes)[:60], human_size(self._saved())))

    def search(self) -> None:
        heap, _, _ = self._initial_groups()
        jobs = max(1, self.opts.jobs)
        P = self.progress
        P.info("search: %d candidate groups, up to %d trials at once" % (len(heap), jobs))
        with ThreadPoolExecutor(max_workers=jobs) as ex:
            while heap and self.trials < self.opts.max_trials:
                batch = []
                while heap and len(batch) < jobs:
                    g = heapq.heappop(heap)
                    live = tuple(n for n in g.nodes if self._live_size([n]) > 0)
                    if not live:
                        continue
                    if len(live) != len(g.nodes):
                        self._push(heap, live, g.kind)
                        continue
                    batch.append(g)
                if not batch:
                    break
                futs = [ex.submit(self.trial, self._with(g.nodes)) for g in batch]
                try:
                    res = [f.result() for f in futs]
                except BaseException:   # Ctrl-C: stop the running trials now
                    S.kill_all()
                    for f in futs:
                        f.cancel()
                    raise
                passed = [g for g, (ok, _) in zip(batch, res) if ok]
                for g, (ok, why) in zip(batch, res):
                    if not ok:
                        self._report_trial(g, False, why)
                        self._split(heap, g)
                if len(passed) > 1:
                    union = [n for g in passed for n in g.nodes]
                    ok, why = self.trial(self._with(union))
                    if ok:
                        self._accept(union)
                        for g in passed:
                            self._report_trial(g, True, "")
                    else:
                        self._accept(passed[0].nodes)
                        self._report_trial(passed[0], True, "")
                        for g in passed[1:]:   # retry on the new base
                            self._push(heap, g.nodes, g.kind)
                elif passed:
                    self._accept(passed[0].nodes)
                    self._report_trial(passed[0], True, "")
        P.done()
        if heap:
            P.info("stopped at --max-trials %d with %d groups untried" % (self.opts.max_trials, len(heap)))

    def search_first_failure(self) -> None:
        """The literal walk: delete files biggest first (files the traced baseline did not
        touch before those it did), re-test after each, stop at the first failing deletion."""
        order = []
        for t in self.trees:
            tr = self.trace.get(t.idx, set())
            for rel, size in t.files.items():
                if rel not in t.protected and size >= self.opts.min_size:
                    order.append(((rel in tr), -size, t.idx, rel))
        order = [(w, rel) for _, _, w, rel in sorted(order)]
        jobs = max(1, self.opts.jobs)
        P = self.progress
        P.info("first-failure walk over %d files, %d prefixes at once" % (len(order), jobs))
        i = 0
        with ThreadPoolExecutor(max_workers=jobs) as ex:
            try:
                while i < len(order) and self.trials < self.opts.max_trials:
                    chunk = order[i:i + jobs]
                    futs = [ex.submit(self.trial, self._with(order[i:i + k + 1])) for k in range(len(chunk))]
                    res = [f.result() for f in futs]
                    stop = False
                    for k, (ok, why) in enumerate(res):
                        if ok:
                            self._accept([chunk[k]])
                            self._report_trial([chunk[k]], True, "")
                        else:
                            self._report_trial([chunk[k]], False, why)
                            P.info("first failure: %s (%s); keeping it and everything after it"
                                   % (self._label([chunk[k]]), why))
                            stop = True
                            break
                    if stop:
                        break
                    i += len(chunk)
            except BaseException:
                S.kill_all()
                raise
        P.done()

    # ------------------------------------------------------------- output --
    def output_files(self, t: WheelTree) -> Dict[str, W.Entry]:
        gone = self.removed_files.get(t.idx, set())
        out = {}
        for rel, e in t.wheel.files.items():
            if rel in gone or rel not in t.files:
                continue
            if rel == t.wheel.dist_info + "/RECORD":
                continue
            data = (t.base / rel).read_bytes() if not _same_size(e, t.base / rel) else e.data
            out[rel] = W.Entry(data, e.mode)
        return out

    def finish(self, outdir: Optional[Path], dry_run: bool) -> dict:
        P = self.progress
        stage_parent = outdir if (outdir and not dry_run) else self.work
        stage_parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=".slim-staging-", dir=stage_parent))
        try:
            written = []
            for t in self.trees:
                dst = stage / t.wheel.filename
                W.write_wheel(self.output_files(t), t.wheel.dist_info, dst)
                written.append(dst)
            # read back, verify, smoke once more against the reference
            check = self.work / "final"
            roots = []
            for i, p in enumerate(written):
                w = W.read_wheel(p)
                roots.append(w.extract(check / ("w%d" % i)))
            ok, why, _ = self._smoke_all(roots)
            self.trials += 1
            shutil.rmtree(check, ignore_errors=True)
            if not ok:
                raise PruneError("the pruned wheels fail the final smoke test (nothing written): %s" % why)
            P.info("final check: pruned wheels re-read, RECORD verified, smoke test passes")
            report = self._report(written)
            if not dry_run and outdir is not None:
                for p, t in zip(written, self.trees):
                    final = outdir / p.name
                    os.replace(p, final)
                    report["wheels"][t.idx]["output"] = str(final)
            return report
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def _report(self, written) -> dict:
        wheels = []
        for t, p in zip(self.trees, written):
            gone = self.removed_files.get(t.idx, set())
            removed_nodes = sorted([rel for (w, rel) in self.removed if w == t.idx
                                    and not any(a for a in _ancestors(rel) if (w, a) in self.removed)])
            removed = sorted(({"path": r + ("/" if t.is_dir.get(r) else ""), "size": t.node_size(r)}
                              for r in removed_nodes), key=lambda d: -d["size"])
            removed += [{"path": r, "size": t.wheel.files[r].size, "dropped": True} for r in self.dropped[t.idx]]
            installed_after = sum(s for r, s in t.files.items() if r not in gone)
            wheels.append({
                "input": str(t.wheel.path), "output": None, "name": t.wheel.name,
                "version": t.wheel.version, "filename": t.wheel.filename,
                "compressed_before": t.wheel.compressed_size,
                "compressed_after": p.stat().st_size,
                "installed_before": t.wheel.installed_size,
                "installed_after": installed_after,
                "files_before": len(t.wheel.files),
                "files_after": len(t.files) - len(gone),
                "stripped": [r.to_dict() for r in self.strip_results.get(t.idx, []) if r.status in ("stripped", "zeroed")],
                "kept_unstripped": [r.to_dict() for r in self.strip_results.get(t.idx, [])
                                    if r.status in ("kept-original", "no-tool")],
                "removed": removed,
            })
        return {
            "mode": "first-failure" if self.opts.first_failure else "hdd",
            "smoke": {"models": [str(m) for m in self.opts.models], "cmd": self.opts.smoke_cmd,
                      "seed": self.opts.seed, "invokes": self.opts.invokes},
            "jobs": self.opts.jobs, "trials": self.trials, "cache_hits": self.cache_hits,
            "wall_seconds": round(time.monotonic() - self.t0, 2),
            "wheels": wheels,
            "failed_trials": self.failures,
        }


def _ancestors(rel: str):
    parts = rel.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _same_size(e: W.Entry, p: Path) -> bool:
    try:
        return p.stat().st_size == e.size and p.read_bytes() == e.data
    except OSError:
        return False


def format_report(rep: dict) -> str:
    rows = []
    for w in rep["wheels"]:
        rows.append([w["filename"],
                     human_size(w["compressed_before"]), human_size(w["compressed_after"]),
                     pct(w["compressed_before"], w["compressed_after"]),
                     human_size(w["installed_before"]), human_size(w["installed_after"]),
                     pct(w["installed_before"], w["installed_after"]),
                     "%d/%d" % (w["files_after"], w["files_before"])])
    out = [table(rows, ["wheel", "whl before", "whl after", "", "installed before",
                        "installed after", "", "files"])]
    for w in rep["wheels"]:
        if w["stripped"] or w["kept_unstripped"]:
            out.append("\n%s: stripped %d binaries (-%s)%s" % (
                w["name"], len(w["stripped"]), human_size(sum(s["saved"] for s in w["stripped"])),
                "".join("\n  kept unstripped %s: %s" % (k["path"], k["reason"][:100])
                        for k in w["kept_unstripped"])
                + "".join("\n  symbols zeroed in place (a real strip breaks its PT_LOAD alignment): %s" % k["path"]
                          for k in w["stripped"] if k["status"] == "zeroed")))
        if w["removed"]:
            out.append("%s: biggest removed paths" % w["name"])
            for r in w["removed"][:12]:
                out.append("  %10s  %s%s" % (human_size(r["size"]), r["path"], " (--drop)" if r.get("dropped") else ""))
            if len(w["removed"]) > 12:
                out.append("  ... and %d more" % (len(w["removed"]) - 12))
    out.append("\nmode %s: %d trials (%d cached), %d jobs, wall time %.1fs" % (
        rep["mode"], rep["trials"], rep["cache_hits"], rep["jobs"], rep["wall_seconds"]))
    for w in rep["wheels"]:
        if w["output"]:
            out.append("wrote %s" % w["output"])
    return "\n".join(out)


def prune(wheels, opts: Options, outdir=None, dry_run=False, progress=None) -> dict:
    """Library entry point; returns the report dict."""
    outdir = Path(outdir) if outdir is not None else None
    p = Pruner(wheels, opts, progress)
    try:
        if outdir is not None and not dry_run:
            for w in p.wheels:
                if (outdir / w.filename).resolve() == w.path.resolve():
                    raise PruneError("output %s would overwrite the input wheel; choose another -o"
                                     % (outdir / w.filename))
        p.prepare()
        if opts.first_failure:
            p.search_first_failure()
        else:
            p.search()
        return p.finish(outdir, dry_run)
    finally:
        p.close()


def register(subparsers) -> None:
    ap = subparsers.add_parser(
        "prune", help="delete and strip what a smoke test does not need (on unpacked wheels)",
        description="Slim a set of wheels that run together (e.g. a runtime and numpy): strip "
                    "binaries, then delete the directories and files the smoke test does not "
                    "need, each deletion proven by a passing smoke run. The untouched wheels "
                    "are the reference: a trial fails on a crash, hang, non-zero exit, import "
                    "error or different outputs. Input wheels are never modified; the pruned "
                    "wheels go to OUTDIR.",
        epilog="example: slim prune numpy-2.4.6-*.whl ai_edge_litert-2.3.0-*.whl "
               "--smoke hand_recrop.tflite -o slim-dist --json report.json")
    ap.add_argument("wheels", nargs="+", metavar="WHEEL", help="all wheels the smoke test needs")
    ap.add_argument("--smoke", action="append", default=[], metavar="MODEL.tflite",
                    help="model for the default smoke test (repeat for several models)")
    ap.add_argument("--smoke-cmd", metavar="CMD",
                    help="own smoke test instead: a shell command that exits 0 when fine; it gets "
                         "PYTHONPATH and SLIM_TREES set to the candidate trees; {python} expands to "
                         "an isolated Python (-s -S)")
    ap.add_argument("-o", "--outdir", default="dist-slim", help="output directory (default: %(default)s)")
    ap.add_argument("--keep", action="append", default=[], metavar="GLOB",
                    help="never delete paths matching GLOB (e.g. 'numpy/linalg/*'); repeatable")
    ap.add_argument("--drop", action="append", default=[], metavar="GLOB",
                    help="delete paths matching GLOB without trials (checked by the smoke test); repeatable")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                    help="trials run at once (default: %(default)s = CPUs)")
    ap.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                    help="per trial; a trial over it is killed and fails (default: 10x the baseline, >= 30)")
    ap.add_argument("--first-failure", action="store_true",
                    help="literal mode: delete candidates in order (biggest first), stop at the first "
                         "deletion that fails")
    ap.add_argument("--no-strip", dest="strip", action="store_false", help="do not strip binaries")
    ap.add_argument("--no-trace", dest="use_trace", action="store_false",
                    help="do not use the traced baseline to order candidates")
    ap.add_argument("--min-size", type=int, default=16 * 1024, metavar="BYTES",
                    help="do not spend trials on groups smaller than this (default: %(default)s)")
    ap.add_argument("--max-trials", type=int, default=1000, help="stop searching after this many trials")
    ap.add_argument("--seed", type=int, default=0, help="seed of the smoke inputs")
    ap.add_argument("--invokes", type=int, default=S.DEFAULT_INVOKES, help="invokes per smoke run")
    ap.add_argument("--interpreter", default="auto",
                    choices=["auto", "slimrt", "tflite_runtime", "ai_edge_litert"])
    ap.add_argument("--python", metavar="CMD", help="command prefix of the Python that runs the smoke "
                                                    "test (default: this one)")
    ap.add_argument("--json", metavar="REPORT", help="write the report as JSON to REPORT")
    ap.add_argument("--dry-run", action="store_true", help="search and report, write no wheel")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    ap.set_defaults(func=_cmd_prune)


def _cmd_prune(args) -> int:
    opts = Options(models=args.smoke, smoke_cmd=args.smoke_cmd, keep=args.keep, drop=args.drop,
                   jobs=max(1, args.jobs), timeout=args.timeout, first_failure=args.first_failure,
                   strip=args.strip, min_size=args.min_size, traced_min_size=4 * args.min_size,
                   max_trials=args.max_trials, use_trace=args.use_trace, seed=args.seed,
                   invokes=args.invokes, interpreter=args.interpreter,
                   python=shlex.split(args.python) if args.python else None, quiet=args.quiet)
    rep = prune(args.wheels, opts, outdir=args.outdir, dry_run=args.dry_run)
    print(format_report(rep))
    if args.json:
        _write_json(args.json, rep)
    return 0


def _write_json(path, data) -> None:
    path = Path(path)
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)
