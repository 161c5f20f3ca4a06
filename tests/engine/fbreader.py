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

BUILTIN_NAMES = {0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D",
                 6: "DEQUANTIZE", 7: "EMBEDDING_LOOKUP", 9: "FULLY_CONNECTED", 14: "LOGISTIC",
                 17: "MAX_POOL_2D", 18: "MUL", 19: "RELU", 21: "RELU6", 22: "RESHAPE", 25: "SOFTMAX",
                 32: "CUSTOM", 34: "PAD", 40: "MEAN", 41: "SUB", 45: "STRIDED_SLICE", 54: "PRELU",
                 102: "SPLIT_V", 114: "QUANTIZE", 142: "VAR_HANDLE", 143: "READ_VARIABLE",
                 144: "ASSIGN_VARIABLE", 129: "CALL_ONCE"}


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


def opcode_names(buf: bytes) -> list:
    out = []
    for c in root(buf).tables(MODEL_OPCODES):
        code = max(c.scalar(0, "b"), c.scalar(3, "i"))
        name = BUILTIN_NAMES.get(code, f"BUILTIN_{code}")
        if name == "CUSTOM":
            name = f"CUSTOM:{c.string(1)}"
        out.append(name)
    return out
