"""Command-line plumbing shared by the subcommands: a parser whose errors are one line with a
"did you mean", number types that refuse NaN/inf/negatives, and the output-path checks that
run before any work starts."""
from __future__ import annotations

import argparse
import math
import os
import re
import stat
import sys
import tempfile
from pathlib import Path
from typing import Iterable, List, Optional

from .errors import OutputError, UsageError, did_you_mean


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (UsageError, exit 2) and suggestions for typos."""

    def error(self, message):  # noqa: D401 - argparse API
        m = re.search(r"unrecognized arguments: (\S+)", message)
        if m:
            message += did_you_mean(m.group(1).split("=")[0], self._option_names())
        m = re.search(r"invalid choice: '([^']*)'", message)
        if m and "did you mean" not in message:
            message += did_you_mean(m.group(1), [c for a in self._actions if a.choices
                                                 for c in a.choices])
        raise UsageError("%s: %s (see %s --help)" % (self.prog, message, self.prog))

    def _option_names(self) -> List[str]:
        names = [s for a in self._actions for s in a.option_strings]
        for a in self._actions:      # options of the subcommands too ("slim prune --tiemout")
            if isinstance(a, argparse._SubParsersAction):
                for sub in a.choices.values():
                    names += [s for b in sub._actions for s in b.option_strings]
        return names

    def parse_args(self, args=None, namespace=None):
        ns, extra = self.parse_known_args(args, namespace)
        if extra:
            raise UsageError("%s: unrecognized arguments: %s%s (see %s --help)" % (
                self.prog, " ".join(extra), did_you_mean(extra[0].split("=")[0], self._option_names()),
                self.prog))
        return ns


def _number(kind, text: str, allow_zero: bool):
    try:
        v = kind(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError("%r is not a number" % text) from None
    if isinstance(v, float) and not math.isfinite(v):
        raise argparse.ArgumentTypeError("%r is not a finite number" % text)
    if v < 0 or (v == 0 and not allow_zero):
        raise argparse.ArgumentTypeError("%r must be %s" % (text, "zero or more" if allow_zero else "positive"))
    return v


def positive_float(text: str) -> float:
    return _number(float, text, False)


def positive_int(text: str) -> int:
    return _number(int, text, False)


def nonneg_int(text: str) -> int:
    return _number(int, text, True)


def _real(p: Path) -> Path:
    return Path(os.path.realpath(p))


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.relative_to(parent)
        return True
    except ValueError:
        return False


def check_outdir(outdir, inputs: Iterable, out_names: Iterable[str] = ()) -> Path:
    """``-o``: a directory (or creatable), writable, not an input, not inside an input
    directory, and no output file that would overwrite an input.  Creates nothing."""
    outdir = Path(outdir)
    real = _real(outdir)
    ins = [_real(Path(p)) for p in inputs]
    if _kind(outdir, "-o") not in ("missing", "dir"):
        raise OutputError("-o %s exists and is not a directory" % outdir)
    for i in ins:
        if real == i or (i.is_dir() and _inside(real, i)):
            raise OutputError("-o %s is an input or inside one (%s)" % (outdir, i))
    for n in out_names:
        if _real(outdir / n) in ins:
            raise OutputError("output %s would overwrite the input wheel; choose another -o" % (outdir / n))
    _writable_dir(outdir, "-o")
    return outdir


def check_outfile(path, inputs: Iterable, outputs: Iterable = (), what: str = "--json") -> Optional[Path]:
    """A report file: not an input, not an output, not a directory, its folder exists and is
    writable."""
    if path is None or str(path) == "-":
        return path
    path = Path(path)
    real = _real(path)
    for i in inputs:
        ri = _real(Path(i))
        if real == ri or (ri.is_dir() and _inside(real, ri)):
            raise OutputError("%s %s would overwrite an input (%s)" % (what, path, i))
    for o in outputs:
        if real == _real(Path(o)):
            raise OutputError("%s %s is also an output wheel" % (what, path))
    kind = _kind(path, what)
    if kind == "dir":
        raise OutputError("%s %s is a directory" % (what, path))
    parent = path.parent if str(path.parent) else Path(".")
    if _kind(parent, what) != "dir":
        raise OutputError("%s %s: folder %s does not exist" % (what, path, parent))
    if kind != "missing" and not os.access(path, os.W_OK):
        raise OutputError("%s %s is not writable" % (what, path))
    _writable_dir(parent, what)
    return path


def _kind(p: Path, what: str) -> str:
    """"missing", "dir" or "other"; an inaccessible path is an OutputError."""
    try:
        st = os.stat(p)
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    except OSError as e:
        raise OutputError("%s %s: cannot access: %s" % (what, p, e.strerror or e)) from None
    return "dir" if stat.S_ISDIR(st.st_mode) else "other"


def _writable_dir(d: Path, what: str) -> None:
    """The nearest existing folder of ``d`` must be a writable directory."""
    p = d
    while _kind(p, what) == "missing":
        if p.parent == p:
            break
        p = p.parent
    if not p.is_dir():
        raise OutputError("%s %s: %s is not a directory" % (what, d, p))
    try:   # the real test (permission bits do not bind root; read-only mounts do)
        fd, probe = tempfile.mkstemp(prefix=".slim-probe-", dir=p)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise OutputError("%s %s: %s is not writable (%s)" % (what, d, p, e.strerror or e)) from None


def write_text_atomic(path, text: str) -> None:
    """Write a report file atomically (temporary file + rename); '-' is stdout."""
    if str(path) == "-":
        sys.stdout.write(text)
        return
    path = Path(path)
    tmp = path.with_name("." + path.name + ".tmp")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    except OSError as e:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise OutputError("cannot write %s: %s" % (path, e.strerror or e)) from None
