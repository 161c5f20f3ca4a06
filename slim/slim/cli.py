"""Command line: ``slim SUBCOMMAND ...``.

Each subcommand lives in its own module exposing ``register(subparsers)``,
which adds the parser and sets ``func``.  To add a subcommand, add its module
name to SUBCOMMANDS below (one line).
"""
from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__

# the one list of subcommand modules (``slim.<name>`` with register(subparsers))
SUBCOMMANDS = ["prune", "strip", "inspection", "smoke", "build"]


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="slim",
        description="Make the wheels shipped to an edge device small: prune what a smoke test "
                    "does not need, strip binaries, inspect sizes.")
    ap.add_argument("--version", action="version", version="slim " + __version__)
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in SUBCOMMANDS:
        importlib.import_module("." + name, __package__).register(sub)
    return ap


def main(argv=None) -> int:
    from .wheel import WheelError
    ap = build_parser()
    args = ap.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        from .smoke import kill_all
        kill_all()
        print("\nslim: interrupted; inputs untouched, no output written", file=sys.stderr)
        return 130
    except WheelError as e:
        print("slim: error: bad wheel: %s" % e, file=sys.stderr)
        return 2
    except Exception as e:
        from .prune import PruneError
        if isinstance(e, PruneError):
            print("slim: error: %s" % e, file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
