"""slimrt.interpreter: a drop-in for ``tflite_runtime.interpreter`` / ``ai_edge_litert.interpreter``.

    from slimrt.interpreter import Interpreter   # was: from tflite_runtime.interpreter import Interpreter

numpy is optional. With numpy, tensors are ndarrays and dtypes are numpy types, as in TFLite. Without it,
``get_tensor`` returns a ``memoryview`` (with ``format`` and ``shape``), ``set_tensor`` takes any buffer
(``array.array``, ``memoryview``, ``bytes``) of the right size, and dtypes are strings such as ``"float32"``.
numpy is imported on first use, never by ``import slimrt``.
"""

import enum
import os
import sys

from . import _slimrt

__all__ = ["Interpreter", "SignatureRunner", "OpResolverType", "load_delegate"]

# TensorType code -> (name, struct format)
_TYPES = {
    0: ("float32", "f"), 1: ("float16", "e"), 2: ("int32", "i"), 3: ("uint8", "B"), 4: ("int64", "q"),
    5: ("string", None), 6: ("bool", "?"), 7: ("int16", "h"), 8: ("complex64", "Zf"), 9: ("int8", "b"),
    10: ("float64", "d"), 11: ("complex128", "Zd"), 12: ("uint64", "Q"), 13: ("resource", "i"),
    14: ("variant", None), 15: ("uint32", "I"), 16: ("uint16", "H"), 17: ("int4", None),
}

_numpy = None


def _np():
    """numpy if it can be imported, else None (looked up once, on first use)."""
    global _numpy
    if _numpy is None:
        try:
            import numpy
            _numpy = numpy
        except ImportError:
            _numpy = False
    return _numpy or None


class OpResolverType(enum.Enum):
    """Accepted for compatibility; slimrt has one kernel set."""
    AUTO = 0
    BUILTIN = 1
    BUILTIN_REF = 2
    BUILTIN_WITHOUT_DEFAULT_DELEGATES = 3


def load_delegate(library, options=None):
    raise ValueError("slimrt does not support delegates (tried to load %r)" % (library,))


