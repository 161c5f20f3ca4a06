"""The reusable action (action.yml) exercised locally: its shell steps run as GitHub runs them
(bash -e -o pipefail, inputs through env, GITHUB_OUTPUT) against a real slimrt wheel, in a fresh
venv where the action installs slim itself. The `uses:` step (upload-artifact) cannot run here;
it is checked to be pinned and to upload the output folder."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from _crossenv import REPO
from slim import targets as T

ACTION = yaml.safe_load((REPO / "action.yml").read_text())
EXPR = re.compile(r"\$\{\{\s*(inputs\.[\w-]+|github\.action_path)\s*\}\}")


def action_checkout(dest: Path) -> Path:
    """What GitHub puts at github.action_path: this repository (the parts the action reads), in its own
    folder, so pip's in-tree build of slim/ does not write into the working tree."""
    def ignore(folder, names):
        return [n for n in names if n.endswith(".egg-info") or n == "__pycache__"
                or (n == "build" and Path(folder) == REPO / "slim")]       # setuptools' build/
    shutil.copytree(REPO / "slim", dest / "slim", ignore=ignore)
    shutil.copytree(REPO / "scripts", dest / "scripts", ignore=ignore)
    shutil.copy2(REPO / "action.yml", dest / "action.yml")
    return dest


def run_action(inputs: dict, work: Path):
    """Run every shell step in order; returns (exit status of the failing step or 0, outputs, log)."""
    values = {"inputs." + k: v.get("default", "") for k, v in ACTION["inputs"].items()}
    values.update({"inputs." + k: v for k, v in inputs.items()})
    values["github.action_path"] = str(work / "action") if (work / "action").is_dir() else \
        str(action_checkout(work / "action"))
    outputs = work / "github_output"
    outputs.write_text("")
    log = []
    for step in ACTION["runs"]["steps"]:
        if "uses" in step:
            assert re.fullmatch(r"actions/upload-artifact@[0-9a-f]{40}", step["uses"])
            assert EXPR.sub(lambda m: values[m.group(1)], step["with"]["path"]) == values["inputs.output-dir"]
            continue
        env = dict(os.environ, GITHUB_OUTPUT=str(outputs))
        env.update({k: EXPR.sub(lambda m: values[m.group(1)], v) for k, v in step.get("env", {}).items()})
        assert step["shell"] == "bash"
        p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=work,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1800)
        log.append("## %s\n%s" % (step["name"], p.stdout))
        if p.returncode:
            return p.returncode, outputs.read_text(), "\n".join(log)
    return 0, outputs.read_text(), "\n".join(log)


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory):
    """A fresh venv: the action's first step installs slim (and its dependencies) into it."""
    d = tmp_path_factory.mktemp("action-venv")
    subprocess.run([sys.executable, "-m", "venv", str(d / "v")], check=True, timeout=300)
    return str(d / "v" / "bin" / "python")


def test_action_prunes_uploads_and_gates(built, tmp_path, venv_python):
    whl = built(T.get(T.REFERENCE))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / whl.name).write_bytes(whl.read_bytes())
    model = REPO / "tests" / "data" / "models" / "hand_recrop.tflite"
    common = {"wheels": "in/*.whl", "smoke-model": str(model), "python": venv_python}
    status, outputs, log = run_action(dict(common, budget="5MB", **{"output-dir": "out"}), tmp_path)
    assert status == 0, log[-4000:]
    out = tmp_path / "out"
    assert [p.name for p in out.glob("*.whl")] == [whl.name]
    report = json.loads((out / "report.json").read_text())
    assert report and "report=out/report.json" in outputs
    size = (out / whl.name).stat().st_size + model.stat().st_size
    assert "size=%d" % size in outputs
    assert "size gate: ok" in log
    assert (tmp_path / "in" / whl.name).read_bytes() == whl.read_bytes()   # inputs untouched

    # over budget: the gate step fails, with the table
    status, outputs, log = run_action(dict(common, budget="100KB", **{"output-dir": "out2"}), tmp_path)
    assert status == 1 and "OVER: stack" in log and "size gate: FAILED" in log, log[-3000:]
    assert (tmp_path / "out2" / "report.json").exists()      # pruned and reported before the gate

    # nothing matches: a clear message, no prune
    status, _, log = run_action(dict(common, wheels="nothing/*.whl", **{"output-dir": "out3"}), tmp_path)
    assert status == 1 and "no wheel matches 'nothing/*.whl'" in log


def test_size_gate_over_the_built_wheels(built, paths, tmp_path):
    """The workflow's size-gate step on `make wheels`' output: one row per target, all within budget."""
    for t in T.TARGETS.values():
        built(t)
    model = REPO / "tests" / "data" / "models" / "hand_recrop.tflite"
    p = subprocess.run([sys.executable, str(REPO / "scripts" / "size_gate.py"), "--dist", str(paths.dist),
                        "--python", T.PY_VERSION, "--model", str(model), "--runtime-budget", "500KB",
                        "--stack-budget", "5MB", "--json", str(tmp_path / "g.json")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    rows = json.loads((tmp_path / "g.json").read_text())["rows"]
    assert [r["target"] for r in rows] == list(T.TARGETS)
    for r in rows:
        whl = paths.dist / r["runtime"]
        assert r["runtime_bytes"] == whl.stat().st_size <= 500 * 1024
        assert r["stack_bytes"] == whl.stat().st_size + model.stat().st_size
    assert p.returncode == 0 and "size gate: ok" in p.stdout, p.stdout
