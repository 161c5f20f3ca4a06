#!/usr/bin/env python3
"""Write the hostile-model corpus (tests/engine/hostile.py) to a directory, one file per case.

The tests build the same corpus in memory at test time (tests/engine/test_hostile.py); this script is for
inspection and for seeding the fuzzer (scripts/fuzz.sh).  Pure Python, no dependencies.

    python3 scripts/gen_hostile.py OUT_DIR [--small]   # --small: skip cases derived from the large models
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "engine"))
from hostile import build_corpus  # noqa: E402


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    if len(args) != 1:
        raise SystemExit(__doc__)
    out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    small = "--small" in sys.argv
    manifest = []
    for cat, name, data, expect in build_corpus():
        if small and len(data) > 70000:
            continue
        f = re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".tflite"
        (out / f).write_bytes(data)
        manifest.append({"category": cat, "name": name, "file": f, "expect": expect})
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"{len(manifest)} cases written to {out}")


if __name__ == "__main__":
    main()
