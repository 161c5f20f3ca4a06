"""Hostile smoke tests and signals: a smoke run that writes into its trial tree, one that
daemonizes and keeps the pipes open, SIGTERM/SIGHUP in the middle of a prune."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO, make_wheel
from sandbox import Sandbox

PKG = {"demo/__init__.py": "VALUE = 42\n", "demo/blob.bin": os.urandom(40000),
       "demo/more.bin": os.urandom(30000)}


@pytest.fixture
def box(tmp_path):
    return Sandbox(tmp_path)


def _alive(pid: int) -> bool:
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_smoke_run_that_rewrites_a_package_file_changes_nothing_shipped(box):
    w = make_wheel(box.inputs, "demo", files=PKG)
    script = box.root / "evil.py"
    script.write_text("import demo, os\n"
                      "open(os.path.join(os.path.dirname(demo.__file__), '__init__.py'), 'a').write('#x\\n')\n")
    if os.geteuid() != 0:    # the file is read-only: the write fails, so does the baseline
        box.refused(["prune", w, "--smoke-cmd", "{python} %s" % script, "-o", box.out], 5,
                    "baseline failed")
        return
    err = box.refused(["prune", w, "--smoke-cmd", "{python} %s" % script, "-o", box.out], 5,
                      "changed")
    assert "trial tree" in err and "__init__.py" in err


def test_smoke_child_that_daemonizes_does_not_hang_the_tool(box):
    """The smoke command starts a grandchild in its own session that holds stdout/stderr open and
    sleeps for an hour: slim must finish, and kill it."""
    w = make_wheel(box.inputs, "demo", files=PKG)
    token = "slim-daemon-%d" % os.getpid()
    script = box.root / "daemon.py"
    script.write_text("import subprocess, sys\nimport demo\n"
                      "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3600)', %r],"
                      " start_new_session=True)\n" % token)
    t0 = time.monotonic()
    r = box.slim("prune", w, "--smoke-cmd", "{python} %s" % script, "-o", box.out, "--min-size", "1",
                 "--max-trials", "6", "--timeout", "60", timeout=300)
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - t0 < 120
    assert list(box.out.glob("*.whl"))
    left = [p for p in os.listdir("/proc") if p.isdigit() and _alive(int(p))
            and token.encode() in open("/proc/%s/cmdline" % p, "rb").read()]
    assert not left, "daemonized smoke children left running: %s" % left


@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_signal_stops_cleanly(box, sig, code):
    w = make_wheel(box.inputs, "demo", files=PKG)
    pids = box.root / "pids"
    pids.mkdir()
    script = box.root / "slow.py"
    script.write_text("import os, time\nopen(os.path.join(%r, str(os.getpid())), 'w').close()\n"
                      "if '/baseline/' not in os.environ['SLIM_TREES']:\n    time.sleep(600)\n" % str(pids))
    before = box.snapshot()
    env = dict(os.environ, TMPDIR=str(box.tmp),
               PYTHONPATH=str(REPO / "slim") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.Popen([sys.executable, "-m", "slim", "prune", str(w), "--smoke-cmd",
                          "{python} %s" % script, "-o", str(box.out), "--min-size", "1"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env, cwd=box.root)
    deadline = time.monotonic() + 120
    while len(list(pids.iterdir())) < 3 and time.monotonic() < deadline:   # 2 baseline + a trial
        time.sleep(0.2)
    time.sleep(0.5)
    p.send_signal(sig)
    out, err = p.communicate(timeout=60)
    assert p.returncode == code, err
    assert "Traceback" not in err and "interrupted" in err and signal.Signals(sig).name in err
    trial_pids = [int(x.name) for x in pids.iterdir()]
    time.sleep(0.5)
    assert not [x for x in trial_pids if _alive(x)], "smoke children left running"
    assert not any(box.tmp.iterdir()), list(box.tmp.iterdir())
    assert not box.out.exists() or not any(box.out.iterdir())
    after = box.snapshot()
    assert {k: v for k, v in after.items() if pids not in k.parents and k != pids} == \
        {k: v for k, v in before.items() if pids not in k.parents and k != pids}


def test_trial_trees_are_links_to_read_only_masters(box):
    """Normal users cannot write into the master copy at all (root is caught by the check)."""
    w = make_wheel(box.inputs, "demo", files=PKG)
    script = box.root / "mode.py"
    script.write_text("import demo, os, stat\n"
                      "m = os.stat(demo.__file__).st_mode\n"
                      "assert '/final/' in os.environ['SLIM_TREES'] or not m & 0o222, oct(m)\n")
    r = box.slim("prune", w, "--smoke-cmd", "{python} %s" % script, "-o", box.out, "-q")
    assert r.returncode == 0, r.stderr
    import zipfile
    with zipfile.ZipFile(box.out / w.name) as zf:          # the shipped mode is the input's
        assert (zf.getinfo("demo/__init__.py").external_attr >> 16) & 0o777 == 0o644
