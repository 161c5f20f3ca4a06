"""slim on the other Python versions this machine can get (other_pythons.py): its own test
suite (search passes, hostile input, prune runs, signals) run by that interpreter."""
from __future__ import annotations

import subprocess
import sys

import pytest

import other_pythons as O

SUITES = ["test_passes.py", "test_bad_input.py", "test_bad_runs.py"]


@pytest.mark.parametrize("version", sorted(O.DEBIAN))
def test_slim_suite_on(version, tmp_path):
    if "%d.%d" % sys.version_info[:2] == version:
        pytest.skip("this is the Python running the tests")
    try:
        py = O.prepare(version)
    except O.Unavailable as e:
        pytest.fail("Python %s cannot be had: %s" % (version, e), pytrace=False)
    env = O.env(version)
    r = subprocess.run(py + ["-m", "slim", "--version"], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "slim 0.1.0", r.stderr
    r = subprocess.run(py + ["-c", "import sys; print(sys.version_info[:2])"], env=env,
                       capture_output=True, text=True)
    assert r.stdout.strip() == str(tuple(int(x) for x in version.split("."))), r.stdout
    here = O.REPO / "tests" / "slim"
    r = subprocess.run(py + ["-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "t"),
                             *[str(here / s) for s in SUITES]],
                       env=env, capture_output=True, text=True, cwd=O.REPO, timeout=1800)
    tail = "\n".join(r.stdout.strip().splitlines()[-15:])
    assert r.returncode == 0, tail + r.stderr[-2000:]
    assert " passed" in tail and " failed" not in tail, tail
