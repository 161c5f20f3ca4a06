"""Command line: ``python -m slimrt bench MODEL [--threads N] [--runs N] [--warmup N]``.

Like TFLite's benchmark_model: loads the model, fills inputs with seeded random data, runs it, and prints
the total latency (min/median/mean) and a per-op-type profile table.
"""

import argparse
import random
import statistics
import sys
import time


def _fill_inputs(interp, seed):
    from .interpreter import _TYPES
    rng = random.Random(seed)
    engine = interp._engine
    for index in engine.subgraph_info(0)[1]:
        name, type_code, shape = engine.tensor_info(0, index)[:3]
        type_name, fmt = _TYPES[type_code]
        count = 1
        for d in shape:
            count *= d
        import array
        if type_name == "float32":
            data = array.array("f", (rng.uniform(-1.0, 1.0) for _ in range(count)))
        elif fmt in ("b", "B", "h", "H", "i", "I", "q", "Q"):
            bits = array.array(fmt).itemsize * 8
            lo, hi = (0, 2 ** bits - 1) if fmt.isupper() else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
            data = array.array(fmt, (rng.randint(lo, hi) for _ in range(count)))
        else:
            raise SystemExit("bench: cannot generate inputs of type %s (input '%s')" % (type_name, name))
        engine.set_tensor(0, index, memoryview(data).cast("B"))


def bench(argv):
    p = argparse.ArgumentParser(prog="python -m slimrt bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="path to a .tflite model")
    p.add_argument("--threads", type=int, default=1, help="num_threads for the interpreter (default 1)")
    p.add_argument("--runs", type=int, default=50, help="timed invokes (default 50)")
    p.add_argument("--warmup", type=int, default=3, help="untimed invokes first (default 3)")
    p.add_argument("--seed", type=int, default=0, help="seed for the random inputs")
    p.add_argument("--top", type=int, default=20, help="rows in the per-op table (default 20)")
    args = p.parse_args(argv)
    if args.runs < 1:
        p.error("--runs must be >= 1")

    from .interpreter import Interpreter
    t0 = time.perf_counter()
    interp = Interpreter(model_path=args.model, num_threads=args.threads)
    interp.allocate_tensors()
    t_load = time.perf_counter() - t0
    _fill_inputs(interp, args.seed)
    t0 = time.perf_counter()
    interp.invoke()
    t_first = time.perf_counter() - t0
    for _ in range(args.warmup):
        interp.invoke()
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        interp.invoke()
        times.append(time.perf_counter() - t0)

    # Per-op profile: each node's median over the profiled invokes (robust to a busy machine), summed by op type.
    engine = interp._engine
    profiled_runs = min(args.runs, 30)
    per_node = {}
    for _ in range(profiled_runs):
        engine.set_profiling(True)  # (clears the previous invoke's timings)
        interp.invoke()
        for sg, node, op, seconds in engine.timings():
            per_node.setdefault((sg, node, op), []).append(seconds)
    engine.set_profiling(False)
    per_type, count = {}, {}
    for (_sg, _node, op), secs in per_node.items():
        per_type[op] = per_type.get(op, 0.0) + statistics.median(secs)
        count[op] = count.get(op, 0) + 1
    total = sum(per_type.values()) or 1.0

    ms = lambda s: "%.3f" % (s * 1e3)
    print("model: %s   threads: %d   arena: %.1f KB" % (args.model, args.threads, engine.subgraph_info(0)[5] / 1024))
    print("load+allocate: %s ms   first invoke: %s ms" % (ms(t_load), ms(t_first)))
    print("invoke over %d runs: min %s ms   median %s ms   mean %s ms" % (
        args.runs, ms(min(times)), ms(statistics.median(times)), ms(statistics.mean(times))))
    print()
    print("%-24s %6s %12s %8s" % ("op type", "nodes", "ms/invoke", "share"))
    for op, s in sorted(per_type.items(), key=lambda kv: -kv[1])[:args.top]:
        print("%-24s %6d %12s %7.1f%%" % (op, count[op], ms(s), 100 * s / total))
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m slimrt bench MODEL [--threads N] [--runs N]\n\n"
              "commands:\n  bench   time a model: total latency and per-op-type profile")
        return 0
    if argv[0] == "bench":
        return bench(argv[1:])
    print("python -m slimrt: unknown command %r (try --help)" % argv[0], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
