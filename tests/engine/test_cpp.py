"""The C++ tests (tests/cpp/): planner unit tests and randomized differential tests of the optimized kernels and
ops against the reference kernels (src/engine/kernels/reference/), with the default kernel sets, SLIMRT_ISA=avx2
and SLIMRT_ISA=generic (the ARM sets run under qemu in tests/cross/test_kernels_on_target.py). Built with CMake into .cache/cpp-tests (incremental after the first build)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / ".cache" / "cpp-tests"


def _tool(name: str) -> str:
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else (shutil.which(name) or name)


@pytest.fixture(scope="module")
def test_binary() -> Path:
    if shutil.which("cmake") is None and not Path(_tool("cmake")).exists():
        pytest.fail("cmake is needed to build the C++ tests")
    BUILD.mkdir(parents=True, exist_ok=True)
    configure = [_tool("cmake"), "-S", str(REPO), "-B", str(BUILD), "-G", "Ninja",
                 f"-DCMAKE_MAKE_PROGRAM={_tool('ninja')}", "-DCMAKE_BUILD_TYPE=Release",
                 "-DSLIMRT_PYTHON=OFF", "-DSLIMRT_TESTS=ON"]
    if not (BUILD / "build.ninja").exists():
        r = subprocess.run(configure, capture_output=True, text=True)
        assert r.returncode == 0, f"cmake configure failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    r = subprocess.run([_tool("cmake"), "--build", str(BUILD), "--target", "slimrt_tests"],
                       capture_output=True, text=True)
    assert r.returncode == 0, f"building slimrt_tests failed:\n{r.stdout[-5000:]}\n{r.stderr[-3000:]}"
    exe = BUILD / "src" / ("slimrt_tests.exe" if os.name == "nt" else "slimrt_tests")
    assert exe.exists(), exe
    return exe


# default: the best kernel sets of this machine; avx2: the AVX2 sets on an AVX-512 machine (a no-op elsewhere);
# generic: the portable ones.
@pytest.mark.parametrize("isa,seed", [("default", 1), ("avx2", 3), ("generic", 2)])
def test_cpp_suite(test_binary, isa, seed):
    env = dict(os.environ)
    env.pop("SLIMRT_ISA", None)
    if isa != "default":
        env["SLIMRT_ISA"] = isa
    r = subprocess.run([str(test_binary), "--seed", str(seed), "--scale", "4"], capture_output=True, text=True,
                       env=env, timeout=600)
    summary = re.search(r"(\d+) tests, (\d+) cases, (\d+) failed", r.stdout)
    assert r.returncode == 0 and summary, f"C++ tests failed (ISA {isa}):\n{r.stdout[-6000:]}\n{r.stderr[-6000:]}"
    tests, cases = int(summary.group(1)), int(summary.group(2))
    assert tests >= 16 and cases >= 10000, f"too few C++ test cases ran: {summary.group(0)}"
    if isa == "generic":
        assert "float kernels: generic, int8 kernels: generic" in r.stdout, r.stdout[:300]
