"""Fixtures for the slim tool tests.

Small wheels are built here with the standard library (independent of slim's own
writer).  Real wheels come from PyPI through scripts/fetch_test_wheels.py and are
cached in <repo>/.cache/wheels.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import importlib.util
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "tests" / "data" / "models"
ALL_MODELS = ["hand_recrop", "face_detection_short_range", "hand_landmark_lite", "okay_nabu"]

sys.path.insert(0, str(REPO / "slim"))   # the tool under test, also when not pip-installed


def pytest_configure(config):
    config.addinivalue_line("markers", "prune_real: slow prune runs on real PyPI wheels (downloads, ~1 min each)")


def _fetch_module():
    spec = importlib.util.spec_from_file_location("fetch_test_wheels", REPO / "scripts" / "fetch_test_wheels.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def real_wheel():
    """real_wheel("numpy==2.4.6") -> Path of the cached PyPI wheel (downloaded once)."""
    mod = _fetch_module()

    def get(req):
        try:
            return mod.fetch(req, quiet=True)
        except (subprocess.CalledProcessError, SystemExit) as e:
            pytest.fail("cannot download %s from PyPI: %s" % (req, e))
    return get


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def make_wheel(dest: Path, name: str = "demo", version: str = "1.0", files: dict = None, *,
               tag: str = "py3-none-any", record: bool = True, extra_entries=(), record_override=None) -> Path:
    """Build a wheel with zipfile: ``files`` maps archive paths to bytes/str."""
    files = dict(files or {})
    di = "%s-%s.dist-info" % (name, version)
    files.setdefault(di + "/METADATA", "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version))
    files.setdefault(di + "/WHEEL", "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: %s\n" % tag)
    files = {k: (v.encode() if isinstance(v, str) else v) for k, v in files.items()}
    out = io.StringIO()
    wr = csv.writer(out, lineterminator="\n")
    for k, v in files.items():
        wr.writerow([k, record_hash(v), len(v)])
    wr.writerow([di + "/RECORD", "", ""])
    if record_override is not None:
        files[di + "/RECORD"] = record_override.encode()
    elif record:
        files[di + "/RECORD"] = out.getvalue().encode()
    path = Path(dest) / ("%s-%s-%s.whl" % (name, version, tag))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, v in files.items():
            zf.writestr(k, v)
        for zi, data in extra_entries:
            zf.writestr(zi, data)
    return path


@pytest.fixture
def wheel_factory(tmp_path):
    d = tmp_path / "in"
    d.mkdir()

    def make(**kw):
        return make_wheel(d, **kw)
    return make


def run_slim(*args, timeout=600, **kw):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "slim") + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "slim", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL, **kw)
