"""Stage 3: configure (once per build tree) and build _slimrt and slimrt-run with CMake."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from .. import targets as T
from ..errors import BuildError, ToolMissing
from .common import Paths, host_tool, log, run


def build_env(paths: Paths) -> dict:
    env = dict(os.environ)
    env["ZIG_GLOBAL_CACHE_DIR"] = str(paths.zig_cache)
    env.setdefault("ZIG_LOCAL_CACHE_DIR", str(paths.zig_cache))
    return env


def cmake_build(t: T.Target, family: str, paths: Paths, build: Path, conan_dir: Path,
                jobs: int) -> Path:
    """Configure (once) and build; returns the install staging folder."""
    cmake = shutil.which("cmake") or host_tool("cmake")
    if not cmake:
        raise ToolMissing("cmake not found: apt-get install cmake (or pip install cmake)")
    ninja = shutil.which("ninja") or host_tool("ninja")
    env = build_env(paths)
    tree = build / "cmake"
    logf = build / "cmake.log"
    toolchain = paths.repo / "toolchains" / (t.name + ".cmake")
    if not toolchain.exists():
        raise BuildError("missing toolchain file %s for target %s: run `slim build "
                         "--write-toolchains`" % (toolchain, t.name))
    cache = tree / "CMakeCache.txt"
    generated = (tree / "build.ninja").exists() or (tree / "Makefile").exists()
    if not generated or not cache.exists() or \
            "SLIMRT_TOOLCHAIN_FAMILY:STRING=%s" % family not in cache.read_text():
        shutil.rmtree(tree, ignore_errors=True)
        cmd = [cmake, "-S", paths.repo, "-B", tree, "-DCMAKE_TOOLCHAIN_FILE=%s" % toolchain,
               "-DCMAKE_BUILD_TYPE=Release", "-DSLIMRT_PYTHON=ON", "-DSLIMRT_RUNNER=ON",
               "-DSLIMRT_TOOLCHAIN_FAMILY=%s" % family, "-DSLIMRT_HOST_PYTHON=%s" % sys.executable,
               "-DSLIMRT_TARGET_PYTHON_DIR=%s" % conan_dir]
        if ninja:
            cmd += ["-G", "Ninja", "-DCMAKE_MAKE_PROGRAM=%s" % ninja]
        log("%s: cmake configure (%s)" % (t.name, family))
        run(cmd, env=env, what="cmake configure for %s" % t.name, logfile=logf)
    log("%s: cmake build" % t.name)
    run([cmake, "--build", tree, "-j", str(jobs)], env=env, what="build for %s" % t.name, logfile=logf)
    stage = build / "stage"
    shutil.rmtree(stage, ignore_errors=True)
    run([cmake, "--install", tree, "--prefix", stage], env=env, what="cmake --install", logfile=logf)
    return stage
