"""Host side of the smoke test: launch ``smoke_child.py`` in a fresh process and judge it.

Contract (used by ``slim prune`` and by the cross-building targets):

* :func:`run_smoke` starts ``python + ["-I", "-S", child, MODEL, OUTDIR, ...]``
  where ``python`` is a *command prefix*: ``[sys.executable]`` by default, or
  e.g. ``["qemu-aarch64", "-L", sysroot, sysroot + "/usr/bin/python3.11"]`` or
  ``["wine64", "C:/py/python.exe"]``.  ``-I`` (isolated: no user site, no
  PYTHON* variables, no script directory on sys.path) and ``-S`` (no
  site-packages) mean the child sees only the stdlib plus the ``--path``
  candidate trees given in ``paths``.  Set ``isolate=False`` to drop both flags
  (for a Python that does not know them).
* ``map_path`` turns every host path handed to the child (the script, the
  model, OUTDIR, each tree) into what the target Python sees, e.g.
  ``/tmp/x -> Z:\\tmp\\x`` under wine.  The outputs are read back on the host
  from the host-side OUTDIR.
* stdin, stdout and stderr are *always* pipes (python.exe under wine dies with
  "Invalid handle" on /dev/null or a regular file).  The child runs through
  ``slim.proc.run``: its own session, a hard deadline (on timeout the whole
  process group is killed, qemu/wine helpers included, and the run fails), and
  no waiting forever on pipes a daemonized grandchild keeps open (it is found by
  the mark in its environment and killed).  ``slim.proc.kill_all()`` ends every
  running child (SIGINT/SIGTERM/SIGHUP).
* The child's environment is ``env`` (default: the host's) plus
  ``OPENBLAS_NUM_THREADS=1``/``OMP_NUM_THREADS=1`` unless already set, so
  parallel trials do not fight over cores.
* A run is ``ok`` when the child exits 0, prints its ``SLIM_SMOKE_RESULT``
  JSON line and wrote every ``out_{i}.npy``.  :class:`SmokeResult` carries the
  outputs as numpy arrays (``outputs``), the parsed summary (``info``), the
  reason for a failure (``reason``: "timeout after 30s", "exit code -11
  (SIGSEGV)", the last stderr lines...) and the wall time (``seconds``).
* :func:`run_command` runs a user's smoke command (``slim prune --smoke-cmd``) the
  same way: exit 0 = pass; it gets ``PYTHONPATH``/``SLIM_TREES``.
* :func:`compare_outputs` compares two output lists: floats with
  ``rtol``/``atol`` (NaN equal to NaN), integers and bools exactly; it returns
  ``None`` when they match or a one-line description of the first difference.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence, Tuple

from . import proc

CHILD = Path(__file__).with_name("smoke_child.py")
RESULT_PREFIX = "SLIM_SMOKE_RESULT "
DEFAULT_TIMEOUT = 60.0
DEFAULT_INVOKES = 2


@dataclass
class SmokeResult:
    ok: bool
    outputs: list = field(default_factory=list)
    reason: str = ""
    seconds: float = 0.0
    info: dict = field(default_factory=dict)
    stderr: str = ""
    trace: Optional[list] = None

    def __bool__(self) -> bool:  # pragma: no cover - convenience
        return self.ok


def _signame(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except (ValueError, AttributeError):
        return "signal %d" % -code


def _tail(text: str, n: int = 6) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(lines[-n:])


_ERR_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit|Warning)?: \S")


def failure_reason(stderr: str) -> str:
    """The exception lines of a child's stderr, outermost cause first, deduplicated."""
    found = []
    for ln in stderr.splitlines():
        if ln.startswith("smoke failed: ") or ln.startswith("import error: "):
            continue
        if _ERR_LINE.match(ln) and not ln.startswith(("Traceback", "During handling", "The above")):
            if ln not in found:
                found.append(ln.strip())
    for ln in stderr.splitlines():
        if ln.startswith("import error: "):
            found.append(ln.strip())
    text = "; ".join(found) if found else _tail(stderr, 3)
    if "_ARRAY_API not found" in stderr or "compiled using NumPy 1.x" in stderr:
        text += " (hint: an extension module in this set was built against NumPy 1.x and needs numpy<2)"
    return text[:1500]


