#!/usr/bin/env python3
"""Download and cache the real PyPI wheels used by the ``slim`` tests and benchmark.

Wheels go to ``<repo>/.cache/wheels/`` (gitignored).  A wheel already present
is not downloaded again, so running this twice is cheap.  Uses
``pip download --no-deps --only-binary=:all: --platform ... --python-version 3.11``
so the wheels for the target platform are fetched whatever the host is.

    python scripts/fetch_test_wheels.py            # all sets
    python scripts/fetch_test_wheels.py --print-dir
"""
from __future__ import annotations

import argparse
import fnmatch
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("SLIM_WHEEL_CACHE", REPO / ".cache" / "wheels"))

# name==version -> (platform tags to offer pip, filename glob that must exist afterwards)
WHEELS = {
    "numpy==2.4.6": (["manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux2014_x86_64"],
                     "numpy-2.4.6-cp311-cp311-manylinux*x86_64*.whl"),
    "numpy==1.26.4": (["manylinux_2_17_x86_64", "manylinux2014_x86_64"],
                      "numpy-1.26.4-cp311-cp311-manylinux*x86_64*.whl"),
    "ai-edge-litert==2.3.0": (["manylinux_2_27_x86_64", "manylinux_2_28_x86_64", "manylinux_2_17_x86_64"],
                              "ai_edge_litert-2.3.0-cp311-cp311-manylinux*x86_64*.whl"),
    "tflite-runtime==2.14.0": (["manylinux_2_17_x86_64", "manylinux2014_x86_64"],
                               "tflite_runtime-2.14.0-cp311-cp311-manylinux*x86_64*.whl"),
    # an ARM wheel, for stripping foreign ELF files
    "numpy==1.26.4:aarch64": (["manylinux_2_17_aarch64", "manylinux2014_aarch64"],
                              "numpy-1.26.4-cp311-cp311-manylinux*aarch64*.whl"),
}


def find(pattern: str, cache: Path = CACHE) -> Path | None:
    hits = sorted(p for p in cache.glob("*.whl") if fnmatch.fnmatch(p.name, pattern))
    return hits[0] if hits else None


def fetch(req: str, cache: Path = CACHE, quiet: bool = False) -> Path:
    platforms, pattern = WHEELS[req]
    hit = find(pattern, cache)
    if hit:
        return hit
    cache.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311",
           "-d", str(cache), req.split(":")[0]]
    for p in platforms:
        cmd[4:4] = ["--platform", p]
    if not quiet:
        print("fetching", req, file=sys.stderr)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL if quiet else None)
    hit = find(pattern, cache)
    if not hit:
        raise SystemExit(f"pip download of {req} produced no file matching {pattern} in {cache}")
    return hit


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("requirements", nargs="*", help="subset of: " + ", ".join(WHEELS))
    ap.add_argument("--print-dir", action="store_true", help="print the cache directory and exit")
    args = ap.parse_args(argv)
    if args.print_dir:
        print(CACHE)
        return 0
    for req in args.requirements or WHEELS:
        if req not in WHEELS:
            ap.error(f"unknown wheel {req!r}; known: {', '.join(WHEELS)}")
        print(fetch(req))
    return 0


if __name__ == "__main__":
    sys.exit(main())
