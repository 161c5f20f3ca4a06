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
  "Invalid handle" on /dev/null or a regular file).  The child runs in its own
  session; on timeout the whole process group is killed (qemu/wine helpers
  included) and the run counts as a failure.
* The child's environment is ``env`` (default: the host's) plus
  ``OPENBLAS_NUM_THREADS=1``/``OMP_NUM_THREADS=1`` unless already set, so
  parallel trials do not fight over cores.
* A run is ``ok`` when the child exits 0, prints its ``SLIM_SMOKE_RESULT``
  JSON line and wrote every ``out_{i}.npy``.  :class:`SmokeResult` carries the
  outputs as numpy arrays (``outputs``), the parsed summary (``info``), the
  reason for a failure (``reason``: "timeout after 30s", "exit code -11
  (SIGSEGV)", the last stderr lines...) and the wall time (``seconds``).
* :func:`compare_outputs` compares two output lists: floats with
  ``rtol``/``atol`` (NaN equal to NaN), integers and bools exactly; it returns
  ``None`` when they match or a one-line description of the first difference.
"""
from __future__ import annotations

import json
import os
import re
import threading
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

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


_LIVE = set()
_LIVE_LOCK = threading.Lock()


def kill_all() -> None:
    """Kill every smoke child still running (used on Ctrl-C)."""
    with _LIVE_LOCK:
        procs = list(_LIVE)
    for p in procs:
        _kill_group(p)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        try:
            proc.kill()
        except OSError:
            pass


def run_smoke(model, paths: Sequence, *, python: Optional[Sequence[str]] = None,
              env: Optional[dict] = None, timeout: float = DEFAULT_TIMEOUT,
              map_path: Callable[[str], str] = lambda p: p, seed: int = 0,
              invokes: int = DEFAULT_INVOKES, interpreter: str = "auto",
              workdir=None, trace: bool = False, isolate: bool = True,
              child: Optional[os.PathLike] = None) -> SmokeResult:
    """Run the model with only ``paths`` on sys.path in a fresh process; see the module doc."""
    python = list(python) if python else [sys.executable]
    own_dir = workdir is None
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
        run_env = dict(os.environ if env is None else env)
        run_env.setdefault("OPENBLAS_NUM_THREADS", "1")
        run_env.setdefault("OMP_NUM_THREADS", "1")
        t0 = time.monotonic()
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, env=run_env, start_new_session=True)
        except OSError as e:
            return SmokeResult(False, reason="cannot start %s: %s" % (cmd[0], e))
        with _LIVE_LOCK:
            _LIVE.add(proc)
        try:
            out, err = proc.communicate(input=b"", timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
            return SmokeResult(False, reason="timeout after %gs (killed)" % timeout,
                               seconds=time.monotonic() - t0,
                               stderr=err.decode("utf-8", "replace"))
        except BaseException:  # Ctrl-C: take the child down with us
            _kill_group(proc)
            proc.wait()
            raise
        finally:
            with _LIVE_LOCK:
                _LIVE.discard(proc)
            # the child may have left helpers in its group (wine, qemu): end them
            if proc.returncode is not None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    pass
        secs = time.monotonic() - t0
        err_s = err.decode("utf-8", "replace")
        out_s = out.decode("utf-8", "replace")
        if proc.returncode != 0:
            rc = proc.returncode
            what = "killed by %s" % _signame(rc) if rc < 0 else "exit code %d" % rc
            return SmokeResult(False, reason="%s: %s" % (what, failure_reason(err_s) or "(no stderr)"),
                               seconds=secs, stderr=err_s)
        info = None
        for line in out_s.splitlines():
            if line.startswith(RESULT_PREFIX):
                try:
                    info = json.loads(line[len(RESULT_PREFIX):])
                except ValueError:
                    pass
        if info is None:
            return SmokeResult(False, reason="child exited 0 but printed no result line",
                               seconds=secs, stderr=err_s)
        import numpy as np
        outputs = []
        for i in range(int(info.get("files", 0))):
            f = outdir / ("out_%d.npy" % i)
            try:
                outputs.append(np.load(f, allow_pickle=False))
            except (OSError, ValueError) as e:
                return SmokeResult(False, reason="cannot read %s: %s" % (f.name, e),
                                   seconds=secs, info=info, stderr=err_s)
        tr = None
        if trace and (outdir / "trace.json").exists():
            tr = json.loads((outdir / "trace.json").read_text())
        return SmokeResult(True, outputs=outputs, seconds=secs, info=info, stderr=err_s, trace=tr)
    finally:
        shutil.rmtree(outdir, ignore_errors=True)
        del own_dir


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
    p.add_argument("--invokes", type=int, default=DEFAULT_INVOKES)
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds (default %(default)s)")
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
            d = tmp / ("t%d" % i)
            W.read_wheel(p).extract(d)
            out.append(d)
    return out


def _cmd_smoke(args) -> int:
    import shlex
    python = shlex.split(args.python) if args.python else None
    with tempfile.TemporaryDirectory(prefix="slim-") as tmp:
        tmp = Path(tmp)
        trees = _materialise(args.trees, tmp / "a")
        r = run_smoke(args.model, trees, python=python, timeout=args.timeout, seed=args.seed,
                      invokes=args.invokes, interpreter=args.interpreter)
        if not r.ok:
            print("FAIL: %s" % r.reason, file=sys.stderr)
            return 1
        print("ok: %s in %.2fs, outputs: %s" % (
            r.info.get("interpreter"), r.seconds,
            ", ".join("%s%s" % (o["dtype"], o["shape"]) for o in r.info.get("outputs", []))))
        if args.against:
            ref = run_smoke(args.model, _materialise(args.against, tmp / "b"), python=python,
                            timeout=args.timeout, seed=args.seed, invokes=args.invokes,
                            interpreter=args.interpreter)
            if not ref.ok:
                print("FAIL (reference): %s" % ref.reason, file=sys.stderr)
                return 1
            diff = compare_outputs(ref.outputs, r.outputs)
            if diff:
                print("DIFFERENT: %s" % diff, file=sys.stderr)
                return 1
            print("same outputs as the reference")
    return 0
