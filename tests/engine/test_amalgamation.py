"""The amalgamation (scripts/amalgamate.py: dist/slimrt_all.cc + slimrt_all.h) builds the Python module with one
plain compiler command, no CMake, and that module gives bit-identical outputs to the CMake-built one on the shared
models (float and int8, stateful ones over several invokes)."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest

from conftest import ALL_MODELS, REFS, decode_input, load_refs, model_path

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "amalgamation"

RUNNER = r'''
import sys, numpy as np
from slimrt.interpreter import Interpreter
out = {}
for name, path, inputs in np.load(sys.argv[1], allow_pickle=True)["cases"]:
    it = Interpreter(model_path=path)
    it.allocate_tensors()
    for step, xs in enumerate(inputs):
        for d, x in zip(it.get_input_details(), xs):
            it.set_tensor(d["index"], x)
        it.invoke()
        for k, d in enumerate(it.get_output_details()):
            out[f"{name}/{step}/{k}"] = it.get_tensor(d["index"]).copy()
np.savez(sys.argv[2], **out)
'''


@pytest.fixture(scope="module")
def amalgamated_pkg() -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    src_dir = CACHE / "src"
    r = subprocess.run([sys.executable, str(REPO / "scripts" / "amalgamate.py"), str(src_dir)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    cc = src_dir / "slimrt_all.cc"
    digest = hashlib.sha256(cc.read_bytes() + (src_dir / "slimrt_all.h").read_bytes()).hexdigest()[:16]
    pkg = CACHE / f"pkg-{digest}"
    ext = pkg / "slimrt" / ("_slimrt" + sysconfig.get_config_var("EXT_SUFFIX"))
    if not ext.exists():
        shutil.rmtree(pkg, ignore_errors=True)
        shutil.copytree(REPO / "src" / "python" / "slimrt", pkg / "slimrt")
        import pybind11
        cxx = os.environ.get("CXX", "c++")
        cmd = [cxx, "-std=c++17", "-O2", "-shared", "-fPIC", "-DSLIMRT_PYTHON_MODULE", f"-I{pybind11.get_include()}",
               f"-I{sysconfig.get_paths()['include']}", str(cc), "-o", str(ext), "-pthread"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stderr[-4000:]}"
    return pkg


def _cases(tmp_path: Path) -> Path:
    cases = []
    for m in ALL_MODELS:
        refs = load_refs(m)
        if m == "okay_nabu":
            seq = np.load(REFS / m / refs["inputs"][0]["file"])
            inputs = [[x] for x in seq[:10]]  # rows are [1, 3, 40]: one invoke each
        else:
            inputs = [[decode_input(REFS / m, meta) for meta in refs["inputs"]]]
        cases.append((m, str(model_path(m)), inputs))
    f = tmp_path / "cases.npz"
    arr = np.empty(len(cases), dtype=object)
    arr[:] = cases
    np.savez(f, cases=arr)
    return f


def _run(pythonpath: str | None, cases: Path, out: Path) -> dict:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    r = subprocess.run([sys.executable, "-c", RUNNER, str(cases), str(out)], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr[-4000:]
    return dict(np.load(out))


def test_amalgamation_matches_cmake_build_bit_for_bit(amalgamated_pkg, tmp_path):
    cases = _cases(tmp_path)
    ours = _run(str(amalgamated_pkg), cases, tmp_path / "amalg.npz")
    ref = _run(os.environ.get("PYTHONPATH"), cases, tmp_path / "cmake.npz")  # the slimrt the suite tests
    assert sorted(ours) == sorted(ref) and len(ref) >= 4 + 10
    for k in ref:
        assert ours[k].dtype == ref[k].dtype and ours[k].shape == ref[k].shape, k
        assert ours[k].tobytes() == ref[k].tobytes(), f"{k}: the amalgamated build differs from the CMake build"
