"""slimrt: a tiny, zero-dependency interpreter for .tflite models.

Use it as you would tflite_runtime:  ``from slimrt.interpreter import Interpreter``.
``import slimrt`` loads only the extension module; numpy is optional and imported on first use.
"""

__version__ = "0.1.0"

from .interpreter import Interpreter, SignatureRunner  # noqa: E402,F401


def ops():
    """The ops this build of slimrt implements: a list of dicts with ``name`` (builtin op name, or the custom op's
    name), ``code`` (schema BuiltinOperator; 32 for custom ops), ``input_type`` (type of input 0 the kernel
    handles, ``"any"`` when the op dispatches on types itself), ``max_version`` and ``custom``."""
    from . import _slimrt
    return [dict(name=n, code=c, input_type=t, max_version=v, custom=cu) for n, c, t, v, cu in _slimrt.registered_ops()]
