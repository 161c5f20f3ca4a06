"""Elementwise family, binary ops: ADD/SUB/MUL, DIV/FLOOR_DIV/FLOOR_MOD/POW/MAXIMUM/MINIMUM/SQUARED_DIFFERENCE,
comparisons and LOGICAL_AND/OR, on every type the official runtime supports for them; the shared case helpers.
(Unary ops, activations, PRELU, SELECT, CAST, FILL, ZEROS_LIKE, ADD_N: cases_elementwise_unary.py.)

Quantized cases use realistic scales and zero points (as the converter writes them) and awkward ones (zero points at
the type limits, tiny and huge scales) so the fixed-point paths are exercised; integer outputs are compared bit for
bit with the official reference kernels.
"""
from __future__ import annotations

from . import RELU, RELU6, RELU_N1_TO_1, TANH, case

SIGN_BIT = 5
OPTIONS = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions", "DIV": "DivOptions",
           "FLOOR_DIV": "FloorDivOptions", "FLOOR_MOD": "FloorModOptions", "POW": "PowOptions",
           "MAXIMUM": "MaximumMinimumOptions", "MINIMUM": "MaximumMinimumOptions",
           "SQUARED_DIFFERENCE": "SquaredDifferenceOptions"}
TYPES = {"f32": "FLOAT32", "i8": "INT8", "u8": "UINT8", "i16": "INT16", "i32": "INT32", "i64": "INT64",
         "bool": "BOOL", "f64": "FLOAT64", "f16": "FLOAT16", "u16": "UINT16", "u32": "UINT32"}


def broadcast_shape(*shapes):
    r = max(len(s) for s in shapes)
    out = []
    for i in range(r):
        dims = [s[i - (r - len(s))] if i >= r - len(s) else 1 for s in shapes]
        big = [d for d in dims if d != 1]
        out.append(big[0] if big else 1)
    return tuple(out)


def tensor_type(g, t):
    return getattr(g.s.TensorType, TYPES[t])


def make_operand(g, t, shape, q=None, const=False):
    """A graph input (or a seeded constant) of type t; q = (scale, zero_point) for quantized tensors."""
    np = g.np
    if const:
        if t == "f32":
            return g.weights(shape, 1.0)
        dt = {"i8": np.int8, "u8": np.uint8, "i16": np.int16, "i32": np.int32, "i64": np.int64}[t]
        info = np.iinfo(dt)
        lo, hi = (int(info.min), int(info.max) + 1) if q else (-5, 6)
        arr = g.rng.integers(lo, hi, size=shape).astype(dt)
        return g.qconst(arr, q[0], q[1]) if q else g.const(arr)
    if q:
        return g.qinput(shape, q[0], q[1], tensor_type(g, t))
    return g.input(shape, tensor_type(g, t))


def make_result(g, t, shape, q=None):
    return g.qtensor(shape, q[0], q[1], tensor_type(g, t)) if q else g.tensor(shape, tensor_type(g, t))


def binary_case(name, op, t, a_shape, b_shape, qa=None, qb=None, qo=None, act=None, pot=None, b_const=False,
                int_range=None, out_type=None, values=None, **kw):
    """op(a, b) with numpy broadcasting. qa/qb/qo: (scale, zero_point) of quantized inputs/output.
    int_range: ((lo, hi), (lo, hi)) of integer inputs; values(g): {input index: array} of explicit inputs."""
    @case(name, **kw)
    def build(g):
        a = make_operand(g, t, a_shape, qa)
        b = make_operand(g, t, b_shape, qb, const=b_const)
        y = make_result(g, out_type or t, broadcast_shape(a_shape, b_shape), qo)
        fields = {}
        if act is not None:
            fields["fusedActivationFunction"] = act
        if pot is not None and op in ("ADD", "SUB"):
            fields["potScaleInt16"] = pot
        options = (OPTIONS[op], fields) if op in OPTIONS else None
        g.op(op, [a, b], [y], options)
        g.output(y)
        if int_range is not None:
            g.int_inputs = {0: int_range[0], 1: int_range[1]}
        if values is not None:
            g.input_values = values(g)


# ---- ADD / SUB / MUL: quantized int8 / uint8 / int16, plain int16 / int32 / int64 -----------------------------------

I8 = (0.05, -3)          # a typical int8 activation
I8B = (0.11, 20)
I8O = (0.13, -7)
U8, U8B, U8O = (0.04, 128), (0.09, 100), (0.12, 131)
I16, I16B, I16O = (0.0004, 0), (0.00025, 0), (0.0006, 0)

