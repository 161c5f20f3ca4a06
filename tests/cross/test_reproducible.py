"""Hermetic, reproducible cross builds (issue 13): the same source gives the same wheel bytes.

For a Linux and a Windows target, the wheel built by the session (the usual build tree, the host's
PATH) is compared byte for byte with one built in another, fresh build tree with a PATH that hides
the host's binutils, llvm tools and compilers. Both CMake caches must name only the pinned
toolchain's tools.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from _crossenv import REPO, selected_targets
from slim.build.pins import FAMILY_PINS, read_pins

TARGETS = [t for t in selected_targets() if t.name in ("linux-x86_64", "win_amd64")]
# Host tools that must not take part in a zig build: binutils, llvm, compilers.
HIDDEN = re.compile(r"^(ar|as|ld|ld\..*|nm|objcopy|objdump|ranlib|readelf|strip|addr2line|size|strings|"
                    r"c\+\+filt|elfedit|gprof|dlltool|windres|dwp|llvm-.*|lld.*|clang.*|gcc.*|g\+\+.*|cc|"
                    r"c\+\+|cpp|.*-linux-gnu.*|.*-mingw32.*)$")
TOOL_KEYS = ("AR", "RANLIB", "STRIP", "OBJCOPY", "OBJDUMP", "LINKER", "NM", "READELF", "ADDR2LINE",
             "DLLTOOL", "RC_COMPILER", "MT", "C_COMPILER_AR", "C_COMPILER_RANLIB", "CXX_COMPILER_AR",
             "CXX_COMPILER_RANLIB")


def hiding_path(d: Path) -> str:
    """A PATH of symlinks to the host's programs, less its binutils/llvm/compilers (+ the venv)."""
    d.mkdir()
    for src in ("/usr/local/bin", "/usr/bin", "/bin"):
        if not os.path.isdir(src):
            continue
        for name in sorted(os.listdir(src)):
            if not HIDDEN.match(name) and not (d / name).exists():
                (d / name).symlink_to(os.path.join(src, name))
    path = os.pathsep.join([str(Path(sys.executable).parent), str(d)])
    for tool in ("ar", "llvm-ar", "ld", "objcopy", "llvm-strip", "strip", "ranlib"):
        assert shutil.which(tool, path=path) is None, tool
    return path


def cache_tools(tree: Path) -> dict:
    text = (tree / "CMakeCache.txt").read_text()
    return {k: m.group(1) for k in TOOL_KEYS
            for m in [re.search(r"^CMAKE_%s:FILEPATH=(.*)$" % k, text, re.M)] if m}


def assert_pinned_tools(tree: Path):
    tools = cache_tools(tree)
    assert set(tools) == set(TOOL_KEYS), sorted(set(TOOL_KEYS) - set(tools))
    for key, path in tools.items():
        assert path.startswith(str(tree / "slimrt-tools") + "/"), (key, path)
        assert "NOTFOUND" not in path and os.access(path, os.X_OK), (key, path)


def test_pins_are_exact_and_agree():
    pins = read_pins(REPO)
    assert set(FAMILY_PINS["zig"]) <= set(pins)
    dev = (REPO / "requirements-dev.txt").read_text()
    assert re.search(r"^pybind11==%s\b" % re.escape(pins["pybind11"]), dev, re.M), \
        "requirements-dev.txt and requirements-cross.txt pin different pybind11 versions"
    from importlib import metadata
    for name in FAMILY_PINS["zig"]:
        assert metadata.version(name) == pins[name], name


@pytest.mark.parametrize("t", TARGETS, ids=[t.name for t in TARGETS])
def test_same_wheel_bytes_from_another_tree_without_host_tools(t, built, paths, tmp_path):
    whl = built(t)                                   # usual tree, host PATH
    tree_a = paths.build(t, "zig") / "cmake"
    assert_pinned_tools(tree_a)
    env = dict(os.environ, PATH=hiding_path(tmp_path / "bin"), SLIM_BUILD_DIR=str(tmp_path / "b"),
               PYTHONPATH=str(REPO / "slim"), ZIG_GLOBAL_CACHE_DIR=str(paths.zig_cache),
               SLIM_CROSS_CACHE=str(paths.cache))
    p = subprocess.run([sys.executable, "-m", "slim", "build", "--target", t.name, "--no-smoke",
                        "--dist", str(tmp_path / "dist")], cwd=REPO, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=3000)
    assert p.returncode == 0, p.stdout[-3000:]
    tree_b = tmp_path / "b" / ("%s-zig" % t.name) / "cmake"
    assert_pinned_tools(tree_b)
    other = tmp_path / "dist" / whl.name
    assert other.read_bytes() == whl.read_bytes(), "%s differs between the two builds" % whl.name
    exe = "slimrt-run" + t.exe_suffix
    assert (tmp_path / "dist" / "bin" / t.name / exe).read_bytes() == paths.runner(t).read_bytes()
    # the table printed the wheel's sha256
    import hashlib
    assert hashlib.sha256(whl.read_bytes()).hexdigest() in p.stdout


@pytest.mark.parametrize("t", TARGETS[:1], ids=[t.name for t in TARGETS[:1]])
def test_tool_zig_lacks_fails_naming_it(t, built, paths):
    built(t)
    stub = paths.build(t, "zig") / "cmake" / "slimrt-tools" / "strip"
    p = subprocess.run([str(stub), "x"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.returncode == 127
    assert "'strip' is not part of the pinned toolchain" in p.stderr
    ar = paths.build(t, "zig") / "cmake" / "slimrt-tools" / "ar"
    assert "ziglang" in ar.read_text() and " ar " in ar.read_text()
