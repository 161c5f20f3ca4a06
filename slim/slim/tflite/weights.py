"""Re-encode a float model's constant weights, without TensorFlow, the way TensorFlow's converter does.

``to_float16(model)``: every float32 constant that an op reads becomes a float16 constant behind a DEQUANTIZE
(version 3) op placed at the start of its subgraph; runtimes fold those at load time.

``to_int8_dynamic(model, min_elements)``: the float32 constant weights (or float16 constants behind a DEQUANTIZE) of CONV_2D, DEPTHWISE_CONV_2D and
FULLY_CONNECTED with at least ``min_elements`` values (the converter's default is 1024) become symmetric int8,
per output channel (CONV_2D and FULLY_CONNECTED along dimension 0, DEPTHWISE_CONV_2D along dimension 3), with zero
points 0; the ops become the hybrid versions the converter writes (CONV_2D 5, DEPTHWISE_CONV_2D 6,
FULLY_CONNECTED 12 with asymmetric_quantize_inputs), so activations stay float32 and biases stay float32.

Both edit a Table tree from flatbuf.read_model in place and return a summary; buffers no tensor refers to any more
are emptied, so the written model does not carry the old weights. Needs numpy.
"""
from __future__ import annotations

from typing import Dict, List

from .flatbuf import ScalarVector, Table

FLOAT32, FLOAT16, INT8 = 0, 1, 9
DEQUANTIZE, CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED = 6, 3, 4, 9
HYBRID = {  # op: (weights input, channel axis, hybrid version)
    CONV_2D: (1, 0, 5),
    DEPTHWISE_CONV_2D: (1, 3, 6),
    FULLY_CONNECTED: (1, 0, 12),
}
FULLY_CONNECTED_OPTIONS = 8  # BuiltinOptions union value


def _np():
    try:
        import numpy
    except ImportError:  # pragma: no cover - depends on the environment
        from ..errors import ToolMissing
        raise ToolMissing("slim model needs numpy (pip install numpy)") from None
    return numpy


def _buffer_data(model: Table, index: int) -> bytes:
    buffers = model.get("Buffers", [])
    if index <= 0 or index >= len(buffers):
        return b""
    d = buffers[index].get("Data")
    return d.data if d is not None else b""


def _is_float_constant(model: Table, t: Table) -> bool:
    return (t.get("Type", 0) == FLOAT32 and not t.get("IsVariable", False) and t.get("Sparsity") is None
            and len(_buffer_data(model, t.get("Buffer", 0))) > 0)


def _shape(t: Table) -> List[int]:
    s = t.get("Shape")
    return s.values() if s is not None else []


def _add_buffer(model: Table, data: bytes) -> int:
    model.setdefault("Buffers", [Table("Buffer")]).append(Table("Buffer", {"Data": ScalarVector("uint8", data)}))
    return len(model["Buffers"]) - 1


def _opcode(model: Table, builtin: int, version: int) -> int:
    codes = model.setdefault("OperatorCodes", [])
    for i, c in enumerate(codes):
        if max(c.get("DeprecatedBuiltinCode", 0), c.get("BuiltinCode", 0)) == builtin and c.get("Version", 1) == version:
            return i
    codes.append(Table("OperatorCode", {"DeprecatedBuiltinCode": min(builtin, 127), "BuiltinCode": builtin,
                                        "Version": version}))
    return len(codes) - 1


def _builtin(model: Table, op: Table) -> int:
    c = model["OperatorCodes"][op.get("OpcodeIndex", 0)]
    return max(c.get("DeprecatedBuiltinCode", 0), c.get("BuiltinCode", 0))


def _consumers(sg: Table) -> Dict[int, List[Table]]:
    out: Dict[int, List[Table]] = {}
    for op in sg.get("Operators", []):
        for t in (op.get("Inputs").values() if op.get("Inputs") is not None else []):
            if t >= 0:
                out.setdefault(t, []).append(op)
    return out


def _drop_unused_buffers(model: Table) -> None:
    used = {0}
    for sg in model.get("Subgraphs", []):
        used.update(t.get("Buffer", 0) for t in sg.get("Tensors", []))
    for m in model.get("Metadata", []):
        used.add(m.get("Buffer", 0))
    for i, b in enumerate(model.get("Buffers", [])):
        if i not in used:
            b.pop("Data", None)


def to_float16(model: Table) -> dict:
    np = _np()
    converted = 0
    for sg in model.get("Subgraphs", []):
        tensors = sg.setdefault("Tensors", [])
        consumers = _consumers(sg)
        graph_outputs = set(sg["Outputs"].values()) if sg.get("Outputs") is not None else set()
        new_ops = []
        for index in sorted(consumers):
            t = tensors[index]
            if index in graph_outputs or not _is_float_constant(model, t):
                continue
            values = np.frombuffer(_buffer_data(model, t["Buffer"]), dtype="<f4")
            half = Table("Tensor", {"Shape": t.get("Shape"), "Type": FLOAT16,
                                    "Buffer": _add_buffer(model, values.astype("<f2").tobytes()),
                                    "Name": t.get("Name", b"") + b"_fp16"})
            tensors.append(half)
            t["Buffer"] = 0
            new_ops.append(Table("Operator", {"OpcodeIndex": _opcode(model, DEQUANTIZE, 3),
                                              "Inputs": ScalarVector.of("int32", [len(tensors) - 1]),
                                              "Outputs": ScalarVector.of("int32", [index])}))
            converted += 1
        sg["Operators"] = new_ops + sg.get("Operators", [])
    _drop_unused_buffers(model)
    return {"tensors_converted": converted}


