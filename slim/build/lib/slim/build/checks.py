"""Stage 5: static checks of a built wheel, per binary format (the table's ``binary_format``).

All targets: file name and WHEEL tag, one extension module with the target's suffix, size.
ELF: the machine, and ``auditwheel show`` must report the table's manylinux policy.
PE: the .pyd imports only the target's python3XX.dll + system DLLs, every imported Python
symbol is exported by the real DLL, ``PyInit__slimrt`` is exported (also slimrt-run.exe's
imports).  Binaries are read with slim's own reader (binfmt.py).
"""
from __future__ import annotations

import fnmatch
import tempfile
from pathlib import Path
from typing import List, Optional

from .. import binfmt
from .. import targets as T
from ..wheel import read_wheel
from ..wheel.metadata import parse_headers
from .common import Paths, need_tool, run

MAX_WHEEL_BYTES = 500 * 1024


def elf_machine(path) -> str:
    """Short machine name of an ELF file ("x86_64", "aarch64", ...), "not ELF" otherwise."""
    try:
        return binfmt.ELF(path).machine_short
    except binfmt.BinaryFormatError:
        return "not ELF"


def is_system_dll(name: str) -> bool:
    n = name.lower()
    return any(fnmatch.fnmatch(n, pat) for pat in T.WINDOWS_SYSTEM_DLLS)


def check_pe(t: T.Target, path: Path, python_dll: Optional[Path], *, module: bool = True) -> List[str]:
    """Problems with a Windows binary (empty list = fine)."""
    problems = []
    with binfmt.PE(path) as f:
        machine, imports, exports = f.machine, f.imports(), f.exports()
    if machine != t.machine:
        problems.append("%s is %s, expected %s" % (path.name, machine, t.machine))
    for dll in imports:
        if dll.lower() != t.python_dll.lower() and not is_system_dll(dll):
            problems.append("%s imports %s (neither %s nor a system DLL)" % (path.name, dll, t.python_dll))
    if module:
        if not any(d.lower() == t.python_dll.lower() for d in imports):
            problems.append("%s does not import %s" % (path.name, t.python_dll))
        if "PyInit__slimrt" not in exports:
            problems.append("%s does not export PyInit__slimrt" % path.name)
        if python_dll is not None:
            with binfmt.PE(python_dll) as dll:
                exported = dll.exports()
            used = [s for d, syms in imports.items() if d.lower() == t.python_dll.lower() for s in syms]
            missing = [s for s in used if s not in exported]
            if missing:
                problems.append("%s imports %d symbols that %s does not export: %s" % (
                    path.name, len(missing), t.python_dll, ", ".join(missing[:10])))
    return problems


def auditwheel_show(whl: Path) -> str:
    aw = need_tool("auditwheel", "pip install auditwheel (scripts/setup-cross.sh does)")
    return run([aw, "show", whl], what="auditwheel show %s" % whl.name).out


def _check_elf(t: T.Target, whl: Path, ext: Path, paths: Paths) -> List[str]:
    problems = []
    m = elf_machine(ext)
    if m != t.machine:
        problems.append("%s is ELF %s, expected %s" % (ext.name, m, t.machine))
    out = " ".join(auditwheel_show(whl).split())
    want = '"%s_%s"' % (t.manylinux, t.platform_tag.split("_", 3)[-1])
    if want not in out:
        problems.append("auditwheel show: not %s: %s" % (want, out[:300]))
    return problems


def _check_pe_wheel(t: T.Target, whl: Path, ext: Path, paths: Paths) -> List[str]:
    dll = paths.sysroot(t) / t.python_dll_path
    problems = check_pe(t, ext, dll if dll.exists() else None)
    runner = paths.runner(t)
    if runner.exists():
        problems += check_pe(t, runner, None, module=False)
    return problems


BY_FORMAT = {"elf": _check_elf, "pe": _check_pe_wheel}


def check_wheel(t: T.Target, whl: Path, paths: Paths) -> List[str]:
    """Tag, suffix and binary checks; returns a list of problems (empty = fine)."""
    problems = []
    if not whl.name.endswith("-%s.whl" % t.wheel_tag):
        problems.append("%s: wrong tag, expected %s" % (whl.name, t.wheel_tag))
    if whl.stat().st_size > MAX_WHEEL_BYTES:
        problems.append("%s is %d bytes > %d" % (whl.name, whl.stat().st_size, MAX_WHEEL_BYTES))
    with tempfile.TemporaryDirectory(prefix="slim-check-") as d:
        w = read_wheel(whl, dest=Path(d))
        tags = parse_headers(w.read(w.dist_info + "/WHEEL"), "WHEEL", whl.name).get_all("Tag") or []
        if t.wheel_tag not in [x.strip() for x in tags]:
            problems.append("WHEEL file does not carry Tag: %s" % t.wheel_tag)
        exts = [n for n in w.files if n.startswith("slimrt/_slimrt")]
        if exts != ["slimrt/_slimrt" + t.ext_suffix]:
            problems.append("extension module %s, expected slimrt/_slimrt%s" % (exts, t.ext_suffix))
        if exts:
            problems += BY_FORMAT[t.binary_format](t, whl, Path(d, *exts[0].split("/")), paths)
    return problems
