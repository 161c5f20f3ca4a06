"""The pruning search on small wheels built by the tests, with a real smoke command."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import make_wheel, run_slim
from slim import prune as P

DEMO = {
    "demo/__init__.py": "from . import core\nfrom .plugins import needed\n"
                        "def answer():\n    return core.BASE + needed.EXTRA\n",
    "demo/core.py": "import os\nBASE = len(open(os.path.join(os.path.dirname(__file__), 'assets', 'table.bin'), 'rb').read())\n"
                    + "# padding\n" * 200,
    "demo/assets/table.bin": b"\1" * 40,
    "demo/assets/unused.bin": os.urandom(30000),
    "demo/plugins/__init__.py": "KIND = 'plugins'\n",
    "demo/plugins/needed.py": "from . import KIND\nEXTRA = 2 if KIND == 'plugins' else 0\n",
    "demo/plugins/unused.py": "X = 1\n" * 3000,
    "demo/plugins/blob.bin": os.urandom(50000),
    "demo/tests/__init__.py": "",
    "demo/tests/test_a.py": "def test():\n    pass\n" * 500,
    "demo/tests/data.bin": os.urandom(80000),
}
HELPER = {
    "helper/__init__.py": "X = 1\n",
    "helper/big_unused.bin": os.urandom(120000),
    "helper/docs/readme.txt": "docs\n" * 4000,
}
EXPECTED = {"demo/__init__.py", "demo/core.py", "demo/assets/table.bin", "demo/plugins/__init__.py",
            "demo/plugins/needed.py", "helper/__init__.py"}
CHECK = "import demo, helper\nassert demo.answer() == 42, demo.answer()\nassert helper.X == 1\n"


@pytest.fixture
def demo_set(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    a = make_wheel(d, "demo", files=DEMO)
    b = make_wheel(d, "helper", files=HELPER)
    check = tmp_path / "check.py"
    check.write_text(CHECK)
    return a, b, check


def _body(path):
    with zipfile.ZipFile(path) as zf:
        return {n for n in zf.namelist() if ".dist-info/" not in n}


def _install_and_check(tmp_path, wheels, check):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
                    "--target", str(target), *map(str, wheels)], check=True, capture_output=True)
    env = dict(os.environ, PYTHONPATH=str(target))
    r = subprocess.run([sys.executable, "-s", str(check)], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_hdd_finds_the_needed_files(demo_set, tmp_path):
    a, b, check = demo_set
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b)]
    out = tmp_path / "out"
    rep = tmp_path / "rep.json"
    r = run_slim("prune", a, b, "--smoke-cmd", "{python} %s" % check, "--min-size", "1",
                 "-o", out, "--json", rep, "-j", "2")
    assert r.returncode == 0, r.stderr
    outs = sorted(out.glob("*.whl"))
    assert [p.name for p in outs] == sorted([a.name, b.name])
    assert _body(outs[0]) | _body(outs[1]) == EXPECTED
    _install_and_check(tmp_path, outs, check)
    data = json.loads(rep.read_text())
    assert data["trials"] <= 40
    assert "trials" in r.stdout and "wall time" in r.stdout   # the human table
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b)] == digests
    # dist-info kept (importlib.metadata users)
    with zipfile.ZipFile(outs[0]) as zf:
        assert {"demo-1.0.dist-info/METADATA", "demo-1.0.dist-info/WHEEL"} <= set(zf.namelist())


def test_parallel_and_serial_give_identical_bytes(demo_set, tmp_path):
    a, b, check = demo_set
    res = []
    for jobs in ("1", "2"):
        out = tmp_path / ("out" + jobs)
        r = run_slim("prune", a, b, "--smoke-cmd", "{python} %s" % check, "--min-size", "1", "-o", out, "-j", jobs, "-q")
        assert r.returncode == 0, r.stderr
        res.append({p.name: p.read_bytes() for p in out.glob("*.whl")})
    assert res[0] == res[1]


def test_keep_and_drop(demo_set, tmp_path):
    a, b, check = demo_set
    out = tmp_path / "out"
    r = run_slim("prune", a, b, "--smoke-cmd", "{python} %s" % check, "--min-size", "1", "-o", out, "-q",
                 "--keep", "demo/tests/*", "--drop", "helper/docs")
    assert r.returncode == 0, r.stderr
    files = set().union(*(_body(p) for p in out.glob("*.whl")))
    assert {"demo/tests/test_a.py", "demo/tests/data.bin"} <= files
    assert "helper/docs/readme.txt" not in files
    # dropping something needed is caught
    out2 = tmp_path / "out2"
    r = run_slim("prune", a, b, "--smoke-cmd", "{python} %s" % check, "-o", out2, "-q", "--drop", "demo/core.py")
    assert r.returncode != 0 and "drop" in r.stderr
    assert not out2.exists() or not list(out2.glob("*.whl"))


def test_first_failure_stops_at_first_needed_file(demo_set, tmp_path):
    a, b, check = demo_set
    out = tmp_path / "out"
    rep = tmp_path / "rep.json"
    r = run_slim("prune", a, b, "--smoke-cmd", "{python} %s" % check, "--min-size", "1", "-o", out,
                 "--first-failure", "--json", rep, "-j", "2")
    assert r.returncode == 0, r.stderr
    files = set().union(*(_body(p) for p in out.glob("*.whl")))
    # biggest files first: helper/big_unused.bin, demo/tests/data.bin, blob, unused.bin, test_a.py ...
    sizes = {**{k: len(v) if isinstance(v, bytes) else len(v.encode()) for k, v in DEMO.items()},
             **{k: len(v) if isinstance(v, bytes) else len(v.encode()) for k, v in HELPER.items()}}
    order = sorted(sizes, key=lambda k: -sizes[k])
    first_needed = next(i for i, k in enumerate(order) if k in EXPECTED)
    assert files == set(order[first_needed:])
    _install_and_check(tmp_path, list(out.glob("*.whl")), check)


def test_hanging_smoke_is_killed_at_timeout(demo_set, tmp_path):
    a, b, check = demo_set
    hang = tmp_path / "hang.py"
    hang.write_text("import os, time, helper\n"
                    "if not os.path.exists(os.path.join(os.path.dirname(helper.__file__), 'big_unused.bin')):\n"
                    "    time.sleep(600)\n" + CHECK)
    out = tmp_path / "out"
    rep = tmp_path / "rep.json"
    t0 = time.monotonic()
    r = run_slim("prune", a, b, "--smoke-cmd", "{python} %s" % hang, "--min-size", "1", "-o", out,
                 "--timeout", "3", "--json", rep, "-q")
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - t0 < 120
    files = set().union(*(_body(p) for p in out.glob("*.whl")))
    assert "helper/big_unused.bin" in files
    data = json.loads(rep.read_text())
    assert any("timed out" in f["reason"] for f in data["failed_trials"])


def test_baseline_failure_stops(demo_set, tmp_path):
    a, b, check = demo_set
    bad = tmp_path / "bad.py"
    bad.write_text("raise SystemExit('model says no')\n")
    out = tmp_path / "out"
    r = run_slim("prune", a, b, "--smoke-cmd", "{python} %s" % bad, "-o", out)
    assert r.returncode != 0
    assert "baseline failed" in r.stderr and "model says no" in r.stderr
    assert not out.exists()


def test_ctrl_c_leaves_no_output(demo_set, tmp_path):
    a, b, check = demo_set
    slow = tmp_path / "slow.py"
    slow.write_text("import time\ntime.sleep(1.5)\n" + CHECK)
    out = tmp_path / "out"
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b)]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(P.__file__).parents[2])
    proc = subprocess.Popen([sys.executable, "-m", "slim", "prune", str(a), str(b), "--smoke-cmd",
                             "{python} %s" % slow, "--min-size", "1", "-o", str(out)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    buf = ""
    deadline = time.monotonic() + 60
    while "search:" not in buf and time.monotonic() < deadline:
        buf += proc.stderr.readline()
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert not list(out.glob("*.whl")) if out.exists() else True
    assert not out.exists() or not any(out.iterdir())
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b)] == digests


def test_output_over_input_is_refused(demo_set, tmp_path):
    a, b, check = demo_set
    r = run_slim("prune", a, b, "--smoke-cmd", "{python} %s" % check, "-o", a.parent)
    assert r.returncode != 0 and "overwrite" in r.stderr


def test_matches():
    from slim.prune.tree import matches
    assert matches("numpy/linalg/x.py", ["numpy/linalg"])
    assert matches("numpy/linalg/x.py", ["numpy/*/x.py"])
    assert not matches("numpy/linalgx/x.py", ["numpy/linalg"])
