"""The slim tool as users install it: pyproject.toml parses and lists every package, and the
wheel pip builds from it holds every module (checked by slim's own reader and by zipfile)."""
from __future__ import annotations

import subprocess
import sys
import zipfile

try:
    import tomllib
except ImportError:   # Python < 3.11
    import tomli as tomllib

from conftest import REPO

SLIM = REPO / "slim"


def _packages_on_disk():
    return sorted(".".join(p.parent.relative_to(SLIM).parts) for p in (SLIM / "slim").rglob("__init__.py"))


def test_pyproject_lists_every_package_and_no_binary_parsers():
    meta = tomllib.loads((SLIM / "pyproject.toml").read_text())
    assert sorted(meta["tool"]["setuptools"]["packages"]) == _packages_on_disk()
    deps = " ".join(meta["project"]["dependencies"])
    assert "pyelftools" not in deps and "pefile" not in deps      # binfmt.py reads ELF/PE
    assert meta["project"]["scripts"]["slim"] == "slim.cli:main"
    assert meta["project"]["requires-python"] == ">=3.9"


def test_the_built_wheel_holds_every_module(tmp_path):
    import shutil
    src = tmp_path / "src"      # setuptools builds in the source folder: use a copy
    def ignore(folder, names):     # setuptools' own build/ at the top, not the slim.build package
        return [n for n in names if n.endswith(".egg-info") or n == "__pycache__"
                or (n == "build" and folder == str(SLIM))]
    shutil.copytree(SLIM, src, ignore=ignore)
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--disable-pip-version-check",
                        "-w", str(tmp_path), str(src)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    whl = next(tmp_path.glob("slim_tool-*.whl"))
    from slim.wheel import read_wheel
    w = read_wheel(whl)                                   # RECORD, tags, names: all checked
    want = {p.relative_to(SLIM).as_posix() for p in (SLIM / "slim").rglob("*.py")}
    assert want <= set(w.files), sorted(want - set(w.files))
    with zipfile.ZipFile(whl) as zf:
        entry = zf.read("%s/entry_points.txt" % w.dist_info).decode()
    assert "slim = slim.cli:main" in entry
