"""The one error model of the ``slim`` tool.

Every expected failure is a :class:`SlimError` subclass; each subclass has its own exit code,
and :func:`exit_message` in this module is the only place that turns one into the line the user
reads (``cli.main`` calls it).  Anything else that escapes is a bug: one line
"internal error" and exit code 70 (the traceback with ``SLIM_DEBUG=1``).

=====  ======================  ==============================================================
code   class                   meaning
=====  ======================  ==============================================================
0                              success
1      ``ChecksFailed``        the work ran, but a result is not acceptable (a build row that
                               does not match, a smoke test that fails in ``slim smoke``)
2      ``UsageError``          bad command line: unknown option/target/family, a number that
                               is not finite and positive, a missing or unreadable input file
3      ``InputError``          an input wheel (or model) that cannot be used safely: damaged
                               zip, encryption, unsafe names, RECORD/WHEEL/filename disagree,
                               zip bomb, too many files
4      ``OutputError``         an output path that cannot be used: ``-o``/``--json`` that is
                               an input, inside an input, not writable, a file where a folder
                               is needed
5      ``SmokeError``          the smoke test itself: baseline fails or is not deterministic,
                               ``--drop`` removed something needed, final check fails, a smoke
                               run modified the master copy
6      ``BuildError``          a build step failed (sysroot, Conan, CMake, packaging)
7      ``ToolMissing``         a program slim needs is not installed (conan, cmake, qemu, ...)
128+N  ``Interrupted``         SIGINT (130), SIGTERM (143), SIGHUP (129): children killed,
                               temporary files removed, inputs untouched, no partial output
70                             internal error (a bug in slim)
=====  ======================  ==============================================================
"""
from __future__ import annotations

import difflib
from typing import Iterable, Optional

INTERNAL_ERROR = 70


class SlimError(Exception):
    """Base of every expected failure; ``str(e)`` is the one-line message."""
    exit_code = 1
    label = "error"

    def __init__(self, message: str, *, hint: str = ""):
        super().__init__(message)
        self.hint = hint


class ChecksFailed(SlimError):
    exit_code = 1
    label = "failed"


class UsageError(SlimError):
    exit_code = 2
    label = "usage"


class InputError(SlimError):
    exit_code = 3
    label = "bad input"


class WheelError(InputError):
    """A wheel that cannot be used safely; the message names the wheel and the problem."""
    label = "bad wheel"


class OutputError(SlimError):
    exit_code = 4
    label = "output"


class SmokeError(SlimError):
    exit_code = 5
    label = "smoke test"


class BuildError(SlimError):
    """A build step failed or the configuration is wrong; the message says what to do."""
    exit_code = 6
    label = "build"


class ToolMissing(BuildError):
    exit_code = 7
    label = "missing tool"


class Interrupted(SlimError):
    """A signal (SIGINT/SIGTERM/SIGHUP) stopped the work."""
    label = "interrupted"

    def __init__(self, signum: int, name: str):
        super().__init__("%s: stopped; inputs untouched, no output written" % name)
        self.exit_code = 128 + signum


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest choice, or ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return " (did you mean %r?)" % close[0] if close else ""


def unknown(what: str, word: str, choices: Iterable[str]) -> UsageError:
    """UsageError for an unknown name: "unknown target 'win46' (did you mean 'win64'?); known: ..."."""
    choices = list(choices)
    return UsageError("unknown %s %r%s; known: %s" % (what, word, did_you_mean(word, choices),
                                                      ", ".join(choices)))


def exit_message(e: BaseException, prog: str = "slim") -> tuple:
    """(exit code, one-line message) for an exception; the only place messages are formatted."""
    if isinstance(e, SlimError):
        line = "%s: %s: %s" % (prog, e.label, one_line(str(e)))
        if e.hint:
            line += " (%s)" % e.hint
        return e.exit_code, line
    return INTERNAL_ERROR, "%s: internal error: %s: %s (a bug in slim; SLIM_DEBUG=1 shows the traceback)" % (
        prog, type(e).__name__, one_line(str(e)))


def one_line(text: str, limit: Optional[int] = 2000) -> str:
    """Collapse a multi-line message to one line (build tools' output tails stay readable)."""
    s = " | ".join(ln.strip() for ln in str(text).splitlines() if ln.strip())
    return s if limit is None or len(s) <= limit else s[:limit - 3] + "..."
