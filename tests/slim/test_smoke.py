"""The smoke child and its host launcher: failures of every kind, .npy writing, comparison."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import MODELS
from slim import smoke as S


def _fake_runtime(root: Path, body: str) -> Path:
    """A tree with a tflite_runtime package whose Interpreter does ``body`` (failure injection)."""
    pkg = root / "tflite_runtime"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "interpreter.py").write_text("class Interpreter:\n    def __init__(self, model_path=None, **kw):\n"
                                        + "".join("        %s\n" % l for l in body.splitlines()))
    return root


@pytest.mark.parametrize("body,words", [
    ("import time; time.sleep(600)", "timeout"),
    ("import os; os.abort()", "SIGABRT"),
    ("raise RuntimeError('cannot load model')", "RuntimeError: cannot load model"),
    ("import no_such_module_xyz", "No module named 'no_such_module_xyz'"),
])
def test_failures_are_reported(tmp_path, body, words):
    tree = _fake_runtime(tmp_path / "t", body)
    r = S.run_smoke(MODELS / "okay_nabu.tflite", [tree], timeout=3, interpreter="tflite_runtime")
    assert not r.ok
    assert words in r.reason
    assert r.seconds < 30


def test_no_interpreter_is_an_import_error(tmp_path):
    (tmp_path / "empty").mkdir()
    r = S.run_smoke(MODELS / "okay_nabu.tflite", [tmp_path / "empty"], timeout=30)
    assert not r.ok and "no interpreter found" in r.reason


def test_isolation_hides_site_packages(tmp_path):
    """numpy is installed for the test runner, but the child must not see it."""
    tree = _fake_runtime(tmp_path / "t", "import numpy")
    r = S.run_smoke(MODELS / "okay_nabu.tflite", [tree], timeout=30, interpreter="tflite_runtime")
    assert not r.ok and "numpy" in r.reason


def _child():
    spec = importlib.util.spec_from_file_location("smoke_child", S.CHILD)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


@pytest.mark.parametrize("dtype,fmt", [("float32", "f"), ("int8", "b"), ("uint8", "B"), ("int32", "i"),
                                       ("float64", "d"), ("int64", "q")])
def test_hand_written_npy_matches_numpy(tmp_path, dtype, fmt):
    child = _child()
    import random
    vals = child.make_values(random.Random(1), dtype, 24)
    mv = child.to_buffer(vals, dtype, [2, 3, 4])
    assert mv.format == fmt and mv.shape == (2, 3, 4)
    p = tmp_path / "o.npy"
    child.write_npy(str(p), mv, dtype, [2, 3, 4])
    got = np.load(p)
    assert got.dtype == np.dtype(dtype) and got.shape == (2, 3, 4)
    assert np.array_equal(got.ravel(), np.array(vals, dtype=dtype))
    # one-dimensional and scalar shapes
    child.write_npy(str(p), child.to_buffer(vals, dtype, [24]), dtype, [24])
    assert np.load(p).shape == (24,)


def test_inputs_are_seeded_and_cover_the_range():
    child = _child()
    import random
    a = child.make_values(random.Random(5), "int8", 5000)
    assert a == child.make_values(random.Random(5), "int8", 5000)
    assert min(a) == -128 and max(a) == 127
    f = child.make_values(random.Random(5), "float32", 5000)
    assert -1 <= min(f) < -0.99 and 0.99 < max(f) <= 1


def test_compare_outputs():
    a = [np.array([1.0, 2.0], np.float32), np.array([3, 4], np.uint8)]
    assert S.compare_outputs(a, [x.copy() for x in a]) is None
    assert S.compare_outputs(a, [a[0] + 1e-7, a[1]]) is None
    assert "max abs" in S.compare_outputs(a, [a[0] + 0.1, a[1]])
    assert "integer values differ" in S.compare_outputs(a, [a[0], np.array([3, 5], np.uint8)])
    assert "shape" in S.compare_outputs(a, [a[0][:1], a[1]])
    assert "dtype" in S.compare_outputs(a, [a[0].astype(np.float64), a[1]])
    assert "outputs" in S.compare_outputs(a, a[:1])


def test_child_help_runs_standalone():
    r = subprocess.run([sys.executable, "-I", "-S", str(S.CHILD), "--help"], capture_output=True, text=True,
                       stdin=subprocess.PIPE)
    assert r.returncode == 0 and "--interpreter" in r.stdout
