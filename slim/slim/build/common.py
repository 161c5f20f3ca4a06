"""What every build stage shares: where things go (Paths), running a tool, logging."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from .. import targets as T
from ..errors import BuildError, ToolMissing


def repo_root() -> Path:
    env = os.environ.get("SLIM_REPO")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for p in [Path.cwd().resolve(), *Path.cwd().resolve().parents, *here.parents]:
        if (p / "src" / "CMakeLists.txt").is_file() and (p / "toolchains").is_dir():
            return p
    raise BuildError("cannot find the slim repository (a folder with src/CMakeLists.txt and "
                     "toolchains/): run from inside it or set SLIM_REPO")


@dataclass
class Paths:
    repo: Path
    cache: Path        # .cache/cross: sysroots, build trees, downloads, conan home, wine prefix
    zig_cache: Path    # ZIG_GLOBAL_CACHE_DIR
    dist: Path
    builds: Optional[Path] = None   # build trees (default: <cache>/build; SLIM_BUILD_DIR)

    @classmethod
    def make(cls, repo: Optional[Path] = None, dist: Optional[Path] = None) -> "Paths":
        repo = repo or repo_root()
        cache = Path(os.environ.get("SLIM_CROSS_CACHE") or repo / ".cache" / "cross").resolve()
        zig = Path(os.environ.get("ZIG_GLOBAL_CACHE_DIR") or repo / ".cache" / "zig").resolve()
        builds = os.environ.get("SLIM_BUILD_DIR")
        return cls(repo, cache, zig, Path(dist or repo / "dist").resolve(),
                   Path(builds).resolve() if builds else None)

    def sysroot(self, t: T.Target) -> Path:
        return self.cache / "sysroot" / t.sysroot_name

    def build(self, t: T.Target, family: str) -> Path:
        """One build tree per (target, family, CPython); the default CPython's has no suffix."""
        py = "" if t.python == T.PY_VERSION else "-" + t.py_tag
        return (self.builds or self.cache / "build") / ("%s-%s%s" % (t.name, family, py))

    def runner(self, t: T.Target) -> Path:
        return self.dist / "bin" / t.name / ("slimrt-run" + t.exe_suffix)

    @property
    def conan_home(self) -> Path:
        return self.cache / "conan2"

    @property
    def wineprefix(self) -> Path:
        return self.cache / "wineprefix"


def log(msg: str) -> None:
    print("[slim build] " + msg, file=sys.stderr, flush=True)


class Ran:
    def __init__(self, returncode: int, out: str):
        self.returncode, self.out = returncode, out


def run(cmd: Sequence, *, cwd=None, env=None, what: str = "", logfile: Optional[Path] = None,
        check: bool = True) -> Ran:
    """Run a build tool; on failure raise BuildError with the tail of its output."""
    cmd = [str(c) for c in cmd]
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except FileNotFoundError:
        raise ToolMissing("%s: command not found: %s" % (what or "run", cmd[0])) from None
    out = p.stdout.decode("utf-8", "replace")
    if logfile:
        logfile.parent.mkdir(parents=True, exist_ok=True)
        with open(logfile, "a") as f:
            f.write("$ %s\n%s\n" % (" ".join(cmd), out))
    if check and p.returncode != 0:
        tail = "\n".join(out.strip().splitlines()[-25:])
        raise BuildError("%s failed (exit %d): %s\n%s%s" % (
            what or cmd[0], p.returncode, " ".join(cmd), tail,
            "\n(full log: %s)" % logfile if logfile else ""))
    return Ran(p.returncode, out)


def host_tool(name: str) -> Optional[str]:
    """An executable from the running Python's environment (venv bin/) or PATH."""
    cand = Path(sys.executable).parent / name
    if cand.exists():
        return str(cand)
    return shutil.which(name)


def need_tool(name: str, how: str) -> str:
    found = host_tool(name)
    if not found:
        raise ToolMissing("%s not found: %s" % (name, how))
    return found


def first_tool(cands) -> Optional[str]:
    for c in cands:
        found = shutil.which(c) or (c if os.path.isabs(c) and os.access(c, os.X_OK) else None)
        if found:
            return found
    return None
