"""slim prune: smoke-test-guided wheel slimming (docs/prune.md).

Built the way test-case reducers are (C-Reduce, shrinkray): a problem (problem.py: the
predicate "does the smoke test still pass", a content-keyed cache, a trial budget), search
passes over it (passes.py: ``hdd``, ``first_failure``, ``find_bad`` for strip bisection),
trials on hard-linked trees through smoke's public API (trial.py), the stages of a run
(pipeline.py) and the report (report.py).  Every input and output path is checked before
any work starts; nothing is written unless the pruned wheels pass a final smoke test.
"""
from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

from .. import smoke as S
from .. import wheel as W
from ..errors import UsageError
from ..options import (check_outdir, check_outfile, nonneg_int, positive_float, positive_int,
                       write_text_atomic)
from .pipeline import Options, Pruner
from .report import format_report

__all__ = ["Options", "Pruner", "prune", "format_report", "register"]


def prune(wheels, opts: Options, outdir=None, dry_run=False, progress=None, json_path=None) -> dict:
    """Library entry point; returns the report dict.  Output paths are checked first."""
    if not opts.models and not opts.smoke_cmd:
        raise UsageError("nothing to test with: give --smoke MODEL.tflite or --smoke-cmd CMD")
    wheels = [W.input_file(w, "wheel") for w in wheels]
    inputs = wheels + [W.input_file(m, "smoke model") for m in opts.models]
    outdir = Path(outdir) if outdir is not None else None
    if outdir is not None and not dry_run:
        check_outdir(outdir, inputs, [w.name for w in wheels])
    check_outfile(json_path, inputs, [outdir / w.name for w in wheels] if outdir else [])
    p = Pruner(wheels, opts, progress)
    try:
        return p.run(outdir, dry_run)
    finally:
        p.close()


def register(subparsers) -> None:
    ap = subparsers.add_parser(
        "prune", help="delete and strip what a smoke test does not need (on unpacked wheels)",
        description="Slim a set of wheels that run together (e.g. a runtime and numpy): strip "
                    "binaries, then delete the directories and files the smoke test does not "
                    "need, each deletion proven by a passing smoke run. The untouched wheels "
                    "are the reference: a trial fails on a crash, hang, non-zero exit, import "
                    "error or different outputs. Input wheels are never modified; the pruned "
                    "wheels go to OUTDIR.",
        epilog="example: slim prune numpy-2.4.6-*.whl ai_edge_litert-2.3.0-*.whl "
               "--smoke hand_recrop.tflite -o slim-dist --json report.json. Exit codes: "
               "docs/prune.md")
    ap.add_argument("wheels", nargs="+", metavar="WHEEL", help="all wheels the smoke test needs")
    ap.add_argument("--smoke", action="append", default=[], metavar="MODEL.tflite",
                    help="model for the default smoke test (repeat for several models)")
    ap.add_argument("--smoke-cmd", metavar="CMD",
                    help="own smoke test instead: a shell command that exits 0 when fine; it gets "
                         "PYTHONPATH and SLIM_TREES set to the candidate trees; {python} expands to "
                         "an isolated Python (-s -S)")
    ap.add_argument("-o", "--outdir", default="dist-slim", help="output directory (default: %(default)s)")
    ap.add_argument("--keep", action="append", default=[], metavar="GLOB",
                    help="never delete paths matching GLOB (e.g. 'numpy/linalg/*'); repeatable")
    ap.add_argument("--drop", action="append", default=[], metavar="GLOB",
                    help="delete paths matching GLOB without trials (checked by the smoke test); repeatable")
    ap.add_argument("-j", "--jobs", type=positive_int, default=os.cpu_count() or 1,
                    help="trials run at once (default: %(default)s = CPUs)")
    ap.add_argument("--timeout", type=positive_float, default=None, metavar="SECONDS",
                    help="per trial; a trial over it is killed and fails (default: 10x the baseline, >= 30)")
    ap.add_argument("--first-failure", action="store_true",
                    help="literal mode: delete candidates in order (biggest first), stop at the first "
                         "deletion that fails")
    ap.add_argument("--no-strip", dest="strip", action="store_false", help="do not strip binaries")
    ap.add_argument("--no-trace", dest="use_trace", action="store_false",
                    help="do not use the traced baseline to order candidates")
    ap.add_argument("--min-size", type=nonneg_int, default=16 * 1024, metavar="BYTES",
                    help="do not spend trials on groups smaller than this (default: %(default)s)")
    ap.add_argument("--max-trials", type=positive_int, default=1000,
                    help="stop searching after this many trials")
    ap.add_argument("--seed", type=int, default=0, help="seed of the smoke inputs")
    ap.add_argument("--invokes", type=positive_int, default=S.DEFAULT_INVOKES, help="invokes per smoke run")
    ap.add_argument("--interpreter", default="auto",
                    choices=["auto", "slimrt", "tflite_runtime", "ai_edge_litert"])
    ap.add_argument("--python", metavar="CMD", help="command prefix of the Python that runs the smoke "
                                                    "test (default: this one)")
    ap.add_argument("--json", metavar="REPORT", help="write the report as JSON to REPORT")
    ap.add_argument("--dry-run", action="store_true", help="search and report, write no wheel")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    ap.set_defaults(func=_cmd_prune)


def _cmd_prune(args) -> int:
    opts = Options(models=args.smoke, smoke_cmd=args.smoke_cmd, keep=args.keep, drop=args.drop,
                   jobs=args.jobs, timeout=args.timeout, first_failure=args.first_failure,
                   strip=args.strip, min_size=args.min_size, traced_min_size=4 * args.min_size,
                   max_trials=args.max_trials, use_trace=args.use_trace, seed=args.seed,
                   invokes=args.invokes, interpreter=args.interpreter,
                   python=shlex.split(args.python) if args.python else None, quiet=args.quiet)
    rep = prune(args.wheels, opts, outdir=args.outdir, dry_run=args.dry_run, json_path=args.json)
    print(format_report(rep))
    if args.json:
        write_text_atomic(args.json, json.dumps(rep, indent=2) + "\n")
    return 0
