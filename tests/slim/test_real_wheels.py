"""Real wheels from PyPI (cached in .cache/wheels): the done-criteria of `slim prune`."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ALL_MODELS, MODELS, run_slim
from slim import smoke as S
from slim import strip as ST
from slim import wheel as W

SETS = {
    "numpy2-litert": (["numpy==2.4.6", "ai-edge-litert==2.3.0"], {"numpy": 12_000_000, "ai-edge-litert": 6_000_000}),
    "numpy1-tflite": (["numpy==1.26.4", "tflite-runtime==2.14.0"], {"numpy": 16_000_000, "tflite-runtime": 2_400_000}),
}


def test_baseline_catches_tflite_runtime_with_numpy2(real_wheel, tmp_path):
    out = tmp_path / "out"
    r = run_slim("prune", real_wheel("numpy==2.4.6"), real_wheel("tflite-runtime==2.14.0"),
                 "--smoke", MODELS / "hand_recrop.tflite", "-o", out)
    assert r.returncode != 0
    assert "baseline failed" in r.stderr and "_ARRAY_API not found" in r.stderr, r.stderr
    assert not out.exists()


def test_strip_arm_elf_with_a_tool_that_reads_it(real_wheel, tmp_path):
    w = W.read_wheel(real_wheel("numpy==1.26.4:aarch64"))
    d = tmp_path / "t"
    rel = next(r for r in w.files if r.startswith("numpy/random/_sfc64") and r.endswith(".so"))
    w.extract(d)
    p = d / rel
    assert ST.elf_info(p)["machine"] == "EM_AARCH64"
    r = ST.strip_file(p, rel=rel)
    assert r.status == "stripped" and r.after < r.before
    assert ST.elf_alignment_problems(p) == [] and not ST.elf_info(p)["has_symtab"]


def test_numpy2_patchelf_libraries_are_not_broken_by_strip(real_wheel, tmp_path):
    """llvm-strip/GNU strip misalign numpy 2.4.6's auditwheel-patched libraries: slim must notice."""
    w = W.read_wheel(real_wheel("numpy==2.4.6"))
    rel = next(r for r in w.files if "_multiarray_umath" in r)
    d = w.extract(tmp_path / "t")
    tool = ST.find_strip_tool()
    raw = tmp_path / "raw.so"
    subprocess.run(tool + ["--strip-all", str(d / rel), "-o", str(raw)], check=True)
    assert ST.elf_alignment_problems(raw), "expected the plain strip to misalign this file"
    r = ST.strip_file(d / rel, rel=rel)
    assert r.status in ("zeroed", "kept-original")
    assert ST.elf_alignment_problems(d / rel) == []
    # the result still imports (real loader, real numpy)
    res = subprocess.run([sys.executable, "-I", "-S", "-c",
                          "import sys; sys.path.insert(0, %r); import numpy; print(numpy.arange(4).sum())" % str(d)],
                         capture_output=True, text=True)
    assert res.stdout.strip() == "6", res.stderr


def test_inspect_real_wheel(real_wheel):
    r = run_slim("inspect", real_wheel("numpy==2.4.6"), "--json", "-")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)[0]
    assert "manylinux_2_28_x86_64" in data["platforms"]
    umath = next(b for b in data["binaries"] if "_multiarray_umath" in b["path"])
    assert umath["strip"] == "not stripped" and umath["machine"] == "EM_X86_64"
    human = run_slim("inspect", real_wheel("tflite-runtime==2.14.0"))
    assert "strip status" in human.stdout and "tflite_runtime" in human.stdout


def test_strip_is_deterministic_and_valid(real_wheel, tmp_path):
    src = real_wheel("tflite-runtime==2.14.0")
    outs = []
    for n in ("a", "b"):
        r = run_slim("strip", src, "-o", tmp_path / n)
        assert r.returncode == 0, r.stderr
        outs.append((tmp_path / n / src.name).read_bytes())
    assert outs[0] == outs[1]
    assert len(outs[0]) < src.stat().st_size
    from wheel.wheelfile import WheelFile
    with WheelFile(tmp_path / "a" / src.name) as wf:   # verifies RECORD hashes
        for n in wf.namelist():
            wf.read(n)


def _venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    return path / "bin" / "python"


@pytest.mark.prune_real
@pytest.mark.parametrize("name", list(SETS))
def test_prune_real_set(name, real_wheel, tmp_path):
    reqs, limits = SETS[name]
    wheels = [real_wheel(r) for r in reqs]
    out = tmp_path / "out"
    rep = tmp_path / "report.json"
    r = run_slim("prune", *wheels, "--smoke", MODELS / "hand_recrop.tflite", "-o", out, "--json", rep, "-j", "2")
    assert r.returncode == 0, r.stderr[-3000:]
    data = json.loads(rep.read_text())
    print(r.stdout)
    assert data["trials"] <= 300  # wall time is a benchmark figure (bench/prune_bench.py), not a test
    pruned = []
    for w in data["wheels"]:
        size = Path(w["output"]).stat().st_size
        assert size == w["compressed_after"] and size <= limits[w["name"]], (w["name"], size)
        assert w["compressed_after"] < w["compressed_before"]
        pruned.append(w["output"])
        with zipfile.ZipFile(w["output"]) as zf:
            names = zf.namelist()
        assert names[-1].endswith(".dist-info/RECORD")
    # independent check: pip installs the pruned wheels in a fresh venv, pip check is clean
    py = _venv(tmp_path / "venv")
    inst = subprocess.run([str(py), "-m", "pip", "install", "-q", *pruned], capture_output=True, text=True)
    assert inst.returncode == 0, inst.stderr
    chk = subprocess.run([str(py), "-m", "pip", "check"], capture_output=True, text=True)
    assert chk.returncode == 0, chk.stdout + chk.stderr
    # all four shared models run in the venv with the same outputs as the untouched wheels
    ref_trees = []
    for i, wpath in enumerate(wheels):
        ref_trees.append(W.read_wheel(wpath).extract(tmp_path / "ref" / str(i)))
    for m in ALL_MODELS:
        model = MODELS / (m + ".tflite")
        ref = S.run_smoke(model, ref_trees, timeout=120)
        assert ref.ok, ref.reason
        got = S.run_smoke(model, [], python=[str(py), "-I"], isolate=False, timeout=120)
        assert got.ok, (m, got.reason)
        assert str(tmp_path / "venv") in got.info["module_file"]
        assert S.compare_outputs(ref.outputs, got.outputs) is None, m
