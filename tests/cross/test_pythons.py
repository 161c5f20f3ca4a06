"""The CPython axis of the target table (issue 9): 3.9 / 3.11 / 3.13 for every target.

The table facts are checked against spellings written out here (what CPython itself uses for its
extension suffixes and tags); two non-default (version, target) pairs are built and run on their
target, each covering a pitfall: 3.9 on Linux (Python.h includes <crypt.h>, which zig's glibc lacks;
bullseye's absolute symlinks), 3.13 on Windows (pyconfig.h defines MS_WIN64 itself).
SLIM_CROSS_PYTHON_CASES="linux-armv7:3.13 win32:3.9" picks other pairs.
"""
import os
import re
from pathlib import Path

import pytest

from _crossenv import REPO  # noqa: F401  (puts slim/ on sys.path)
from slim import targets as T

CASES = [tuple(c.split(":")) for c in
         os.environ.get("SLIM_CROSS_PYTHON_CASES", "linux-aarch64:3.9 win_amd64:3.13").split()]


def test_versions():
    assert list(T.PYTHONS) == ["3.9", "3.11", "3.13"]
    assert T.select_pythons("") == T.select_pythons("all") == ["3.9", "3.11", "3.13"]
    assert T.select_pythons("3.13,3.9 3.13") == ["3.13", "3.9"]
    with pytest.raises(T.UsageError, match="did you mean '3.13'"):
        T.select_pythons("3.31")


@pytest.mark.parametrize("name,version,tag,suffix", [
    ("linux-x86_64", "3.9", "cp39-cp39-manylinux_2_17_x86_64", ".cpython-39-x86_64-linux-gnu.so"),
    ("linux-aarch64", "3.13", "cp313-cp313-manylinux_2_17_aarch64", ".cpython-313-aarch64-linux-gnu.so"),
    ("linux-armv7", "3.9", "cp39-cp39-manylinux_2_17_armv7l", ".cpython-39-arm-linux-gnueabihf.so"),
    ("win32", "3.13", "cp313-cp313-win32", ".cp313-win32.pyd"),
    ("win_amd64", "3.9", "cp39-cp39-win_amd64", ".cp39-win_amd64.pyd"),
    ("win_amd64", "3.11", "cp311-cp311-win_amd64", ".cp311-win_amd64.pyd"),
])
def test_tags_and_suffixes(name, version, tag, suffix):
    t = T.get(name).for_python(version)
    assert (t.wheel_tag, t.ext_suffix) == (tag, suffix)


def test_where_each_version_comes_from():
    assert [T.python(v).debian_suite for v in ("3.9", "3.11", "3.13")] == ["bullseye", "bookworm", "trixie"]
    assert T.get("win_amd64").for_python("3.13").python_dll == "python313.dll"
    assert T.get("win_amd64").for_python("3.9").python_dll_path == "cp39/python39.dll"
    assert T.get("linux-armv7").for_python("3.9").python_pyconfig == "usr/include/arm-linux-gnueabihf/python3.9"
    # names differ per suite (t64 transition in trixie, older sonames in bullseye)
    assert {"libssl1.1", "libffi7", "libpython3.9-dev"} <= set(T.python("3.9").debian_packages)
    assert {"libssl3t64", "libreadline8t64", "libpython3.13-stdlib"} <= set(T.python("3.13").debian_packages)
    assert "libnsl2" not in T.python("3.13").debian_packages
    # 3.11's sysroots and build trees keep their names; others get their own
    assert T.get("linux-aarch64").sysroot_name == "debian-arm64"
    assert T.get("linux-aarch64").for_python("3.13").sysroot_name == "debian-trixie-arm64"
    assert T.get("win32").for_python("3.9").sysroot_name == "winpython-cp39"


def test_pitfalls_are_table_facts():
    assert T.get("win_amd64").for_python("3.9").defines == ("MS_WIN64",)
    assert T.get("win_amd64").for_python("3.13").defines == ()       # its pyconfig.h defines it
    assert T.python("3.9").stub_headers == ("crypt.h",) and not T.python("3.13").stub_headers
    assert T.python("3.13").merged_usr and not T.python("3.9").merged_usr


@pytest.mark.parametrize("name,version", CASES, ids=["%s-py%s" % c for c in CASES])
def test_other_python_builds_and_runs_on_target(name, version, session, paths):
    t = T.get(name).for_python(version)
    r = session.one(t)
    assert r.ok, "\n".join(r.checks + r.details)
    assert r.wheel == "slimrt-0.1.0-%s.whl" % t.wheel_tag and r.python == version
    assert r.smoke.proof() == ("ran on target" if t.python_runs else
                               "built + static checks (slimrt-run ran on target)")
    assert ("python %s" % version if t.python_runs else "slimrt-run") in r.smoke.cell()
    pkg = paths.build(t, "zig") / "conan"
    assert (pkg / "SlimTargetPythonConfig.cmake").exists()
    data = next(pkg.glob("SlimTargetPython-release-*-data.cmake")).read_text()
    folder = re.search(r'PACKAGE_FOLDER_RELEASE "([^"]+)"', data).group(1)
    inc = Path(folder) / "include" / ("python" + version)
    assert (inc / "Python.h").exists()
    for h in t.py.stub_headers:      # packaged as an empty stand-in: the build went through it
        assert (inc / h).read_text().startswith("/* empty:")
