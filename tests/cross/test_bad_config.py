"""Bad configuration gets a clear message: unknown target, missing toolchain, no target Python."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from _crossenv import REPO
from slim import build as B
from slim import targets as T


def slim_build(*args, env=None):
    e = dict(os.environ)
    e["PYTHONPATH"] = str(REPO / "slim") + os.pathsep + e.get("PYTHONPATH", "")
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "slim", "build", *args], cwd=REPO, env=e,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)


def test_unknown_target():
    p = slim_build("--target", "win128")
    assert p.returncode == 2
    assert "unknown target 'win128'" in p.stderr
    for name in T.TARGETS:
        assert name in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
    p = slim_build("--target", "linux-aarch46")
    assert p.returncode == 2 and "did you mean 'linux-aarch64'?" in p.stderr


def test_unknown_family():
    p = slim_build("--target", "win32", "--family", "msvc")
    assert p.returncode == 2 and "unknown toolchain family 'msvc'" in p.stderr
    p = slim_build("--target", "win32", "--family", "gnuu")
    assert p.returncode == 2 and "did you mean 'gnu'?" in p.stderr


def test_aliases():
    assert T.get("win64").name == "win_amd64"
    assert [t.name for t in T.select("win32,linux-aarch64")] == ["win32", "linux-aarch64"]
    assert len(T.select("")) == len(T.TARGETS)


def _configure(tmp_path, target, *defs):
    return subprocess.run(
        ["cmake", "-S", str(REPO), "-B", str(tmp_path / "b"), "-G", "Ninja",
         "-DCMAKE_TOOLCHAIN_FILE=%s" % (REPO / "toolchains" / (target + ".cmake")), *defs],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)


def test_missing_zig_is_named(tmp_path):
    p = _configure(tmp_path, "linux-aarch64", "-DSLIMRT_ZIG=/nonexistent/zig",
                   "-DSLIMRT_HOST_PYTHON=/nonexistent/python")
    out = " ".join(p.stdout.split())  # CMake wraps long messages
    assert p.returncode != 0
    assert "zig not found" in out and "pip install ziglang" in out


def test_missing_gnu_compiler_is_named(tmp_path):
    p = _configure(tmp_path, "win32", "-DSLIMRT_TOOLCHAIN_FAMILY=gnu",
                   "-DSLIMRT_GNU_CXX=/nonexistent/i686-w64-mingw32-g++-posix",
                   "-DSLIMRT_GNU_CC=/nonexistent/i686-w64-mingw32-gcc-posix")
    # a configured cache path that does not exist is rejected by CMake itself, or ours if unset
    assert p.returncode != 0
    assert "mingw32" in " ".join(p.stdout.split())


def test_missing_toolchain_file(tmp_path, monkeypatch):
    paths = B.Paths(tmp_path, tmp_path / "cache", tmp_path / "zig", tmp_path / "dist")
    (tmp_path / "toolchains").mkdir()
    t = T.get("linux-aarch64")
    with pytest.raises(B.BuildError, match="missing toolchain file .*linux-aarch64.cmake"):
        B.cmake_build(t, "zig", paths, tmp_path / "b", tmp_path / "conan", 1)


def test_target_python_not_found_in_cmake(tmp_path, built):
    """The toolchain works (zig found) but no Conan package for the target Python."""
    built(T.get("linux-x86_64"))  # warms zig's cache so this configure is quick
    env_py = ["-DSLIMRT_HOST_PYTHON=%s" % sys.executable, "-DSLIMRT_TARGET_PYTHON_DIR=%s" % (tmp_path / "none")]
    p = subprocess.run(
        ["cmake", "-S", str(REPO), "-B", str(tmp_path / "b"), "-G", "Ninja",
         "-DCMAKE_TOOLCHAIN_FILE=%s" % (REPO / "toolchains" / "linux-x86_64.cmake"), *env_py],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900,
        env=dict(os.environ, ZIG_GLOBAL_CACHE_DIR=str(B.Paths.make(REPO).zig_cache)))
    out = " ".join(p.stdout.split())
    assert p.returncode != 0
    assert "the target Python was not found" in out
    assert "conan create recipes/target-python" in out


def test_target_python_not_found_to_run(tmp_path):
    paths = B.Paths(REPO, tmp_path / "cache", tmp_path / "zig", tmp_path / "dist")
    t = T.get("linux-aarch64")
    if not B.first_tool(t.emulator):
        pytest.skip("qemu-user not installed")
    with pytest.raises(B.BuildError, match="target Python for linux-aarch64 not found"):
        B.runner_for(t, paths)
