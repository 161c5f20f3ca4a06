#!/usr/bin/env python3
"""slim smoke child: run a .tflite model once from a fresh interpreter and dump its outputs.

Self-contained on purpose: standard library only, numpy optional, Python 3.8+.
It is copied into / run by *any* Python: the host's, an aarch64 CPython under
qemu-user, a Windows CPython under wine.  Nothing from the ``slim`` package is
imported here.

Usage::

    python -I -S smoke_child.py MODEL OUTDIR [--seed N] [--invokes K]
        [--interpreter auto|slimrt|tflite_runtime|ai_edge_litert]
        [--path DIR ...] [--trace]

* ``--path`` directories (the candidate trees: unpacked wheels) are put at the
  front of ``sys.path`` in the order given, through ``site.addsitedir`` so their
  ``.pth`` files work like in a real install.  The host runs the child with
  ``-I -S`` so no site-packages, user site or PYTHON* variables leak in.
* Inputs come from ``random.Random(seed)`` (never numpy's RNG), so they are the
  same on every platform, with or without numpy.  For each invoke, for each
  input in order: floats uniform in [-1, 1]; integer and quantized inputs
  uniform over the whole dtype range; bool 0/1.
* The model is run ``--invokes`` times (a stateful model gets the same
  sequence every run, since each run is a fresh interpreter).
* Output ``j`` of invoke ``k`` is written as ``OUTDIR/out_{k*n_outputs+j}.npy``
  (so with one invoke: ``out_0.npy``, ``out_1.npy``...).  With numpy present
  ``numpy.save`` writes it; without numpy (only slimrt can run then) the .npy
  file is written by hand from the memoryview that ``get_tensor`` returns.
* One JSON line prefixed ``SLIM_SMOKE_RESULT `` is printed on stdout.
  Exit code 0 on success; on failure the error goes to stderr and the exit
  code is 1 (model error), 2 (usage) or 3 (no interpreter importable).
* ``--trace`` also writes ``OUTDIR/trace.json``: files opened (audit hook) and
  files mapped (/proc/self/maps, where it exists).  An ordering hint only.
"""
import json
import os
import random
import struct
import sys
import time

RESULT_PREFIX = "SLIM_SMOKE_RESULT "

# dtype name -> (struct/array typecode, numpy .npy descr, min, max) ; None range = float
DTYPES = {
    "float32": ("f", "<f4", None, None),
    "float64": ("d", "<f8", None, None),
    "float16": ("e", "<f2", None, None),
    "int8": ("b", "|i1", -128, 127),
    "uint8": ("B", "|u1", 0, 255),
    "int16": ("h", "<i2", -32768, 32767),
    "uint16": ("H", "<u2", 0, 65535),
    "int32": ("i", "<i4", -2 ** 31, 2 ** 31 - 1),
    "uint32": ("I", "<u4", 0, 2 ** 32 - 1),
    "int64": ("q", "<i8", -2 ** 63, 2 ** 63 - 1),
    "uint64": ("Q", "<u8", 0, 2 ** 64 - 1),
    "bool": ("?", "|b1", 0, 1),
}
# memoryview format -> dtype name (for outputs without numpy)
FORMATS = {"f": "float32", "d": "float64", "e": "float16", "b": "int8", "B": "uint8",
           "h": "int16", "H": "uint16", "i": "int32", "I": "uint32", "l": "int64",
           "L": "uint64", "q": "int64", "Q": "uint64", "?": "bool"}


def dtype_name(dtype):
    """Normalise a dtype from input_details (numpy type, np.dtype or string) to 'float32' etc."""
    name = getattr(dtype, "__name__", None)
    if name is None:
        name = getattr(dtype, "name", None)
    if name is None:
        name = str(dtype)
    name = name.replace("numpy.", "").replace("<class '", "").replace("'>", "").strip()
    if name in ("bool_", "bool8"):
        name = "bool"
    return name


def parse_args(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="smoke_child.py",
                                 description="Run a .tflite model with random seeded inputs and dump outputs.")
    ap.add_argument("model")
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--invokes", type=int, default=2)
    ap.add_argument("--interpreter", default="auto",
                    choices=["auto", "slimrt", "tflite_runtime", "ai_edge_litert"])
    ap.add_argument("--path", action="append", default=[], metavar="DIR")
    ap.add_argument("--trace", action="store_true")
    return ap.parse_args(argv)


def add_paths(paths):
    import site
    before = list(sys.path)
    for p in paths:
        site.addsitedir(p)
    added = [p for p in sys.path if p not in before]
    rest = [p for p in sys.path if p in before]
    # the candidate trees first, in the order given, then the stdlib
    ordered = []
    for p in paths:
        for q in added:
            if q == p or q == os.path.abspath(p):
                ordered.append(q)
    ordered += [q for q in added if q not in ordered]
    sys.path[:] = ordered + rest


def import_interpreter(which):
    order = ["slimrt", "tflite_runtime", "ai_edge_litert"] if which == "auto" else [which]
    errors = []
    for name in order:
        try:
            if name == "slimrt":
                try:
                    from slimrt.interpreter import Interpreter
                except ImportError as e:
                    if getattr(e, "name", None) not in ("slimrt.interpreter",):
                        raise
                    from slimrt import Interpreter
            elif name == "tflite_runtime":
                from tflite_runtime.interpreter import Interpreter
            else:
                from ai_edge_litert.interpreter import Interpreter
            return name, Interpreter
        except ImportError as e:
            # a package that is present but broken is an error, not "try the next one"
            top = (getattr(e, "name", None) or "").split(".")[0]
            if which != "auto" or top != name:
                raise
            errors.append("%s: %s" % (name, e))
    raise ImportError("no interpreter found (" + "; ".join(errors) + ")")


