"""Runs models (hostile cases, or a crash pre-check of the test models) in a child process (so a crash kills this process, not pytest).

    python hostile_runner.py MANIFEST START   # MANIFEST: JSON list of {"path": ...}; start at case index START

Prints one line per case: ``BEGIN <i>`` before trying it, then ``END <i> <json>`` with the outcome:
{"stage": "construct"|"allocate"|"invoke"|"ok", "exc": exception type or null, "msg": ...}.
"""
import gc
import json
import sys

from slimrt.interpreter import Interpreter


def zero(d):
    import numpy as np
    return np.zeros([int(x) for x in d["shape"]], dtype=d["dtype"])


def run(path):
    """Outcome of one model; the interpreter is destroyed (and garbage collected) before returning, so heap
    damage it did shows up inside this case, not in the next one."""
    res = _run(path)
    gc.collect()
    return res


def _run(path):
    stage = "construct"
    try:
        it = Interpreter(model_path=path)
        stage = "allocate"
        it.allocate_tensors()
        stage = "invoke"
        set_error = None
        for d in it.get_input_details():
            try:
                it.set_tensor(d["index"], zero(d))
            except Exception as e:  # noqa: BLE001 - still invoke: whatever the memory holds must not crash
                set_error = e
        it.invoke()
        if set_error is not None:
            raise set_error
        for d in it.get_output_details():
            it.get_tensor(d["index"])
        return {"stage": "ok", "exc": None, "msg": ""}
    except Exception as e:  # noqa: BLE001 - the parent judges the type
        kind = "ValueError" if isinstance(e, ValueError) else "RuntimeError" if isinstance(e, RuntimeError) \
            else type(e).__name__
        return {"stage": stage, "exc": kind, "type": type(e).__name__, "msg": str(e)[:300]}


def main():
    manifest, start = sys.argv[1], int(sys.argv[2])
    cases = json.load(open(manifest))
    for i in range(start, len(cases)):
        print(f"BEGIN {i}", flush=True)
        res = run(cases[i]["path"])
        print(f"END {i} {json.dumps(res)}", flush=True)


if __name__ == "__main__":
    main()
