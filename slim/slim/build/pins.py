"""The pinned toolchain: requirements-cross.txt names the exact versions of the PyPI packages whose
code ends up in, or shapes, the wheels (zig: compiler, ar, ranlib, objcopy, dlltool, linker;
pybind11's headers; the DEFLATE of the wheel writer).  A build with other versions would give other
bytes, so ``slim build`` refuses it, naming the package."""
from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path
from typing import Dict, List

from ..errors import ToolMissing

PINS_FILE = "requirements-cross.txt"
# What each toolchain family builds with (gnu: Debian's compilers, pinned by the Debian release).
FAMILY_PINS = {"zig": ("ziglang", "pybind11", "deflate"), "gnu": ("pybind11", "deflate")}
_PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([A-Za-z0-9_.+\-]+)$")


def read_pins(repo: Path) -> Dict[str, str]:
    """{package: version} from requirements-cross.txt (every line must be an exact pin)."""
    pins = {}
    for n, line in enumerate((repo / PINS_FILE).read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = _PIN.match(line)
        if not m:
            raise ValueError("%s line %d: not an exact pin (name==version): %r" % (PINS_FILE, n, line))
        pins[m.group(1).lower()] = m.group(2)
    return pins


def pin_problems(repo: Path, names=("ziglang", "pybind11", "deflate")) -> List[str]:
    """Differences between the installed packages (this Python's environment) and the pins."""
    pins, out = read_pins(repo), []
    for name in names:
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            have = None
        if have != pins[name]:
            out.append("%s %s" % (name, "is not installed" if have is None else "%s is installed" % have)
                       + " (pinned: %s==%s)" % (name, pins[name]))
    return out


def check_pins(repo: Path, family: str = "zig") -> None:
    problems = pin_problems(repo, FAMILY_PINS.get(family, FAMILY_PINS["zig"]))
    if problems:
        raise ToolMissing("the pinned toolchain is not installed: %s; run `make cross-setup` "
                          "(pip install -r %s)" % ("; ".join(problems), PINS_FILE))
