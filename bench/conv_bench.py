#!/usr/bin/env python3
"""Latency of slimrt's float conv family (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED) vs ai-edge-litert.

Two measurements, both at a chosen thread count (default 1), medians of interleaved rounds:

  models   whole-model invoke latency of the three float models, slimrt vs ai-edge-litert with XNNPACK (default)
           and with its builtin kernels (OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES);
  ops      every distinct conv/depthwise/FC configuration of those models, each as a one-op model (random float32
           weights of the real shapes), timed in the three runtimes -> per-op ratios and per-kind totals.

Each runtime runs in its own long-lived worker process; a round asks every worker for a few invokes of the same
model in turn, so machine noise hits them alike. slimrt runs in the Python running this script (it must have
slimrt installed); ai-edge-litert in --litert-python (a venv with ai-edge-litert + numpy + flatbuffers; the one
scripts/make_refs.py creates under .cache/refenv works).

    python bench/conv_bench.py [--threads 1] [--rounds 11] [--per-round 5] [--only models|ops]
        [--litert-python .cache/refenv/bin/python]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ["hand_recrop", "face_detection_short_range", "hand_landmark_lite"]
CONV_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")

# A worker: reads JSON lines {"model": path, "n": invokes} and answers with the invoke times (seconds).
WORKER = r"""
import json, sys, time
import numpy as np
kind, threads = sys.argv[1], int(sys.argv[2])
if kind == "slimrt":
    from slimrt.interpreter import Interpreter
    make = lambda p: Interpreter(model_path=p, num_threads=threads)
else:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    kw = {} if kind == "xnnpack" else {"experimental_op_resolver_type":
                                       OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES}
    make = lambda p: Interpreter(model_path=p, num_threads=threads, **kw)
cache = {}
for line in sys.stdin:
    req = json.loads(line)
    it = cache.get(req["model"])
    if it is None:
        it = make(req["model"])
        it.allocate_tensors()
        rng = np.random.default_rng(0)
        for d in it.get_input_details():
            it.set_tensor(d["index"], rng.random(d["shape"], dtype=np.float32))
        for _ in range(3):
            it.invoke()
        cache[req["model"]] = it
    ts = []
    for _ in range(req["n"]):
        t = time.perf_counter()
        it.invoke()
        ts.append(time.perf_counter() - t)
    print(json.dumps(ts), flush=True)
"""


class Worker:
    def __init__(self, python, kind, threads):
        env = dict(os.environ)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        self.kind = kind
        self.p = subprocess.Popen([python, "-c", WORKER, kind, str(threads)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)

    def run(self, model, n):
        self.p.stdin.write(json.dumps({"model": model, "n": n}) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.kind} worker died on {model}")
        return json.loads(line)

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def measure(workers, model, rounds, per_round):
    times = {w.kind: [] for w in workers}
    for _ in range(rounds):
        for w in workers:
            times[w.kind].extend(w.run(model, per_round))
    return {k: statistics.median(v) * 1e3 for k, v in times.items()}


def conv_configs(litert_python):
    """Distinct conv-family configurations of the models (shapes + options), read with the schema module."""
    script = r"""
import json, sys
from ai_edge_litert import schema_py_generated as s
out = []
for path in sys.argv[1:]:
    m = s.ModelT.InitFromPackedBuf(open(path, "rb").read(), 0)
    g = m.subgraphs[0]
    codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in m.operatorCodes]
    names = {v: k for k, v in vars(s.BuiltinOperator).items() if not k.startswith("_")}
    for op in g.operators:
        name = names[codes[op.opcodeIndex]]
        if name not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            continue
        shp = lambda i: [int(d) for d in g.tensors[i].shape] if i >= 0 else None
        o = op.builtinOptions
        opts = {k: int(v) for k, v in vars(o).items() if isinstance(v, (bool, int, float)) or hasattr(v, "__int__")} if o else {}
        out.append({"model": path.rsplit("/", 1)[-1][:-7], "op": name, "in": shp(op.inputs[0]),
                    "w": shp(op.inputs[1]), "bias": bool(len(op.inputs) > 2 and op.inputs[2] >= 0),
                    "out": shp(op.outputs[0]), "opts": opts})
print(json.dumps(out))
"""
    paths = [os.path.join(ROOT, "tests", "data", "models", m + ".tflite") for m in MODELS]
    return json.loads(subprocess.check_output([litert_python, "-c", script] + paths, text=True))


def write_op_models(litert_python, configs, outdir):
    """One-op .tflite per distinct configuration (random float32 weights), written with the schema module."""
    script = r"""
