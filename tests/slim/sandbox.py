"""A folder with inputs, a fresh TMPDIR and an OUTDIR; runs the real `slim` CLI there and checks
what changed (shared by the bad-input tests)."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO

SMOKE_OK = "{python} -c pass"


class Sandbox:
    """A folder with inputs; runs slim there and checks what changed."""

    def __init__(self, root: Path):
        self.root = root
        self.inputs = root / "in"
        self.inputs.mkdir()
        self.tmp = root / "tmp"
        self.tmp.mkdir()
        self.out = root / "out"

    def snapshot(self):
        return {p: hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None
                for p in self.root.rglob("*")
                if not p.is_relative_to(self.tmp) and not p.is_relative_to(self.out)}

    def slim(self, *args, timeout=600):
        env = dict(os.environ, TMPDIR=str(self.tmp),
                   PYTHONPATH=str(REPO / "slim") + os.pathsep + os.environ.get("PYTHONPATH", ""))
        env.pop("SLIM_DEBUG", None)
        return subprocess.run([sys.executable, "-m", "slim", *map(str, args)], capture_output=True,
                              text=True, timeout=timeout, env=env, cwd=self.root,
                              stdin=subprocess.DEVNULL)

    def refused(self, args, code: int, words: str, *, out_may_exist=False):
        before = self.snapshot()
        r = self.slim(*args)
        lines = r.stderr.strip().splitlines()
        assert r.returncode == code, (r.returncode, r.stderr)
        assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
        err = lines[-1]                      # the reason: one line, at the end (progress before it)
        assert err.startswith("slim: ") and words.lower() in err.lower(), r.stderr
        assert not [ln for ln in lines[:-1] if ln.startswith("slim: ")], r.stderr
        assert self.snapshot() == before, "something outside OUTDIR changed"
        if not out_may_exist:
            assert not self.out.exists() or not any(self.out.iterdir()), list(self.out.iterdir())
        assert not any(self.tmp.iterdir()), "temporary files left: %s" % list(self.tmp.iterdir())
        return err
