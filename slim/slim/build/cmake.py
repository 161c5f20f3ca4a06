"""Stage 3: configure (once per build tree) and build _slimrt and slimrt-run with CMake."""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

from .. import targets as T
from ..errors import BuildError, ToolMissing
from .common import Paths, host_tool, log, run


# Fixed timestamps for anything a compiler or linker would date (__DATE__, PE headers): the same
# source gives the same bytes (https://reproducible-builds.org/specs/source-date-epoch/).
SOURCE_DATE_EPOCH = "315532800"   # 1980-01-01, the wheels' zip timestamps too


def build_env(paths: Paths) -> dict:
    env = dict(os.environ)
    env["ZIG_GLOBAL_CACHE_DIR"] = str(paths.zig_cache)
    env.setdefault("ZIG_LOCAL_CACHE_DIR", str(paths.zig_cache))
    env.setdefault("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    return env


def configure_inputs(paths: Paths, t: T.Target, family: str, defs) -> str:
    """Hash of what a configure depends on beyond the sources (toolchain files, cmake/ modules,
    the -D definitions): a change means a fresh build tree, never a stale tool in a cache."""
    h = hashlib.sha256(("\0".join(map(str, defs)) + family).encode())
    files = [paths.repo / "toolchains" / "common.cmake", paths.repo / "toolchains" / (t.name + ".cmake"),
             *sorted((paths.repo / "cmake").glob("*.cmake"))]
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


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
    defs = ["-DCMAKE_TOOLCHAIN_FILE=%s" % toolchain, "-DCMAKE_BUILD_TYPE=Release", "-DSLIMRT_PYTHON=ON",
            "-DSLIMRT_RUNNER=ON", "-DSLIMRT_TOOLCHAIN_FAMILY=%s" % family,
            "-DSLIMRT_HOST_PYTHON=%s" % sys.executable, "-DSLIMRT_TARGET_PYTHON_DIR=%s" % conan_dir,
            "-DSLIMRT_PYTHON_EXT_SUFFIX=%s" % t.ext_suffix]
    if ninja:
        defs += ["-G", "Ninja", "-DCMAKE_MAKE_PROGRAM=%s" % ninja]
    stamp = build / "cmake.inputs"
    want = configure_inputs(paths, t, family, defs)
    generated = (tree / "build.ninja").exists() or (tree / "Makefile").exists()
    if not generated or not (tree / "CMakeCache.txt").exists() or \
            not stamp.exists() or stamp.read_text() != want:
        shutil.rmtree(tree, ignore_errors=True)
        stamp.unlink(missing_ok=True)
        log("%s: cmake configure (%s)" % (t.label, family))
        run([cmake, "-S", paths.repo, "-B", tree] + defs, env=env, what="cmake configure for %s" % t.name,
            logfile=logf)
        stamp.write_text(want)
    log("%s: cmake build" % t.label)
    run([cmake, "--build", tree, "-j", str(jobs)], env=env, what="build for %s" % t.name, logfile=logf)
    stage = build / "stage"
    shutil.rmtree(stage, ignore_errors=True)
    run([cmake, "--install", tree, "--prefix", stage], env=env, what="cmake --install", logfile=logf)
    return stage