class Interpreter:
    """Runs a .tflite model. Same constructor and methods as tflite_runtime's Interpreter."""

    def __init__(self, model_path=None, model_content=None, experimental_delegates=None, num_threads=None,
                 experimental_op_resolver_type=OpResolverType.AUTO, experimental_preserve_all_tensors=False,
                 **_ignored):
        if model_path is not None and model_content is not None:
            raise ValueError("Can't both provide `model_path` and `model_content`")
        if experimental_delegates:
            raise ValueError("slimrt does not support delegates")
        if num_threads is None or num_threads == -1:
            num_threads = 1
        if not isinstance(num_threads, int) or num_threads < 1:
            raise ValueError("num_threads should be >= 1, or None/-1 for the default")
        if model_path is not None:
            self._engine = _slimrt.Engine.from_file(os.fspath(model_path), num_threads)
        elif model_content is not None:
            self._engine = _slimrt.Engine(model_content, num_threads)
        else:
            raise ValueError("Can't create interpreter without `model_path` or `model_content`")
        if experimental_preserve_all_tensors:
            self._engine.set_preserve_all_tensors(True)  # no graph fusions: every intermediate stays readable
        self._signatures = {key: (sg, dict(inputs), dict(outputs))
                            for key, sg, inputs, outputs in self._engine.signatures()}

    # ---- details -------------------------------------------------------------------------------------------
    def _details(self, index, subgraph=0):
        name, type_code, shape, signature, scales, zero_points, qdim, sparse, _ = \
            self._engine.tensor_info(subgraph, index)
        type_name = _TYPES.get(type_code, ("unknown", None))[0]
        np = _np()
        if np is not None:
            dtype = np.dtype(type_name).type if type_name not in ("string", "resource", "variant", "int4", "unknown") \
                else {"string": np.bytes_, "resource": np.object_, "variant": np.object_}.get(type_name, np.void)
            shape_v = np.array(shape, dtype=np.int32)
            sig_v = np.array(signature, dtype=np.int32)
            scales_v = np.array(scales, dtype=np.float32)
            # The schema stores int64 zero points; the official runtime keeps their low 32 bits.
            zps_v = np.array(zero_points, dtype=np.int64).astype(np.int32)
        else:
            dtype, shape_v, sig_v, scales_v, zps_v = type_name, tuple(shape), tuple(signature), \
                tuple(scales), tuple(zero_points)
        quant = (float(scales[0]), int(zero_points[0])) if len(scales) == 1 else (0.0, 0)
        return {
            "name": name,
            "index": index,
            "shape": shape_v,
            "shape_signature": sig_v,
            "dtype": dtype,
            "quantization": quant,
            "quantization_parameters": {"scales": scales_v, "zero_points": zps_v, "quantized_dimension": qdim,
                                        "block_size": 0},
            "sparsity_parameters": {},
        }

    def get_input_details(self):
        return [self._details(i) for i in self._engine.subgraph_info(0)[1]]

    def get_output_details(self):
        return [self._details(i) for i in self._engine.subgraph_info(0)[2]]

    def get_tensor_details(self):
        return [self._details(i) for i in range(self._engine.subgraph_info(0)[3])]

    def _get_ops_details(self):
        return [{"index": i, "op_name": name, "inputs": list(ins), "outputs": list(outs), "version": version}
                for i, name, ins, outs, version in self._engine.ops(0)]

    # ---- lifecycle -----------------------------------------------------------------------------------------
    def allocate_tensors(self):
        self._engine.allocate(0)

    def invoke(self):
        self._engine.invoke(0)

    def reset_all_variables(self):
        self._engine.reset_variables()

    def resize_tensor_input(self, input_index, tensor_size, strict=False):
        _resize(self._engine, 0, input_index, tensor_size, strict)

    # ---- data ----------------------------------------------------------------------------------------------
    def set_tensor(self, tensor_index, value):
        _set(self._engine, 0, tensor_index, value)

    def get_tensor(self, tensor_index, subgraph_index=0):
        return _get(self._engine, subgraph_index, tensor_index)

    def tensor(self, tensor_index):
        """A function returning a view (no copy) of the tensor's current memory. Do not hold it across
        allocate_tensors()/invoke(): the memory may move or be reused."""
        engine = self._engine

        def view():
            buf = engine.buffer(0, tensor_index)
            np = _np()
            return np.asarray(buf) if np is not None else memoryview(buf)
        return view

    # ---- signatures ----------------------------------------------------------------------------------------
    def get_signature_list(self):
        return {key: {"inputs": sorted(ins), "outputs": sorted(outs)}
                for key, (_, ins, outs) in self._signatures.items()}

    def get_signature_runner(self, signature_key=None):
        if signature_key is None:
            if len(self._signatures) != 1:
                raise ValueError("SignatureDef signature_key is None and the model has %d signatures"
                                 % len(self._signatures))
            signature_key = next(iter(self._signatures))
        if signature_key not in self._signatures:
            raise ValueError("SignatureDef signature_key %r not found (the model has %s)"
                             % (signature_key, sorted(self._signatures)))
        return SignatureRunner(self, signature_key)


