#!/usr/bin/env python3
"""Size gate: what a device installs, per target, against the budgets; a table, exit 1 when over.

A *stack* is what one target ships: the runtime wheel first, then any other wheels (numpy) and the
model(s). Two budgets: the runtime wheel alone (--runtime-budget) and the whole stack
(--stack-budget). Sizes take K/M suffixes (binary: 1 KB = 1024 bytes).

    size_gate.py --stack linux-x86_64=slimrt.whl,numpy.whl,model.tflite [--stack T=...] \\
                 --runtime-budget 500KB --stack-budget 5MB [--json gate.json]
    size_gate.py --dist dist --python 3.11 --model m.tflite ...   # one stack per target of the
                 table, from `make wheels`'s slimrt wheels (+ dist/numpy/<target>/*.whl if there)

Used by the release workflow's size-gate job and by the reusable action (action.yml).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

UNITS = {"": 1, "B": 1, "K": 1024, "KB": 1024, "KIB": 1024, "M": 1024 ** 2, "MB": 1024 ** 2,
         "MIB": 1024 ** 2, "G": 1024 ** 3, "GB": 1024 ** 3}


def parse_size(text: str) -> int:
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*", text)
    if not m or m.group(2).upper() not in UNITS:
        raise argparse.ArgumentTypeError("not a size: %r (e.g. 500KB, 5MB, 123456)" % text)
    return int(float(m.group(1)) * UNITS[m.group(2).upper()])


def human(n: int) -> str:
    return "%.0f KB" % (n / 1024) if n < 1024 ** 2 else "%.2f MB" % (n / 1024 ** 2)


def stacks_from_dist(dist: Path, python: str, models) -> dict:
    """target -> [slimrt wheel, numpy wheels..., models...] for every target of the table."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "slim"))
    from slim import targets as T
    out = {}
    for t in T.TARGETS.values():
        tag = t.for_python(python).wheel_tag
        found = sorted(dist.glob("slimrt-*-%s.whl" % tag))
        extra = sorted((dist / "numpy" / t.name).glob("*.whl"))
        out[t.name] = found[:1] + extra + list(models) if found else []
    return out


def gate(stacks: dict, runtime_budget: int, stack_budget: int):
    """(rows, ok): one row per target with the runtime size, the stack size and a verdict."""
    rows, ok = [], True
    for target, files in stacks.items():
        if not files:
            rows.append(dict(target=target, runtime="-", runtime_bytes=0, stack_bytes=0, files=[],
                             verdict="MISSING (no runtime wheel)"))
            ok = False
            continue
        paths = [Path(f) for f in files]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise SystemExit("size_gate: no such file: %s" % ", ".join(missing))
        rt, total = paths[0].stat().st_size, sum(p.stat().st_size for p in paths)
        problems = []
        if runtime_budget and rt > runtime_budget:
            problems.append("runtime %s > %s" % (human(rt), human(runtime_budget)))
        if stack_budget and total >= stack_budget:
            problems.append("stack %s >= %s" % (human(total), human(stack_budget)))
        ok = ok and not problems
        rows.append(dict(target=target, runtime=paths[0].name, runtime_bytes=rt, stack_bytes=total,
                         files=[p.name for p in paths], verdict="OVER: " + "; ".join(problems) if problems else "ok"))
    return rows, ok


def table(rows) -> str:
    head = ("target", "runtime wheel", "runtime", "stack (runtime + numpy + model)", "files", "verdict")
    body = [(r["target"], r["runtime"], human(r["runtime_bytes"]) if r["runtime_bytes"] else "-",
             human(r["stack_bytes"]) if r["stack_bytes"] else "-", str(len(r["files"])), r["verdict"])
            for r in rows]
    w = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w[i]) for i, c in enumerate(x)).rstrip() for x in [head] + body]
    lines.insert(1, "  ".join("-" * n for n in w))
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stack", action="append", default=[], metavar="TARGET=FILE,FILE...",
                    help="a target's stack: runtime wheel first (repeatable)")
    ap.add_argument("--dist", type=Path, help="take the stacks from make wheels' output folder")
    ap.add_argument("--python", default="3.11", help="with --dist: which CPython's wheels (default 3.11)")
    ap.add_argument("--model", action="append", default=[], help="with --dist: model(s) in every stack")
    ap.add_argument("--runtime-budget", type=parse_size, default=0, help="max size of the runtime wheel")
    ap.add_argument("--stack-budget", type=parse_size, default=0, help="the stack must stay below this")
    ap.add_argument("--json", help="also write the rows as JSON here")
    args = ap.parse_args(argv)
    stacks = {}
    for spec in args.stack:
        target, _, files = spec.partition("=")
        if not files:
            ap.error("--stack wants TARGET=FILE[,FILE...], got %r" % spec)
        stacks[target] = [f for f in files.split(",") if f]
    if args.dist:
        stacks.update(stacks_from_dist(args.dist, args.python, args.model))
    if not stacks:
        ap.error("nothing to gate: give --stack or --dist")
    rows, ok = gate(stacks, args.runtime_budget, args.stack_budget)
    print(table(rows))
    print("size gate: %s (runtime <= %s, stack < %s)" % (
        "ok" if ok else "FAILED", human(args.runtime_budget) if args.runtime_budget else "-",
        human(args.stack_budget) if args.stack_budget else "-"))
    if args.json:
        Path(args.json).write_text(json.dumps({"ok": ok, "rows": rows}, indent=1) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
