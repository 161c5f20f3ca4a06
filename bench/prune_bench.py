#!/usr/bin/env python3
"""Benchmark `slim prune` on the real wheel sets: size before/after, trials, wall time,
for the default search (hierarchical delta debugging) and for --first-failure.

    python bench/prune_bench.py [--jobs 2] [--model tests/data/models/hand_recrop.tflite]

Wheels are fetched once into .cache/wheels (scripts/fetch_test_wheels.py).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SETS = {
    "numpy 2.4.6 + ai-edge-litert 2.3.0": ["numpy==2.4.6", "ai-edge-litert==2.3.0"],
    "numpy 1.26.4 + tflite-runtime 2.14.0": ["numpy==1.26.4", "tflite-runtime==2.14.0"],
}


def mb(n):
    return "%.2f MB" % (n / 1e6)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--model", default=str(REPO / "tests" / "data" / "models" / "hand_recrop.tflite"))
    ap.add_argument("--json", help="also write the raw reports here")
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("fetch", REPO / "scripts" / "fetch_test_wheels.py")
    fetch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fetch)
    rows, raw = [], {}
    for label, reqs in SETS.items():
        wheels = [str(fetch.fetch(r, quiet=True)) for r in reqs]
        for mode in ("hdd", "first-failure"):
            with tempfile.TemporaryDirectory() as tmp:
                rep = Path(tmp) / "r.json"
                cmd = [sys.executable, "-m", "slim", "prune", *wheels, "--smoke", args.model, "-o",
                       str(Path(tmp) / "out"), "--json", str(rep), "-j", str(args.jobs), "-q"]
                if mode == "first-failure":
                    cmd.append("--first-failure")
                r = subprocess.run(cmd, capture_output=True, text=True,
                                   env={**__import__("os").environ, "PYTHONPATH": str(REPO / "slim")})
                if r.returncode != 0:
                    print("%s (%s) failed:\n%s" % (label, mode, r.stderr), file=sys.stderr)
                    return 1
                data = json.loads(rep.read_text())
                raw["%s / %s" % (label, mode)] = data
                for w in data["wheels"]:
                    rows.append([label, mode, w["name"], mb(w["compressed_before"]), mb(w["compressed_after"]),
                                 mb(w["installed_before"]), mb(w["installed_after"]),
                                 str(data["trials"]), "%.1f s" % data["wall_seconds"]])
    headers = ["wheel set", "mode", "wheel", "whl before", "whl after", "inst. before", "inst. after",
               "trials", "wall"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    if args.json:
        Path(args.json).write_text(json.dumps(raw, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
