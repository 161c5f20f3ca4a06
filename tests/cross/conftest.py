"""Cross-build tests: build each target's wheel once per session, check it, run it on its target.

Run apart with `pytest -m cross tests/cross` (needs scripts/setup-cross.sh first; zig's cache and
the build trees under .cache/ make a second run fast). SLIM_CROSS_TARGETS="win32 linux-aarch64"
limits the targets.
"""
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _crossenv import REPO, selected_targets  # noqa: E402
from slim import build as B  # noqa: E402
from slim import targets as T  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "cross: cross-builds wheels and runs them under qemu/wine (slow)")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.cross)


def missing_prerequisites():
    import importlib.util
    import shutil
    missing = [m for m in ("ziglang", "conans", "pybind11", "auditwheel", "numpy")
               if importlib.util.find_spec(m) is None]
    for t in selected_targets():
        if t.emulator and not B.first_tool(t.emulator):
            missing.append("/".join(t.emulator))
    if not shutil.which("cmake"):
        missing.append("cmake")
    return missing


@pytest.fixture(scope="session")
def paths():
    missing = missing_prerequisites()
    if missing and (os.environ.get("CI") or os.environ.get("SLIM_CROSS_AUTOSETUP")):
        # CI on a fresh machine: install what the cross tests need (idempotent).
        import subprocess
        subprocess.run(["bash", str(REPO / "scripts" / "setup-cross.sh"), "--python", sys.executable,
                        "--targets", os.environ.get("SLIM_CROSS_TARGETS", "")], check=True)
        import importlib
        importlib.invalidate_caches()  # packages pip just installed into this environment
        missing = missing_prerequisites()
    if missing:
        pytest.fail("cross-build prerequisites missing: %s. Run `make cross-setup` "
                    "(scripts/setup-cross.sh --venv .venv)." % ", ".join(missing), pytrace=False)
    return B.Paths.make(REPO)


@pytest.fixture(scope="session")
def session(paths):
    return B.Session(paths, os.environ.get("SLIMRT_TOOLCHAIN_FAMILY", "zig"))


@pytest.fixture(scope="session")
def built(session):
    """target name -> wheel path; each target is built at most once per session."""
    cache = {}

    def get(t):
        if t.name not in cache:
            try:
                cache[t.name] = session.build(t)
            except B.BuildError as e:
                cache[t.name] = e
        if isinstance(cache[t.name], Exception):
            pytest.fail("building %s failed: %s" % (t.name, cache[t.name]), pytrace=False)
        return cache[t.name]
    return get
