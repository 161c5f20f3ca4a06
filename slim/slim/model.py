"""``slim model IN.tflite -o OUT.tflite --weights float16|int8-dynamic``: a smaller model, verified.

Re-encodes the float model's constant weights (tflite/weights.py: float16 behind DEQUANTIZE, or int8 per-channel
dynamic range, as TensorFlow's converter does), then runs the original and the new model on the same seeded inputs
in a fresh child process (slimrt, or ai-edge-litert with ``--runtime``) and compares every output. The new model is
written only when each output's error, max|new - original| / max(max|original|, 1e-6), is at most ``--max-error``.
The report gives the sizes and the errors (``--json`` for a machine-readable one).
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from .errors import ChecksFailed, InputError, SmokeError, ToolMissing, UsageError

RUNTIMES = {"slimrt": "from slimrt.interpreter import Interpreter",
            "ai-edge-litert": "from ai_edge_litert.interpreter import Interpreter"}

# Runs both models on the same seeded inputs (several invokes on one interpreter each, so stateful models are
# compared over a sequence) and saves the outputs; argv: runtime import line, original, new, invokes, out.npz.
VERIFY_CHILD = r"""
import sys, numpy as np
exec(sys.argv[1])
def run(path, invokes):
    it = Interpreter(model_path=path)
    it.allocate_tensors()
    rng = np.random.default_rng(20241202)
    outs = []
    for _ in range(invokes):
        for d in it.get_input_details():
            dt, shape = np.dtype(d["dtype"]), d["shape"]
            if dt.kind == "f":
                x = rng.uniform(-1, 1, shape).astype(dt)
            elif dt.kind == "b":
                x = rng.integers(0, 2, shape).astype(dt)
            elif dt.itemsize == 1:
                x = rng.integers(np.iinfo(dt).min, np.iinfo(dt).max + 1, shape).astype(dt)
            else:
                x = rng.integers(0, 8, shape).astype(dt)
            it.set_tensor(d["index"], x)
        it.invoke()
        outs.append([it.get_tensor(d["index"]).copy() for d in it.get_output_details()])
    return outs
a, b = run(sys.argv[2], int(sys.argv[4])), run(sys.argv[3], int(sys.argv[4]))
np.savez(sys.argv[5], **{f"{w}_{s}_{k}": v for w, outs in (("a", a), ("b", b))
                          for s, step in enumerate(outs) for k, v in enumerate(step)})
