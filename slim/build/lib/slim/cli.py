"""Command line: ``slim SUBCOMMAND ...``.

Each subcommand lives in its own module exposing ``register(subparsers)``, which adds the
parser and sets ``func``.  To add a subcommand, add its module name to SUBCOMMANDS below.

Errors: every expected failure is a ``SlimError`` (errors.py: one exit code per class, the
table is in its docstring); ``main`` is the one place that prints them.  SIGINT, SIGTERM and
SIGHUP stop the work the same way: children killed, temporary files removed, no output.
"""
from __future__ import annotations

import importlib
import os
import signal
import sys
import traceback

from . import __version__
from .errors import Interrupted, SlimError, exit_message
from .options import Parser

# the one list of subcommand modules (``slim.<name>`` with register(subparsers))
SUBCOMMANDS = ["prune", "strip", "inspection", "smoke", "build"]
SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


def build_parser() -> Parser:
    ap = Parser(
        prog="slim",
        description="Build, slim and check the wheels shipped to an edge device: cross-build "
                    "slimrt (build), prune what a smoke test does not need (prune), strip "
                    "binaries (strip), show sizes (inspect), run a model (smoke).",
        epilog="exit codes: 0 ok, 1 checks failed, 2 usage, 3 bad input, 4 output path, "
               "5 smoke test, 6 build, 7 missing tool, 128+N signal N, 70 internal error "
               "(docs/prune.md)")
    ap.add_argument("--version", action="version", version="slim " + __version__)
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for name in SUBCOMMANDS:
        importlib.import_module("." + name, __package__).register(sub)
    return ap


def _raise_interrupted(signum, frame):
    raise Interrupted(signum, signal.Signals(signum).name)


def main(argv=None) -> int:
    old = {}
    for name in SIGNALS:
        sig = getattr(signal, name, None)
        if sig is not None:
            try:
                old[sig] = signal.signal(sig, _raise_interrupted)
            except ValueError:   # not the main thread: leave signals alone
                pass
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except BaseException as e:  # noqa: B902 - the one place errors become exit codes
        if isinstance(e, SystemExit):
            return e.code if isinstance(e.code, int) else 0
        if isinstance(e, KeyboardInterrupt):
            e = Interrupted(signal.SIGINT, "SIGINT")
        if isinstance(e, Interrupted):
            from .proc import kill_all
            kill_all()
        code, line = exit_message(e)
        if not isinstance(e, SlimError) and os.environ.get("SLIM_DEBUG"):
            traceback.print_exc()
        print(line, file=sys.stderr)
        return code
    finally:
        for sig, h in old.items():
            try:
                signal.signal(sig, h)
            except (ValueError, TypeError):
                pass


if __name__ == "__main__":
    sys.exit(main())
