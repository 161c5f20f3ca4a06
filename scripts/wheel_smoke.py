#!/usr/bin/env python3
"""Smoke test of an installed slimrt wheel against the official runtime's stored outputs.

Runs the four real models of tests/data/models with the `slimrt` that this Python imports, on the
inputs stored in tests/data/refs (written by scripts/make_refs.py from ai-edge-litert), and compares:
float models within the per-output tolerance of refs.json against both official kernel sets,
okay_nabu (int8, stateful) bit-exact over its whole input sequence. Needs numpy.

    python scripts/wheel_smoke.py [--repo DIR]     # exit 0: every model matches; 1: a mismatch

It is cibuildwheel's test-command (pyproject.toml), so each natively built wheel is checked with
the same references as the engine tests.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

FLOAT_MODELS = ("hand_recrop", "face_detection_short_range", "hand_landmark_lite")


def decode(refs_dir: Path, meta: dict):
    import numpy as np
    arr = np.load(refs_dir / meta["file"])
    if meta.get("encoding") == "u8_centered":
        return (arr.astype(np.float32) - np.float32(128)) / np.float32(128)
    return arr


def float_model(repo: Path, name: str, Interpreter) -> str:
    """'' when every output is within tolerance of both official kernel sets, else the problem."""
    import numpy as np
    refs_dir = repo / "tests" / "data" / "refs" / name
    refs = json.loads((refs_dir / "refs.json").read_text())
    it = Interpreter(model_path=str(repo / "tests" / "data" / "models" / (name + ".tflite")))
    it.allocate_tensors()
    for d, meta in zip(it.get_input_details(), refs["inputs"]):
        it.set_tensor(d["index"], decode(refs_dir, meta))
    it.invoke()
    outs = [it.get_tensor(d["index"]) for d in it.get_output_details()]
    if len(outs) != len(refs["outputs"]):
        return "%d outputs, the official runtime has %d" % (len(outs), len(refs["outputs"]))
    for k, meta in enumerate(refs["outputs"]):
        for f in (meta["file"], meta["alt_file"]):
            ref = np.load(refs_dir / f)
            if outs[k].shape != ref.shape or outs[k].dtype != ref.dtype:
                return "output %d: %s %s, reference %s %s" % (k, outs[k].dtype, list(outs[k].shape),
                                                              ref.dtype, list(ref.shape))
            worst = float(np.max(np.abs(outs[k].astype(np.float64) - ref.astype(np.float64))))
            if not worst <= meta["tol"]:
                return "output %d: max |diff| %.3g > tol %.3g (vs %s)" % (k, worst, meta["tol"], f)
    return ""


def okay_nabu(repo: Path, Interpreter) -> str:
    import numpy as np
    refs_dir = repo / "tests" / "data" / "refs" / "okay_nabu"
    xs = np.load(refs_dir / "in_0.npy")
    expected = np.load(refs_dir / "out_0.npy")
    it = Interpreter(model_path=str(repo / "tests" / "data" / "models" / "okay_nabu.tflite"))
    it.allocate_tensors()
    inp, out = it.get_input_details()[0]["index"], it.get_output_details()[0]["index"]
    got = []
    for x in xs:
        it.set_tensor(inp, x)
        it.invoke()
        got.append(it.get_tensor(out))
    got = np.stack(got)
    if got.shape != expected.shape or got.dtype != expected.dtype or not np.array_equal(got, expected):
        return "not bit-exact over %d steps" % len(xs)
    return ""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", default=str(Path(__file__).resolve().parents[1]),
                    help="checkout holding tests/data (default: this script's)")
    args = ap.parse_args(argv)
    repo = Path(args.repo)
    import slimrt
    from slimrt.interpreter import Interpreter
    problems = []
    for name in FLOAT_MODELS:
        why = float_model(repo, name, Interpreter)
        problems += ["%s: %s" % (name, why)] if why else []
    why = okay_nabu(repo, Interpreter)
    problems += ["okay_nabu: %s" % why] if why else []
    n = len(FLOAT_MODELS) + 1
    for p in problems:
        print("wheel_smoke: MISMATCH %s" % p)
    print("wheel_smoke: %d/%d models match the official runtime (slimrt from %s, python %s)" % (
        n - len(problems), n, Path(slimrt.__file__).parent, sys.version.split()[0]))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