def _quantize_per_channel(np, w, axis: int):
    """Symmetric int8 per channel: scale = max|w| / 127 (1 for an all-zero channel), q = round(w / scale)."""
    moved = np.moveaxis(w.astype(np.float64), axis, 0).reshape(w.shape[axis], -1)
    amax = np.abs(moved).max(axis=1) if moved.size else np.zeros(w.shape[axis])
    scale = np.where(amax > 0, amax / 127.0, 1.0)
    q = np.clip(np.rint(moved / scale[:, None]), -127, 127).astype(np.int8)
    q = np.moveaxis(q.reshape((w.shape[axis],) + tuple(np.delete(w.shape, axis))), 0, axis)
    return np.ascontiguousarray(q), scale.astype(np.float32)


def _expand_float16(model: Table, min_elements: int) -> int:
    """For the hybrid-eligible ops whose weights are a DEQUANTIZE of a float16 constant (float16-weight models) with
    at least min_elements values: that DEQUANTIZE and the ones feeding the op's other inputs (biases) are replaced
    by the float32 constants they stand for, so int8-dynamic re-encodes the weights like a float32 model's (the
    hybrid kernels need their biases as float32 constants). Every other float16 constant stays as it is."""
    np = _np()
    expanded = 0
    for sg in model.get("Subgraphs", []):
        tensors = sg.get("Tensors", [])
        consumers = _consumers(sg)
        deq = {}  # float tensor -> (DEQUANTIZE op, float16 source) for single-use float16 constants
        for op in sg.get("Operators", []):
            ins, outs = op.get("Inputs"), op.get("Outputs")
            if _builtin(model, op) != DEQUANTIZE or ins is None or outs is None or len(ins) != 1 or len(outs) != 1:
                continue
            src, dst = ins.values()[0], outs.values()[0]
            t = tensors[src]
            if (t.get("Type") == FLOAT16 and _buffer_data(model, t.get("Buffer", 0)) and t.get("Sparsity") is None
                    and not tensors[dst].get("IsVariable") and all(c is op for c in consumers.get(src, []))):
                deq[dst] = (op, t)
        drop = []
        for op in sg.get("Operators", []):
            builtin = _builtin(model, op)
            if builtin not in HYBRID or op.get("Inputs") is None:
                continue
            inputs = op["Inputs"].values()
            w_in = HYBRID[builtin][0]
            if len(inputs) <= w_in or inputs[w_in] not in deq or len(consumers.get(inputs[w_in], [])) != 1:
                continue
            w_src = deq[inputs[w_in]][1]
            if len(_buffer_data(model, w_src["Buffer"])) // 2 < min_elements:
                continue
            for i in inputs[1:]:
                if i in deq and all(c is op for c in consumers.get(i, [])):
                    d_op, half = deq.pop(i)
                    values = np.frombuffer(_buffer_data(model, half["Buffer"]), dtype="<f2").astype("<f4")
                    tensors[i]["Buffer"] = _add_buffer(model, values.tobytes())
                    half["Buffer"] = 0
                    drop.append(d_op)
                    expanded += 1
        sg["Operators"] = [o for o in sg.get("Operators", []) if not any(o is d for d in drop)]
    return expanded


def to_int8_dynamic(model: Table, min_elements: int = 1024) -> dict:
    np = _np()
    _expand_float16(model, min_elements)
    converted, skipped = 0, 0
    for sg in model.get("Subgraphs", []):
        tensors = sg.get("Tensors", [])
        consumers = _consumers(sg)
        for op in sg.get("Operators", []):
            builtin = _builtin(model, op)
            if builtin not in HYBRID or op.get("Inputs") is None:
                continue
            w_in, axis, version = HYBRID[builtin]
            inputs = op["Inputs"].values()
            if len(inputs) <= w_in or inputs[w_in] < 0 or inputs[0] < 0:
                continue
            x, t = tensors[inputs[0]], tensors[inputs[w_in]]
            shape = _shape(t)
            if (x.get("Type", 0) != FLOAT32 or not _is_float_constant(model, t) or len(shape) <= axis
                    or any(c is not op for c in consumers.get(inputs[w_in], []))):
                continue
            w = np.frombuffer(_buffer_data(model, t["Buffer"]), dtype="<f4").reshape(shape)
            if w.size < min_elements:
                skipped += 1
                continue
            q, scale = _quantize_per_channel(np, w, axis)
            t["Type"] = INT8
            t["Buffer"] = _add_buffer(model, q.tobytes())
            t["Quantization"] = Table("QuantizationParameters", {
                "Scale": ScalarVector.of("float32", scale.tolist()),
                "ZeroPoint": ScalarVector.of("int64", [0] * len(scale)), "QuantizedDimension": axis})
            c = model["OperatorCodes"][op.get("OpcodeIndex", 0)]
            op["OpcodeIndex"] = _opcode(model, builtin, max(version, c.get("Version", 1)))
            if builtin == FULLY_CONNECTED:
                opts = op.get("BuiltinOptions") or Table("FullyConnectedOptions")
                opts["AsymmetricQuantizeInputs"] = True
                op["BuiltinOptionsType"], op["BuiltinOptions"] = FULLY_CONNECTED_OPTIONS, opts
            converted += 1
    _drop_unused_buffers(model)
    return {"tensors_converted": converted, "tensors_below_min_elements": skipped}
