"""slimrt: a tiny, zero-dependency interpreter for .tflite models.

Use it as you would tflite_runtime:  ``from slimrt.interpreter import Interpreter``.
``import slimrt`` loads only the extension module; numpy is optional and imported on first use.
"""

__version__ = "0.1.0"

from .interpreter import Interpreter, SignatureRunner  # noqa: E402,F401
