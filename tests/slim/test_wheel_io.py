"""Wheel reading/writing: validity against independent readers, determinism, bad input."""
from __future__ import annotations

import hashlib
import os
import stat
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import MODELS, make_wheel, run_slim
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
def _zip_with(path: Path, entries):
    with zipfile.ZipFile(path, "w") as zf:
        for zi, data in entries:
            zf.writestr(zi, data)
    return path


def _bad_wheels(d: Path):
    """name -> (path, expected words in the message)"""
    cases = {}
    p = d / "notzip-1.0-py3-none-any.whl"
    p.write_bytes(b"this is not a zip file at all" * 10)
    cases["not a zip"] = (p, "not a zip")
    good = make_wheel(d, "trunc", files=PKG)
    data = good.read_bytes()
    good.write_bytes(data[: len(data) // 2])
    cases["truncated"] = (good, "truncated")
    for label, name, words in [("absolute", "/etc/evil", "absolute"),
                               ("dotdot", "demo/../../evil", "zip-slip"),
                               ("backslash", "..\\evil", "backslash")]:
        sub = d / label
        sub.mkdir()
        cases[label] = (make_wheel(sub, "demo", files=PKG, extra_entries=[(zipfile.ZipInfo(name), b"x")]), words)
    sub = d / "symlink"
    sub.mkdir()
    zi = zipfile.ZipInfo("demo/link")
    zi.create_system = 3
    zi.external_attr = (stat.S_IFLNK | 0o777) << 16
    cases["symlink"] = (make_wheel(sub, "demo", files=PKG, extra_entries=[(zi, b"/etc/passwd")]), "symlink")
    sub = d / "dup"
    sub.mkdir()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # zipfile warns about the duplicate it is told to write
        cases["duplicate"] = (make_wheel(sub, "demo", files=PKG,
                                         extra_entries=[(zipfile.ZipInfo("demo/__init__.py"), b"X=2")]), "duplicate")
    w = make_wheel(_mk(d / "rec-orig"), "demo", files=PKG)
    rec = zipfile.ZipFile(w).read("demo-1.0.dist-info/RECORD").decode()
    # same RECORD, changed content
    cases["record hash"] = (make_wheel(_mk(d / "rec-hash"), "demo", files={**PKG, "demo/__init__.py": "VALUE = 43\n"},
                                       record_override=rec), "RECORD does not match")
    rec_missing = "\n".join(l for l in rec.splitlines() if not l.startswith("demo/run.sh")) + "\n"
    cases["record missing file"] = (make_wheel(_mk(d / "rec-miss"), "demo", files=PKG, record_override=rec_missing),
                                    "not listed")
    rec_extra = rec + "demo/ghost.py,sha256=abc,3\n"
    cases["record extra file"] = (make_wheel(_mk(d / "rec-extra"), "demo", files=PKG, record_override=rec_extra),
                                  "not in the wheel")
    # zip bomb 1: an entry whose declared uncompressed size is absurd (central directory patched)
    bomb = make_wheel(_mk(d / "bomb"), "demo", files={**PKG, "demo/huge.bin": b"\0" * 1000})
    raw = bytearray(bomb.read_bytes())
    name = b"demo/huge.bin"
    pos = 0
    while True:
        pos = raw.find(b"PK\x01\x02", pos)
        n = struct.unpack_from("<H", raw, pos + 28)[0]
        if raw[pos + 46: pos + 46 + n] == name:
            struct.pack_into("<I", raw, pos + 24, 0xFFFFFFF0)
            break
        pos += 4
    bomb.write_bytes(bytes(raw))
    cases["zip bomb (declared size)"] = (bomb, "zip bomb")
    return cases


def _mk(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True)
    return p


@pytest.fixture(scope="module")
def bad_wheels(tmp_path_factory):
    return _bad_wheels(tmp_path_factory.mktemp("bad"))


CASES = ["not a zip", "truncated", "absolute", "dotdot", "backslash", "symlink", "duplicate",
         "record hash", "record missing file", "record extra file", "zip bomb (declared size)"]


@pytest.mark.parametrize("case", CASES)
def test_bad_wheel_is_rejected_by_reader(bad_wheels, case):
    path, words = bad_wheels[case]
    with pytest.raises(W.WheelError) as ei:
        W.read_wheel(path)
    assert words.lower() in str(ei.value).lower()
    assert path.name in str(ei.value)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("command", ["prune", "strip"])
def test_bad_wheel_cli_errors_and_writes_nothing(bad_wheels, case, command, tmp_path):
    path, words = bad_wheels[case]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    out = tmp_path / "out"
    args = [command, path, "-o", out]
    if command == "prune":
        args += ["--smoke", MODELS / "hand_recrop.tflite"]
    r = run_slim(*args)
    assert r.returncode != 0
    assert "bad wheel" in r.stderr and words.lower() in r.stderr.lower(), r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists() or not any(out.iterdir())
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


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