for _op in ("ADD", "SUB", "MUL"):
    _n = _op.lower()
    _o8 = (0.05 * 0.11 * 40, 5) if _op == "MUL" else I8O
    _o16 = (0.0004 * 0.00025 * 3000, 0) if _op == "MUL" else I16O
    binary_case(f"{_n}_i8", _op, "i8", (2, 5, 7), (2, 5, 7), I8, I8B, _o8)
    binary_case(f"{_n}_i8_bcast_channel_const", _op, "i8", (1, 4, 4, 6), (6,), I8, I8B, _o8, b_const=True)
    binary_case(f"{_n}_i8_bcast_scalar", _op, "i8", (3, 17), (), I8, I8B, _o8, b_const=True)
    binary_case(f"{_n}_i8_bcast_both", _op, "i8", (4, 1, 3), (1, 5, 1), I8, I8B, _o8)
    binary_case(f"{_n}_i8_rank6", _op, "i8", (2, 1, 3, 1, 2, 1), (1, 2, 1, 2, 1, 3), I8, I8B, _o8)
    binary_case(f"{_n}_i8_relu", _op, "i8", (3, 40), (3, 40), I8, I8B, _o8, act=RELU)
    binary_case(f"{_n}_i8_relu6", _op, "i8", (3, 40), (3, 40), (0.1, 0), (0.1, -20), (0.05, -128), act=RELU6)
    binary_case(f"{_n}_i8_relu_n1_to_1", _op, "i8", (3, 40), (3, 40), (0.02, 5), (0.015, -9), (0.01, 0),
                act=RELU_N1_TO_1)
    binary_case(f"{_n}_i8_tanh_ignored", _op, "i8", (3, 40), (3, 40), I8, I8B, _o8, act=TANH)
    binary_case(f"{_n}_i8_zp_limits", _op, "i8", (4, 64), (4, 64), (0.03, -128), (0.07, 127),
                ((0.5, 127) if _op == "MUL" else (0.09, -128)))
    binary_case(f"{_n}_i8_tiny_scales", _op, "i8", (4, 64), (4, 64), (1e-6, 1), (3e-6, -2),
                ((1e-10, 0) if _op == "MUL" else (5e-6, 4)))
    binary_case(f"{_n}_i8_huge_scales", _op, "i8", (4, 64), (4, 64), (300.0, 10), (70.0, -10),
                ((30000.0, 1) if _op == "MUL" else (500.0, 0)))
    binary_case(f"{_n}_i8_same_scales", _op, "i8", (4, 64), (4, 64), I8, I8, I8)
    binary_case(f"{_n}_u8", _op, "u8", (2, 6, 5), (2, 6, 5), U8, U8B, (_o8[0], 128))
    binary_case(f"{_n}_u8_bcast", _op, "u8", (2, 6, 5), (6, 1), U8, U8B, (_o8[0], 120), act=RELU)
    binary_case(f"{_n}_i16", _op, "i16", (3, 50), (3, 50), I16, I16B, _o16, pot=False)
    binary_case(f"{_n}_i16_bcast_relu", _op, "i16", (3, 1, 50), (4, 1), I16, I16B, _o16, act=RELU, pot=False)
    if _op != "SUB":
        binary_case(f"{_n}_i16_plain", _op, "i16", (4, 30), (4, 30), int_range=((-32768, 32768), (-32768, 32768)))
    binary_case(f"{_n}_i32_relu6", _op, "i32", (3, 20), (20,), act=RELU6, int_range=((-10, 10), (-10, 10)))
    binary_case(f"{_n}_i32_wrap", _op, "i32", (40,), (40,),
                int_range=((-2**31, 2**31), (-2**31, 2**31)))
    binary_case(f"{_n}_i64", _op, "i64", (2, 3, 4), (3, 1), int_range=((-2**62, 2**62), (-2**40, 2**40)))
    binary_case(f"{_n}_i64_relu", _op, "i64", (30,), (30,), act=RELU, int_range=((-100, 100), (-100, 100)))
    binary_case(f"{_n}_f32_sign_bit_ignored", _op, "f32", (2, 3, 5), (5,), act=SIGN_BIT)
    binary_case(f"{_n}_i8_empty", _op, "i8", (0, 3), (3,), I8, I8B, _o8)
    binary_case(f"{_n}_i16_nonzero_zp", _op, "i16", (3, 5), (3, 5), (0.001, 3), I16B, _o16, pot=False,
                expect="error", error_contains=("zero point",))
    binary_case(f"{_n}_i8_mixed_types", _op, "i8", (3, 5), (3, 5), I8, I8B, _o8, out_type="u8",
                expect="error", error_contains=("type",))

