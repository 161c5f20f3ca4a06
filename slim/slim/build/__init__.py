"""``slim build --target T``: cross-build the slimrt wheel for a target and run it there.

One Linux host builds every target in ``targets.TARGETS`` with zig (PyPI ``ziglang``; or
Debian's cross gcc / MinGW-w64 with ``--family gnu``), CMake and the target's CPython headers /
import library packaged by Conan.  One module per stage:

1. ``sysroot``   the target's Python (Debian's packages, or the Windows CPython sdist)
2. ``conan``     conan create + install of recipes/target-python for the target (offline)
3. ``cmake``     configure once, build _slimrt and slimrt-run (caches under .cache/)
4. ``package``   dist/slimrt-<v>-cpXY-cpXY-<platform>.whl, named and tagged from the table
5. ``checks``    tags, suffix, size; per binary format (ELF: auditwheel policy; PE: imports)
6. ``runners``   Native / Qemu / Wine behind one Protocol: install the wheel for the target,
                 run the shared models there, compare with the native x86_64 outputs
``session`` runs the stages per target and makes the table; ``toolchains`` writes the
generated toolchain files and Conan profiles from the table.  Everything platform-specific
comes from targets.py and the runners.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from .. import targets as T
from ..errors import BuildError, ChecksFailed
from .checks import auditwheel_show, check_pe, check_wheel, elf_machine, is_system_dll
from .cmake import cmake_build
from .common import Paths, first_tool, log, repo_root
from .package import make_wheel, project_meta, wheel_name
from .runners import make_inputs, run_slimrt_run, runner_for, smoke_python
from .session import Result, Session, Status, compare, model_paths, table
from .sysroot import prepare_sysroot
from .toolchains import generated_files, profile_text, toolchain_text, write_toolchains

__all__ = ["BuildError", "Paths", "Session", "Result", "Status", "prepare_sysroot", "cmake_build",
           "make_wheel", "check_wheel", "check_pe", "auditwheel_show", "elf_machine",
           "is_system_dll", "runner_for", "smoke_python", "run_slimrt_run", "make_inputs",
           "model_paths", "compare", "table", "write_toolchains", "generated_files",
           "profile_text", "toolchain_text", "project_meta", "wheel_name", "first_tool",
           "repo_root", "register", "main"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "build", help="cross-build the slimrt wheel for targets and run it on them",
        description="Cross-build slimrt wheels (zig from PyPI, or Debian's gcc/MinGW with "
                    "--family gnu) into dist/, check tags and imports, run the shared models on "
                    "each target (qemu-user / wine / natively) against the native x86_64 outputs, "
                    "and print a table (per target and CPython: how it was proven, the wheel's sha256). "
                    "Targets: %s (aliases: %s). Exit code 1 unless every row is ok."
                    % (", ".join(T.TARGETS), ", ".join(sorted(T.ALIASES))))
    add_arguments(p)
    p.set_defaults(func=cmd_build)


def add_arguments(p) -> None:
    from ..options import positive_int
    p.add_argument("--target", "-t", action="append", default=[], metavar="T",
                   help="target (repeatable, or space/comma separated; default: all)")
    p.add_argument("--python", "-p", action="append", default=[], metavar="X.Y",
                   help="target CPython version(s) (repeatable, or space/comma separated; 'all' = %s; "
                        "default %s)" % (" ".join(T.PYTHONS), T.PY_VERSION))
    p.add_argument("--family", default=os.environ.get("SLIMRT_TOOLCHAIN_FAMILY", "zig"),
                   help="toolchain family: %s (default zig)" % " or ".join(T.FAMILIES))
    p.add_argument("--no-smoke", action="store_true", help="build and check only")
    p.add_argument("--dist", default=None, help="output folder (default: <repo>/dist)")
    p.add_argument("--jobs", "-j", type=positive_int, default=os.cpu_count() or 2,
                   help="parallel compile jobs (default: CPUs)")
    p.add_argument("--json", default=None, help="also write the results to this JSON file")
    p.add_argument("--write-toolchains", action="store_true",
                   help="regenerate toolchains/*.cmake and toolchains/conan/* from the target table")
    p.add_argument("--list", action="store_true", help="print the target table and exit")


def cmd_build(args) -> int:
    from ..options import check_outfile, write_text_atomic
    paths = Paths.make(dist=Path(args.dist) if args.dist else None)
    if args.write_toolchains:
        for f in write_toolchains(paths.repo):
            print("wrote %s" % f.relative_to(paths.repo))
        return 0
    pythons = T.select_pythons(" ".join(args.python) or T.PY_VERSION)
    if args.list:
        for v in pythons:
            for t in (t.for_python(v) for t in T.TARGETS.values()):
                print("%-14s %-5s %-24s %-34s %-40s %s" % (t.name, t.python, t.zig_target, t.wheel_tag,
                                                          t.ext_suffix, t.run))
        return 0
    sel = [t.for_python(v) for v in pythons for t in T.select(" ".join(args.target))]
    sess = Session(paths, args.family, args.jobs)
    check_outfile(args.json, [])
    results = []
    t0 = time.monotonic()
    for t in sel:
        log("%s: building (%d of %d)" % (t.label, len(results) + 1, len(sel)))
        r = sess.one(t, smoke=not args.no_smoke)
        results.append(r)
        for line in r.checks + r.details:
            log("%s: %s" % (t.label, line))
    print(table(results))
    print("total %.1f s" % (time.monotonic() - t0))
    if args.json:
        write_text_atomic(args.json, json.dumps([r.to_dict() for r in results], indent=1) + "\n")
    bad = ["%s (python %s)" % (r.target, r.python) for r in results if not r.ok]
    if bad:
        raise ChecksFailed("%d of %d targets not ok: %s" % (len(bad), len(results), ", ".join(bad)))
    return 0


def main(argv=None) -> int:
    """``python -m slim.build`` is ``slim build`` (kept for scripts that call it)."""
    from ..cli import main as slim_main
    return slim_main(["build"] + list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
