"""Stripping: real ELF files built here with the C compiler, and the PT_LOAD alignment check."""
from __future__ import annotations

import ctypes
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from conftest import make_wheel, run_slim
from slim import strip as ST

SRC = "int slim_answer(void) { return 42; }\nstatic int helper(int x) { return x * 2; }\nint twice(int x) { return helper(x); }\n"


@pytest.fixture(scope="module")
def solib(tmp_path_factory):
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        pytest.skip("no C compiler")
    d = tmp_path_factory.mktemp("elf")
    (d / "a.c").write_text(SRC)
    out = d / "liba.so"
    subprocess.run([cc, "-g", "-O1", "-shared", "-fPIC", "-o", str(out), str(d / "a.c")], check=True)
    return out


def test_strip_shrinks_and_still_loads(solib, tmp_path):
    if not ST.find_strip_tool():
        pytest.skip("no strip tool")
    p = tmp_path / "liba.so"
    shutil.copy(solib, p)
    info = ST.elf_info(p)
    assert info["has_symtab"] and info["has_debug"]
    r = ST.strip_file(p)
    assert r.status == "stripped", r
    assert r.after < r.before == solib.stat().st_size
    after = ST.elf_info(p)
    assert not after["has_symtab"] and not after["has_debug"]
    assert ST.elf_alignment_problems(p) == []
    assert ctypes.CDLL(str(p)).slim_answer() == 42      # the loader accepts it
    # a second pass has nothing to do
    assert ST.strip_file(p).status == "already-stripped"


def _misalign(path: Path) -> None:
    """Shift the file offset of the second PT_LOAD by 0x10 (what a bad rewrite does)."""
    data = bytearray(path.read_bytes())
    phoff = struct.unpack_from("<Q", data, 0x20)[0]
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    seen = 0
    for i in range(phnum):
        off = phoff + i * phentsize
        if struct.unpack_from("<I", data, off)[0] == 1:   # PT_LOAD
            seen += 1
            if seen == 2:
                p_offset = struct.unpack_from("<Q", data, off + 8)[0]
                struct.pack_into("<Q", data, off + 8, p_offset + 0x10)
                break
    path.write_bytes(bytes(data))


def test_alignment_check_catches_misaligned_load(solib, tmp_path):
    p = tmp_path / "bad.so"
    shutil.copy(solib, p)
    assert ST.elf_alignment_problems(p) == []
    _misalign(p)
    probs = ST.elf_alignment_problems(p)
    assert probs and "p_align" in probs[0]
    # independent reference: the dynamic loader refuses the file
    with pytest.raises(OSError):
        ctypes.CDLL(str(p))
    # strip keeps such a file as it is
    before = p.read_bytes()
    r = ST.strip_file(p)
    assert r.status == "kept-original"
    assert p.read_bytes() == before


def test_zero_strip_keeps_layout(solib, tmp_path):
    p = tmp_path / "z.so"
    shutil.copy(solib, p)
    before = ST.elf_info(p)
    assert ST.elf_zero_strip(p) is None
    after = ST.elf_info(p)
    assert after["loads"] == before["loads"] and p.stat().st_size == solib.stat().st_size
    assert ctypes.CDLL(str(p)).twice(21) == 42
    # the symbol table is gone for tools that read it
    r = subprocess.run(["nm", str(p)], capture_output=True, text=True)
    assert "slim_answer" not in r.stdout


def test_binary_kind(solib, tmp_path):
    assert ST.binary_kind(solib) == "elf"
    t = tmp_path / "x.py"
    t.write_text("print(1)\n")
    assert ST.binary_kind(t) == "other"
    assert ST.strip_file(t).status == "not-binary"


def test_strip_cli_writes_a_valid_wheel_and_json_report(solib, tmp_path):
    """`slim strip` on a wheel holding a real ELF library: smaller wheel, RECORD right, report parsed."""
    import json
    import zipfile
    if not ST.find_strip_tool():
        pytest.skip("no strip tool")
    whl = make_wheel(tmp_path, "demo", files={"demo/__init__.py": "", "demo/liba.so": solib.read_bytes()})
    out, rep = tmp_path / "out", tmp_path / "strip.json"
    r = run_slim("strip", whl, "-o", out, "--json", rep)
    assert r.returncode == 0, r.stderr
    data = json.loads(rep.read_text())
    entry = next(f for f in data[0]["files"] if f["path"] == "demo/liba.so")
    assert entry["status"] == "stripped" and entry["after"] < entry["before"]
    from wheel.wheelfile import WheelFile
    with WheelFile(out / whl.name) as wf:          # independent RECORD check
        so = wf.read("demo/liba.so")
    assert len(so) == entry["after"] and data[0]["compressed_after"] == (out / whl.name).stat().st_size
    with zipfile.ZipFile(out / whl.name) as zf:
        assert zf.namelist()[-1] == "demo-1.0.dist-info/RECORD"