import json, sys
import flatbuffers, numpy as np
from ai_edge_litert import schema_py_generated as s
cfgs, outdir = json.loads(sys.stdin.read()), sys.argv[1]
rng = np.random.default_rng(0)
for i, c in enumerate(cfgs):
    bufs = [s.BufferT()]
    tensors = []
    def tensor(shape, data=None):
        t = s.TensorT(); t.shape = list(shape); t.type = s.TensorType.FLOAT32; t.name = "t%d" % len(tensors)
        if data is not None:
            b = s.BufferT(); b.data = np.frombuffer(data.astype(np.float32).tobytes(), np.uint8); bufs.append(b)
            t.buffer = len(bufs) - 1
        else:
            t.buffer = 0
        tensors.append(t); return len(tensors) - 1
    x = tensor(c["in"])
    w = tensor(c["w"], rng.standard_normal(c["w"]) * 0.1)
    b = tensor([c["w"][0] if c["op"] != "DEPTHWISE_CONV_2D" else c["w"][3]],
               rng.standard_normal(c["w"][0] if c["op"] != "DEPTHWISE_CONV_2D" else c["w"][3]))
    y = tensor(c["out"])
    code = s.OperatorCodeT(); code.builtinCode = getattr(s.BuiltinOperator, c["op"])
    code.deprecatedBuiltinCode = code.builtinCode; code.version = 1
    op = s.OperatorT(); op.opcodeIndex = 0; op.inputs = [x, w, b]; op.outputs = [y]
    optname = {"CONV_2D": "Conv2DOptions", "DEPTHWISE_CONV_2D": "DepthwiseConv2DOptions",
               "FULLY_CONNECTED": "FullyConnectedOptions"}[c["op"]]
    o = getattr(s, optname + "T")()
    for k, v in c["opts"].items():
        setattr(o, k, v)
    op.builtinOptionsType = getattr(s.BuiltinOptions, optname); op.builtinOptions = o
    g = s.SubGraphT(); g.tensors = tensors; g.inputs = [x]; g.outputs = [y]; g.operators = [op]
    m = s.ModelT(); m.version = 3; m.operatorCodes = [code]; m.subgraphs = [g]; m.buffers = bufs
    fb = flatbuffers.Builder(1024); fb.Finish(m.Pack(fb), file_identifier=b"TFL3")
    open("%s/op%03d.tflite" % (outdir, i), "wb").write(fb.Output())
"""
    subprocess.run([litert_python, "-c", script, outdir], input=json.dumps(configs), text=True, check=True)


def describe(c):
    if c["op"] == "FULLY_CONNECTED":
        return f"FC {c['in']}x{c['w']}"
    o = c["opts"]
    s = f"{o.get('strideH', 1)}x{o.get('strideW', 1)}"
    kind = "DW " if c["op"] == "DEPTHWISE_CONV_2D" else "CONV"
    return f"{kind} {'x'.join(map(str, c['in'][1:]))} k{c['w'][1]}x{c['w'][2]} s{s} -> {c['out'][3]}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=11)
    ap.add_argument("--per-round", type=int, default=5)
    ap.add_argument("--only", choices=["models", "ops"])
    ap.add_argument("--litert-python", default=os.path.join(ROOT, ".cache", "refenv", "bin", "python"))
    a = ap.parse_args()
    if not os.path.exists(a.litert_python):
        sys.exit(f"no ai-edge-litert Python at {a.litert_python} (pass --litert-python)")
    workers = [Worker(sys.executable, "slimrt", a.threads), Worker(a.litert_python, "xnnpack", a.threads),
               Worker(a.litert_python, "builtin", a.threads)]
    try:
        if a.only in (None, "models"):
            print(f"== whole models, {a.threads} thread(s), median ms ==")
            print(f"{'model':30s} {'slimrt':>8s} {'xnnpack':>8s} {'builtin':>8s} {'/xnn':>6s} {'/builtin':>8s}")
            for m in MODELS:
                t = measure(workers, os.path.join(ROOT, "tests", "data", "models", m + ".tflite"), a.rounds,
                            a.per_round)
                print(f"{m:30s} {t['slimrt']:8.3f} {t['xnnpack']:8.3f} {t['builtin']:8.3f} "
                      f"{t['slimrt'] / t['xnnpack']:6.2f} {t['slimrt'] / t['builtin']:8.2f}", flush=True)
        if a.only in (None, "ops"):
            configs = conv_configs(a.litert_python)
            uniq, count = [], {}
            for c in configs:
                key = json.dumps({k: c[k] for k in ("op", "in", "w", "out", "opts")}, sort_keys=True)
                if key not in count:
                    uniq.append(c)
                count[key] = count.get(key, 0) + 1
            with tempfile.TemporaryDirectory() as tmp:
                write_op_models(a.litert_python, uniq, tmp)
                print(f"\n== one-op models ({len(uniq)} distinct configurations), {a.threads} thread(s), "
                      f"median ms per op; n = occurrences in the three models ==")
                print(f"{'op':44s} {'n':>2s} {'slimrt':>8s} {'xnnpack':>8s} {'builtin':>8s} {'/xnn':>6s} "
                      f"{'/builtin':>8s}")
                totals = {}
                for i, c in enumerate(uniq):
                    key = json.dumps({k: c[k] for k in ("op", "in", "w", "out", "opts")}, sort_keys=True)
                    n = count[key]
                    t = measure(workers, os.path.join(tmp, f"op{i:03d}.tflite"), max(3, a.rounds // 2),
                                a.per_round)
                    tot = totals.setdefault(c["op"], {"slimrt": 0.0, "xnnpack": 0.0, "builtin": 0.0})
                    for k in tot:
                        tot[k] += n * t[k]
                    print(f"{describe(c):44s} {n:2d} {t['slimrt']:8.4f} {t['xnnpack']:8.4f} {t['builtin']:8.4f} "
                          f"{t['slimrt'] / t['xnnpack']:6.2f} {t['slimrt'] / t['builtin']:8.2f}", flush=True)
                print("\n== totals over the three models (sum of n x median) ==")
                for op, t in totals.items():
                    print(f"{op:20s} slimrt {t['slimrt']:7.3f}  xnnpack {t['xnnpack']:7.3f}  builtin "
                          f"{t['builtin']:7.3f}  /xnn {t['slimrt'] / t['xnnpack']:5.2f}  /builtin "
                          f"{t['slimrt'] / t['builtin']:5.2f}")
    finally:
        for w in workers:
            w.close()


if __name__ == "__main__":
    main()
