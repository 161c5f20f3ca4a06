"""Trials: a tree per wheel made of hard links to the master copy, minus the removed files,
and a smoke run on it through ``slim.smoke``'s public API (``run_smoke``/``run_command``).

The master copy (the unpacked originals and the stripped base) is made read-only and its
files' (size, mtime, inode) are recorded; after every trial they are checked, and before
anything is written the content hashes are checked too, so a smoke run that writes into its
trial tree (the same inodes) can never change what ships: slim stops with a SmokeError.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from .. import smoke as S
from ..errors import SmokeError
from .problem import Verdict

Source = Tuple[Path, Path]          # (orig root, base root) of one wheel


class Master:
    """Read-only master files with recorded signatures (and hashes, on demand)."""

    def __init__(self):
        self.sig: Dict[Path, tuple] = {}

    def protect(self, root: Path) -> None:
        for dirpath, _dirs, files in os.walk(root):
            for fn in files:
                p = Path(dirpath) / fn
                st = os.lstat(p)
                os.chmod(p, st.st_mode & 0o555)
                st = os.lstat(p)
                self.sig[p] = (st.st_size, st.st_mtime_ns, st.st_ino)

    def release(self, path: Path) -> None:
        """Forget (and make writable again) one file, before slim itself changes it."""
        self.sig.pop(path, None)
        try:
            os.chmod(path, os.lstat(path).st_mode | 0o200)
        except OSError:
            pass

    def changed(self) -> List[Path]:
        bad = []
        for p, sig in self.sig.items():
            try:
                st = os.lstat(p)
            except OSError:
                bad.append(p)
                continue
            if (st.st_size, st.st_mtime_ns, st.st_ino) != sig:
                bad.append(p)
        return bad

    def check(self, what: str = "a smoke run") -> None:
        bad = self.changed()
        if bad:
            raise SmokeError("%s changed %s in its trial tree (a hard link to the master copy); "
                             "slim stops, nothing written: the smoke test must not write into the "
                             "package directories" % (what, bad[0]))

    @staticmethod
    def digest(paths: Sequence[Path]) -> Dict[Path, str]:
        out = {}
        for p in paths:
            h = hashlib.sha256()
            with open(p, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            out[p] = h.hexdigest()
        return out


class TrialRunner:
    """Builds trial trees and runs the smoke test on them; see the module doc."""

    def __init__(self, opts, work: Path):
        self.opts = opts
        self.work = work
        self.sources: List[Source] = []
        self.files: List[Dict[str, int]] = []        # per wheel: rel -> size (base)
        self.pyc: List[Dict[str, List[str]]] = []    # per wheel: .py rel -> compiled files
        self.reference: Dict[str, list] = {}
        self.timeout: float = opts.timeout or 120
        self.master = Master()

    def add(self, orig: Path, base: Path, files: Dict[str, int]) -> None:
        self.sources.append((orig, base))
        self.files.append(dict(files))
        self.pyc.append({})

    def content_key(self) -> str:
        """Digest of every base file (and its .pyc) a trial links: the cache key's base part."""
        h = hashlib.sha256()
        for w, (_orig, base) in enumerate(self.sources):
            rels = sorted(self.files[w]) + sorted(x for xs in self.pyc[w].values() for x in xs)
            for rel, digest in zip(rels, Master.digest([base / r for r in rels]).values()):
                h.update(("%d\0%s\0%s\n" % (w, rel, digest)).encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    # ------------------------------------------------------------ trees --
    def build(self, dest: Path, removed: frozenset = frozenset(), unstripped: frozenset = frozenset(),
              from_orig: bool = False) -> List[Path]:
        roots = []
        for w, (orig, base) in enumerate(self.sources):
            root = dest / ("w%d" % w)
            made = set()
            for rel in self.files[w]:
                if (w, rel) in removed:
                    continue
                src = orig if from_orig or (w, rel) in unstripped else base
                extras = [] if from_orig else self.pyc[w].get(rel, [])
                for extra, s in [(rel, src)] + [(x, base) for x in extras]:
                    target = root / extra
                    if target.parent not in made:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        made.add(target.parent)
                    try:
                        os.link(s / extra, target)
                    except OSError:
                        shutil.copy2(s / extra, target)
            root.mkdir(parents=True, exist_ok=True)
            roots.append(root)
        return roots

    # ------------------------------------------------------------ smoke --
    def smoke(self, roots: Sequence[Path], trace: bool = False, timeout: Optional[float] = None):
        """(ok, why, results) for every smoke model (or the smoke command) on these roots."""
        timeout = timeout or self.timeout
        if self.opts.smoke_cmd:
            ok, why = S.run_command(self.opts.smoke_cmd, roots, python=self.opts.python, timeout=timeout)
            return ok, why, []
        results = []
        for m in self.opts.models:
            r = S.run_smoke(m, roots, python=self.opts.python, timeout=timeout, seed=self.opts.seed,
                            invokes=self.opts.invokes, interpreter=self.opts.interpreter,
                            workdir=self.work, trace=trace)
            results.append(r)
            if not r.ok:
                return False, "%s: %s" % (Path(m).name, r.reason), results
            ref = self.reference.get(m)
            if ref is not None:
                diff = S.compare_outputs(ref, r.outputs, self.opts.rtol, self.opts.atol)
                if diff:
                    return False, "%s: different outputs: %s" % (Path(m).name, diff), results
        return True, "", results

    def trial(self, removed: frozenset = frozenset(), unstripped: frozenset = frozenset()) -> Verdict:
        d = Path(tempfile.mkdtemp(prefix="trial-", dir=self.work))
        try:
            roots = self.build(d, removed, unstripped)
            ok, why, _ = self.smoke(roots)
        finally:
            shutil.rmtree(d, ignore_errors=True)
        self.master.check()
        return ok, why

    def kill_running(self) -> None:
        from ..proc import kill_all
        kill_all()
