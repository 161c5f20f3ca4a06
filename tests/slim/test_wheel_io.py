"""Wheel reading/writing: validity against independent readers, determinism, bad input."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

import hostile_wheels as H
from conftest import make_wheel
from slim import wheel as W
from slim.errors import OutputError

PKG = {
    "demo/__init__.py": "VALUE = 42\n",
    "demo/data/big.bin": os.urandom(3000),
    "demo/run.sh": "#!/bin/sh\necho hi\n",
}


def test_roundtrip_is_valid_for_the_wheel_package_and_pip(tmp_path, wheel_factory):
    src = wheel_factory(files=PKG)
    w = W.read_wheel(src, dest=tmp_path / "tree")
    files = W.tree_entries(tmp_path / "tree")
    files["demo/run.sh"] = W.Entry(files["demo/run.sh"].read(), 0o755)
    del files["demo/data/big.bin"]
    out = W.write_wheel(files, w.dist_info, tmp_path / "out" / src.name)
    # independent check 1: the `wheel` package verifies every RECORD hash while reading
    from wheel.wheelfile import WheelFile
    with WheelFile(out) as wf:
        for name in wf.namelist():
            wf.read(name)
    # independent check 2: pip installs it and pip check is clean
    target = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(target)], check=True)
    py = target / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-index",
                    "--no-deps", str(out)], check=True, capture_output=True)
    r = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([str(py), "-c", "import demo, importlib.metadata as m; print(demo.VALUE, m.version('demo'))"],
                       capture_output=True, text=True, check=True)
    assert r.stdout.split() == ["42", "1.0"]
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert "demo/data/big.bin" not in names
        mode = zf.getinfo("demo/run.sh").external_attr >> 16
        assert mode & 0o111
        infos = zf.infolist()
    # dist-info last, RECORD very last, sorted, fixed timestamps
    assert names[-1] == "demo-1.0.dist-info/RECORD"
    body = [n for n in names if not n.startswith("demo-1.0.dist-info/")]
    assert names[:len(body)] == sorted(body)
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)


def test_output_is_deterministic(tmp_path, wheel_factory):
    src = wheel_factory(files=PKG)
    w = W.read_wheel(src, dest=tmp_path / "tree")
    files = W.tree_entries(tmp_path / "tree")
    a = W.write_wheel(dict(reversed(list(files.items()))), w.dist_info, tmp_path / "a" / src.name)
    b = W.write_wheel({n: W.Entry(e.read(), e.mode) for n, e in files.items()}, w.dist_info,
                      tmp_path / "b" / src.name)
    assert a.read_bytes() == b.read_bytes()


def test_inwheel_modifies_copy_and_rewrites_record(tmp_path, wheel_factory):
    src = wheel_factory(files=PKG)
    before = src.read_bytes()
    dst = tmp_path / "o" / src.name
    with W.InWheel(src, dst) as tree:
        (tree / "demo" / "data" / "big.bin").unlink()
        (tree / "demo" / "extra.py").write_text("X = 1\n")
    assert src.read_bytes() == before
    w2 = W.read_wheel(dst)   # RECORD verified on read
    assert "demo/extra.py" in w2.files and "demo/data/big.bin" not in w2.files
    # an exception inside: nothing written
    dst2 = tmp_path / "o2" / src.name
    with pytest.raises(RuntimeError):
        with W.InWheel(src, dst2) as tree:
            raise RuntimeError("boom")
    assert not dst2.exists()
    with pytest.raises(OutputError):
        W.InWheel(src, src)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("case", [c for c in H.CASES if H.CASES[c][1] == 3])
def test_bad_wheel_is_rejected_by_the_reader(tmp_path, case):
    """The library API (the CLI is tested in test_bad_input.py): WheelError naming the wheel."""
    build, _code, words = H.CASES[case]
    path = build(tmp_path)
    with pytest.raises(W.WheelError) as ei:
        W.read_wheel(path, dest=tmp_path / "out")
    assert words.lower() in str(ei.value).lower()
    assert path.name in str(ei.value)
    assert not (tmp_path / "out").exists()     # a refused wheel leaves no partial unpack


def test_zip_bomb_by_ratio(tmp_path, monkeypatch):
    from slim.wheel import reader
    monkeypatch.setattr(reader, "RATIO_MIN_BYTES", 1024 * 1024)
    p = make_wheel(tmp_path, "demo", files={**PKG, "demo/zeros.bin": b"\0" * (8 * 1024 * 1024)})
    with pytest.raises(W.WheelError, match="zip bomb"):
        W.read_wheel(p)


def test_bad_wheel_filename(tmp_path):
    p = make_wheel(tmp_path, "demo", files=PKG)
    q = p.with_name("not-a-wheel-name.zip")
    p.rename(q)
    with pytest.raises(W.WheelError, match="wheel file name"):
        W.read_wheel(q)
