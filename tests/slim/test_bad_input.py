"""Hostile input, as a careful user or an attacker would give it, through the real `slim` CLI.

Every case asserts: no traceback, the documented exit code, a one-line message that says what
is wrong, inputs byte-identical afterwards, nothing written outside OUTDIR (and no temporary
files left: TMPDIR is a fresh folder that must be empty again), no partial output.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import hostile_wheels as H
from conftest import REPO, make_wheel
from sandbox import SMOKE_OK, Sandbox

@pytest.fixture
def box(tmp_path):
    return Sandbox(tmp_path)


COMMANDS = {
    "prune": lambda w, out: ["prune", w, "--smoke-cmd", SMOKE_OK, "-o", out],
    "strip": lambda w, out: ["strip", w, "-o", out],
    "inspect": lambda w, out: ["inspect", w],
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", list(H.CASES))
def test_bad_wheel_is_refused_before_any_work(box, case, command):
    build, code, words = H.CASES[case]
    w = build(box.inputs)
    err = box.refused(COMMANDS[command](w, box.out), code, words)
    assert w.name in err


def test_the_bomb_is_small_on_disk(tmp_path):
    """The 7.6 GiB case really is an 8 MB file that a plain zipfile reader would inflate."""
    import zipfile
    p = H.many_inflating_entries(tmp_path)
    assert p.stat().st_size < 9 * 1024 * 1024
    with zipfile.ZipFile(p) as zf:
        assert sum(i.file_size for i in zf.infolist()) > 7.5 * 1024 ** 3
        assert zf.testzip() is None          # every entry is a valid deflate stream with a right CRC


@pytest.mark.parametrize("path,words", [(".", "is a directory"), ("/dev/zero", "not a regular file"),
                                        ("missing.whl", "no such file")])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_input_that_is_not_a_file(box, command, path, words):
    box.refused(COMMANDS[command](path, box.out), 2, words)


@pytest.mark.parametrize("option,value,words", [
    ("--timeout", "nan", "not a finite number"), ("--timeout", "inf", "not a finite number"),
    ("--timeout", "-1", "must be positive"), ("--timeout", "0", "must be positive"),
    ("--jobs", "0", "must be positive"), ("--min-size", "-5", "zero or more"),
    ("--invokes", "0", "must be positive"), ("--max-trials", "x", "not a number")])
def test_bad_numbers(box, option, value, words):
    w = make_wheel(box.inputs, "demo", files=H.PKG)
    box.refused(["prune", w, "--smoke-cmd", SMOKE_OK, "-o", box.out, option, value], 2, words)


def test_typos_get_a_suggestion(box):
    assert "did you mean 'prune'" in box.refused(["prnue", "x.whl"], 2, "invalid choice")
    assert "did you mean '--timeout'" in box.refused(["prune", "x.whl", "--tiemout", "3"], 2,
                                                     "unrecognized")


def test_no_smoke_test_given(box):
    w = make_wheel(box.inputs, "demo", files=H.PKG)
    box.refused(["prune", w, "-o", box.out], 2, "nothing to test with")
    box.refused(["prune", w, "--smoke", box.inputs, "-o", box.out], 2, "is a directory")
    box.refused(["prune", w, "--smoke", "nope.tflite", "-o", box.out], 2, "no such file")


# ------------------------------------------------------------------------ output paths
def test_outdir_that_is_a_file(box):
    w = make_wheel(box.inputs, "demo", files=H.PKG)
    box.out.write_bytes(b"not a folder")
    for args in (["prune", w, "--smoke-cmd", SMOKE_OK], ["strip", w]):
        box.refused(args + ["-o", box.out], 4, "not a directory", out_may_exist=True)
    assert box.out.read_bytes() == b"not a folder"


def test_outdir_not_writable(box):
    w = make_wheel(box.inputs, "demo", files=H.PKG)
    for args in (["prune", w, "--smoke-cmd", SMOKE_OK], ["strip", w]):
        box.refused(args + ["-o", "/proc/slim-out"], 4, "not writable")


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/usr/bin/setpriv").exists(), reason="needs root + setpriv")
def test_outdir_read_only_for_a_normal_user():
    """Permission bits (which bind a normal user, not root): run slim as 'nobody'."""
    import shutil
    import tempfile
    top = Path(tempfile.mkdtemp(prefix="slim-ro-", dir="/tmp"))
    try:
        _read_only_as_nobody(top)
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _read_only_as_nobody(top: Path):
    top.chmod(0o755)
    box = Sandbox(top)
    w = make_wheel(box.inputs, "demo", files=H.PKG)
    ro = box.root / "ro"
    ro.mkdir()
    for p in [box.inputs, w]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    ro.chmod(0o555)
    os.chmod(box.tmp, 0o777)
    r = subprocess.run(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        sys.executable, "-m", "slim", "strip", str(w), "-o", str(ro / "out")],
                       capture_output=True, text=True, cwd="/", stdin=subprocess.DEVNULL,
                       env=dict(os.environ, TMPDIR=str(box.tmp),
                                PYTHONPATH=str(REPO / "slim") + os.pathsep + os.environ.get("PYTHONPATH", "")))
    if "Permission denied" in r.stderr and "python" in r.stderr.lower() and r.returncode != 4:
        pytest.skip("nobody cannot run this Python: %s" % r.stderr.strip()[-200:])
    assert r.returncode == 4 and "not writable" in r.stderr, r.stderr
    assert not (ro / "out").exists()


def test_json_onto_an_input_wheel(box):
    w = make_wheel(box.inputs, "demo", files=H.PKG)
    for cmd in (["prune", w, "--smoke-cmd", SMOKE_OK, "-o", box.out], ["strip", w, "-o", box.out],
                ["inspect", w]):
        box.refused(cmd + ["--json", w], 4, "would overwrite an input")


def test_json_into_a_missing_folder_writes_no_wheel(box):
    w = make_wheel(box.inputs, "demo", files=H.PKG)
    for cmd in (["prune", w, "--smoke-cmd", SMOKE_OK, "-o", box.out], ["strip", w, "-o", box.out]):
        box.refused(cmd + ["--json", box.root / "no" / "such" / "r.json"], 4, "does not exist")


def test_json_onto_an_output_wheel(box):
    w = make_wheel(box.inputs, "demo", files=H.PKG)
    box.refused(["strip", w, "-o", box.out, "--json", box.out / w.name], 4, "also an output wheel")


def test_outdir_holding_an_input(box):
    """The second wheel's output would overwrite it: refused before the first is written."""
    a = make_wheel(box.inputs, "alpha", files={"alpha/__init__.py": b"A = 1\n"})
    b = make_wheel(box.out.parent / "in", "beta", files={"beta/__init__.py": b"B = 1\n"})
    before = sorted(box.inputs.iterdir())
    for cmd in (["strip", a, b], ["prune", a, b, "--smoke-cmd", SMOKE_OK]):
        box.refused(cmd + ["-o", box.inputs], 4, "would overwrite the input wheel")
        assert sorted(box.inputs.iterdir()) == before

