"""toolchains/*.cmake and toolchains/conan/* are generated from the target table."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

from .. import targets as T


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
        "# the default CPython's; slim build passes another version's with -D",
        'set(SLIMRT_PYTHON_EXT_SUFFIX %s CACHE STRING "extension suffix of the target CPython")' % t.ext_suffix,
        "include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)",
        ""])


def profile_name(t: T.Target, family: str) -> str:
    return t.name + T.family(family).profile_suffix


def profile_text(t: T.Target, family: str = "zig") -> str:
    # Paths are relative to the profile (jinja profile_dir) so the files work in any checkout;
    # SLIM_CROSS_CACHE moves the prepared sysroots like it does for slim build.
    cache = ('{{ os.getenv("SLIM_CROSS_CACHE") or os.path.normpath(os.path.join(profile_dir, '
             '"..", "..", ".cache", "cross")) }}')
    root = "%s/sysroot/%s" % (cache, t.sysroot_name)
    optional = [("python_pyconfig", t.python_pyconfig and root + "/" + t.python_pyconfig),
                ("python_dll", t.python_dll_path and root + "/" + t.python_dll_path),
                ("dlltool_machine", t.dlltool_machine),
                ("defines", " ".join(t.defines)),
                ("stub_headers", " ".join(t.py.stub_headers))]
    lines = [
        "# Conan 2 host profile for slimrt target %s (%s family). GENERATED from" % (t.name, family),
        "# slim/slim/targets.py by `slim build --write-toolchains`: edit the table, not this file.",
        "[settings]", "os=%s" % t.conan_os, "arch=%s" % t.conan_arch,
        *T.family(family).conan_compiler,
        "compiler.cppstd=17", "build_type=Release",
        "[conf]",
        "user.slim:target=%s" % t.name,
        "user.slim:python_include=%s/%s" % (root, t.python_include)]
    lines += ["user.slim:%s=%s" % (k, v) for k, v in optional if v]
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
        for fam in T.FAMILIES:
            out[repo / "toolchains" / "conan" / profile_name(t, fam)] = profile_text(t, fam)
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
