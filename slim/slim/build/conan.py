"""Stage 2: Conan packages the target's Python (recipes/target-python) for CMake, offline."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from .. import targets as T
from .common import Paths, need_tool, run
from .toolchains import profile_name


def conan_env(paths: Paths) -> dict:
    env = dict(os.environ)
    env["CONAN_HOME"] = str(paths.conan_home)
    env["SLIM_CROSS_CACHE"] = str(paths.cache)
    return env


def python_confs(t: T.Target, paths: Paths) -> list:
    """-c:h arguments for t's CPython version (the generated profiles hold the default version's)."""
    root = paths.sysroot(t)
    confs = [("python_include", str(root / t.python_include)),
             ("python_pyconfig", t.python_pyconfig and str(root / t.python_pyconfig)),
             ("python_dll", t.python_dll_path and str(root / t.python_dll_path)),
             ("defines", " ".join(t.defines)), ("stub_headers", " ".join(t.py.stub_headers))]
    out = []
    for k, v in confs:
        out += ["-c:h", "user.slim:%s=%s" % (k, v)]
    return out


def conan_target_python(t: T.Target, family: str, paths: Paths, build: Path) -> Path:
    """conan create + install target-python for t; returns the folder with its CMake package."""
    conan = need_tool("conan", "pip install conan (scripts/setup-cross.sh does)")
    out = build / "conan"
    profile = paths.repo / "toolchains" / "conan" / profile_name(t, family)
    bprofile = paths.repo / "toolchains" / "conan" / "build"
    recipe = paths.repo / "recipes" / "target-python"
    binfmt = Path(__file__).resolve().parents[1] / "binfmt.py"   # exported into the recipe
    h = hashlib.sha256()
    for f in [profile, bprofile, binfmt, *sorted(recipe.glob("*.py")), paths.sysroot(t) / ".slim-complete"]:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    h.update(str(paths.cache).encode())
    confs = python_confs(t, paths)
    h.update("\0".join(confs).encode())
    stamp = out / ".slim-stamp"
    if stamp.exists() and stamp.read_text() == h.hexdigest() and \
            (out / "SlimTargetPythonConfig.cmake").exists():
        return out
    env = conan_env(paths)
    logf = build / "conan.log"
    # -nr: no remote is reachable here, and none is needed
    run([conan, "create", recipe, "--version", t.python, "-pr:h", profile, "-pr:b", bprofile, "-nr"] + confs,
        env=env, what="conan create target-python/%s (%s)" % (t.python, t.name), logfile=logf)
    shutil.rmtree(out, ignore_errors=True)
    run([conan, "install", "--requires", "target-python/%s" % t.python, "-pr:h", profile,
         "-pr:b", bprofile, "-g", "CMakeDeps", "-of", out, "-nr"] + confs, env=env,
        what="conan install target-python/%s (%s)" % (t.python, t.name), logfile=logf)
    stamp.write_text(h.hexdigest())
    return out