def run_smoke(model, paths: Sequence, *, python: Optional[Sequence[str]] = None,
              env: Optional[dict] = None, timeout: float = DEFAULT_TIMEOUT,
              map_path: Callable[[str], str] = lambda p: p, seed: int = 0,
              invokes: int = DEFAULT_INVOKES, interpreter: str = "auto",
              workdir=None, trace: bool = False, isolate: bool = True,
              child: Optional[os.PathLike] = None) -> SmokeResult:
    """Run the model with only ``paths`` on sys.path in a fresh process; see the module doc."""
    python = list(python) if python else [sys.executable]
    outdir = Path(tempfile.mkdtemp(prefix="slim-smoke-", dir=workdir))
    try:
        cmd = list(python)
        if isolate:
            cmd += ["-I", "-S"]
        cmd += [map_path(str(child or CHILD)), map_path(str(Path(model).resolve())),
                map_path(str(outdir)), "--seed", str(seed), "--invokes", str(invokes),
                "--interpreter", interpreter]
        for p in paths:
            cmd += ["--path", map_path(str(Path(p).resolve()))]
        if trace:
            cmd.append("--trace")
        try:
            fin = proc.run(cmd, env=child_env(env), timeout=timeout)
        except OSError as e:
            return SmokeResult(False, reason="cannot start %s: %s" % (cmd[0], e))
        err_s = fin.stderr.decode("utf-8", "replace")
        if fin.timed_out:
            return SmokeResult(False, reason="timeout after %gs (killed)" % timeout,
                               seconds=fin.seconds, stderr=err_s)
        if fin.returncode != 0:
            return SmokeResult(False, reason="%s: %s" % (exit_status(fin.returncode),
                                                         failure_reason(err_s) or "(no stderr)"),
                               seconds=fin.seconds, stderr=err_s)
        return _collect(fin, outdir, trace, err_s)
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def child_env(env: Optional[dict] = None) -> dict:
    """The environment of a smoke run: ``env`` (default the host's) + one BLAS/OpenMP thread."""
    run_env = dict(os.environ if env is None else env)
    run_env.setdefault("OPENBLAS_NUM_THREADS", "1")
    run_env.setdefault("OMP_NUM_THREADS", "1")
    return run_env


def exit_status(rc: int) -> str:
    return "killed by %s" % _signame(rc) if rc < 0 else "exit code %d" % rc


def _collect(fin, outdir: Path, trace: bool, err_s: str) -> SmokeResult:
    info = None
    for line in fin.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith(RESULT_PREFIX):
            try:
                info = json.loads(line[len(RESULT_PREFIX):])
            except ValueError:
                pass
    if not isinstance(info, dict):
        return SmokeResult(False, reason="child exited 0 but printed no result line",
                           seconds=fin.seconds, stderr=err_s)
    import numpy as np
    outputs = []
    try:
        n = int(info.get("files", 0))
    except (TypeError, ValueError):
        n = -1
    if not 0 <= n <= 10000:
        return SmokeResult(False, reason="bad result line (files=%r)" % info.get("files"),
                           seconds=fin.seconds, stderr=err_s)
    for i in range(n):
        f = outdir / ("out_%d.npy" % i)
        try:
            outputs.append(np.load(f, allow_pickle=False))
        except (OSError, ValueError, EOFError) as e:
            return SmokeResult(False, reason="cannot read %s: %s" % (f.name, e),
                               seconds=fin.seconds, info=info, stderr=err_s)
    tr = None
    if trace and (outdir / "trace.json").exists():
        try:
            tr = json.loads((outdir / "trace.json").read_text())
        except ValueError:
            tr = None
    return SmokeResult(True, outputs=outputs, seconds=fin.seconds, info=info, stderr=err_s, trace=tr)


def run_command(command: str, trees: Sequence, *, python: Optional[Sequence[str]] = None,
                timeout: float = DEFAULT_TIMEOUT) -> Tuple[bool, str]:
    """A user's smoke command (shell): exit 0 = pass.  It gets PYTHONPATH and SLIM_TREES set
    to ``trees``; ``{python}`` expands to an isolated Python (-s -S)."""
    env = child_env()
    joined = os.pathsep.join(str(t) for t in trees)
    env.update({"PYTHONPATH": joined, "SLIM_TREES": joined, "PYTHONNOUSERSITE": "1",
                "PYTHONDONTWRITEBYTECODE": "1"})
    py = " ".join(shlex.quote(a) for a in (python or [sys.executable])) + " -s -S"
    fin = proc.run(command.replace("{python}", py), env=env, timeout=timeout, shell=True)
    if fin.timed_out:
        return False, "smoke command timed out after %gs (killed)" % timeout
    if fin.returncode != 0:
        return False, "smoke command %s: %s" % (exit_status(fin.returncode),
                                                failure_reason(fin.stderr.decode("utf-8", "replace")))
    return True, ""