def nonzero(t, shape, zero=0, lo=None, hi=None):
    """values(g) for input 1: seeded values of type t in [lo, hi) (default: the whole type) avoiding `zero`."""
    def make(g):
        np = g.np
        dt = {"i8": np.int8, "u8": np.uint8, "i16": np.int16, "i32": np.int32, "i64": np.int64,
              "f32": np.float32}[t]
        if t == "f32":
            v = (g.rng.standard_normal(shape) * 3).astype(dt)
            return {1: np.where(v == 0, dt(1), v).astype(dt)}
        info = np.iinfo(dt)
        v = g.rng.integers(info.min if lo is None else lo, (info.max + 1) if hi is None else hi, size=shape)
        return {1: np.where(v == zero, zero + 1 if zero < info.max else zero - 1, v).astype(dt)}
    return make


# int16 ADD/SUB with power-of-two scales and pot_scale_int16 (the default): the LSTM-style path.
binary_case("add_i16_pot", "ADD", "i16", (4, 50), (4, 50), (2**-12, 0), (2**-12, 0), (2**-12, 0))
binary_case("add_i16_pot_shift_a", "ADD", "i16", (4, 50), (4, 50), (2**-15, 0), (2**-11, 0), (2**-11, 0), act=RELU)
binary_case("sub_i16_pot_shift_b", "SUB", "i16", (4, 50), (4, 50), (2**-10, 0), (2**-13, 0), (2**-10, 0))
binary_case("sub_i16_pot_bcast", "SUB", "i16", (3, 4, 20), (4, 1), (2**-12, 0), (2**-14, 0), (2**-12, 0))
binary_case("add_i16_pot_both_shifted", "ADD", "i16", (4, 5), (4, 5), (2**-14, 0), (2**-13, 0), (2**-11, 0),
            expect="error", error_contains=("power-of-two",))
# Output scale so small that the output multiplier exceeds 1: the reference kernel's shift is undefined there.
binary_case("add_i8_output_multiplier_too_large", "ADD", "i8", (2, 3), (2, 3), (1.0, 0), (1.0, 0), (1e-7, 0),
            expect="error", error_contains=("multiplier",))


def _sub_i16_plain(g, as_add):
    a = g.input((4, 30), g.s.TensorType.INT16)
    b = g.input((4, 30), g.s.TensorType.INT16)
    y = g.tensor((4, 30), g.s.TensorType.INT16)
    if as_add:  # a - b == a + (-b) in 16-bit two's complement
        nb = g.tensor((4, 30), g.s.TensorType.INT16)
        g.op("NEG", [b], [nb])
        g.op("ADD", [a, nb], [y], ("AddOptions", {}))
    else:
        g.op("SUB", [a, b], [y], ("SubOptions", {}))
    g.output(y)
    g.int_inputs = {0: (-32768, 32768), 1: (-32768, 32768)}


# The official runtime crashes on SUB of unquantized int16; the reference is the same arithmetic as ADD(a, NEG(b)).
case("sub_i16_plain", expect="match_or_error", ref_builder=lambda g: _sub_i16_plain(g, True))(
    lambda g: _sub_i16_plain(g, False))


# ---- DIV, FLOOR_DIV, FLOOR_MOD, POW, MAXIMUM, MINIMUM, SQUARED_DIFFERENCE -------------------------------------------

binary_case("div_f32", "DIV", "f32", (3, 4, 5), (3, 4, 5), values=nonzero("f32", (3, 4, 5)))
binary_case("div_f32_bcast_relu6", "DIV", "f32", (2, 3, 8), (8,), act=RELU6, values=nonzero("f32", (8,)))
binary_case("div_i32", "DIV", "i32", (4, 25), (4, 25), int_range=((-1000, 1000), None),
            values=nonzero("i32", (4, 25), lo=-30, hi=30))
binary_case("div_i32_bcast_relu", "DIV", "i32", (3, 10), (1, 10), act=RELU, int_range=((-1000, 1000), None),
            values=nonzero("i32", (1, 10), lo=-9, hi=9))
binary_case("div_i32_int_min_by_minus_one", "DIV", "i32", (4,), (4,),
            values=lambda g: {0: g.np.array([-2**31, 7, -7, 2**31 - 1], g.np.int32),
                              1: g.np.array([-1, -2, 2, -1], g.np.int32)})
