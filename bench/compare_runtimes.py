#!/usr/bin/env python3
"""Compare slimrt with the official TFLite runtimes on the same models, in the same run.

Runtimes (each in its own venv under .cache/bench/, created on first use from PyPI):
  slimrt          this checkout's build (the Python running this script must have it installed: make dev)
  litert-xnnpack  ai-edge-litert 2.3.0, default kernels (XNNPACK delegate)
  litert-builtin  ai-edge-litert 2.3.0, OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES (its optimized built-in
                  kernels: the comparison for int8 models)
  tflite-2.14     tflite-runtime 2.14.0 (needs numpy < 2), default kernels; not run unless asked for

Models (default): the shared real models (tests/data/models) and the converter-made suite's float32 and int8
variants (tests/data/zoo); a model is "int8" when most of its tensors are int8, else "float". Models a runtime
cannot run are listed and left out of that runtime's ratios.

Latency: one long-lived worker process per runtime and model; rounds are interleaved (each round gives every
runtime the same time slice of back-to-back invokes in turn), so machine noise hits all runtimes alike. Reported:
median invoke latency, the ratio of slimrt to each runtime, and the geometric means the speed goal is stated in:
float models slimrt / XNNPACK, int8 models slimrt / built-in kernels and slimrt / XNNPACK, for each thread count,
and the speed-up from 1 to 2 threads. Start-up: fresh processes timing `import` + load + allocate + first invoke
(numpy already imported), and their peak RSS (ru_maxrss).

    python bench/compare_runtimes.py [--models a.tflite ...] [--threads 1 2] [--rounds 15] [--slice-ms 30]
"""

import argparse
import glob
import json
import math
import os
import statistics
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, ".cache", "bench")
MODELS = os.path.join(ROOT, "tests", "data", "models")
ZOO = os.path.join(ROOT, "tests", "data", "zoo")

VENVS = {
    "litert": ["ai-edge-litert==2.3.0", "numpy==2.4.6"],
    "tflite": ["tflite-runtime==2.14.0", "numpy<2"],
}

# name -> (venv or None for the current Python, import line, constructor expression)
RUNTIMES = {
    "slimrt": (None, "from slimrt.interpreter import Interpreter",
               "Interpreter(model_path=MODEL, num_threads=THREADS)"),
    "litert-xnnpack": ("litert", "from ai_edge_litert.interpreter import Interpreter",
                       "Interpreter(model_path=MODEL, num_threads=THREADS)"),
    "litert-builtin": ("litert", "from ai_edge_litert.interpreter import Interpreter, OpResolverType",
                       "Interpreter(model_path=MODEL, num_threads=THREADS, experimental_op_resolver_type="
                       "OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)"),
    "tflite-2.14": ("tflite", "from tflite_runtime.interpreter import Interpreter",
                    "Interpreter(model_path=MODEL, num_threads=THREADS)"),
}
DEFAULT_RUNTIMES = ["slimrt", "litert-xnnpack", "litert-builtin"]
SHORT = {"slimrt": "slimrt", "litert-xnnpack": "xnnpack", "litert-builtin": "builtin", "tflite-2.14": "tfl2.14"}

# The worker answers "ready <kind>" once the model runs, then for each line "<ms>" runs invokes back to back for
# about that long (at least 3) and prints their times.
WORKER = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    {import_line}
    MODEL, THREADS = sys.argv[1], int(sys.argv[2])
    it = {ctor}
    it.allocate_tensors()
    rng = np.random.default_rng(0)
    for d in it.get_input_details():
        if d["dtype"] == np.float32:
            x = rng.uniform(-1, 1, d["shape"]).astype(np.float32)
        else:
            info = np.iinfo(d["dtype"])
            x = rng.integers(info.min, info.max, d["shape"], endpoint=True).astype(d["dtype"])
        it.set_tensor(d["index"], x)
    it.invoke()
    types = [np.dtype(d["dtype"]).name for d in it.get_tensor_details()]
    kind = "int8" if types.count("int8") > types.count("float32") else "float"
    print("ready", kind, flush=True)
    for line in sys.stdin:
        budget = float(line) / 1e3
        if budget <= 0:
            break
        times, start = [], time.perf_counter()
        while len(times) < 3 or time.perf_counter() - start < budget:
            t0 = time.perf_counter(); it.invoke(); times.append(time.perf_counter() - t0)
        print(json.dumps(times), flush=True)
