"""The model builder of the generated op models: a one-subgraph .tflite under construction.

Written with the ``flatbuffers`` package and the schema module shipped in ai-edge-litert
(``ai_edge_litert.schema_py_generated``, imported, not copied), so it runs inside ``.cache/refenv``.
"""
from __future__ import annotations

import zlib

class Graph:
    """A model under construction (schema object API): subgraph 0, plus further subgraphs made with
    ``subgraph()`` (WHILE/IF/CALL bodies) that share its buffers and operator codes.

    Optional attributes a case may set: ``int_inputs`` ({input k: (lo, hi)} for seeded integer inputs) and
    ``steps`` (a run plan of several invokes on one interpreter: a list of dicts with optional ``resize``
    ({input k: shape}, before allocate_tensors), ``reset`` (reset_all_variables() first) and ``inputs``
    ("seeded" by default))."""

    def __init__(self, name: str):
        from ai_edge_litert import schema_py_generated as s
        import numpy as np
        self.s, self.np = s, np
        self.name = name
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self.tensors, self.buffers, self.ops, self.codes = [], [s.BufferT()], [], []
        self.inputs, self.outputs = [], []
        self.children = []

    def subgraph(self, name: str):
        """A further subgraph of this model: (its index, its builder)."""
        root = getattr(self, "root", self)
        if root is not self:
            return root.subgraph(name)
        child = Graph.__new__(Graph)
        child.root = root
        child.s, child.np, child.name, child.rng = self.s, self.np, name, self.rng
        child.buffers, child.codes = self.buffers, self.codes
        child.tensors, child.ops, child.inputs, child.outputs, child.children = [], [], [], [], []
        self.children.append(child)
        return len(self.children), child

    # tensors ---------------------------------------------------------------------------------
    def _tensor(self, name, shape, ttype, buffer):
        t = self.s.TensorT()
        t.name, t.shape, t.type, t.buffer = name, list(shape), ttype, buffer
        self.tensors.append(t)
        return len(self.tensors) - 1

    def input(self, shape, ttype=None, name=None, signature=None):
        """A graph input; ``signature``: its shape_signature (-1 = unknown dimension)."""
        i = self.tensor(shape, ttype, name or f"in{len(self.inputs)}", signature)
        self.inputs.append(i)
        return i

    def tensor(self, shape, ttype=None, name=None, signature=None):
        t = self._tensor(name or f"t{len(self.tensors)}", shape,
                         self.s.TensorType.FLOAT32 if ttype is None else ttype, 0)
        if signature is not None:
            self.tensors[t].shapeSignature = list(signature)
        return t

    def variable(self, shape, ttype=None, name=None):
        """A variable tensor (state kept across invokes, zero at start), as the converter writes LSTM state."""
        t = self.tensor(shape, ttype, name)
        self.tensors[t].isVariable = True
        return t

    def const(self, arr, name=None):
        """A constant tensor of arr's values and shape (rank 0 arrays become shape [1]; see ``scalar``)."""
        np, s = self.np, self.s
        arr = np.ascontiguousarray(arr)
        ttype = {np.dtype(np.float32): s.TensorType.FLOAT32, np.dtype(np.float16): s.TensorType.FLOAT16,
                 np.dtype(np.int32): s.TensorType.INT32, np.dtype(np.int64): s.TensorType.INT64,
                 np.dtype(np.int8): s.TensorType.INT8, np.dtype(np.uint8): s.TensorType.UINT8,
                 np.dtype(np.int16): s.TensorType.INT16, np.dtype(np.bool_): s.TensorType.BOOL}[arr.dtype]
        b = s.BufferT()
        b.data = np.frombuffer(arr.tobytes(), dtype=np.uint8)
        self.buffers.append(b)
        return self._tensor(name or f"c{len(self.tensors)}", arr.shape, ttype, len(self.buffers) - 1)

    def scalar(self, value, dtype, name=None):
        """A rank-0 constant."""
        t = self.const(self.np.array([value], dtype), name)
        self.tensors[t].shape = []
        return t

    def weights(self, shape, scale=0.5, dtype=None):
        w = (self.rng.standard_normal(shape) * scale).astype(self.np.float32)
        return self.const(w if dtype is None else w.astype(dtype))

    # quantized tensors -------------------------------------------------------------------------
    def _quant(self, t, scale, zero_point, qdim=0):
        s, np = self.s, self.np
        q = s.QuantizationParametersT()
        q.scale = [float(x) for x in np.atleast_1d(scale)]
        q.zeroPoint = [int(x) for x in np.atleast_1d(zero_point)]
        q.quantizedDimension = int(qdim)
        self.tensors[t].quantization = q
        return t

    def qinput(self, shape, scale, zero_point, ttype=None, name=None):
        """A quantized graph input (int8 unless ttype says otherwise)."""
        t = self.input(shape, self.s.TensorType.INT8 if ttype is None else ttype, name)
        return self._quant(t, scale, zero_point)

    def qtensor(self, shape, scale, zero_point, ttype=None, name=None):
        t = self.tensor(shape, self.s.TensorType.INT8 if ttype is None else ttype, name)
        return self._quant(t, scale, zero_point)

    def qconst(self, arr, scale, zero_point, qdim=0, name=None):
        """A constant with quantization parameters (arr already holds the integer values)."""
        return self._quant(self.const(arr, name), scale, zero_point, qdim)

    def qweights(self, shape, qdim=0, per_channel=True, bits=8):
        """Seeded symmetric int8 weights, per-channel along qdim (as the converter writes them)."""
        np = self.np
        n = shape[qdim] if per_channel else 1
        scales = (self.rng.uniform(0.5, 1.5, size=n) / 127.0 * 0.5).astype(np.float32)
        q = self.rng.integers(-127, 128, size=shape).astype(np.int8)
        return self.qconst(q, scales, np.zeros(n, np.int64), qdim)

    def qbias(self, n, in_scale, w_scales, spread=2000):
        """int32 bias with scale in_scale * w_scale per channel, as the converter writes it."""
        np = self.np
        b = self.rng.integers(-spread, spread + 1, size=(n,)).astype(np.int32)
        sc = np.asarray(w_scales, np.float64) * float(in_scale)
        return self.qconst(b, sc.astype(np.float32), np.zeros(len(np.atleast_1d(sc)), np.int64), 0)

    def scales_of(self, t):
        return self.tensors[t].quantization.scale

    # ops ---------------------------------------------------------------------------------------
    def _code(self, builtin, custom=None, version=1):
        for i, c in enumerate(self.codes):
            if c.builtinCode == builtin and c.customCode == custom and c.version == version:
                return i
        c = self.s.OperatorCodeT()
        c.builtinCode = builtin
        c.deprecatedBuiltinCode = min(builtin, 127)
        c.customCode = custom
        c.version = version
        self.codes.append(c)
        return len(self.codes) - 1

    def op(self, name, inputs, outputs, options=None, custom=None, version=1, custom_options=b""):
        s = self.s
        o = s.OperatorT()
        o.opcodeIndex = self._code(getattr(s.BuiltinOperator, name), custom, version)
        o.inputs, o.outputs = list(inputs), list(outputs)
        if options is not None:
            opt_name, fields = options
            obj = getattr(s, opt_name + "T")()
            for k, v in fields.items():
                assert hasattr(obj, k), (opt_name, k)
                setattr(obj, k, v)
            o.builtinOptionsType = getattr(s.BuiltinOptions, opt_name)
            o.builtinOptions = obj
        if custom is not None:
            o.customOptions = list(custom_options)
        self.ops.append(o)
        return outputs[0] if outputs else None

    def output(self, *ts):
        self.outputs.extend(ts)

    def finish(self) -> bytes:
        import flatbuffers
        s = self.s
        subgraphs = []
        for b in [self] + self.children:
            g = s.SubGraphT()
            g.tensors, g.inputs, g.outputs, g.operators = b.tensors, b.inputs, b.outputs, b.ops
            g.name = "main" if b is self else b.name
            subgraphs.append(g)
        m = s.ModelT()
        m.version, m.operatorCodes, m.subgraphs, m.buffers = 3, self.codes, subgraphs, self.buffers
        m.description = f"slim generated: {self.name}"
        b = flatbuffers.Builder(1024)
        b.Finish(m.Pack(b), file_identifier=b"TFL3")
        return bytes(b.Output())