for _t, _q in (("i8", ((0.1, 3), (0.05, -20), (0.2, 5))), ("u8", ((0.1, 130), (0.05, 120), (0.2, 128))),
               ("i16", ((0.001, 0), (0.0005, 0), (0.002, 0)))):
    binary_case(f"div_{_t}", "DIV", _t, (4, 40), (4, 40), *_q, values=nonzero(_t, (4, 40), _q[1][1]))
    binary_case(f"div_{_t}_bcast_relu", "DIV", _t, (3, 4, 10), (10,), *_q, act=RELU,
                values=nonzero(_t, (10,), _q[1][1]))
# Dividends at the zero point and tiny output multipliers: the reference's shifts go past 31 bits there.
binary_case("div_i8_awkward_scales", "DIV", "i8", (4, 64), (4, 64), (1e-4, 127), (30.0, -128), (0.5, -128),
            values=nonzero("i8", (4, 64), -128))
binary_case("div_i8_large_multiplier", "DIV", "i8", (4, 64), (4, 64), (0.5, 0), (0.01, 0), (1e-4, 0),
            values=nonzero("i8", (4, 64), 0))
binary_case("div_i8_huge_multiplier", "DIV", "i8", (2, 3), (2, 3), (50.0, 0), (1e-5, 0), (1e-5, 0),
            expect="error", error_contains=("multiplier",))

for _t in ("f32", "i8", "i16", "i32"):
    binary_case(f"floor_div_{_t}", "FLOOR_DIV", _t, (4, 30), (4, 30),
                int_range=((-100, 100), None), values=nonzero(_t, (4, 30), lo=-9, hi=10))
    binary_case(f"floor_div_{_t}_bcast", "FLOOR_DIV", _t, (2, 3, 5), (5,),
                int_range=((-100, 100), None), values=nonzero(_t, (5,), lo=-4, hi=5))
for _t in ("f32", "i8", "i16", "i32", "i64"):
    binary_case(f"floor_mod_{_t}", "FLOOR_MOD", _t, (4, 30), (4, 30),
                int_range=((-100, 100), None), values=nonzero(_t, (4, 30), lo=-9, hi=10))
    binary_case(f"floor_mod_{_t}_bcast", "FLOOR_MOD", _t, (2, 3, 5), (3, 1),
                int_range=((-100, 100), None), values=nonzero(_t, (3, 1), lo=-4, hi=5))
binary_case("floor_div_i8_min_by_minus_one", "FLOOR_DIV", "i8", (3,), (3,),
            values=lambda g: {0: g.np.array([-128, 127, -128], g.np.int8), 1: g.np.array([-1, -1, 3], g.np.int8)})
# (INT32_MIN % -1 is left out: the official kernel dies of SIGFPE on it; slimrt gives 0.)
binary_case("floor_mod_i32_extremes", "FLOOR_MOD", "i32", (4,), (4,),
            values=lambda g: {0: g.np.array([-2**31, 2**31 - 1, -7, 7], g.np.int32),
                              1: g.np.array([5, -2**31, 3, -3], g.np.int32)})
binary_case("pow_f32", "POW", "f32", (3, 20), (3, 20), values=lambda g: {
    0: g.np.abs(g.rng.standard_normal((3, 20)) * 2).astype(g.np.float32),
    1: (g.rng.standard_normal((3, 20)) * 2).astype(g.np.float32)})
binary_case("pow_f32_negative_base_int_exponent", "POW", "f32", (12,), (12,), values=lambda g: {
    0: (g.rng.standard_normal(12) * 3).astype(g.np.float32),
    1: g.rng.integers(-3, 4, size=12).astype(g.np.float32)})
binary_case("pow_i32", "POW", "i32", (4, 10), (10,), int_range=((-9, 10), (0, 9)))
binary_case("pow_i32_overflow", "POW", "i32", (6,), (6,), values=lambda g: {
    0: g.np.array([2, -2, 3, 10, 46341, -3], g.np.int32), 1: g.np.array([31, 31, 20, 10, 2, 21], g.np.int32)})
for _op in ("MAXIMUM", "MINIMUM"):
    _n = _op.lower()
    binary_case(f"{_n}_f32", _op, "f32", (3, 4, 5), (3, 4, 5))
    binary_case(f"{_n}_f32_bcast", _op, "f32", (2, 1, 5), (3, 1))
    binary_case(f"{_n}_i8", _op, "i8", (4, 30), (30,), I8, I8, I8)
    binary_case(f"{_n}_u8", _op, "u8", (4, 30), (4, 30), U8, U8, U8)
    binary_case(f"{_n}_i16", _op, "i16", (4, 30), (4, 1), I16, I16, I16)
    binary_case(f"{_n}_i32", _op, "i32", (4, 30), (), int_range=((-50, 50), (-10, 10)))
    binary_case(f"{_n}_i64", _op, "i64", (4, 30), (4, 30), int_range=((-2**62, 2**62), (-2**62, 2**62)))
