#!/usr/bin/env python3
"""Compare slimrt with the official TFLite runtimes on the same models, in the same run.

Runtimes (each in its own venv under .cache/bench/, created on first use from PyPI):
  slimrt          this checkout's build (the Python running this script must have it installed: make dev)
  litert-xnnpack  ai-edge-litert 2.3.0, default kernels (XNNPACK delegate)
  litert-builtin  ai-edge-litert 2.3.0, OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
  tflite-2.14     tflite-runtime 2.14.0 (needs numpy < 2), default kernels

Latency: one long-lived worker process per runtime; rounds are interleaved (each round asks every runtime for
a few invokes in turn), so machine noise hits all runtimes alike. Reported: median invoke latency and the ratio
of slimrt to each runtime. Start-up: fresh processes timing `import` + load + allocate + first invoke (numpy
already imported), and their peak RSS (ru_maxrss).

    python bench/compare_runtimes.py [--models a.tflite ...] [--threads 1] [--rounds 15] [--per-round 4]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, ".cache", "bench")
MODELS = os.path.join(ROOT, "tests", "data", "models")
DEFAULT_MODELS = ["hand_recrop.tflite", "face_detection_short_range.tflite", "hand_landmark_lite.tflite"]

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
    print("ready", flush=True)
    for line in sys.stdin:
        n = int(line)
        if n <= 0:
            break
        times = []
        for _ in range(n):
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
    return template.format(import_line=import_line, ctor=ctor.replace("MODEL", "MODEL").replace("THREADS", "THREADS"))


def start_worker(runtime, model, threads):
    py = venv_python(RUNTIMES[runtime][0])
    p = subprocess.Popen([py, "-c", script_for(runtime, WORKER), model, str(threads)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline().strip()
    if line != "ready":
        err = p.stderr.read()
        p.kill()
        raise RuntimeError("%s failed on %s: %s" % (runtime, os.path.basename(model), err.strip()[-400:]))
    return p


def latency(model, runtimes, threads, rounds, per_round):
    workers, times, failed = {}, {r: [] for r in runtimes}, {}
    for r in runtimes:
        try:
            workers[r] = start_worker(r, model, threads)
        except RuntimeError as e:
            failed[r] = str(e)
    for _ in range(rounds):
        for r, p in workers.items():
            p.stdin.write("%d\n" % per_round)
            p.stdin.flush()
            times[r].extend(json.loads(p.stdout.readline()))
    for p in workers.values():
        p.stdin.write("0\n")
        p.stdin.flush()
        p.wait()
    return {r: statistics.median(t) for r, t in times.items() if t}, failed


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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="*", help="model paths (default: the three float test models)")
    ap.add_argument("--runtimes", nargs="*", default=list(RUNTIMES), choices=list(RUNTIMES))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--per-round", type=int, default=4)
    ap.add_argument("--startup-repeats", type=int, default=5)
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    models = args.models or [os.path.join(MODELS, m) for m in DEFAULT_MODELS]
    results = {}

    print("median invoke latency, ms (%d thread%s; %d interleaved rounds x %d invokes)" % (
        args.threads, "" if args.threads == 1 else "s", args.rounds, args.per_round))
    others = [r for r in args.runtimes if r != "slimrt"]
    header = "%-36s" % "model" + "".join("%16s" % r for r in args.runtimes) + \
             "".join("%18s" % ("slimrt/" + r) for r in others if "slimrt" in args.runtimes)
    print(header)
    for m in models:
        med, failed = latency(m, args.runtimes, args.threads, args.rounds, args.per_round)
        results[os.path.basename(m)] = {"median_s": med, "failed": failed}
        row = "%-36s" % os.path.basename(m)
        row += "".join("%16s" % ("%.3f" % (med[r] * 1e3) if r in med else "fail") for r in args.runtimes)
        if "slimrt" in med:
            row += "".join("%18s" % ("%.2fx" % (med["slimrt"] / med[r]) if r in med else "-") for r in others)
        print(row, flush=True)
        for r, e in failed.items():
            print("    %s: %s" % (r, e))

    print("\nstart-up: import + load + allocate + first invoke (median of %d fresh processes), peak RSS"
          % args.startup_repeats)
    print("%-36s %-16s %12s %12s" % ("model", "runtime", "seconds", "peak MB"))
    for m in models:
        for r in args.runtimes:
            if r == "litert-builtin":
                continue
            res = startup(m, r, args.threads, args.startup_repeats)
            results[os.path.basename(m)].setdefault("startup", {})[r] = res
            print("%-36s %-16s %12s %12s" % (os.path.basename(m), r, "%.3f" % res[0] if res else "fail",
                                             "%.1f" % (res[1] / 1024) if res else "-"), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