class SignatureRunner:
    """Runs one signature: ``runner(input_name=array, ...) -> {output_name: array}``."""

    def __init__(self, interpreter, signature_key):
        self._engine = interpreter._engine
        self._interpreter = interpreter
        self._subgraph, self._inputs, self._outputs = interpreter._signatures[signature_key]
        self._engine.allocate(self._subgraph)

    def get_input_details(self):
        return {n: self._interpreter._details(i, self._subgraph) for n, i in sorted(self._inputs.items())}

    def get_output_details(self):
        return {n: self._interpreter._details(i, self._subgraph) for n, i in sorted(self._outputs.items())}

    def allocate_tensors(self):
        self._engine.allocate(self._subgraph)

    def resize_input(self, input_name, new_shape):
        self._engine.resize_input(self._subgraph, self._input_index(input_name), list(new_shape))

    def _input_index(self, name):
        if name not in self._inputs:
            raise ValueError("Invalid Input name (%s) for SignatureDef (expected one of %s)"
                             % (name, sorted(self._inputs)))
        return self._inputs[name]

    def __call__(self, **kwargs):
        if len(kwargs) != len(self._inputs):
            raise ValueError("Invalid number of inputs provided for running a SignatureDef, expected %d vs "
                             "provided %d" % (len(self._inputs), len(kwargs)))
        for name, value in kwargs.items():
            index = self._input_index(name)
            shape = _shape_of(value)
            if shape is not None and tuple(shape) != tuple(self._engine.tensor_info(self._subgraph, index)[2]):
                self._engine.resize_input(self._subgraph, index, list(shape))
        if not self._engine.subgraph_info(self._subgraph)[4]:
            self._engine.allocate(self._subgraph)
        for name, value in kwargs.items():
            _set(self._engine, self._subgraph, self._inputs[name], value)
        self._engine.invoke(self._subgraph)
        return {n: _get(self._engine, self._subgraph, i) for n, i in self._outputs.items()}


# ---- shared helpers -----------------------------------------------------------------------------------------

def _shape_of(value):
    shape = getattr(value, "shape", None)
    return tuple(int(d) for d in shape) if shape is not None else None


def _resize(engine, subgraph, index, tensor_size, strict):
    shape = [int(d) for d in tensor_size]
    if strict:
        signature = engine.tensor_info(subgraph, index)[3]
        for k, (old, new) in enumerate(zip(signature, shape)):
            if old != -1 and old != new:
                raise ValueError("ResizeInputTensorStrict only allows mutating unknown dimensions identified "
                                 "by -1 (dimension %d is %d, asked for %d)" % (k, old, new))
        if len(signature) != len(shape):
            raise ValueError("ResizeInputTensorStrict cannot change the rank (%d -> %d)"
                             % (len(signature), len(shape)))
    engine.resize_input(subgraph, index, shape)


def _set(engine, subgraph, index, value):
    name, type_code, shape = engine.tensor_info(subgraph, index)[:3]
    type_name, fmt = _TYPES.get(type_code, ("unknown", None))
    np = _np()
    if np is not None and not isinstance(value, (bytes, bytearray, memoryview)):
        arr = np.asarray(value)
        if arr.dtype != np.dtype(type_name):
            raise ValueError("Cannot set tensor: Got value of type %s but expected type %s for input %d, name: %s"
                             % (arr.dtype.name.upper(), type_name.upper(), index, name))
        if tuple(arr.shape) != tuple(shape):
            raise ValueError("Cannot set tensor: Dimension mismatch. Got %s but expected %s for input %d."
                             % (list(arr.shape), list(shape), index))
        engine.set_tensor(subgraph, index, np.ascontiguousarray(arr))
        return
    view = memoryview(value)
    if not view.c_contiguous:
        raise ValueError("Cannot set tensor %d (%s): the buffer is not C-contiguous" % (index, name))
    if view.format not in ("B", "b", "c") and fmt is not None and view.format.lstrip("@=<") != fmt:
        raise ValueError("Cannot set tensor: Got buffer of format %r but expected %r (%s) for input %d, name: %s"
                         % (view.format, fmt, type_name, index, name))
    if view.ndim > 1 and tuple(view.shape) != tuple(shape):
        raise ValueError("Cannot set tensor: Dimension mismatch. Got %s but expected %s for input %d."
                         % (list(view.shape), list(shape), index))
    engine.set_tensor(subgraph, index, view.cast("B") if view.ndim != 1 or view.format != "B" else view)


def _get(engine, subgraph, index):
    buf = engine.buffer(subgraph, index)
    np = _np()
    if np is not None:
        return np.array(buf, copy=True)
    view = memoryview(buf)
    copy = bytearray(view.cast("B")) if view.nbytes else bytearray()
    shape = view.shape
    if view.nbytes == 0 or not shape:
        return memoryview(copy).cast(view.format) if view.nbytes else memoryview(copy)
    return memoryview(copy).cast(view.format, shape)