binary_case("squared_difference_f32", "SQUARED_DIFFERENCE", "f32", (3, 4, 5), (3, 4, 5))
binary_case("squared_difference_f32_bcast", "SQUARED_DIFFERENCE", "f32", (1, 4, 6), (6,))
binary_case("squared_difference_i32", "SQUARED_DIFFERENCE", "i32", (3, 20), (20,), int_range=((-500, 500), (-500, 500)))
binary_case("squared_difference_i8", "SQUARED_DIFFERENCE", "i8", (4, 40), (4, 40), (0.05, -3), (0.07, 10), (0.3, -128))
binary_case("squared_difference_i8_bcast", "SQUARED_DIFFERENCE", "i8", (2, 5, 8), (8,), (0.02, 0), (0.02, 0), (0.01, -100))
binary_case("squared_difference_u8_unsupported", "SQUARED_DIFFERENCE", "u8", (3,), (3,), U8, U8, U8,
            expect="error", error_contains=("uint8",))
binary_case("pow_i8_unsupported", "POW", "i8", (3,), (3,), I8, I8, I8, expect="error", error_contains=("int8",))


# ---- comparisons, logical ops -----------------------------------------------------------------------------------------

def compare_case(name, op, t, a_shape, b_shape, qa=None, qb=None, **kw):
    binary_case(name, op, t, a_shape, b_shape, qa, qb, out_type="bool", **kw)


_SMALL = ((-3, 4), (-3, 4))  # few distinct values, so that equal elements occur
for _op in ("EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL"):
    _n = _op.lower()
    compare_case(f"{_n}_f32", _op, "f32", (3, 4, 5), (3, 4, 5),
                 values=lambda g: {0: g.rng.integers(-3, 4, size=(3, 4, 5)).astype(g.np.float32),
                                   1: g.rng.integers(-3, 4, size=(3, 4, 5)).astype(g.np.float32)})
    compare_case(f"{_n}_f32_bcast", _op, "f32", (2, 1, 5), (3, 1))
    compare_case(f"{_n}_i32", _op, "i32", (4, 10), (10,), int_range=_SMALL)
    compare_case(f"{_n}_i64_scalar", _op, "i64", (3, 7), (), int_range=_SMALL)
    compare_case(f"{_n}_i8", _op, "i8", (4, 30), (4, 30), (0.05, -3), (0.05, -3))
    compare_case(f"{_n}_i8_scales_differ", _op, "i8", (4, 30), (30,), (0.05, -3), (0.11, 20))
    compare_case(f"{_n}_u8_scales_differ", _op, "u8", (2, 3, 8), (1, 8), (0.02, 128), (0.9, 3))
    compare_case(f"{_n}_i8_scale_above_one", _op, "i8", (4, 30), (4, 30), (1.5, 0), (3.0, 10))
    if _op != "NOT_EQUAL":
        compare_case(f"{_n}_i16", _op, "i16", (4, 20), (20,), int_range=_SMALL)
    compare_case(f"{_n}_i16_quantized", _op, "i16", (4, 20), (4, 20), (0.001, 0), (0.002, 0), int_range=_SMALL)
compare_case("equal_bool", "EQUAL", "bool", (3, 4), (4,))
compare_case("not_equal_bool", "NOT_EQUAL", "bool", (3, 4), (3, 1))
compare_case("less_bool_unsupported", "LESS", "bool", (3,), (3,), expect="error", error_contains=("bool",))
compare_case("not_equal_i16_plain_refused", "NOT_EQUAL", "i16", (3,), (3,), expect="error",
             error_contains=("int16",))
compare_case("equal_i8_unquantized", "EQUAL", "i8", (3,), (3,), expect="error", error_contains=("per-tensor",))
binary_case("equal_f32_float_output", "EQUAL", "f32", (3,), (3,), expect="error", error_contains=("bool",))
for _op in ("LOGICAL_AND", "LOGICAL_OR"):
    _n = _op.lower()
    binary_case(f"{_n}", _op, "bool", (3, 4, 5), (3, 4, 5))
    binary_case(f"{_n}_bcast", _op, "bool", (2, 1, 5), (3, 1))
    binary_case(f"{_n}_f32_unsupported", _op, "f32", (3,), (3,), expect="error", error_contains=("float32",))