""")

# numpy is imported before the clock starts: the venvs have different numpy versions (tflite-runtime needs
# numpy < 2), and numpy's import is not the runtime's cost.
STARTUP = textwrap.dedent("""
    import resource, sys, time
    import numpy as np
    t0 = time.perf_counter()
    {import_line}
    MODEL, THREADS = sys.argv[1], int(sys.argv[2])
    it = {ctor}
    it.allocate_tensors()
    for d in it.get_input_details():
        it.set_tensor(d["index"], np.zeros(d["shape"], d["dtype"]))
    it.invoke()
    t1 = time.perf_counter()
    print(t1 - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
""")


def default_models():
    shared = sorted(glob.glob(os.path.join(MODELS, "*.tflite")))
    zoo = sorted(glob.glob(os.path.join(ZOO, "*.float32.tflite")) + glob.glob(os.path.join(ZOO, "*.int8.tflite")))
    return shared + zoo


def venv_python(name):
    if name is None:
        return sys.executable
    path = os.path.join(CACHE, name)
    py = os.path.join(path, "bin", "python")
    stamp = os.path.join(path, ".ok")
    if not os.path.exists(stamp):
        print("bench: creating %s venv (%s)" % (name, " ".join(VENVS[name])), file=sys.stderr, flush=True)
        subprocess.check_call([sys.executable, "-m", "venv", "--clear", path])
        subprocess.check_call([py, "-m", "pip", "install", "-q", "--disable-pip-version-check"] + VENVS[name])
        open(stamp, "w").close()
    return py


def script_for(runtime, template):
    _venv, import_line, ctor = RUNTIMES[runtime]
    return template.format(import_line=import_line, ctor=ctor)


def start_worker(runtime, model, threads):
    py = venv_python(RUNTIMES[runtime][0])
    p = subprocess.Popen([py, "-c", script_for(runtime, WORKER), model, str(threads)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline().split()
    if not line or line[0] != "ready":
        err = p.stderr.read()
        p.kill()
        raise RuntimeError(err.strip().splitlines()[-1][-300:] if err.strip() else "worker died")
    return p, line[1]


def latency(model, runtimes, threads, rounds, slice_ms):
    """runtime -> median seconds; runtime -> error; the model's kind (float/int8) as slimrt sees it."""
    workers, times, failed, kind = {}, {r: [] for r in runtimes}, {}, None
    for r in runtimes:
        try:
            workers[r], k = start_worker(r, model, threads)
            if kind is None or r == "slimrt":
                kind = k
        except RuntimeError as e:
            failed[r] = str(e)
    for _ in range(rounds):
        for r, p in workers.items():
            p.stdin.write("%g\n" % slice_ms)
            p.stdin.flush()
            times[r].extend(json.loads(p.stdout.readline()))
    for p in workers.values():
        p.stdin.write("0\n")
        p.stdin.flush()
        p.wait()
    return {r: statistics.median(t) for r, t in times.items() if t}, failed, kind or "?"


def startup(model, runtime, threads, repeats):
    py = venv_python(RUNTIMES[runtime][0])
    secs, rss = [], []
    for _ in range(repeats):
        out = subprocess.run([py, "-c", script_for(runtime, STARTUP), model, str(threads)], capture_output=True,
                             text=True)
        if out.returncode != 0:
            return None
        s, kb = out.stdout.split()
        secs.append(float(s))
        rss.append(int(kb))
    return statistics.median(secs), max(rss)


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def summary(rows, runtimes, threads):
    """The goal's geometric means: float slimrt/xnnpack; int8 slimrt/builtin and slimrt/xnnpack."""
    out = {}
    for kind, others in (("float", ["litert-xnnpack", "litert-builtin"]), ("int8", ["litert-builtin",
                                                                                     "litert-xnnpack"])):
        for o in others:
            if o not in runtimes or "slimrt" not in runtimes:
                continue
            ratios = [r["median_s"]["slimrt"] / r["median_s"][o] for r in rows
                      if r["kind"] == kind and "slimrt" in r["median_s"] and o in r["median_s"]]
            if ratios:
                out["%s slimrt/%s" % (kind, SHORT[o])] = (geomean(ratios), len(ratios))
    print("geomean (%d thread%s): %s" % (threads, "" if threads == 1 else "s", "   ".join(
        "%s %.2fx (%d models)" % (k, v, n) for k, (v, n) in out.items())), flush=True)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="*", help="model paths (default: shared models + zoo float32/int8)")
    ap.add_argument("--runtimes", nargs="*", default=DEFAULT_RUNTIMES, choices=list(RUNTIMES))
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts (default: 1 2)")
    ap.add_argument("--rounds", type=int, default=15, help="interleaved rounds per model (default 15)")
    ap.add_argument("--slice-ms", type=float, default=30, help="invoke time per runtime per round (default 30)")
    ap.add_argument("--startup-repeats", type=int, default=5, help="fresh processes per start-up figure (0: skip)")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    models = args.models or default_models()
    others = [r for r in args.runtimes if r != "slimrt"]
    results = {"models": {}, "geomean": {}, "startup": {}}

    for threads in args.threads:
        print("\nmedian invoke latency, ms (%d thread%s; %d interleaved rounds of %g ms per runtime)" % (
            threads, "" if threads == 1 else "s", args.rounds, args.slice_ms))
        print("%-34s %-5s" % ("model", "kind") + "".join("%10s" % SHORT[r] for r in args.runtimes) +
              ("".join("%16s" % ("slimrt/" + SHORT[r]) for r in others) if "slimrt" in args.runtimes else ""))
        rows = []
        for m in models:
            med, failed, kind = latency(m, args.runtimes, threads, args.rounds, args.slice_ms)
            row = {"kind": kind, "median_s": med, "failed": failed}
            rows.append(row)
            results["models"].setdefault(os.path.basename(m), {})[str(threads)] = row
            line = "%-34s %-5s" % (os.path.basename(m)[:34], kind)
            line += "".join("%10s" % ("%.3f" % (med[r] * 1e3) if r in med else "fail") for r in args.runtimes)
            if "slimrt" in med:
                line += "".join("%16s" % ("%.2fx" % (med["slimrt"] / med[r]) if r in med else "-") for r in others)
            print(line, flush=True)
            for r, e in failed.items():
                print("    %s cannot run it: %s" % (r, e))
        results["geomean"][str(threads)] = summary(rows, args.runtimes, threads)

    if len(args.threads) > 1:
        t0, t1 = str(args.threads[0]), str(args.threads[-1])
        print("\nspeed-up from %s to %s threads (median latency ratio)" % (t0, t1))
        print("%-34s" % "model" + "".join("%10s" % SHORT[r] for r in args.runtimes))
        for name, by_t in results["models"].items():
            a, b = by_t[t0]["median_s"], by_t[t1]["median_s"]
            print("%-34s" % name[:34] + "".join("%10s" % ("%.2fx" % (a[r] / b[r]) if r in a and r in b else "-")
                                                 for r in args.runtimes))

    if args.startup_repeats > 0:
        print("\nstart-up: import + load + allocate + first invoke (median of %d fresh processes), peak RSS"
              % args.startup_repeats)
        print("%-34s %-16s %12s %12s" % ("model", "runtime", "seconds", "peak MB"))
        for m in models:
            for r in args.runtimes:
                if r == "litert-builtin":
                    continue
                res = startup(m, r, args.threads[0], args.startup_repeats)
                results["startup"].setdefault(os.path.basename(m), {})[r] = res
                print("%-34s %-16s %12s %12s" % (os.path.basename(m)[:34], r, "%.3f" % res[0] if res else "fail",
                                                 "%.1f" % (res[1] / 1024) if res else "-"), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
