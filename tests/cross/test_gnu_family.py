"""The alternative compiler family (Debian's cross gcc / MinGW-w64 posix, `--family gnu`).

Skipped unless its compilers are installed (scripts/setup-cross.sh --gnu): CI uses zig.
Builds go to a temporary dist/ so they never mix with the zig wheels.
"""
import shutil

import pytest

from _crossenv import selected_targets
from slim import build as B

GNU = [t for t in selected_targets()
       if shutil.which("%s-g++%s" % (t.gnu_triple, t.gnu_suffix))]


@pytest.fixture(scope="module")
def gnu_session(paths, tmp_path_factory):
    p = B.Paths(paths.repo, paths.cache, paths.zig_cache, tmp_path_factory.mktemp("dist-gnu"))
    return B.Session(p, "gnu")


@pytest.mark.skipif(not GNU, reason="no gnu cross compilers (scripts/setup-cross.sh --gnu)")
@pytest.mark.parametrize("t", GNU, ids=lambda t: t.name)
def test_gnu_family_builds_honest_wheels_that_run(t, gnu_session):
    r = gnu_session.one(t)
    g = t.for_family("gnu")
    assert r.wheel.endswith("-%s.whl" % g.wheel_tag)
    if g.manylinux:  # bookworm's glibc: auditwheel must agree with the tag we gave it
        assert g.manylinux == "manylinux_2_36"
    # static libstdc++/libgcc make gnu wheels bigger than zig's (libc++): size is reported, not required
    problems = [c for c in r.checks if "bytes >" not in c]
    assert not problems, problems
    assert r.ok or all("bytes >" in c for c in r.checks), r.details
    assert r.smoke.ok and r.smoke.cell().endswith(("match (python 3.11)", "match (slimrt-run)")), r.details
