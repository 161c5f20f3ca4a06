"""Generated single-op (or few-op) test models: the builder, the case registry and the cases.

Each family of ops has its own module ``cases_<family>.py`` that registers cases with ``@case`` (or helpers
calling ``case``); ``scripts/gen_op_models.py`` builds every registered case and records the official runtime's
outputs. Adding a family: a new ``cases_<family>.py`` module here (found by name).
"""
from __future__ import annotations

import importlib
from pathlib import Path

NONE, RELU, RELU_N1_TO_1, RELU6, TANH = 0, 1, 2, 3, 4
SAME, VALID = 0, 1

CASES = {}
# Per-case options beyond the CASES tuple (kept out of it so existing unpacking stays valid):
#   exact_kernels: the kernel set whose integer outputs are the bit-exact reference ("BUILTIN_REF" by default;
#                  "BUILTIN_WITHOUT_DEFAULT_DELEGATES" where ai-edge-litert's reference kernel is known wrong).
#   alt_kernels:   the second kernel set for float outputs ("AUTO", i.e. XNNPACK, by default; the builtin kernels
#                  again where the XNNPACK delegate is known wrong).
CASE_OPTIONS = {}


def case(name, expect="match", error_contains=(), scale=1.0, ref_builder=None, exact_kernels=None,
         alt_kernels=None):
    """Register a case.  ``ref_builder``: the official reference comes from that (equivalent) model instead,
    for models the official runtime refuses or crashes on (expect ``match_or_error``).  Integer outputs are
    compared bit-exact with the official reference kernels (BUILTIN_REF); float outputs within tolerance of
    the builtin kernels and XNNPACK."""
    def deco(fn):
        if name in CASES:
            raise ValueError(f"duplicate case name {name}")
        CASES[name] = (fn, expect, tuple(error_contains), scale, ref_builder)
        opts = {k: v for k, v in (("exact_kernels", exact_kernels), ("alt_kernels", alt_kernels)) if v}
        if opts:
            CASE_OPTIONS[name] = opts
        return fn
    return deco


def load_all():
    for mod in sorted(Path(__file__).parent.glob("cases_*.py")):
        importlib.import_module(f"{__name__}.{mod.stem}")
    return CASES
