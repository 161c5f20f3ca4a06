"""Other CPython versions this machine can get, to run slim's own tests with.

slim claims Python >= 3.9. Debian bookworm has 3.11; Debian bullseye's python3.9 (3.9.2) runs on
bookworm as it is (its libc is older). It is fetched with ``apt-get download`` through a
*private* apt configuration (own sources list, lists and cache under .cache/pythons/apt: the
system's apt setup is never touched), unpacked with ``dpkg -x``, and given slim's dependencies
with ``pip install --target --python-version 3.9 --only-binary=:all:``.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "pythons"
DEBIAN = {  # version -> (suite, packages)
    "3.9": ("bullseye", ["python3.9-minimal", "libpython3.9-minimal", "libpython3.9-stdlib",
                         "libssl1.1", "libffi7", "libmpdec3"]),
}
# pip evaluates markers for the running Python, not --python-version: 3.9-only deps are named
DEPS = ["packaging", "numpy", "deflate", "tomli", "pytest", "pip", "wheel", "exceptiongroup",
        "typing_extensions"]


class Unavailable(Exception):
    pass


def _apt(root: Path, suite: str):
    etc = root / "etc"
    for d in (etc, root / "lists" / "partial", root / "cache" / "archives" / "partial"):
        d.mkdir(parents=True, exist_ok=True)
    (etc / "sources.list").write_text(
        "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian %s main\n"
        % suite)
    return ["-o", "Dir::Etc::SourceList=%s" % (etc / "sources.list"), "-o", "Dir::Etc::SourceParts=/dev/null",
            "-o", "Dir::State::Lists=%s" % (root / "lists"), "-o", "Dir::Cache=%s" % (root / "cache"),
            "-o", "Dir::State::Status=/dev/null", "-o", "APT::Architecture=amd64"]


def _run(cmd, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if p.returncode != 0:
        raise Unavailable("%s failed: %s" % (" ".join(map(str, cmd[:3])), p.stdout.strip()[-600:]))
    return p.stdout


def prepare(version: str) -> list:
    """[python] ready to run slim (env: see ``env``); raises Unavailable with the reason."""
    suite, pkgs = DEBIAN[version]
    home = CACHE / version
    py = home / "root" / "usr" / "bin" / ("python" + version)
    if (home / ".complete").exists() and (home / ".complete").read_text() == " ".join(DEPS):
        return [str(py)]
    if not shutil.which("apt-get") or not shutil.which("dpkg"):
        raise Unavailable("needs Debian's apt-get and dpkg")
    shutil.rmtree(home, ignore_errors=True)
    debs = home / "debs"
    debs.mkdir(parents=True)
    opts = _apt(CACHE / ("apt-" + suite), suite)
    _run(["apt-get", *opts, "update"])
    _run(["apt-get", *opts, "download", *pkgs], cwd=debs)
    for deb in sorted(debs.glob("*.deb")):
        _run(["dpkg", "-x", str(deb), str(home / "root")])
    _run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--target",
          str(home / "site"), "--python-version", version, "--implementation", "cp",
          "--only-binary=:all:", "--platform", "manylinux2014_x86_64", *DEPS])
    (home / ".complete").write_text(" ".join(DEPS))
    return [str(py)]


def env(version: str) -> dict:
    root = CACHE / version / "root"
    e = dict(os.environ)
    libs = [root / "usr" / "lib" / "x86_64-linux-gnu", root / "lib" / "x86_64-linux-gnu"]
    e["LD_LIBRARY_PATH"] = os.pathsep.join([str(p) for p in libs] + [e.get("LD_LIBRARY_PATH", "")])
    e["PYTHONPATH"] = os.pathsep.join([str(REPO / "slim"), str(CACHE / version / "site")])
    e.pop("PYTHONHOME", None)
    return e
