"""A minimal, engine-independent FlatBuffers reader/patcher for .tflite files (test helper only).

Reads tables, vectors and scalars by the schema's field ids and returns byte positions so that the hostile
tests can patch values in place (no rebuilding, no flatbuffers package needed).

Field ids (tflite schema): Model: 0 version, 1 operator_codes, 2 subgraphs, 3 description, 4 buffers;
SubGraph: 0 tensors, 1 inputs, 2 outputs, 3 operators, 4 name; Tensor: 0 shape, 1 type, 2 buffer, 3 name;
Operator: 0 opcode_index, 1 inputs, 2 outputs, 3 builtin_options_type, 4 builtin_options;
OperatorCode: 0 deprecated_builtin_code (int8), 1 custom_code, 2 version, 3 builtin_code (int32);
Buffer: 0 data.
"""
from __future__ import annotations

import struct

MODEL_OPCODES, MODEL_SUBGRAPHS, MODEL_BUFFERS = 1, 2, 4
SG_TENSORS, SG_INPUTS, SG_OUTPUTS, SG_OPERATORS = 0, 1, 2, 3
T_SHAPE, T_TYPE, T_BUFFER, T_NAME = 0, 1, 2, 3
OP_OPCODE, OP_INPUTS, OP_OUTPUTS, OP_OPTIONS_TYPE, OP_OPTIONS = 0, 1, 2, 3, 4
BUF_DATA = 0

def _builtin_names() -> dict:
    """Builtin op code -> name, from the engine's one op list (src/engine/ops/op_list.def)."""
    import re
    from pathlib import Path
    text = (Path(__file__).resolve().parents[2] / "src" / "engine" / "ops" / "op_list.def").read_text()
    return {int(c): n for n, c in re.findall(r"^SLIMRT_(?:OP|NAME_ONLY)\((\w+), (\d+)\)", text, re.M)}


BUILTIN_NAMES = _builtin_names()


class Table:
    def __init__(self, buf: bytes, pos: int):
        self.buf, self.pos = buf, pos
        self.vt = pos - struct.unpack_from("<i", buf, pos)[0]
        self.vt_size = struct.unpack_from("<H", buf, self.vt)[0]

    def field_pos(self, fid: int):
        """Absolute position of field `fid`, or None when absent (the schema default applies)."""
        off_at = self.vt + 4 + 2 * fid
        if off_at + 2 > self.vt + self.vt_size:
            return None
        off = struct.unpack_from("<H", self.buf, off_at)[0]
        return self.pos + off if off else None

    def vtable_entry_pos(self, fid: int):
        off_at = self.vt + 4 + 2 * fid
        return off_at if off_at + 2 <= self.vt + self.vt_size else None

    def scalar(self, fid: int, fmt: str, default=0):
        p = self.field_pos(fid)
        return default if p is None else struct.unpack_from("<" + fmt, self.buf, p)[0]

    def _deref(self, fid: int):
        p = self.field_pos(fid)
        return None if p is None else p + struct.unpack_from("<I", self.buf, p)[0]

    def table(self, fid: int):
        p = self._deref(fid)
        return None if p is None else Table(self.buf, p)

    def vector(self, fid: int):
        """(position of the length word, position of element 0, length) or None."""
        p = self._deref(fid)
        if p is None:
            return None
        return p, p + 4, struct.unpack_from("<I", self.buf, p)[0]

    def tables(self, fid: int) -> list:
        v = self.vector(fid)
        if v is None:
            return []
        _, start, n = v
        return [Table(self.buf, start + 4 * i + struct.unpack_from("<I", self.buf, start + 4 * i)[0])
                for i in range(n)]

    def ints(self, fid: int) -> list:
        v = self.vector(fid)
        if v is None:
            return []
        _, start, n = v
        return list(struct.unpack_from(f"<{n}i", self.buf, start))

    def string(self, fid: int):
        v = self.vector(fid)
        if v is None:
            return None
        _, start, n = v
        return self.buf[start:start + n].decode("utf-8", "replace")


def root(buf: bytes) -> Table:
    return Table(buf, struct.unpack_from("<I", buf, 0)[0])


TENSOR_TYPES = {0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 5: "string", 6: "bool", 7: "int16",
                8: "complex64", 9: "int8", 10: "float64", 11: "complex128", 12: "uint64", 13: "resource",
                14: "variant", 15: "uint32", 16: "uint16", 17: "int4"}


def op_uses(buf: bytes) -> list:
    """(op name, version, type of input 0 or "-") for every operator of every subgraph."""
    m = root(buf)
    codes = []
    for c in m.tables(MODEL_OPCODES):
        code = max(c.scalar(0, "b"), c.scalar(3, "i"))
        name = BUILTIN_NAMES.get(code, f"BUILTIN_{code}")
        codes.append((f"CUSTOM:{c.string(1)}" if name == "CUSTOM" else name, c.scalar(2, "i", 1)))
    out = []
    for sg in m.tables(MODEL_SUBGRAPHS):
        tensors = sg.tables(SG_TENSORS)
        for op in sg.tables(SG_OPERATORS):
            name, version = codes[op.scalar(OP_OPCODE, "I")]
            ins = op.ints(OP_INPUTS)
            t = TENSOR_TYPES.get(tensors[ins[0]].scalar(T_TYPE, "b"), "?") if ins and ins[0] >= 0 else "-"
            out.append((name, version, t))
    return out


def opcode_names(buf: bytes) -> list:
    out = []
    for c in root(buf).tables(MODEL_OPCODES):
        code = max(c.scalar(0, "b"), c.scalar(3, "i"))
        name = BUILTIN_NAMES.get(code, f"BUILTIN_{code}")
        if name == "CUSTOM":
            name = f"CUSTOM:{c.string(1)}"
        out.append(name)
    return out
