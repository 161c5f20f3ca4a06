"""Human-readable tables and progress output."""
from __future__ import annotations

import sys
import time


def human_size(n) -> str:
    if n is None:
        return "-"
    n = float(n)
    sign = "-" if n < 0 else ""
    n = abs(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return "%s%.0f %s" % (sign, n, unit) if unit == "B" else "%s%.1f %s" % (sign, n, unit)
        n /= 1024
    return "%s%.1f GiB" % (sign, n)


def pct(before, after) -> str:
    if not before or after is None:
        return ""
    return "%+.0f%%" % (100.0 * (after - before) / before)


def table(rows, headers, aligns=None) -> str:
    rows = [[str(c) for c in r] for r in rows]
    widths = [len(h) for h in headers]
    for r in rows:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))
    aligns = aligns or ["<"] + [">"] * (len(headers) - 1)
    fmt = "  ".join("{:%s%d}" % (a, w) for a, w in zip(aligns, widths))
    out = [fmt.format(*headers), "  ".join("-" * w for w in widths)]
    out += [fmt.format(*r) for r in rows]
    return "\n".join(out)


class Progress:
    """One line per event on stderr; on a terminal the trial line is redrawn in place."""

    def __init__(self, quiet: bool = False, stream=None):
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.t0 = time.monotonic()
        self._open = False

    def _elapsed(self) -> str:
        return "%6.1fs" % (time.monotonic() - self.t0)

    def info(self, msg: str) -> None:
        if self.quiet:
            return
        if self._open:
            self.stream.write("\n")
            self._open = False
        self.stream.write("%s %s\n" % (self._elapsed(), msg))
        self.stream.flush()

    def trial(self, msg: str) -> None:
        if self.quiet:
            return
        line = "%s %s" % (self._elapsed(), msg)
        if self.tty:
            cols = 120
            self.stream.write("\r" + line[:cols].ljust(cols))
            self._open = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self._open and not self.quiet:
            self.stream.write("\n")
            self.stream.flush()
        self._open = False
