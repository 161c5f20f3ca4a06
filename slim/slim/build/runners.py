"""Stage 6 and the public way to run anything on a target: Native, Qemu and Wine runners.

Public API (for ``slim build``, and for anything else that must run code on a target, such as
a ``slim prune --target T`` or a package built from an sdist)::

    from slim.build.runners import runner_for
    r = runner_for(target, paths)      # the class comes from the table's ``Target.run``
    r.python          # command prefix starting the target's CPython, or None (none exists:
                      # win32; then only target executables run)
    r.env             # environment for programs run through it
    r.map_path(p)     # host path -> the path the target program sees ("Z:\\..." under wine)
    r.run(argv, timeout=300.0) -> slim.proc.Finished   # a target executable, host paths mapped
                      # by the caller; own session, hard deadline, pipes for all std streams
    r.install(wheel, dest) -> dest     # pip install --target --platform <target's tag>:
                      # pip itself checks that the wheel's tags fit the target
    r.describe()      # "python 3.11" / "slimrt-run" (how results on it were obtained)

The CPython version is the target row's (``target.for_python("3.9")``; default targets.PY_VERSION).

:func:`smoke_python` runs slim's smoke child (a model, seeded inputs) in the target's CPython;
:func:`run_slimrt_run` runs the native runner executable on .npy inputs (:func:`make_inputs`
writes the inputs the smoke child would feed).  These are the only places that know how a
platform runs programs: the session asks the runner, never the platform.
"""
from __future__ import annotations

import os
import platform
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable, Dict, List, Optional, Protocol, Tuple

from .. import proc
from .. import targets as T
from ..errors import BuildError, ToolMissing
from .common import Paths, first_tool, run

SMOKE_SEED = 7
SMOKE_INVOKES = 2


class Runner(Protocol):
    target: T.Target
    python: Optional[List[str]]
    env: dict

    def map_path(self, host_path: str) -> str: ...

    def run(self, argv, timeout: float = 300.0) -> proc.Finished: ...

    def install(self, whl: Path, dest: Path) -> Path: ...

    def describe(self) -> str: ...


class _Base:
    prefix: List[str] = []

    def __init__(self, t: T.Target, paths: Paths):
        self.target, self.paths = t, paths
        self.env = dict(os.environ)
        self.python: Optional[List[str]] = None

    def map_path(self, host_path: str) -> str:
        return host_path

    def run(self, argv, timeout: float = 300.0) -> proc.Finished:
        return proc.run(self.prefix + [str(a) for a in argv], env=self.env, timeout=timeout)

    def install(self, whl: Path, dest: Path) -> Path:
        t = self.target
        run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q", "--no-deps",
             "--no-index", "--only-binary=:all:", "--platform", t.platform_tag, "--python-version",
             t.python, "--implementation", "cp", "--abi", t.py_tag, "--target", dest, whl],
            what="pip install --platform %s %s" % (t.platform_tag, Path(whl).name))
        return dest

    def describe(self) -> str:
        return "python %s" % self.target.python if self.python else "slimrt-run"

    def _emulator(self) -> str:
        emu = first_tool(self.target.emulator)
        if emu is None:
            raise ToolMissing("cannot run %s programs: none of %s found (scripts/setup-cross.sh "
                              "installs qemu-user and wine)" % (self.target.name, ", ".join(self.target.emulator)))
        return emu

    def _target_python(self) -> Path:
        exe = self.paths.sysroot(self.target) / self.target.python_exe
        if not exe.exists():
            raise BuildError("target Python for %s not found at %s (slim build prepares it; "
                             "scripts/setup-cross.sh enables the Debian architecture)" % (self.target.name, exe))
        return exe


def _runs(exe: Optional[str], version: str) -> bool:
    """Is exe a working CPython of that version (not, say, a pyenv shim without it)?"""
    if not exe:
        return False
    fin = proc.run([exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], timeout=60)
    return fin.returncode == 0 and fin.stdout.decode().strip() == version


