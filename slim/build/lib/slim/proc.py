"""Child processes with a hard deadline, that never outlive slim.

:func:`run` starts a command in its own session (its own process group) with stdin, stdout and
stderr as pipes, and returns a :class:`Finished` no later than ``timeout + GRACE`` seconds:

* on timeout the whole process group is killed (qemu/wine helpers included);
* every child gets ``SLIM_CHILD_MARK=<unique id>`` in its environment, so processes that
  left the group (``setsid``, daemons) are found through ``/proc/*/environ`` and killed too;
* when the child has exited but something still holds its pipes open, slim waits ``GRACE``
  seconds, kills the marked processes and stops reading (it never waits forever on a pipe).

:func:`kill_all` ends every child still running (the CLI calls it on SIGINT/SIGTERM/SIGHUP).
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from typing import List, Optional, Sequence

GRACE = 2.0
MARK = "SLIM_CHILD_MARK"
_LIVE: dict = {}            # Popen -> mark
_LOCK = threading.Lock()


@dataclass
class Finished:
    returncode: Optional[int]    # None: killed at the deadline
    stdout: bytes
    stderr: bytes
    seconds: float
    timed_out: bool = False
    stray: bool = False          # a process it started still held its pipes and was killed


def _reader(fd: int, buf: List[bytes]) -> None:
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            buf.append(chunk)
    except OSError:
        return


def run(cmd: Sequence[str], *, env: Optional[dict] = None, timeout: float = 60.0,
        cwd=None, shell: bool = False) -> Finished:
    """Run ``cmd`` with a hard deadline (see the module doc). OSError if it cannot start."""
    mark = uuid.uuid4().hex
    run_env = dict(os.environ if env is None else env)
    run_env[MARK] = mark
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, shell=shell, cwd=cwd, env=run_env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    with _LOCK:
        _LIVE[proc] = mark
    out: List[bytes] = []
    err: List[bytes] = []
    readers = [threading.Thread(target=_reader, args=(proc.stdout.fileno(), out), daemon=True),
               threading.Thread(target=_reader, args=(proc.stderr.fileno(), err), daemon=True)]
    timed_out = stray = False
    try:
        for r in readers:
            r.start()
        try:
            proc.stdin.close()       # empty stdin (a pipe: wine's python.exe needs a real handle)
        except OSError:
            pass
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill(proc, mark)
            proc.wait()
        end = time.monotonic() + GRACE
        for r in readers:
            r.join(max(0.0, end - time.monotonic()))
        if any(r.is_alive() for r in readers):
            stray = True
            _kill(proc, mark)
            for r in readers:
                r.join(GRACE)
        else:
            _kill_group(proc)    # helpers left in the group (wine, qemu) end with the run
    except BaseException:        # Ctrl-C / SIGTERM: take the child down with us
        _kill(proc, mark)
        proc.wait()
        raise
    finally:
        with _LOCK:
            _LIVE.pop(proc, None)
        for f in (proc.stdout, proc.stderr):
            if not any(r.is_alive() for r in readers):
                f.close()
    return Finished(None if timed_out else proc.returncode, b"".join(out), b"".join(err),
                    time.monotonic() - t0, timed_out, stray)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass


def _kill(proc: subprocess.Popen, mark: str) -> None:
    _kill_group(proc)
    try:
        proc.kill()
    except OSError:
        pass
    for pid in marked_pids(mark):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def marked_pids(mark: str) -> List[int]:
    """Processes whose environment carries this run's mark (Linux /proc; [] elsewhere)."""
    needle = ("%s=%s" % (MARK, mark)).encode()
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    me = os.getpid()
    for e in entries:
        if not e.isdigit() or int(e) == me:
            continue
        try:
            with open("/proc/%s/environ" % e, "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(int(e))
        except OSError:
            continue
    return found


def kill_all() -> None:
    """Kill every child still running (and what it started), e.g. on Ctrl-C."""
    with _LOCK:
        live = list(_LIVE.items())
    for proc, mark in live:
        _kill(proc, mark)
