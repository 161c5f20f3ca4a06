"""Stage 4: the wheel, named and tagged from the target table (cross-built wheels cannot be
retagged by auditwheel), with the same METADATA/RECORD writer as every other wheel slim makes
(README as the long description), written deterministically into dist/."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Dict

from .. import targets as T
from ..errors import BuildError
from ..wheel import Entry, write_wheel
from ..wheel.metadata import metadata_text, wheel_text
from .common import Paths

try:
    import tomllib
except ImportError:   # Python < 3.11
    import tomli as tomllib

README_TYPES = {".md": "text/markdown", ".rst": "text/x-rst", ".txt": "text/plain"}


def project_meta(repo: Path) -> dict:
    with open(repo / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def wheel_name(t: T.Target, repo: Path) -> str:
    meta = project_meta(repo)
    return "%s-%s-%s.whl" % (meta["name"].replace("-", "_"), meta["version"], t.wheel_tag)


def readme(repo: Path, meta: dict):
    """(text, content type) of the project's readme, or None."""
    r = meta.get("readme")
    if isinstance(r, dict):
        path, ctype = r.get("file"), r.get("content-type")
    else:
        path, ctype = r, None
    if not path:
        return None
    path = repo / path
    return path.read_text(encoding="utf-8"), ctype or README_TYPES.get(path.suffix.lower(), "text/plain")


def make_wheel(t: T.Target, paths: Paths, stage: Path) -> Path:
    meta = project_meta(paths.repo)
    name, version = meta["name"], meta["version"]
    files: Dict[str, Entry] = {}
    pkg = paths.repo / "src" / "python" / "slimrt"
    for p in sorted(pkg.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".so", ".pyd", ".pyc"):
            files["slimrt/" + p.relative_to(pkg).as_posix()] = Entry(path=p)
    ext = [p for p in (stage / "slimrt").glob("_slimrt*") if p.is_file()]
    if len(ext) != 1 or not ext[0].name.endswith(t.ext_suffix):
        raise BuildError("%s: expected one _slimrt%s in %s, found %s" % (
            t.name, t.ext_suffix, stage / "slimrt", [p.name for p in ext]))
    files["slimrt/" + ext[0].name] = Entry(mode=0o755, path=ext[0])
    dist_info = "%s-%s.dist-info" % (name.replace("-", "_"), version)
    files[dist_info + "/METADATA"] = Entry(metadata_text(meta, readme(paths.repo, meta)))
    files[dist_info + "/WHEEL"] = Entry(wheel_text("slim-build (cross, %s)" % t.name, [t.wheel_tag]))
    out = write_wheel(files, dist_info, paths.dist / wheel_name(t, paths.repo))
    runner = stage / "bin" / ("slimrt-run" + t.exe_suffix)
    if runner.exists():
        dst = paths.runner(t)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(runner, dst)
    return out