def make_values(rng, dtype, count):
    info = DTYPES.get(dtype)
    if info is None:
        raise TypeError("unsupported input dtype %r" % dtype)
    lo, hi = info[2], info[3]
    if lo is None:
        u = rng.random
        return [u() * 2.0 - 1.0 for _ in range(count)]
    if dtype == "bool":
        return [rng.random() < 0.5 for _ in range(count)]
    r = rng.randrange
    return [r(lo, hi + 1) for _ in range(count)]


def to_buffer(values, dtype, shape):
    code = DTYPES[dtype][0]
    raw = struct.pack("<%d%s" % (len(values), code), *values)
    mv = memoryview(bytearray(raw)).cast("B")
    if code == "e":  # memoryview cannot cast to half floats on old Pythons; slimrt reads the bytes
        return mv
    return mv.cast(code, list(shape)) if shape else mv.cast(code)


def write_npy(path, mv, dtype, shape):
    descr = DTYPES[dtype][1]
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, "".join("%d, " % d for d in shape) if len(shape) != 1 else "%d," % shape[0])
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    data = mv.tobytes()
    if sys.byteorder == "big" and DTYPES[dtype][1][0] == "<":
        import array
        a = array.array(DTYPES[dtype][0] if DTYPES[dtype][0] != "q" else "q")
        a.frombytes(data)
        a.byteswap()
        data = a.tobytes()
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        f.write(data)


class Tracer:
    def __init__(self):
        self.opened = set()

    def hook(self, event, args):
        if event == "open" and args and isinstance(args[0], str):
            self.opened.add(args[0])
        elif event == "ctypes.dlopen" and args and isinstance(args[0], str):
            self.opened.add(args[0])

    def dump(self, path):
        mapped = set()
        try:
            with open("/proc/self/maps") as f:
                for line in f:
                    parts = line.split(None, 5)
                    if len(parts) == 6 and parts[5].startswith("/"):
                        mapped.add(parts[5].strip())
        except OSError:
            pass
        files = set(self.opened) | mapped
        for m in list(sys.modules.values()):
            fn = getattr(m, "__file__", None)
            if isinstance(fn, str):
                files.add(fn)
        with open(path, "w") as f:
            json.dump(sorted(os.path.abspath(p) for p in files), f)


def run(args):
    t0 = time.time()
    # never import from this script's directory (it sits next to slim's own modules)
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    tracer = None
    if args.trace:
        tracer = Tracer()
        sys.addaudithook(tracer.hook)
    add_paths(args.path)
    try:
        import numpy as np
    except ImportError:
        np = None
    try:
        kind, Interpreter = import_interpreter(args.interpreter)
    except ImportError as e:
        sys.stderr.write("import error: %s\n" % e)
        return 3
    try:
        interp = Interpreter(model_path=args.model, num_threads=1)
    except TypeError:
        interp = Interpreter(model_path=args.model)
    interp.allocate_tensors()
    ins = interp.get_input_details()
    outs = interp.get_output_details()
    rng = random.Random(args.seed)
    summary_out = []
    n = 0
    for k in range(args.invokes):
        for d in ins:
            dt = dtype_name(d["dtype"])
            shape = [int(x) for x in d["shape"]]
            count = 1
            for x in shape:
                count *= x
            vals = make_values(rng, dt, count)
            if np is not None:
                arr = np.array(vals, dtype=dt).reshape(shape)
            else:
                arr = to_buffer(vals, dt, shape)
            interp.set_tensor(d["index"], arr)
        interp.invoke()
        for d in outs:
            t = interp.get_tensor(d["index"])
            path = os.path.join(args.outdir, "out_%d.npy" % n)
            if np is not None and hasattr(t, "dtype"):
                np.save(path, np.asarray(t))
                dt, shape = str(t.dtype), [int(x) for x in t.shape]
            else:
                mv = memoryview(t)
                dt = FORMATS.get(mv.format.lstrip("<=@"), None) or dtype_name(d["dtype"])
                shape = list(mv.shape) if mv.shape is not None else [int(x) for x in d["shape"]]
                write_npy(path, mv, dt, shape)
            if k == 0:
                summary_out.append({"name": d.get("name"), "dtype": dt, "shape": shape})
            n += 1
    if tracer is not None:
        tracer.dump(os.path.join(args.outdir, "trace.json"))
    mod = sys.modules.get(Interpreter.__module__)
    summary = {
        "ok": True,
        "interpreter": kind,
        "module_file": getattr(mod, "__file__", None),
        "numpy": getattr(np, "__version__", None) if np is not None else None,
        "python": sys.version.split()[0],
        "platform": sys.platform,
        "inputs": [{"name": d.get("name"), "dtype": dtype_name(d["dtype"]),
                    "shape": [int(x) for x in d["shape"]]} for d in ins],
        "outputs": summary_out,
        "n_outputs": len(outs),
        "invokes": args.invokes,
        "files": n,
        "seconds": round(time.time() - t0, 4),
    }
    sys.stdout.write(RESULT_PREFIX + json.dumps(summary) + "\n")
    sys.stdout.flush()
    return 0


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not os.path.isdir(args.outdir):
        sys.stderr.write("OUTDIR %s is not a directory\n" % args.outdir)
        return 2
    try:
        return run(args)
    except Exception as e:  # report, do not hide: the host reads stderr
        import traceback
        traceback.print_exc()
        sys.stderr.write("smoke failed: %s: %s\n" % (type(e).__name__, e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
