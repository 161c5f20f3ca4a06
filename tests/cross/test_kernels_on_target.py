"""The C++ kernel tests (tests/cpp: reference-kernel differential tests of every kernel set) cross-compiled with the
target's zig toolchain file and run on the ARM targets under qemu-user, once per kernel set: the NEON float GEMM and
depthwise paths, the NEON and sdot int8 paths (bit-exact against the reference kernels, so bit-identical to the
generic path) and the generic ones. Build trees are kept in .cache/cross/cpp-tests-<target> (incremental)."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from _crossenv import REPO, selected_targets
from slim import build as B

ARM = [t for t in selected_targets() if t.name in ("linux-aarch64", "linux-armv7")]
# SLIMRT_ISA values to run (None: the best set the emulated CPU has) and the kernel sets each must report.
RUNS = {
    "linux-aarch64": [(None, "neon", "neondot"), ("neon", "neon", "neon"), ("generic", "generic", "generic")],
    "linux-armv7": [(None, "neon", "neon"), ("generic", "generic", "generic")],
}


def _tool(name):
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else (shutil.which(name) or name)


@pytest.fixture(scope="module")
def binaries(paths):
    out = {}
    for t in ARM:
        build = paths.cache / ("cpp-tests-" + t.name)
        env = dict(os.environ, ZIG_GLOBAL_CACHE_DIR=str(paths.zig_cache))
        if not (build / "build.ninja").exists():
            r = subprocess.run([_tool("cmake"), "-S", str(REPO), "-B", str(build), "-G", "Ninja",
                                "-DCMAKE_MAKE_PROGRAM=" + _tool("ninja"),
                                "-DCMAKE_TOOLCHAIN_FILE=" + str(REPO / "toolchains" / (t.name + ".cmake")),
                                "-DSLIMRT_HOST_PYTHON=" + sys.executable, "-DCMAKE_BUILD_TYPE=Release",
                                "-DSLIMRT_PYTHON=OFF", "-DSLIMRT_TESTS=ON"], capture_output=True, text=True, env=env)
            assert r.returncode == 0, "configuring %s failed:\n%s\n%s" % (t.name, r.stdout[-3000:], r.stderr[-3000:])
        r = subprocess.run([_tool("cmake"), "--build", str(build), "--target", "slimrt_tests"], capture_output=True,
                           text=True, env=env)
        assert r.returncode == 0, "building slimrt_tests for %s failed:\n%s\n%s" % (t.name, r.stdout[-4000:],
                                                                                   r.stderr[-3000:])
        out[t.name] = (t, build / "src" / "slimrt_tests", B.prepare_sysroot(t, paths))
    return out


@pytest.mark.parametrize("target,isa,float_set,int8_set",
                         [(t.name, *run) for t in ARM for run in RUNS[t.name]],
                         ids=["%s-%s" % (t.name, run[0] or "default") for t in ARM for run in RUNS[t.name]])
def test_kernels_under_qemu(binaries, target, isa, float_set, int8_set):
    t, exe, sysroot = binaries[target]
    env = dict(os.environ)
    env.pop("SLIMRT_ISA", None)
    if isa:
        env["SLIMRT_ISA"] = isa
    emulator = B.first_tool(t.emulator)
    r = subprocess.run([emulator, "-L", str(sysroot), str(exe), "--seed", "3", "--scale", "2"], capture_output=True,
                       text=True, env=env, timeout=900)
    summary = re.search(r"(\d+) tests, (\d+) cases, (\d+) failed", r.stdout)
    assert r.returncode == 0 and summary, "C++ tests failed on %s (SLIMRT_ISA=%s):\n%s\n%s" % (
        target, isa, r.stdout[-6000:], r.stderr[-3000:])
    assert "float kernels: %s, int8 kernels: %s" % (float_set, int8_set) in r.stdout, r.stdout[:300]
    assert int(summary.group(1)) >= 20 and int(summary.group(2)) >= 10000, summary.group(0)