def compare_outputs(ref: Sequence, got: Sequence, rtol: float = 1e-4, atol: float = 1e-5) -> Optional[str]:
    """None if ``got`` matches ``ref``; otherwise a description of the first mismatch."""
    import numpy as np
    if len(ref) != len(got):
        return "expected %d outputs, got %d" % (len(ref), len(got))
    for i, (a, b) in enumerate(zip(ref, got)):
        a = np.asarray(a)
        b = np.asarray(b)
        if a.shape != b.shape:
            return "output %d: shape %s != %s" % (i, a.shape, b.shape)
        if a.dtype != b.dtype:
            return "output %d: dtype %s != %s" % (i, a.dtype, b.dtype)
        if a.dtype.kind in "fc":
            if not np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True):
                d = np.abs(a.astype(np.float64) - b.astype(np.float64))
                return "output %d: max abs difference %.3g (rtol %g, atol %g)" % (
                    i, float(np.nanmax(d)), rtol, atol)
        elif not np.array_equal(a, b):
            n = int(np.count_nonzero(a != b))
            return "output %d: %d of %d integer values differ" % (i, n, a.size)
    return None


def register(subparsers) -> None:
    from .options import positive_float, positive_int
    p = subparsers.add_parser(
        "smoke", help="run a model with unpacked wheels/trees only (no install)",
        description="Run MODEL in a fresh isolated Python whose sys.path holds only the given "
                    "wheels (unpacked to a temporary directory) or directories, and print the "
                    "output summary. With --against, compare with the outputs of another set.")
    p.add_argument("model", help=".tflite model")
    p.add_argument("trees", nargs="+", help="wheels (.whl) or unpacked directories")
    p.add_argument("--against", nargs="+", metavar="TREE", help="reference wheels/dirs to compare with")
    p.add_argument("--interpreter", default="auto",
                   choices=["auto", "slimrt", "tflite_runtime", "ai_edge_litert"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--invokes", type=positive_int, default=DEFAULT_INVOKES)
    p.add_argument("--timeout", type=positive_float, default=DEFAULT_TIMEOUT,
                   help="seconds (default %(default)s)")
    p.add_argument("--python", default=None, help="command prefix to run the child (shell-split)")
    p.set_defaults(func=_cmd_smoke)


def _materialise(items, tmp: Path):
    from . import wheel as W
    out = []
    for i, it in enumerate(items):
        p = Path(it)
        if p.is_dir():
            out.append(p)
        else:
            dest = tmp / ("t%d" % i)
            W.read_wheel(p, dest=dest)
            out.append(dest)
    return out


def _cmd_smoke(args) -> int:
    from .errors import ChecksFailed
    from .wheel import input_file
    input_file(args.model, "model")
    python = shlex.split(args.python) if args.python else None
    with tempfile.TemporaryDirectory(prefix="slim-") as tmp:
        tmp = Path(tmp)
        trees = _materialise(args.trees, tmp / "a")
        ref_trees = _materialise(args.against, tmp / "b") if args.against else None
        r = run_smoke(args.model, trees, python=python, timeout=args.timeout, seed=args.seed,
                      invokes=args.invokes, interpreter=args.interpreter)
        if not r.ok:
            raise ChecksFailed("smoke test fails: %s" % r.reason)
        print("ok: %s in %.2fs, outputs: %s" % (
            r.info.get("interpreter"), r.seconds,
            ", ".join("%s%s" % (o["dtype"], o["shape"]) for o in r.info.get("outputs", []))))
        if ref_trees is not None:
            ref = run_smoke(args.model, ref_trees, python=python, timeout=args.timeout,
                            seed=args.seed, invokes=args.invokes, interpreter=args.interpreter)
            if not ref.ok:
                raise ChecksFailed("smoke test of the reference fails: %s" % ref.reason)
            diff = compare_outputs(ref.outputs, r.outputs)
            if diff:
                raise ChecksFailed("outputs differ from the reference: %s" % diff)
            print("same outputs as the reference")
    return 0