"""


def register(subparsers) -> None:
    from .options import nonneg_int, positive_float, positive_int
    p = subparsers.add_parser(
        "model", help="re-encode a float model's weights as float16 or int8 (smaller), verified",
        description="Write a smaller .tflite: the float32 constant weights re-encoded as float16 (behind "
                    "DEQUANTIZE) or as int8 per-channel dynamic-range weights, as TensorFlow's converter does, "
                    "without TensorFlow. Both models then run on the same seeded inputs in a fresh process; the "
                    "new model is written only when every output is within --max-error of the original.")
    p.add_argument("model", metavar="IN.tflite")
    p.add_argument("-o", "--output", required=True, metavar="OUT.tflite", help="where to write the new model")
    p.add_argument("--weights", required=True, choices=["float16", "int8-dynamic"], help="the new encoding")
    p.add_argument("--min-elements", type=nonneg_int, default=1024,
                   help="int8-dynamic: leave weights with fewer values float (default 1024, as the converter)")
    p.add_argument("--max-error", type=positive_float, default=0.05,
                   help="largest accepted output error, relative to the output's magnitude (default 0.05)")
    p.add_argument("--runtime", choices=sorted(RUNTIMES), default="slimrt",
                   help="runtime that runs both models for the check (default slimrt)")
    p.add_argument("--python", default=sys.executable, metavar="PYTHON",
                   help="the Python that has the runtime and numpy (default: the one running slim)")
    p.add_argument("--invokes", type=positive_int, default=3, help="seeded invokes compared (default 3)")
    p.add_argument("--timeout", type=positive_float, default=300.0, help="seconds for the check (default 300)")
    p.add_argument("--json", metavar="REPORT", help="write the report as JSON ('-' = stdout)")
    p.set_defaults(func=_cmd_model)


def _cmd_model(args) -> int:
    from .options import check_outfile, write_text_atomic
    from .wheel.reader import input_file
    src = input_file(args.model, "model")
    out = check_outfile(args.output, [src], what="-o")
    if out is None or str(out) == "-":
        raise UsageError("slim model: -o needs a file name")
    check_outfile(args.json, [src], [out])
    report = convert(src, out, args.weights, args.min_elements, args.max_error, args.runtime, args.invokes,
                     args.timeout, args.python)
    text = json.dumps(report, indent=2) + "\n"
    if args.json == "-":
        sys.stdout.write(text)
    else:
        print(format_report(report))
        if args.json:
            write_text_atomic(args.json, text)
    if not report["written"]:
        raise ChecksFailed(f"slim model: output error {report['max_error']:.3g} exceeds --max-error "
                           f"{args.max_error:g}; {out} not written")
    return 0


def convert(src: Path, out: Path, weights: str, min_elements: int, max_error: float, runtime: str, invokes: int,
            timeout: float, python: str = sys.executable) -> dict:
    from .tflite.flatbuf import read_model, write_model
    from .tflite.weights import to_float16, to_int8_dynamic
    data = src.read_bytes()
    model = read_model(data, str(src))
    summary = to_float16(model) if weights == "float16" else to_int8_dynamic(model, min_elements)
    if not summary["tensors_converted"]:
        raise InputError(f"{src}: no float32 constant weights to re-encode as {weights}"
                         + (f" (none with at least {min_elements} values)" if weights == "int8-dynamic" else ""))
    new = write_model(model)
    with tempfile.TemporaryDirectory(prefix="slim-model-") as tmp:
        cand = Path(tmp) / "candidate.tflite"
        cand.write_bytes(new)
        outputs = _verify(src, cand, runtime, invokes, timeout, Path(tmp), python)
    worst = max((o["relative_error"] for o in outputs), default=0.0)
    report = {"input": str(src), "output": str(out), "weights": weights, "runtime": runtime, "invokes": invokes,
              "bytes_before": len(data), "bytes_after": len(new), **summary, "outputs": outputs,
              "max_error": worst, "max_error_allowed": max_error, "written": worst <= max_error}
    if report["written"]:
        tmp_out = out.with_name("." + out.name + ".tmp")
        tmp_out.write_bytes(new)
        os.replace(tmp_out, out)
    return report


def _verify(original: Path, candidate: Path, runtime: str, invokes: int, timeout: float, tmp: Path,
            python: str) -> list:
    import numpy as np
    from . import proc
    res_file = tmp / "outputs.npz"
    try:
        done = proc.run([python, "-c", VERIFY_CHILD, RUNTIMES[runtime], str(original), str(candidate),
                         str(invokes), str(res_file)], timeout=timeout)
    except OSError as e:
        raise ToolMissing(f"slim model: cannot run {python}: {e.strerror or e}") from None
    err = done.stderr.decode(errors="replace").strip().splitlines()
    if done.returncode != 0 or not res_file.exists():
        last = err[-1] if err else f"exit code {done.returncode}"
        if "ModuleNotFoundError" in last:
            raise ToolMissing(f"slim model: the check needs {runtime} in this Python ({last})")
        why = "timed out" if done.timed_out else last
        raise SmokeError(f"slim model: running the models with {runtime} failed: {why}")
    arrays = dict(np.load(res_file))
    outputs = []
    for key in sorted(k for k in arrays if k.startswith("a_0_")):
        k = key.split("_")[2]
        a = np.stack([arrays[f"a_{s}_{k}"] for s in range(invokes)]).astype(np.float64)
        b = np.stack([arrays[f"b_{s}_{k}"] for s in range(invokes)]).astype(np.float64)
        if a.shape != b.shape:
            raise SmokeError(f"slim model: output {k} changed shape {list(a.shape)} -> {list(b.shape)}")
        abs_err = float(np.max(np.abs(a - b))) if a.size else 0.0
        scale = float(np.max(np.abs(a))) if a.size else 0.0
        outputs.append({"output": int(k), "max_abs_error": abs_err, "max_abs_original": scale,
                        "relative_error": abs_err / max(scale, 1e-6)})
    return outputs


def format_report(r: dict) -> str:
    lines = [f"{r['input']} -> {r['output']} ({r['weights']}, checked with {r['runtime']}, {r['invokes']} invokes)",
             f"  size: {r['bytes_before']:,} -> {r['bytes_after']:,} bytes "
             f"({100.0 * r['bytes_after'] / max(1, r['bytes_before']):.1f}%), {r['tensors_converted']} tensors re-encoded"]
    for o in r["outputs"]:
        lines.append(f"  output {o['output']}: max|error| {o['max_abs_error']:.3g} "
                     f"(max|original| {o['max_abs_original']:.3g}, relative {o['relative_error']:.3g})")
    lines.append(f"  {'written' if r['written'] else 'NOT written'}: worst relative error {r['max_error']:.3g}, "
                 f"allowed {r['max_error_allowed']:g}")
    return "\n".join(lines)