class NativeRunner(_Base):
    """The host runs the target's programs itself (linux-x86_64 on an x86_64 host). A CPython
    version the host lacks runs from the target's sysroot (Debian's build of it) under the table's
    user-mode emulator for the same architecture (qemu-x86_64 -L sysroot), like a foreign one."""

    def __init__(self, t: T.Target, paths: Paths):
        super().__init__(t, paths)
        if platform.machine() not in ("x86_64", "AMD64"):
            raise BuildError("%s runs natively only on an x86_64 host" % t.name)
        if sys.version_info[:2] == tuple(int(x) for x in t.python.split(".")):
            self.python = [sys.executable]
        elif _runs(shutil.which("python" + t.python), t.python):
            self.python = [shutil.which("python" + t.python)]
        elif t.emulator and (paths.sysroot(t) / t.python_exe).exists():
            self.prefix = [self._emulator(), "-L", str(paths.sysroot(t))]
            self.python = self.prefix + [str(self._target_python())]
        else:
            raise BuildError("target Python for %s not found: need CPython %s on this host "
                             "(python%s on PATH) or in its sysroot %s" % (
                                 t.label, t.python, t.python, paths.sysroot(t)))


class QemuRunner(_Base):
    """qemu-user with the target's sysroot (-L) and Debian's CPython for that architecture."""

    def __init__(self, t: T.Target, paths: Paths):
        super().__init__(t, paths)
        self.prefix = [self._emulator(), "-L", str(paths.sysroot(t))]
        self.python = self.prefix + [str(self._target_python())]


class WineRunner(_Base):
    """wine / wine64 with its own prefix; the Windows CPython where one exists."""

    def __init__(self, t: T.Target, paths: Paths):
        super().__init__(t, paths)
        emu = self._emulator()
        self.prefix = [emu]
        paths.wineprefix.mkdir(parents=True, exist_ok=True)
        self.env.update(WINEPREFIX=str(paths.wineprefix), WINEDEBUG=self.env.get("SLIM_WINEDEBUG", "-all"),
                        WINEDLLOVERRIDES="mscoree,mshtml=")
        if t.python_runs:
            self.python = [emu, str(self._target_python())]

    def map_path(self, host_path: str) -> str:
        return "Z:" + os.path.abspath(host_path).replace("/", "\\")


RUNNERS: Dict[str, Callable[[T.Target, Paths], Runner]] = {
    "native": NativeRunner, "qemu": QemuRunner, "wine": WineRunner}


def runner_for(t: T.Target, paths: Paths) -> Runner:
    return RUNNERS[t.run](t, paths)


# ----------------------------------------------------------------------------- on target
def smoke_python(r: Runner, tree: Path, model: Path, timeout: float = 300.0):
    """The smoke child in the target's CPython with only ``tree`` on sys.path."""
    from ..smoke import run_smoke
    return run_smoke(model, [tree], python=r.python, env=r.env, map_path=r.map_path,
                     timeout=timeout, seed=SMOKE_SEED, invokes=SMOKE_INVOKES, interpreter="slimrt")


def make_inputs(info: dict, workdir: Path, seed=SMOKE_SEED, invokes=SMOKE_INVOKES) -> List[Path]:
    """The inputs smoke_child feeds (same RNG, same order) as .npy files for slimrt-run."""
    import numpy as np
    from .. import smoke_child
    rng = random.Random(seed)
    files = []
    for k in range(invokes):
        for j, d in enumerate(info["inputs"]):
            count = 1
            for x in d["shape"]:
                count *= int(x)
            vals = smoke_child.make_values(rng, d["dtype"], count)
            p = workdir / ("in_%d_%d.npy" % (k, j))
            np.save(p, np.ascontiguousarray(np.array(vals, dtype=d["dtype"]).reshape(d["shape"])))
            files.append(p)
    return files


def run_slimrt_run(r: Runner, exe: Path, model: Path, inputs: List[Path], n_out: int,
                   timeout: float = 300.0) -> Tuple[Optional[list], Optional[str]]:
    """slimrt-run on the target; returns (outputs, error)."""
    import numpy as np
    with tempfile.TemporaryDirectory(prefix="slim-run-") as out:
        argv = [r.map_path(str(exe)), r.map_path(str(model)), "-o", r.map_path(out)] + \
               [r.map_path(str(p)) for p in inputs]
        fin = r.run(argv, timeout=timeout)
        if fin.timed_out:
            return None, "slimrt-run: timeout after %gs" % timeout
        if fin.returncode != 0:
            return None, "slimrt-run exit %d: %s" % (
                fin.returncode, fin.stderr.decode("utf-8", "replace").strip()[-400:])
        try:
            return [np.load(Path(out) / ("out_%d.npy" % i)) for i in range(n_out * SMOKE_INVOKES)], None
        except (OSError, ValueError) as e:
            return None, "slimrt-run wrote no %s" % e
