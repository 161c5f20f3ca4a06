"""Single-op probe models cut out of a zoo model, so that the census sees *every* op a model needs, not only the
first one slimrt stops at. Runs in the refenv (flatbuffers + ai-edge-litert's schema module), called by
zoo_refs.py; the census (scripts/zoo.py) loads each probe in slimrt.

A probe is one operator of the model with its tensors: constant inputs keep their buffers, the other inputs
become graph inputs, its outputs graph outputs. One probe per distinct signature (op, version, input types).
Ops that call subgraphs (WHILE, IF, CALL_ONCE) or work on resource variables are not cut out: the whole-model
run speaks for them.
"""
from __future__ import annotations

import json
from pathlib import Path

NOT_PROBED = {"WHILE", "IF", "CALL_ONCE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "STABLEHLO_COMPOSITE"}


def _op_name(s, names, code) -> str:
    b = max(code.builtinCode, code.deprecatedBuiltinCode)
    name = names.get(b, str(b))
    if name == "CUSTOM":
        cc = code.customCode
        name = "CUSTOM:" + (cc.decode(errors="replace") if isinstance(cc, bytes) else str(cc or ""))
    return name


def _probe(s, m, g, op) -> bytes:
    import copy

    import flatbuffers
    tensors, buffers, remap = [], [s.BufferT()], {}
    inputs = []

    def add(t: int) -> int:
        if t < 0:
            return t
        if t not in remap:
            src = g.tensors[t]
            tt = copy.copy(src)
            data = m.buffers[src.buffer].data if 0 < src.buffer < len(m.buffers) else None
            if data is not None and len(data):
                buffers.append(m.buffers[src.buffer])
                tt.buffer = len(buffers) - 1
            else:
                tt.buffer = 0
                if not src.isVariable:
                    inputs.append(len(tensors))
            tensors.append(tt)
            remap[t] = len(tensors) - 1
        return remap[t]
    new = copy.copy(op)
    new.inputs = [add(int(t)) for t in op.inputs] if op.inputs is not None else []
    new.outputs = [add(int(t)) for t in op.outputs] if op.outputs is not None else []
    inputs = [i for i in inputs if i not in new.outputs]
    code = copy.copy(m.operatorCodes[op.opcodeIndex])
    new.opcodeIndex = 0
    sg = s.SubGraphT()
    sg.tensors, sg.inputs, sg.outputs, sg.operators, sg.name = tensors, inputs, list(new.outputs), [new], "probe"
    pm = s.ModelT()
    pm.version, pm.operatorCodes, pm.subgraphs, pm.buffers = 3, [code], [sg], buffers
    pm.description = "slim zoo probe"
    b = flatbuffers.Builder(1 << 16)
    b.Finish(pm.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def write_probes(model_bytes: bytes, out: Path) -> dict:
    """Write <out>/probe_<n>.tflite, one per op signature; returns {signature: file name or reason}."""
    from ai_edge_litert import schema_py_generated as s
    names = {v: k for k, v in vars(s.BuiltinOperator).items() if not k.startswith("_")}
    types = {v: k.lower() for k, v in vars(s.TensorType).items() if not k.startswith("_")}
    m = s.ModelT.InitFromObj(s.Model.GetRootAsModel(model_bytes, 0))
    out.mkdir(parents=True, exist_ok=True)
    probes = {}
    for g in m.subgraphs:
        for op in g.operators or []:
            code = m.operatorCodes[op.opcodeIndex]
            name = _op_name(s, names, code)
            ins = [types.get(g.tensors[t].type, "?") if t >= 0 else "-" for t in (op.inputs if op.inputs is not None else [])]
            sig = f"{name} v{code.version} {ins[0] if ins else '-'}"
            key = f"{sig} ({','.join(ins)})"
            if key in probes:
                continue
            if name in NOT_PROBED:
                probes[key] = {"signature": sig, "file": None, "why": "calls subgraphs / resource variables"}
                continue
            try:
                data = _probe(s, m, g, op)
            except Exception as e:  # noqa: BLE001 - a probe is a convenience, never a failure
                probes[key] = {"signature": sig, "file": None, "why": f"{type(e).__name__}: {e}"}
                continue
            f = f"probe_{len(probes):03d}.tflite"
            (out / f).write_bytes(data)
            probes[key] = {"signature": sig, "file": f}
    (out / "probes.json").write_text(json.dumps(probes, indent=1, sort_keys=True) + "\n")
    return probes
